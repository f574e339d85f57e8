#include "policy/glob.h"

#include "policy/text.h"

namespace gatehouse::policy {
namespace {

// The matcher's inner loop: ASCII (most of every ARN and action) skips the
// general decoder and the folding tables.
inline char32_t next_code_point(std::string_view text, std::size_t& pos) noexcept {
  const auto byte = static_cast<unsigned char>(text[pos]);
  if (byte < 0x80) {
    ++pos;
    return byte;
  }
  return decode_utf8(text, pos);
}

inline char32_t fold_if(char32_t c, bool fold) noexcept {
  if (!fold) return c;
  if (c < 0x80) return (c >= U'A' && c <= U'Z') ? c + 0x20 : c;
  return fold_case(c);
}

GlobPattern make_pattern(std::string_view text, bool fold, bool wildcards) {
  // At most one code point per byte: written in place, then cut to length.
  GlobPattern out(text.size(), 0);
  char32_t* const begin = out.data();
  char32_t* end = begin;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char32_t cp = next_code_point(text, pos);
    if (wildcards && cp == U'*') {
      // "**" matches what "*" matches; one star keeps the backtracking short.
      if (end == begin || end[-1] != kGlobStar) *end++ = kGlobStar;
    } else if (wildcards && cp == U'?') {
      *end++ = kGlobAny;
    } else {
      *end++ = fold_if(cp, fold);
    }
  }
  out.resize(static_cast<std::size_t>(end - begin));
  return out;
}

}  // namespace

GlobPattern make_glob_pattern(std::string_view text, bool fold) {
  return make_pattern(text, fold, true);
}

GlobPattern make_literal_pattern(std::string_view text, bool fold) {
  return make_pattern(text, fold, false);
}

// Appendix A of the policy semantics, over UTF-8 text decoded on the fly: the
// text position is a byte offset and "one more character" is one code point.
bool glob_match(GlobPatternView pattern, std::string_view text, bool fold) noexcept {
  constexpr std::size_t kNone = GlobPatternView::npos;
  std::size_t pi = 0;
  std::size_t ti = 0;
  std::size_t star = kNone;  // last star seen in the pattern
  std::size_t mark = 0;      // text offset that star has swallowed up to
  while (ti < text.size()) {
    if (pi < pattern.size() && pattern[pi] == kGlobStar) {
      if (pi + 1 == pattern.size()) return true;  // a trailing star takes the rest
      star = pi++;
      mark = ti;
      continue;
    }
    std::size_t next = ti;
    const char32_t c = next_code_point(text, next);
    if (pi < pattern.size() && (pattern[pi] == kGlobAny || pattern[pi] == fold_if(c, fold))) {
      ++pi;
      ti = next;
    } else if (star != kNone) {
      pi = star + 1;
      next_code_point(text, mark);
      ti = mark;
    } else {
      return false;
    }
  }
  while (pi < pattern.size() && pattern[pi] == kGlobStar) ++pi;
  return pi == pattern.size();
}

bool is_literal(GlobPatternView pattern) noexcept {
  for (const char32_t c : pattern) {
    if (c == kGlobStar || c == kGlobAny) return false;
  }
  return true;
}

}  // namespace gatehouse::policy
