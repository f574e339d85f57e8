#include "policy/values.h"

#include <cstddef>
#include <cstdio>
#include <limits>

namespace gatehouse::policy {
namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads 1..max_digits decimal digits at text[pos] into value; false if there are
// none or more than max_digits.
bool read_digits(std::string_view text, std::size_t& pos, int max_digits, int& value) noexcept {
  int count = 0;
  value = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (++count > max_digits) return false;
    value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  return count > 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil). A day past the month's end rolls into the next month, which
// is what the grammar's plain 1..31 day range implies for "2021-02-31".
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr CivilDate civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// The year bounds of Appendix B (the range a Java long of milliseconds can hold).
constexpr std::int64_t kMinYear = -292275054;
constexpr std::int64_t kMaxYear = 292278993;

std::optional<Instant> parse_epoch(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return Instant{static_cast<std::int64_t>(value), 0};
}

// iso = date [ ("T" / "t") [ time ] ], Appendix B; moto's AWS-derived parser.
std::optional<Instant> parse_iso(std::string_view text) noexcept {
  std::size_t pos = 0;
  const bool negative_year = !text.empty() && text[0] == '-';
  if (negative_year) ++pos;

  // Year: any number of digits; saturate so that huge years fail the range check.
  std::int64_t year = 0;
  const std::size_t year_start = pos;
  while (pos < text.size() && is_digit(text[pos])) {
    if (year <= kMaxYear) year = year * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == year_start) return std::nullopt;
  if (negative_year) year = -year;
  if (year < kMinYear || year > kMaxYear) return std::nullopt;

  int month = 1;
  int day = 1;
  if (pos < text.size() && text[pos] == '-') {
    ++pos;
    if (!read_digits(text, pos, 2, month) || month < 1 || month > 12) return std::nullopt;
    if (pos < text.size() && text[pos] == '-') {
      ++pos;
      if (!read_digits(text, pos, 2, day) || day < 1 || day > 31) return std::nullopt;
    }
  }

  int hour = 0;
  int minute = 0;
  int second = 0;
  std::int32_t nanos = 0;
  int offset_seconds = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't') return std::nullopt;
    ++pos;
  }
  if (pos < text.size()) {
    if (!read_digits(text, pos, 2, hour) || hour > 23) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!read_digits(text, pos, 2, minute) || minute > 59) return std::nullopt;
      if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!read_digits(text, pos, 2, second) || second > 59) return std::nullopt;
        if (pos < text.size() && text[pos] == '.') {
          ++pos;
          int digits = 0;
          while (pos < text.size() && is_digit(text[pos])) {
            if (++digits > 9) return std::nullopt;
            nanos = nanos * 10 + (text[pos] - '0');
            ++pos;
          }
          if (digits == 0) return std::nullopt;
          for (; digits < 9; ++digits) nanos *= 10;
        }
        // A zone is accepted only after the seconds, and never as "-hh:mm".
        if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
          ++pos;
        } else if (pos < text.size() && text[pos] == '+') {
          ++pos;
          int zone_hours = 0;
          int zone_minutes = 0;
          const std::size_t start = pos;
          if (!read_digits(text, pos, 2, zone_hours) || pos - start != 2 || zone_hours > 23) {
            return std::nullopt;
          }
          if (pos < text.size() && text[pos] == ':') {
            ++pos;
            const std::size_t minutes_start = pos;
            if (!read_digits(text, pos, 2, zone_minutes) || pos - minutes_start != 2 ||
                zone_minutes > 59) {
              return std::nullopt;
            }
          }
          offset_seconds = zone_hours * 3600 + zone_minutes * 60;
        }
      }
    }
  }
  if (pos != text.size()) return std::nullopt;

  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds =
      days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return Instant{seconds, nanos};
}

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) noexcept {
  std::array<std::uint8_t, 4> out{};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    const std::size_t start = pos;
    int value = 0;
    if (!read_digits(text, pos, 3, value) || value > 255) return std::nullopt;
    // Like inet_pton, no leading zeros: "010" must not be mistaken for octal 8.
    if (pos - start > 1 && text[start] == '0') return std::nullopt;
    out[i] = static_cast<std::uint8_t>(value);
  }
  if (pos != text.size()) return std::nullopt;
  return out;
}

