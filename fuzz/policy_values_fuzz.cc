// Typed condition values: every parser is total, allocation-free, and agrees
// with an independent oracle where one exists (glibc inet_pton for addresses).
#include <arpa/inet.h>
#include <sanitizer/allocator_interface.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "policy/values.h"

namespace gp = gatehouse::policy;

namespace {

// Instants whose printed year format_date keeps inside the Appendix B year range
// (a year of margin at the low end for zone offsets).
constexpr std::int64_t kFirstParsableDay = -9223372017043200 + 366 * 86400;
constexpr std::int64_t kLastParsableSecond = 9223372017129599;

bool g_forbid_allocation = false;

void on_malloc(const volatile void*, std::size_t) {
  if (g_forbid_allocation) std::abort();  // a hot-path parser allocated
}
void on_free(const volatile void*) {}

void require(bool condition) {
  if (!condition) std::abort();
}

bool within(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

std::string encode_base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t group = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) group |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) group |= static_cast<std::uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(group >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[group & 63] : '=');
  }
  return out;
}

void check_decimal(std::string_view text, const std::optional<gp::Decimal>& d) {
  if (!d) return;
  require(within(d->integer, text) && within(d->fraction, text));
  require(d->integer.empty() || d->integer.front() != '0');
  require(d->fraction.empty() || d->fraction.back() != '0');
  require(!(d->negative && d->integer.empty() && d->fraction.empty()));
  require(gp::compare(*d, *d) == 0);
}

void check_ip(std::string_view text, const std::optional<gp::IpAddress>& ip,
              const std::optional<gp::IpRange>& range) {
  // Oracle: glibc's inet_pton reads the same RFC 4291 / dotted-quad forms.
  if (text.size() < 64 && text.find('\0') == std::string_view::npos) {
    const std::string copy(text);
    unsigned char buffer[16];
    const bool v6 = text.find(':') != std::string_view::npos;
    const bool oracle = inet_pton(v6 ? AF_INET6 : AF_INET, copy.c_str(), buffer) == 1;
    require(oracle == ip.has_value());
    if (ip) require(std::memcmp(buffer, ip->bytes.data(), v6 ? 16 : 4) == 0);
  }
  if (ip) {
    require(range.has_value());
    require(range->prefix == (ip->v6 ? 128 : 32));
    require(gp::contains(*range, *ip));
  }
  if (range) {
    require(range->prefix >= 0 && range->prefix <= (range->base.v6 ? 128 : 32));
    require(gp::contains(*range, range->base));
    if (!range->base.v6) {
      for (std::size_t i = 4; i < 16; ++i) require(range->base.bytes[i] == 0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // A second operand for the comparisons: the text after the first '|'.
  const std::size_t bar = text.find('|');
  const std::string_view left = text.substr(0, bar);
  const std::string_view right = bar == std::string_view::npos ? text : text.substr(bar + 1);

  g_forbid_allocation = true;
  const auto decimal = gp::parse_decimal(text);
  const auto a = gp::parse_decimal(left);
  const auto b = gp::parse_decimal(right);
  const auto date = gp::parse_date(text);
  const auto date_a = gp::parse_date(left);
  const auto date_b = gp::parse_date(right);
  const auto boolean = gp::parse_bool(text);
  const auto ip = gp::parse_ip(text);
  const auto range = gp::parse_cidr(text);
  const auto range_a = gp::parse_cidr(left);
  const auto ip_b = gp::parse_ip(right);
  if (range_a && ip_b) (void)gp::contains(*range_a, *ip_b);
  g_forbid_allocation = false;

  check_decimal(text, decimal);
  check_decimal(left, a);
  check_decimal(right, b);
  if (a && b) require(gp::compare(*a, *b) == (0 <=> gp::compare(*b, *a)));

  for (const auto& t : {date, date_a, date_b}) {
    if (!t) continue;
    require(t->nanos >= 0 && t->nanos <= 999999999);
    // The printed form (whole seconds) reads back as the same second while its
    // year stays inside the ISO year range (epoch seconds and zone offsets reach past it).
    if (t->seconds < kFirstParsableDay || t->seconds > kLastParsableSecond) continue;
    const auto again = gp::parse_date(gp::format_date(*t));
    require(again && again->seconds == t->seconds && again->nanos == 0);
  }
  if (date_a && date_b) require((*date_a <=> *date_b) == (0 <=> (*date_b <=> *date_a)));

  if (boolean) require(text.size() == 4 || text.size() == 5);

  check_ip(text, ip, range);

  const auto bytes = gp::decode_base64(text);
  if (bytes) {
    require(text.size() % 4 == 0);
    const std::size_t padding = text.ends_with("==") ? 2 : (text.ends_with("=") ? 1 : 0);
    require(bytes->size() == text.size() / 4 * 3 - padding);
    const auto back = gp::decode_base64(encode_base64(*bytes));
    require(back && *back == *bytes);
  }
  return 0;
}
