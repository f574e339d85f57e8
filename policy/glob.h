// The wildcard primitive of "IAM JSON policy elements: Resource" and friends:
// '*' matches any run of code points (including ':' and '/'), '?' exactly one.
// Two-pointer backtracking, worst case O(|pattern| * |text|), no recursion, no regex.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::policy {

// Wildcards are encoded outside the Unicode range so that a literal '*' or '?'
// (from ${*}, ${?} or a substituted variable value) stays literal.
inline constexpr char32_t kGlobStar = 0x110000;
inline constexpr char32_t kGlobAny = 0x110001;

// A compiled pattern: code points, with kGlobStar / kGlobAny for wildcards.
// When matching with fold = true, the pattern must already be folded (fold_case).
using GlobPattern = std::u32string;
using GlobPatternView = std::u32string_view;

// Builds a pattern from policy text where every '*' and '?' is a wildcard.
GlobPattern make_glob_pattern(std::string_view text, bool fold);
// Builds a pattern in which every character is literal.
GlobPattern make_literal_pattern(std::string_view text, bool fold);

// True iff `pattern` matches all of the UTF-8 `text`.
bool glob_match(GlobPatternView pattern, std::string_view text, bool fold) noexcept;

// True iff the pattern contains no wildcard (so equality suffices).
bool is_literal(GlobPatternView pattern) noexcept;

}  // namespace gatehouse::policy
