#include "policy/text.h"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "policy/glob.h"

using gatehouse::policy::append_utf8;
using gatehouse::policy::decode_utf8;
using gatehouse::policy::equals_ignore_case;
using gatehouse::policy::fold_case;
using gatehouse::policy::kGlobAny;
using gatehouse::policy::kGlobStar;
using gatehouse::policy::kReplacementChar;
using gatehouse::policy::to_lower;
using gatehouse::policy::to_u32;

namespace {

// Decodes the whole text, recording each code point and the position after it.
std::vector<std::pair<char32_t, std::size_t>> decode_all(std::string_view text) {
  std::vector<std::pair<char32_t, std::size_t>> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char32_t cp = decode_utf8(text, pos);
    out.emplace_back(cp, pos);
  }
  return out;
}

}  // namespace

TEST_CASE("decode_utf8 decodes well-formed sequences", "[policy][text]") {
  struct Row {
    std::string_view text;
    char32_t cp;
  };
  const Row rows[] = {
      {std::string_view("\0", 1), 0x0},
      {"A", U'A'},
      {"\x7f", 0x7F},
      {"\xc2\x80", 0x80},
      {"\xc3\xa9", 0xE9},
      {"\xdf\xbf", 0x7FF},
      {"\xe0\xa0\x80", 0x800},
      {"\xe2\x82\xac", 0x20AC},
      {"\xed\x9f\xbf", 0xD7FF},
      {"\xee\x80\x80", 0xE000},
      {"\xef\xbf\xbd", 0xFFFD},
      {"\xef\xbf\xbf", 0xFFFF},
      {"\xf0\x90\x80\x80", 0x10000},
      {"\xf0\x9f\x98\x80", 0x1F600},
      {"\xf4\x8f\xbf\xbf", 0x10FFFF},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("U+" << std::hex << static_cast<unsigned>(row.cp)) {
      std::size_t pos = 0;
      CHECK(decode_utf8(row.text, pos) == row.cp);
      CHECK(pos == row.text.size());
    }
  }
}

TEST_CASE("decode_utf8 replaces each invalid byte and always advances", "[policy][text]") {
  struct Row {
    std::string_view name;
    std::string_view text;
    std::vector<char32_t> cps;
  };
  constexpr char32_t R = kReplacementChar;
  const std::vector<Row> rows = {
      {"lone continuation", "\x80", {R}},
      {"0xFF", "\xff", {R}},
      {"0xFE", "\xfe", {R}},
      {"overlong 2-byte C0", "\xc0\x80", {R, R}},
      {"overlong 2-byte C1", "\xc1\xbf", {R, R}},
      {"overlong 3-byte", "\xe0\x80\x80", {R, R, R}},
      {"overlong 4-byte", "\xf0\x80\x80\x80", {R, R, R, R}},
      {"surrogate D800", "\xed\xa0\x80", {R, R, R}},
      {"surrogate DFFF", "\xed\xbf\xbf", {R, R, R}},
      {"above U+10FFFF", "\xf4\x90\x80\x80", {R, R, R, R}},
      {"F5 lead", "\xf5\x80\x80\x80", {R, R, R, R}},
      {"truncated 2-byte", "\xc3", {R}},
      {"truncated 3-byte", "\xe2\x82", {R, R}},
      {"truncated 4-byte", "\xf0\x9f\x98", {R, R, R}},
      {"bad continuation then ASCII", "\xe2\x82" "A", {R, R, U'A'}},
      {"ASCII after lead byte", "\xc3" "A", {R, U'A'}},
      {"valid after invalid", "\xff\xc3\xa9", {R, 0xE9}},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto decoded = decode_all(row.text);
      REQUIRE(decoded.size() == row.cps.size());
      for (std::size_t i = 0; i < decoded.size(); ++i) CHECK(decoded[i].first == row.cps[i]);
      // Every invalid byte advances exactly one byte.
      if (row.cps.front() == R) CHECK(decoded.front().second == 1);
    }
  }
}

TEST_CASE("decode_utf8 at the end of the text does not move", "[policy][text]") {
  std::size_t pos = 3;
  CHECK(decode_utf8("abc", pos) == kReplacementChar);
  CHECK(pos == 3);
}

