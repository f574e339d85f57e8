// Shape checks for ids in tests, by hand: the project uses no std::regex anywhere.
#pragma once

#include <cctype>
#include <string_view>

namespace gatehouse::testing {

// 8-4-4-4-12 lowercase hex digits.
inline bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !(std::isdigit(static_cast<unsigned char>(s[i])) || (s[i] >= 'a' && s[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

// Version 4, variant 10xx (RFC 9562).
inline bool is_uuid_v4(std::string_view s) {
  return is_uuid(s) && s[14] == '4' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}

// `prefix` followed by exactly `count` characters, each one of `allowed`.
inline bool has_shape(std::string_view s, std::string_view prefix, std::string_view allowed, std::size_t count) {
  if (!s.starts_with(prefix) || s.size() != prefix.size() + count) return false;
  return s.substr(prefix.size()).find_first_not_of(allowed) == std::string_view::npos;
}

inline constexpr std::string_view kBase32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
inline constexpr std::string_view kUpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
inline constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";

}  // namespace gatehouse::testing
