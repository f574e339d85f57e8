// Percent-encoding as SigV4 canonicalization uses it ("Create a canonical request": URI-encode
// every byte except the unreserved characters A-Z a-z 0-9 - _ . ~, upper-case hex).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace gatehouse::sigv4 {

enum class SlashRule : bool { Keep, Encode };

// Appends `in` with every byte outside the unreserved set (and '/', unless kept) as %XX.
void append_uri_encoded(std::string& out, std::string_view in, SlashRule slash);

// Appends the percent-decoded bytes of `in`; '+' decodes to a space (the query-API reading,
// spec section 4.3). Returns false, with `out` partly written, when a '%' is not followed by
// two hex digits.
bool append_percent_decoded(std::string& out, std::string_view in);

// The bytes "Create a canonical request" leaves literal: A-Z a-z 0-9 - _ . ~
inline constexpr auto kUnreservedBytes = [] {
  std::array<bool, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  table['-'] = table['_'] = table['.'] = table['~'] = true;
  return table;
}();

// True for the bytes "Create a canonical request" leaves literal in a query name or value.
inline bool is_unreserved(char c) noexcept { return kUnreservedBytes[static_cast<unsigned char>(c)]; }

// Appends the %XX escape of one byte, upper-case hex.
inline void append_escape(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  const char escape[3] = {'%', kHex[byte >> 4], kHex[byte & 0x0f]};
  out.append(escape, 3);
}

}  // namespace gatehouse::sigv4