// RFC 4291 section 2.2: eight groups of 1-4 hex digits, one "::" for one or more
// zero groups, and optionally a dotted-quad IPv4 address in the last 32 bits.
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) noexcept {
  std::array<std::uint16_t, 8> groups{};
  std::size_t count = 0;
  int gap = -1;  // index in groups where "::" stands
  std::size_t pos = 0;
  if (text.size() >= 2 && text[0] == ':' && text[1] == ':') {
    gap = 0;
    pos = 2;
  } else if (!text.empty() && text[0] == ':') {
    return std::nullopt;
  }
  while (pos < text.size()) {
    std::size_t end = pos;
    unsigned value = 0;
    while (end < text.size() && hex_value(text[end]) >= 0) {
      value = (value << 4) | static_cast<unsigned>(hex_value(text[end]));
      if (end - pos >= 4) return std::nullopt;
      ++end;
    }
    if (end < text.size() && text[end] == '.') {
      if (count > 6) return std::nullopt;
      const auto v4 = parse_ipv4(text.substr(pos));
      if (!v4) return std::nullopt;
      groups[count++] = static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]);
      groups[count++] = static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]);
      break;
    }
    if (end == pos || count >= 8) return std::nullopt;
    groups[count++] = static_cast<std::uint16_t>(value);
    pos = end;
    if (pos == text.size()) break;
    if (text[pos] != ':') return std::nullopt;
    ++pos;
    if (pos < text.size() && text[pos] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = static_cast<int>(count);
      ++pos;
    } else if (pos == text.size()) {
      return std::nullopt;  // a single trailing colon
    }
  }
  if (gap < 0 ? count != 8 : count > 7) return std::nullopt;

  std::array<std::uint16_t, 8> full{};
  if (gap < 0) {
    full = groups;
  } else {
    const auto g = static_cast<std::size_t>(gap);
    for (std::size_t i = 0; i < g; ++i) full[i] = groups[i];
    const std::size_t tail = count - g;
    for (std::size_t i = 0; i < tail; ++i) full[8 - tail + i] = groups[g + i];
  }
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(full[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(full[i] & 0xff);
  }
  return out;
}

constexpr int max_prefix(const IpAddress& a) noexcept { return a.v6 ? 128 : 32; }

void mask_host_bits(IpAddress& a, int prefix) noexcept {
  for (int i = 0; i < 16; ++i) {
    const int keep = prefix - i * 8;
    if (keep >= 8) continue;
    const auto index = static_cast<std::size_t>(i);
    a.bytes[index] =
        keep <= 0 ? 0 : static_cast<std::uint8_t>(a.bytes[index] & (0xff << (8 - keep)));
  }
}

constexpr int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<Decimal> parse_decimal(std::string_view text) noexcept {
  Decimal out;
  std::size_t pos = 0;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    out.negative = text[0] == '-';
    ++pos;
  }
  const std::size_t int_start = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  std::string_view integer = text.substr(int_start, pos - int_start);
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t frac_start = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    fraction = text.substr(frac_start, pos - frac_start);
  }
  // "Numbers follow Appendix B": digits [ "." *DIGIT ] / "." digits; nothing else.
  if (pos != text.size() || (integer.empty() && fraction.empty())) return std::nullopt;
  while (!integer.empty() && integer.front() == '0') integer.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  out.integer = integer;
  out.fraction = fraction;
  if (integer.empty() && fraction.empty()) out.negative = false;  // "-0" == "0"
  return out;
}

