// Percent-encoding as SigV4 canonicalization uses it ("Create a canonical request": URI-encode
// every byte except the unreserved characters A-Z a-z 0-9 - _ . ~, upper-case hex).
#pragma once

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

// True for the bytes "Create a canonical request" leaves literal in a query name or value.
bool is_unreserved(char c) noexcept;

}  // namespace gatehouse::sigv4
