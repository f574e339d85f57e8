// Typed values of the condition operators, parsed without allocation
// (Appendix B of the policy semantics: number and date grammars).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::policy {

// An exact decimal as a view into its text: [+|-] digits [. digits].
// "10" == "10.0" == "+10" == "010"; "-0" == "0".
struct Decimal {
  bool negative = false;
  std::string_view integer;   // no leading zeros (empty for zero)
  std::string_view fraction;  // no trailing zeros
};
std::optional<Decimal> parse_decimal(std::string_view text) noexcept;
std::strong_ordering compare(const Decimal& a, const Decimal& b) noexcept;

// An instant with nanosecond precision.
struct Instant {
  std::int64_t seconds = 0;  // since 1970-01-01T00:00:00Z
  std::int32_t nanos = 0;    // 0..999999999
  friend auto operator<=>(const Instant&, const Instant&) = default;
};
// Digits only => epoch seconds; otherwise the ISO 8601 subset of Appendix B.
std::optional<Instant> parse_date(std::string_view text) noexcept;
// YYYY-MM-DDThh:mm:ssZ (the form the service puts into aws:CurrentTime).
std::string format_date(Instant t);

// "true" / "false" in any case.
std::optional<bool> parse_bool(std::string_view text) noexcept;

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4
};
struct IpRange {
  IpAddress base;  // host bits masked off
  int prefix = 0;
};
std::optional<IpAddress> parse_ip(std::string_view text) noexcept;
// CIDR or bare address (/32, /128). Host bits are masked.
std::optional<IpRange> parse_cidr(std::string_view text) noexcept;
bool contains(const IpRange& range, const IpAddress& addr) noexcept;  // false across families

// Standard base64 with padding; nullopt if invalid.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace gatehouse::policy