TEST_CASE("append_utf8 encodes code points and replaces non-scalars", "[policy][text]") {
  struct Row {
    char32_t cp;
    std::string_view bytes;
  };
  const Row rows[] = {
      {0x41, "A"},
      {0x7F, "\x7f"},
      {0x80, "\xc2\x80"},
      {0x7FF, "\xdf\xbf"},
      {0x800, "\xe0\xa0\x80"},
      {0x20AC, "\xe2\x82\xac"},
      {0xFFFF, "\xef\xbf\xbf"},
      {0x10000, "\xf0\x90\x80\x80"},
      {0x10FFFF, "\xf4\x8f\xbf\xbf"},
      {0xD800, "\xef\xbf\xbd"},
      {0xDFFF, "\xef\xbf\xbd"},
      {0x110000, "\xef\xbf\xbd"},
      {kGlobStar, "\xef\xbf\xbd"},
      {kGlobAny, "\xef\xbf\xbd"},
      {0xFFFFFFFF, "\xef\xbf\xbd"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("U+" << std::hex << static_cast<unsigned>(row.cp)) {
      std::string out = "x";
      append_utf8(out, row.cp);
      CHECK(out == "x" + std::string(row.bytes));
    }
  }
}

TEST_CASE("append_utf8 and decode_utf8 round-trip every scalar value", "[policy][text]") {
  std::string buffer;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    buffer.clear();
    append_utf8(buffer, cp);
    std::size_t pos = 0;
    const char32_t back = decode_utf8(buffer, pos);
    if (back != cp || pos != buffer.size()) FAIL("U+" << std::hex << static_cast<unsigned>(cp));
  }
  SUCCEED();
}

TEST_CASE("fold_case lower-cases the covered blocks one code point at a time",
          "[policy][text]") {
  struct Row {
    char32_t from;
    char32_t to;
  };
  const Row rows[] = {
      // ASCII
      {U'A', U'a'}, {U'Z', U'z'}, {U'a', U'a'}, {U'@', U'@'}, {U'[', U'['}, {U'*', U'*'},
      // Latin-1 Supplement: À..Þ except ×; ß, µ and ÿ have no simple upper/lower pair here.
      {0xC0, 0xE0}, {0xC9, 0xE9}, {0xD6, 0xF6}, {0xD7, 0xD7}, {0xD8, 0xF8}, {0xDE, 0xFE},
      {0xDF, 0xDF}, {0xB5, 0xB5}, {0xFF, 0xFF}, {0xE0, 0xE0},
      // Latin Extended-A
      {0x100, 0x101}, {0x101, 0x101}, {0x130, U'i'}, {0x131, 0x131}, {0x132, 0x133},
      {0x138, 0x138}, {0x139, 0x13A}, {0x147, 0x148}, {0x149, 0x149}, {0x14A, 0x14B},
      {0x176, 0x177}, {0x178, 0xFF}, {0x179, 0x17A}, {0x17D, 0x17E}, {0x17F, 0x17F},
      // Greek and Coptic
      {0x370, 0x371}, {0x376, 0x377}, {0x37F, 0x3F3}, {0x386, 0x3AC}, {0x388, 0x3AD},
      {0x38A, 0x3AF}, {0x38C, 0x3CC}, {0x38E, 0x3CD}, {0x38F, 0x3CE}, {0x391, 0x3B1},
      {0x3A1, 0x3C1}, {0x3A3, 0x3C3}, {0x3A9, 0x3C9}, {0x3AB, 0x3CB}, {0x3C2, 0x3C2},
      {0x3CF, 0x3D7}, {0x3D2, 0x3D2}, {0x3D8, 0x3D9}, {0x3EE, 0x3EF}, {0x3F4, 0x3B8},
      {0x3F7, 0x3F8}, {0x3F9, 0x3F2}, {0x3FA, 0x3FB}, {0x3FD, 0x37B}, {0x3FF, 0x37D},
      // Cyrillic
      {0x400, 0x450}, {0x401, 0x451}, {0x40F, 0x45F}, {0x410, 0x430}, {0x42F, 0x44F},
      {0x430, 0x430}, {0x460, 0x461}, {0x480, 0x481}, {0x48A, 0x48B}, {0x4BE, 0x4BF},
      {0x4C0, 0x4CF}, {0x4C1, 0x4C2}, {0x4CD, 0x4CE}, {0x4D0, 0x4D1}, {0x4FE, 0x4FF},
      // Outside the covered blocks: unchanged.
      {0x500, 0x500}, {0x531, 0x531}, {0x1E9E, 0x1E9E}, {0x212A, 0x212A}, {0xFF21, 0xFF21},
      {0xFFFD, 0xFFFD}, {kGlobStar, kGlobStar}, {kGlobAny, kGlobAny},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("U+" << std::hex << static_cast<unsigned>(row.from)) {
      CHECK(fold_case(row.from) == row.to);
    }
  }
}

