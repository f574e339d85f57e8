// Action patterns compile against the catalog through its by-name index (only the actions that
// share a pattern's text before its first wildcard are globbed); the result must be exactly that
// of globbing the pattern against every catalog action, as the compiler did before the index.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "policy/action_catalog.h"
#include "policy/compiled.h"
#include "policy/glob.h"
#include "policy/text.h"

using namespace gatehouse::policy;

namespace {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The reference: every catalog action globbed, as compile_actions did before the index.
// Returns false, checking nothing, when the values are not valid UTF-8 (no document holds them).
bool check_against_reference(const std::vector<std::string>& values) {
  std::string action = "[";
  for (std::size_t i = 0; i < values.size(); ++i) action += (i ? "," : "") + json_string(values[i]);
  action += "]";
  const std::string text = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)" + action +
                           R"(,"Resource":"*"}]})";
  auto document = parse_document(text);
  if (!document) return false;
  const CompiledPolicy policy = compile_validated(document.value(), "p");
  REQUIRE(policy.statements.size() == 1);
  const ActionMatcher& m = policy.statements[0].actions;

  const auto catalog = known_actions();
  std::vector<std::uint64_t> known((catalog.size() + 63) / 64, 0);
  std::vector<GlobPattern> patterns;
  bool any = false;
  for (const auto& value : values) {
    if (value == "*") {
      any = true;
      continue;
    }
    GlobPattern pattern = make_glob_pattern(value, true);
    bool matched = false;
    for (std::size_t i = 0; i < catalog.size(); ++i) {
      if (glob_match(pattern, catalog[i].name, true)) {
        known[i / 64] |= std::uint64_t{1} << (i % 64);
        matched = true;
      }
    }
    if (!(matched && is_literal(pattern))) patterns.push_back(std::move(pattern));
  }
  INFO("Action: " << action);
  CHECK(m.any == any);
  CHECK(m.known == known);
  CHECK(m.patterns == patterns);
  return true;
}

}  // namespace

TEST_CASE("action patterns compile against the catalog as globbing every action does", "[policy][compile]") {
  SECTION("written patterns") {
    const std::vector<std::string> rows = {
        "lambda:InvokeFunction", "LAMBDA:invokefunction", "lambda:Get*", "lambda:get*", "lambda:*", "lambda:*Alias",
        "lambda:*Function*", "lambda:?etPolicy", "lambda:Invoke**", "lambda:GetFunction", "lambda:GetFunction?",
        "lambda:GetFunction*", "*", "*:*", "*:Get*", "?ambda:*", "l*a:*", "lambda:", "lambda", "", "s3:GetObject",
        "iam:PassRole", "sts:AssumeRole", "sts:*", "unknown:Action", "unknown:*", "lambda:Nope", "*function*",
        "*alias", "lambda:*alias?", "lambda:*?", "lambda:?*", "lambda:\xC4\xB0nvokeFunction",  // İ folds to i
        "lambda:\xC4\xB1nvokeFunction",  // dotless ı folds to itself
        "lambda:Invoke\xC3\xA9*", "lambda:*\xC3\xA9", "lambda:\xCE\xA3*", "lambda:*S", "lambda:*s", "lambda:*:*",
        "LAMBDA:GET*CONFIGURATION", "lambda:get*configuration*", "lambda:*Function*Configuration", "lambda:*F*n*",
    };
    for (const auto& row : rows) CHECK(check_against_reference({row}));
    CHECK(check_against_reference(rows));
  }

  SECTION("generated patterns: catalog names with wildcards, case changes and other bytes") {
    std::mt19937 rng(1207);
    const auto catalog = known_actions();
    auto pick = [&rng](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    const char* const inserts[] = {"*", "?", "**", "*?", "x", ":", "\xC3\xA9", "\xC4\xB0"};
    int checked = 0;
    for (int n = 0; n < 3000; ++n) {
      std::string value = catalog[pick(catalog.size())].name;
      const std::size_t edits = pick(4);
      for (std::size_t e = 0; e < edits; ++e) {
        const std::size_t at = pick(value.size() + 1);
        switch (pick(4)) {
          case 0: value.insert(at, inserts[pick(std::size(inserts))]); break;
          case 1:
            if (at < value.size()) value[at] = "*?"[pick(2)];
            break;
          case 2:
            if (at < value.size()) value.erase(at, 1 + pick(value.size() - at));
            break;
          default:
            if (at < value.size() && value[at] >= 'a' && value[at] <= 'z') value[at] = static_cast<char>(value[at] - 32);
            break;
        }
      }
      checked += check_against_reference({value}) ? 1 : 0;
    }
    CHECK(checked > 2500);
  }
}

TEST_CASE("actions_with_prefix gives the actions whose lower-case name begins with the prefix", "[policy][compile]") {
  const auto catalog = known_actions();
  for (const std::string prefix : {"", "lambda:", "lambda:get", "lambda:getfunction", "lambda:invokefunction", "s",
                                   "sts:", "zzz", "lambda:getfunctionconfigurationx"}) {
    std::vector<std::uint16_t> expected;
    for (std::size_t i = 0; i < catalog.size(); ++i) {
      if (catalog[i].lower.starts_with(prefix)) expected.push_back(static_cast<std::uint16_t>(i));
    }
    const auto span = actions_with_prefix(prefix);
    std::vector<std::uint16_t> got(span.begin(), span.end());
    std::sort(got.begin(), got.end());
    INFO("prefix " << prefix);
    CHECK(got == expected);
  }
  CHECK(actions_with_prefix("lambda:").size() >= 20);
  CHECK(actions_with_prefix("").size() == catalog.size());
}
