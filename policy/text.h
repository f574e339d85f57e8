// UTF-8 helpers and the simple per-code-point case folding IAM uses
// (no normalization, no multi-character folds: "ß" never equals "ss").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gatehouse::policy {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point at text[pos] and advances pos. An invalid or truncated
// sequence yields kReplacementChar and advances by one byte, so every input
// makes progress.
char32_t decode_utf8(std::string_view text, std::size_t& pos) noexcept;

void append_utf8(std::string& out, char32_t cp);

// Simple lower-case mapping of one code point (ASCII, Latin-1, Latin Extended-A,
// Greek and Cyrillic blocks; other code points map to themselves).
char32_t fold_case(char32_t cp) noexcept;

// Code-point-wise case-insensitive equality.
bool equals_ignore_case(std::string_view a, std::string_view b) noexcept;

// Lower-cases every code point (allocates; for compile time and context building).
std::string to_lower(std::string_view text);

std::u32string to_u32(std::string_view utf8);

}  // namespace gatehouse::policy