std::strong_ordering compare(const Decimal& a, const Decimal& b) noexcept {
  if (a.negative != b.negative) {
    return a.negative ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  // Both normalized: a longer integer part is a larger magnitude, and fractions
  // without trailing zeros order lexicographically.
  std::strong_ordering magnitude = a.integer.size() <=> b.integer.size();
  if (magnitude == 0) magnitude = a.integer.compare(b.integer) <=> 0;
  if (magnitude == 0) magnitude = a.fraction.compare(b.fraction) <=> 0;
  if (a.negative) return 0 <=> magnitude;
  return magnitude;
}

std::optional<Instant> parse_date(std::string_view text) noexcept {
  // "IAM JSON policy elements: Condition operators" (date operators) takes ISO 8601
  // or epoch seconds; Appendix B: any '-', 'T' or 't' means ISO, anything else epoch.
  if (text.find_first_of("-Tt") != std::string_view::npos) return parse_iso(text);
  return parse_epoch(text);
}

std::string format_date(Instant t) {
  // Floor division so that instants before 1970 land on the right day.
  std::int64_t days = t.seconds / 86400;
  std::int64_t rem = t.seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  const auto hour = static_cast<int>(rem / 3600);
  const auto minute = static_cast<int>(rem / 60 % 60);
  const auto second = static_cast<int>(rem % 60);
  char buffer[64];
  const bool negative = date.year < 0;
  const auto abs_year = negative ? static_cast<unsigned long long>(-(date.year + 1)) + 1
                                 : static_cast<unsigned long long>(date.year);
  const int n = std::snprintf(buffer, sizeof buffer, "%s%04llu-%02u-%02uT%02d:%02d:%02dZ",
                              negative ? "-" : "", abs_year, date.month, date.day, hour,
                              minute, second);
  return std::string(buffer, static_cast<std::size_t>(n));
}

// "IAM JSON policy elements: Condition operators", Boolean: true/false in any case.
std::optional<bool> parse_bool(std::string_view text) noexcept {
  const auto equals_lower = [text](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      char c = text[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != word[i]) return false;
    }
    return true;
  };
  if (equals_lower("true")) return true;
  if (equals_lower("false")) return false;
  return std::nullopt;
}

std::optional<IpAddress> parse_ip(std::string_view text) noexcept {
  IpAddress out;
  if (text.find(':') != std::string_view::npos) {
    const auto bytes = parse_ipv6(text);
    if (!bytes) return std::nullopt;
    out.v6 = true;
    out.bytes = *bytes;
    return out;
  }
  const auto bytes = parse_ipv4(text);
  if (!bytes) return std::nullopt;
  for (std::size_t i = 0; i < 4; ++i) out.bytes[i] = (*bytes)[i];
  return out;
}

std::optional<IpRange> parse_cidr(std::string_view text) noexcept {
  const std::size_t slash = text.find('/');
  const auto address = parse_ip(text.substr(0, slash));
  if (!address) return std::nullopt;
  IpRange out{*address, max_prefix(*address)};
  if (slash != std::string_view::npos) {
    std::size_t pos = slash + 1;
    int prefix = 0;
    if (!read_digits(text, pos, 3, prefix) || pos != text.size() ||
        prefix > max_prefix(*address)) {
      return std::nullopt;
    }
    out.prefix = prefix;
  }
  // "10.1.2.3/8" is stored as 10.0.0.0/8 (policy semantics 3.8, as ceph does).
  mask_host_bits(out.base, out.prefix);
  return out;
}

bool contains(const IpRange& range, const IpAddress& addr) noexcept {
  if (range.base.v6 != addr.v6) return false;
  int prefix = range.prefix;
  if (prefix < 0) prefix = 0;
  if (prefix > max_prefix(addr)) prefix = max_prefix(addr);
  IpAddress masked = addr;
  mask_host_bits(masked, prefix);
  IpAddress base = range.base;
  mask_host_bits(base, prefix);
  return masked.bytes == base.bytes;
}

// BinaryEquals compares bytes with the decoded policy value; non-zero pad bits
// are accepted, as most decoders do (RFC 4648 section 3.5 allows either).
std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    ++padding;
    if (text[text.size() - 2] == '=') ++padding;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t data = last ? 4 - padding : 4;
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      int v = 0;
      if (j < data) {
        v = base64_value(text[i + j]);
        if (v < 0) return std::nullopt;
      }
      group = (group << 6) | static_cast<std::uint32_t>(v);
    }
    out.push_back(static_cast<char>((group >> 16) & 0xff));
    if (data > 2) out.push_back(static_cast<char>((group >> 8) & 0xff));
    if (data > 3) out.push_back(static_cast<char>(group & 0xff));
  }
  return out;
}

}  // namespace gatehouse::policy