TEST_CASE("fold_case changes exactly the 300 upper-case letters of its blocks and is idempotent",
          "[policy][text]") {
  // 26 ASCII + 30 Latin-1 + 63 Latin Extended-A + 57 Greek + 124 Cyrillic (UnicodeData.txt).
  int changed = 0;
  for (char32_t cp = 0; cp <= kGlobAny; ++cp) {
    const char32_t lower = fold_case(cp);
    if (lower != cp) ++changed;
    if (fold_case(lower) != lower) FAIL("not idempotent at U+" << std::hex << unsigned(cp));
    if (lower != cp && cp > 0x4FF) FAIL("changed outside the blocks: U+" << std::hex << +cp);
  }
  CHECK(changed == 300);
}

TEST_CASE("equals_ignore_case compares folded code points", "[policy][text]") {
  struct Row {
    std::string_view a;
    std::string_view b;
    bool equal;
  };
  const Row rows[] = {
      {"johndoe", "JohnDoe", true},
      {"ALICE", "alice", true},
      {"", "", true},
      {"a", "", false},
      {"abc", "abcd", false},
      {"\xc3\x80", "\xc3\xa0", true},                          // À à
      {"STRA\xc3\x9f" "E", "stra\xc3\x9f" "e", true},          // STRAßE straße
      {"stra\xc3\x9f" "e", "STRASSE", false},                  // no multi-character folds
      {"\xc3\x9f", "ss", false},                               // ß ss
      {"\xc3\xaa", "e\xcc\x82", false},                        // ê vs e + combining circumflex
      {"\xce\x9f\xce\x94\xce\xa5\xce\xa3\xce\xa3\xce\x95\xce\xa5\xce\xa3",
       "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x85\xcf\x83", true},
      {"\xce\xa3", "\xcf\x82", false},                         // Σ vs final ς
      {"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
       "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", true},  // ПРИВЕТ привет
      {"\xc4\xb0", "i", true},                                 // İ i
      {"I", "\xc4\xb1", false},                                // I ı
      {"k", "\xe2\x84\xaa", false},                            // Kelvin sign is not folded
      {"\xff", "\xfe", false},                                 // distinct invalid bytes
      {"\xff", "\xff", true},
      {"a\xff", "A\xff", true},
      {"\xff", "\xef\xbf\xbd", false},                         // invalid byte vs real U+FFFD
      {"\xef\xbf\xbd", "\xef\xbf\xbd", true},
      {"a*", "A*", true},
      {"a*", "ab", false},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.a << "` vs `" << row.b << "`") {
      CHECK(equals_ignore_case(row.a, row.b) == row.equal);
      CHECK(equals_ignore_case(row.b, row.a) == row.equal);
    }
  }
}

TEST_CASE("to_lower folds every code point and keeps invalid bytes", "[policy][text]") {
  struct Row {
    std::string_view in;
    std::string_view out;
  };
  const Row rows[] = {
      {"", ""},
      {"HeLLo", "hello"},
      {"AWS:PrincipalTag/Team", "aws:principaltag/team"},
      {"\xc3\x80\xc3\x89\xc3\x8e", "\xc3\xa0\xc3\xa9\xc3\xae"},  // ÀÉÎ
      {"\xc4\xb0", "i"},                                        // İ shrinks to one byte
      {"\xc5\xb8", "\xc3\xbf"},                                 // Ÿ ÿ
      {"\xce\x91\xce\x92\xce\x93", "\xce\xb1\xce\xb2\xce\xb3"},  // ΑΒΓ
      {"Stra\xc3\x9f" "e", "stra\xc3\x9f" "e"},
      {"A\xff" "B", "a\xff" "b"},
      {"\xe2\x82", "\xe2\x82"},
      {"\xe2\x82\xac", "\xe2\x82\xac"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.in << "`") { CHECK(to_lower(row.in) == row.out); }
  }
}

TEST_CASE("to_u32 decodes into code points", "[policy][text]") {
  struct Row {
    std::string_view in;
    std::u32string_view out;
  };
  const Row rows[] = {
      {"", U""},
      {"abc", U"abc"},
      {"a\xe2\x82\xac\xf0\x9f\x98\x80", U"a\u20ac\U0001F600"},
      {"a\xff" "b", U"a\uFFFDb"},
      {"\xe2\x82", U"\uFFFD\uFFFD"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.in << "`") { CHECK(to_u32(row.in) == row.out); }
  }
}
