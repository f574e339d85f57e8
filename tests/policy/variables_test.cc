#include "policy/variables.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

using gatehouse::policy::has_variables;
using gatehouse::policy::parse_template;
using gatehouse::policy::TemplatePiece;

namespace {

using Kind = TemplatePiece::Kind;

struct Piece {
  Kind kind;
  std::string_view text;
  std::optional<std::string_view> default_value = std::nullopt;
};

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Text: return "Text";
    case Kind::Literal: return "Literal";
    case Kind::Variable: return "Variable";
  }
  return "?";
}

// Writes the pieces back as policy text; parse_template must lose nothing.
std::string render(const std::vector<TemplatePiece>& pieces) {
  std::string out;
  for (const auto& p : pieces) {
    switch (p.kind) {
      case Kind::Text: out += p.text; break;
      case Kind::Literal:
        for (char c : p.text) out += std::string("${") + c + "}";
        break;
      case Kind::Variable:
        out += "${" + p.text;
        if (p.default_value) out += ", '" + *p.default_value + "'";
        out += "}";
        break;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("parse_template splits text, literals and variables", "[policy][variables]") {
  struct Row {
    std::string_view text;
    std::vector<Piece> pieces;
  };
  const std::vector<Row> rows = {
      {"", {}},
      {"abc", {{Kind::Text, "abc"}}},
      {"${aws:username}", {{Kind::Variable, "aws:username"}}},
      {"${AWS:UserName}", {{Kind::Variable, "AWS:UserName"}}},
      {"arn:aws:s3:::mybucket/${aws:username}/*",
       {{Kind::Text, "arn:aws:s3:::mybucket/"},
        {Kind::Variable, "aws:username"},
        {Kind::Text, "/*"}}},
      // 3.13: default text after comma, one space, single quotes.
      {"arn:aws:s3:::bucket-${aws:PrincipalTag/team, 'company-wide'}",
       {{Kind::Text, "arn:aws:s3:::bucket-"},
        {Kind::Variable, "aws:PrincipalTag/team", "company-wide"}}},
      {"${aws:PrincipalTag/dept, 'alice'}", {{Kind::Variable, "aws:PrincipalTag/dept", "alice"}}},
      {"${aws:PrincipalTag/my tag, 'a b'}", {{Kind::Variable, "aws:PrincipalTag/my tag", "a b"}}},
      {"${k, ''}", {{Kind::Variable, "k", ""}}},
      {"${k, 'x, y'}", {{Kind::Variable, "k", "x, y"}}},
      {"${*, 'x'}", {{Kind::Variable, "*", "x"}}},
      // Special literals.
      {"${*}", {{Kind::Literal, "*"}}},
      {"${?}", {{Kind::Literal, "?"}}},
      {"${$}", {{Kind::Literal, "$"}}},
      {"a${*}${?}b", {{Kind::Text, "a"}, {Kind::Literal, "*?"}, {Kind::Text, "b"}}},
      {"${*}*", {{Kind::Literal, "*"}, {Kind::Text, "*"}}},
      {"*${$}{x}", {{Kind::Text, "*"}, {Kind::Literal, "$"}, {Kind::Text, "{x}"}}},
      // Other spellings: the whole inside is the (never present) key name.
      {"${aws:username,'x'}", {{Kind::Variable, "aws:username,'x'"}}},
      {"${aws:username, \"x\"}", {{Kind::Variable, "aws:username, \"x\""}}},
      {"${aws:username,  'x'}", {{Kind::Variable, "aws:username,  'x'"}}},
      {"${aws:username, x}", {{Kind::Variable, "aws:username, x"}}},
      {"${aws:username, 'x' }", {{Kind::Variable, "aws:username, 'x' "}}},
      {"${, 'x'}", {{Kind::Variable, ", 'x'"}}},
      {"${ aws:username }", {{Kind::Variable, " aws:username "}}},
      {"${}", {{Kind::Variable, ""}}},
      {"${**}", {{Kind::Variable, "**"}}},
      {"${ * }", {{Kind::Variable, " * "}}},
      // The reference ends at the first "}".
      {"${k, 'a}b'}", {{Kind::Variable, "k, 'a"}, {Kind::Text, "b'}"}}},
      {"${a${b}}", {{Kind::Variable, "a${b"}, {Kind::Text, "}"}}},
      {"${a}}", {{Kind::Variable, "a"}, {Kind::Text, "}"}}},
      {"${a}${b}", {{Kind::Variable, "a"}, {Kind::Variable, "b"}}},
      {"$${a}", {{Kind::Text, "$"}, {Kind::Variable, "a"}}},
      // Unterminated "${" is plain text.
      {"${aws:username", {{Kind::Text, "${aws:username"}}},
      {"${aws:username, 'x'", {{Kind::Text, "${aws:username, 'x'"}}},
      {"abc${", {{Kind::Text, "abc${"}}},
      {"}${a", {{Kind::Text, "}${a"}}},
      {"${a}${b", {{Kind::Variable, "a"}, {Kind::Text, "${b"}}},
      {"$", {{Kind::Text, "$"}}},
      {"$ {a}", {{Kind::Text, "$ {a}"}}},
      {"{a}", {{Kind::Text, "{a}"}}},
      {"${aws:PrincipalTag/\xc3\xa9quipe}", {{Kind::Variable, "aws:PrincipalTag/\xc3\xa9quipe"}}},
      {"\xff${a}\xfe", {{Kind::Text, "\xff"}, {Kind::Variable, "a"}, {Kind::Text, "\xfe"}}},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto pieces = parse_template(row.text);
      REQUIRE(pieces.size() == row.pieces.size());
      for (std::size_t i = 0; i < pieces.size(); ++i) {
        INFO("piece " << i);
        CHECK(std::string(kind_name(pieces[i].kind)) == kind_name(row.pieces[i].kind));
        CHECK(pieces[i].text == row.pieces[i].text);
        CHECK(pieces[i].default_value.has_value() == row.pieces[i].default_value.has_value());
        if (pieces[i].default_value && row.pieces[i].default_value) {
          CHECK(*pieces[i].default_value == *row.pieces[i].default_value);
        }
      }
      CHECK(render(pieces) == row.text);
      bool any_reference = false;
      for (const auto& p : pieces) any_reference = any_reference || p.kind != Kind::Text;
      CHECK(has_variables(row.text) == any_reference);
    }
  }
}

TEST_CASE("parse_template handles the 3.14 condition values", "[policy][variables]") {
  struct Row {
    std::string_view text;
    Piece piece;
  };
  const Row rows[] = {
      {"${aws:username}", {Kind::Variable, "aws:username"}},                         // C38, C39
      {"${aws:PrincipalTag/dept}", {Kind::Variable, "aws:PrincipalTag/dept"}},       // C40, C41
      {"${aws:PrincipalTag/dept, 'alice'}", {Kind::Variable, "aws:PrincipalTag/dept", "alice"}},
      {"${*}", {Kind::Literal, "*"}},                                                // C43
      {"${s3:ExistingObjectTag/Team}", {Kind::Variable, "s3:ExistingObjectTag/Team"}},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto pieces = parse_template(row.text);
      REQUIRE(pieces.size() == 1);
      CHECK(std::string(kind_name(pieces[0].kind)) == kind_name(row.piece.kind));
      CHECK(pieces[0].text == row.piece.text);
      CHECK(pieces[0].default_value.has_value() == row.piece.default_value.has_value());
    }
  }
}

TEST_CASE("has_variables finds a closed ${...}", "[policy][variables]") {
  struct Row {
    std::string_view text;
    bool expected;
  };
  const Row rows[] = {
      {"", false},      {"abc", false},    {"${a}", true},      {"${", false},
      {"}${", false},   {"${*}", true},    {"$ {a}", false},    {"a${b", false},
      {"${}", true},    {"x${a}y", true},  {"}${a", false},     {"${a, 'b'}", true},
      {"$}", false},    {"{a}", false},    {"${a}${", true},    {"$${a}", true},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") { CHECK(has_variables(row.text) == row.expected); }
  }
}

TEST_CASE("parse_template stays linear on long unterminated input", "[policy][variables]") {
  std::string open;
  for (int i = 0; i < 50000; ++i) open += "${";
  auto pieces = parse_template(open);
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0].kind == Kind::Text);
  CHECK(pieces[0].text == open);

  std::string defaults;
  for (int i = 0; i < 20000; ++i) defaults += "${a, '";
  defaults += "}";
  pieces = parse_template(defaults);
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0].kind == Kind::Variable);
  CHECK(render(pieces) == defaults);

  std::string many;
  for (int i = 0; i < 20000; ++i) many += "${k, 'v'}x";
  pieces = parse_template(many);
  CHECK(pieces.size() == 40000);
  CHECK(render(pieces) == many);
}
