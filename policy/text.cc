#include "policy/text.h"

#include <algorithm>
#include <cstdint>

namespace gatehouse::policy {
namespace {

constexpr bool is_continuation(unsigned char b) noexcept { return (b & 0xC0) == 0x80; }

// Length of the well-formed sequence at text[pos] (Unicode table 3-7), or 0.
std::size_t sequence_length(std::string_view text, std::size_t pos, char32_t& cp) noexcept {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const std::size_t left = text.size() - pos;
  const unsigned char b0 = at(0);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (left < 2 || !is_continuation(at(1))) return 0;
    cp = (char32_t{b0 & 0x1Fu} << 6) | (at(1) & 0x3Fu);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3) return 0;
    const unsigned char b1 = at(1);
    // E0 excludes overlong forms, ED excludes the surrogates D800..DFFF.
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (b1 < lo || b1 > hi || !is_continuation(at(2))) return 0;
    cp = (char32_t{b0 & 0x0Fu} << 12) | (char32_t{b1 & 0x3Fu} << 6) | (at(2) & 0x3Fu);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4) return 0;
    const unsigned char b1 = at(1);
    // F0 excludes overlong forms, F4 stops at U+10FFFF.
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (b1 < lo || b1 > hi || !is_continuation(at(2)) || !is_continuation(at(3))) return 0;
    cp = (char32_t{b0 & 0x07u} << 18) | (char32_t{b1 & 0x3Fu} << 12) |
         (char32_t{at(2) & 0x3Fu} << 6) | (at(3) & 0x3Fu);
    return 4;
  }
  return 0;
}

// Pairs laid out as upper = even, lower = odd (or the reverse) inside a block.
constexpr char32_t pair_lower(char32_t cp, bool upper_is_even) noexcept {
  return ((cp % 2 == 0) == upper_is_even) ? cp + 1 : cp;
}

// Greek and Coptic block, simple lower-case mappings of UnicodeData.txt.
constexpr char32_t fold_greek(char32_t cp) noexcept {
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 0x25;
  if (cp >= 0x3D8 && cp <= 0x3EF) return pair_lower(cp, true);
  if (cp >= 0x3FD && cp <= 0x3FF) return cp - 0x82;
  switch (cp) {
    case 0x370: case 0x372: case 0x376: case 0x3F7: case 0x3FA: return cp + 1;
    case 0x37F: return 0x3F3;
    case 0x386: return 0x3AC;
    case 0x38C: return 0x3CC;
    case 0x38E: return 0x3CD;
    case 0x38F: return 0x3CE;
    case 0x3CF: return 0x3D7;
    case 0x3F4: return 0x3B8;
    case 0x3F9: return 0x3F2;
    default: return cp;
  }
}

// Cyrillic block, simple lower-case mappings of UnicodeData.txt.
constexpr char32_t fold_cyrillic(char32_t cp) noexcept {
  if (cp <= 0x40F) return cp + 0x50;
  if (cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x460 && cp <= 0x481) return pair_lower(cp, true);
  if (cp >= 0x48A && cp <= 0x4BF) return pair_lower(cp, true);
  if (cp == 0x4C0) return 0x4CF;
  if (cp >= 0x4C1 && cp <= 0x4CE) return pair_lower(cp, false);
  if (cp >= 0x4D0 && cp <= 0x4FF) return pair_lower(cp, true);
  return cp;
}

// Latin Extended-A, simple lower-case mappings of UnicodeData.txt.
constexpr char32_t fold_latin_extended_a(char32_t cp) noexcept {
  if (cp == 0x130) return U'i';  // İ lower-cases to a plain i (no combining dot)
  if (cp == 0x178) return 0xFF;  // Ÿ to ÿ, back in Latin-1
  if (cp <= 0x137) return cp == 0x131 ? cp : pair_lower(cp, true);
  if (cp >= 0x139 && cp <= 0x148) return pair_lower(cp, false);
  if (cp >= 0x14A && cp <= 0x177) return pair_lower(cp, true);
  if (cp >= 0x179 && cp <= 0x17E) return pair_lower(cp, false);
  return cp;
}

}  // namespace

char32_t decode_utf8(std::string_view text, std::size_t& pos) noexcept {
  if (pos >= text.size()) return kReplacementChar;
  char32_t cp = 0;
  const std::size_t length = sequence_length(text, pos, cp);
  if (length == 0) {
    ++pos;
    return kReplacementChar;
  }
  pos += length;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

char32_t fold_case(char32_t cp) noexcept {
  if (cp < 0x80) return (cp >= U'A' && cp <= U'Z') ? cp + 0x20 : cp;
  if (cp < 0x100) return (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ? cp + 0x20 : cp;
  if (cp < 0x180) return fold_latin_extended_a(cp);
  if (cp >= 0x370 && cp <= 0x3FF) return fold_greek(cp);
  if (cp >= 0x400 && cp <= 0x4FF) return fold_cyrillic(cp);
  return cp;
}

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const std::size_t a_start = i;
    const std::size_t b_start = j;
    const char32_t ca = decode_utf8(a, i);
    const char32_t cb = decode_utf8(b, j);
    if (fold_case(ca) != fold_case(cb)) return false;
    // Invalid bytes all decode to U+FFFD; tell them apart by their bytes.
    if (ca == kReplacementChar &&
        a.substr(a_start, i - a_start) != b.substr(b_start, j - b_start)) {
      return false;
    }
  }
  return i == a.size() && j == b.size();
}

std::string to_lower(std::string_view text) {
  std::string out;
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    // ASCII folds to ASCII lower case, byte for byte.
    out.resize(text.size());
    std::transform(text.begin(), text.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
  }
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const char32_t cp = decode_utf8(text, pos);
    const char32_t lower = fold_case(cp);
    if (lower == cp) {
      // Unchanged code points (and invalid bytes) are copied as they were.
      out.append(text.substr(start, pos - start));
    } else {
      append_utf8(out, lower);
    }
  }
  return out;
}

std::u32string to_u32(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  std::size_t pos = 0;
  while (pos < utf8.size()) out.push_back(decode_utf8(utf8, pos));
  return out;
}

}  // namespace gatehouse::policy
