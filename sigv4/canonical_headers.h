// Steps 1d-1e of "Create a canonical request": canonical headers and the signed-headers list
// (spec sections 4.4 and 4.5).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "sigv4/request_view.h"

namespace gatehouse::sigv4 {

inline constexpr std::size_t kMaxSignedHeaders = 64;

using SignedHeaderNames = boost::container::small_vector<std::string_view, 16>;

// ASCII lower-case mapping of every byte, as a table (header names are compared per line).
inline constexpr auto kAsciiLower = [] {
  std::array<unsigned char, 256> table{};
  for (std::size_t c = 0; c < table.size(); ++c) {
    table[c] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return table;
}();

// ASCII case-insensitive equality, for header names (inline: it runs for every header line).
inline bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (kAsciiLower[static_cast<unsigned char>(a[i])] != kAsciiLower[static_cast<unsigned char>(b[i])]) return false;
  }
  return true;
}

// Splits a SignedHeaders value on ';' exactly as received (empty entries kept, so the shape
// check can refuse them).
SignedHeaderNames split_signed_headers(std::string_view signed_headers);

// The service's shape rule (spec section 4.5): every entry non-empty and lower case, strictly
// ascending in byte order (which also excludes duplicates).
bool is_canonical_signed_headers(const SignedHeaderNames& names) noexcept;

// True when `names` lists `wanted` in any letter case (the pipeline's step 4 checks presence
// before the shape check of step 10 decides about letter case).
bool lists_header(const SignedHeaderNames& names, std::string_view wanted) noexcept;

// Appends one header value canonicalized: leading and trailing blanks removed, every inner run
// of spaces, tabs and obs-fold line breaks replaced by one space (quoted strings included).
void append_canonical_header_value(std::string& out, std::string_view value);

// Appends "name:value\n" for every listed name, values of repeated headers joined with ','
// in wire order; `:authority` stands in for `host`. Returns false when a listed header is
// absent (never substitute an empty value).
bool append_canonical_headers(std::string& out, const SignedHeaderNames& names,
                              std::span<const Header> headers);

}  // namespace gatehouse::sigv4
