#include "policy/glob.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "policy/text.h"
#include "policy/values.h"

// Sanitizer allocator hooks (compiler-rt allocator_interface.h); weak, so that a
// build without sanitizers still links (it counts with its own operator new instead).
extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, std::size_t),
    void (*free_hook)(const volatile void*)) __attribute__((weak));

using gatehouse::policy::glob_match;
using gatehouse::policy::GlobPattern;
using gatehouse::policy::is_literal;
using gatehouse::policy::kGlobAny;
using gatehouse::policy::kGlobStar;
using gatehouse::policy::make_glob_pattern;
using gatehouse::policy::make_literal_pattern;
using gatehouse::policy::to_u32;

namespace {

struct Row {
  std::string_view pattern;
  std::string_view text;
  bool fold;
  bool matches;
};

void check_rows(const std::vector<Row>& rows) {
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.pattern << "` ~ `" << row.text << "`" << (row.fold ? " fold" : "")) {
      CHECK(glob_match(make_glob_pattern(row.pattern, row.fold), row.text, row.fold) ==
            row.matches);
    }
  }
}

int g_allocations = 0;
bool g_counting = false;

void count_malloc(const volatile void*, std::size_t) {
  if (g_counting) ++g_allocations;
}
[[maybe_unused]] void ignore_free(const volatile void*) {}

}  // namespace

// Allocation counting: under AddressSanitizer the allocator hooks count every malloc; in other
// builds this file replaces the global operator new (what std::string, std::vector and every
// standard container allocate through), so the check runs, and asserts, in every build.
#if defined(__SANITIZE_ADDRESS__)
#define GATEHOUSE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GATEHOUSE_TEST_ASAN 1
#endif
#endif
#ifndef GATEHOUSE_TEST_ASAN
void* operator new(std::size_t n) {
  count_malloc(nullptr, n);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

// Independent reference: the textbook dynamic program over code points.

bool reference_glob(std::u32string_view p, std::u32string_view t) {
  std::vector<std::vector<char>> m(p.size() + 1, std::vector<char>(t.size() + 1, 0));
  m[0][0] = 1;
  for (std::size_t i = 1; i <= p.size(); ++i) {
    for (std::size_t j = 0; j <= t.size(); ++j) {
      if (p[i - 1] == U'*') {
        m[i][j] = m[i - 1][j] || (j > 0 && m[i][j - 1]);
      } else if (j > 0) {
        m[i][j] = m[i - 1][j - 1] && (p[i - 1] == U'?' || p[i - 1] == t[j - 1]);
      }
    }
  }
  return m[p.size()][t.size()] != 0;
}

}  // namespace

TEST_CASE("glob_match passes the Appendix A vectors", "[policy][glob]") {
  check_rows({
      {"*", "", false, true},
      {"a*b", "ab", false, true},
      {"a?b", "ab", false, false},
      {"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
      {"arn:aws:lambda:*:*:function:F*", "arn:aws:lambda:us-east-1:111111111111:function:F:PROD",
       false, true},
      {"LAMBDA:get*", "lambda:GetFunction", true, true},
  });
}

TEST_CASE("glob_match follows the 2.1 primitive: anchored, '*' spans ':' and '/', '?' is one",
          "[policy][glob]") {
  check_rows({
      {"", "", false, true},
      {"", "a", false, false},
      {"?", "", false, false},
      {"**", "", false, true},
      {"a", "a", false, true},
      {"a", "A", false, false},
      {"a", "ab", false, false},
      {"b", "ab", false, false},
      {"*b", "ab", false, true},
      {"a*", "a", false, true},
      {"*:*", "a:b:c", false, true},
      {"a*d", "a/b:c/d", false, true},
      {"a*c", "abcc", false, true},  // needs backtracking (the matcher Ceph once tested wrongly)
      {"a*b*c", "abbbbcbc", false, true},
      {"a*b*c", "abbbbcbcd", false, false},
      {"*?", "", false, false},
      {"*?", "x", false, true},
      {"?*?", "x", false, false},
      {"?*?", "xy", false, true},
      {"a?c", "abc", false, true},
      {"a?c", "ac", false, false},
      {"a?c", "abbc", false, false},
      // '?' is one code point, not one byte.
      {"?", "\xc3\xa9", false, true},
      {"??", "\xc3\xa9", false, false},
      {"?", "\xf0\x9f\x98\x80", false, true},
      {"a?b", "a\xe2\x82\xac" "b", false, true},
      {"*\xe2\x82\xac", "price \xe2\x82\xac", false, true},
      // Invalid bytes are one U+FFFD each.
      {"?", "\xff", false, true},
      {"a?c", "a\xe2\x82" "c", false, false},
      {"a??c", "a\xe2\x82" "c", false, true},
      // Simple folding only: no multi-character folds, no normalization.
      {"stra\xc3\x9f" "e", "STRASSE", true, false},
      {"\xc3\x8a", "\xc3\xaa", true, true},
      {"\xc3\xaa", "e\xcc\x82", true, false},
      {"*\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",  // *привет
       "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2", true, true},
  });
}

TEST_CASE("glob_match on actions is case-insensitive (2.2)", "[policy][glob]") {
  check_rows({
      {"IAM:listaccesskeys", "iam:ListAccessKeys", true, true},
      {"iam:ListAccessKeys", "IAM:LISTACCESSKEYS", true, true},
      {"*", "lambda:InvokeFunction", true, true},
      {"lambda:*", "lambda:InvokeFunction", true, true},
      {"lambda:*", "iam:PassRole", true, false},
      {"lambda:Get*", "lambda:GetFunction", true, true},
      {"lambda:Get*", "lambda:GetFunctionConfiguration", true, true},
      {"lambda:Get*", "lambda:InvokeFunction", true, false},
      {"lambda:?etPolicy", "lambda:GetPolicy", true, true},
      {"iam:*", "lambda:InvokeFunction", true, false},
      // Values accepted by validation that can never match.
      {"s3:", "s3:GetObject", true, false},
      {"s3:   ", "s3:GetObject", true, false},
      {"s3:GetBucket   ", "s3:GetBucket", true, false},
      {"s3:GetObject,PutObject", "s3:GetObject", true, false},
      {"s3:Get*,Put*", "s3:GetObject", true, false},
      {"LAMBDA:get*", "lambda:GetFunction", false, false},
  });
}

TEST_CASE("glob_match on resources is case-sensitive (2.3)", "[policy][glob]") {
  check_rows({
      {"arn:aws:lambda:us-east-1:111111111111:function:F",
       "arn:aws:lambda:us-east-1:111111111111:function:F:PROD", false, false},
      {"arn:aws:lambda:us-east-1:111111111111:function:F",
       "arn:aws:lambda:us-east-1:111111111111:function:F:1", false, false},
      {"arn:aws:lambda:us-east-1:111111111111:function:F:*",
       "arn:aws:lambda:us-east-1:111111111111:function:F:PROD", false, true},
      {"arn:aws:lambda:us-east-1:111111111111:function:F:*",
       "arn:aws:lambda:us-east-1:111111111111:function:F:1", false, true},
      {"arn:aws:lambda:us-east-1:111111111111:function:F:*",
       "arn:aws:lambda:us-east-1:111111111111:function:F", false, false},
      {"arn:aws:lambda:us-east-1:111111111111:function:F*",
       "arn:aws:lambda:us-east-1:111111111111:function:F", false, true},
      {"arn:aws:lambda:us-east-1:111111111111:function:F*",
       "arn:aws:lambda:us-east-1:111111111111:function:F:PROD", false, true},
      {"arn:aws:lambda:us-east-1:111111111111:function:F*",
       "arn:aws:lambda:us-east-1:111111111111:function:F2", false, true},
      {"arn:aws:lambda:*:*:function:*", "arn:aws:lambda:us-east-1:111111111111:function:F", false,
       true},
      {"arn:aws:lambda:*:*:function:*", "arn:aws:lambda:eu-west-1:222222222222:function:G:PROD",
       false, true},
      {"arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/2/test/x.jpg", false, true},
      {"arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b//test/x.jpg", false, true},
      {"arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/test/", false, true},
      {"arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/test/x.jpg", false, false},
      {"arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1-test/x.jpg", false, false},
      {"arn:aws:lambda:us-east-1:111111111111:function:f",
       "arn:aws:lambda:us-east-1:111111111111:function:F", false, false},
      // The request resource "*" of wildcard-only actions.
      {"*", "*", false, true},
      {"arn:aws:lambda:*:*:*", "*", false, false},
  });
}

TEST_CASE("glob_match on condition values (3.4, 3.12, 3.14)", "[policy][glob]") {
  check_rows({
      {"a*", "a*", false, true},
      {"", "", false, true},
      {"home/", "", false, false},
      {"al*", "alice", false, true},
      {"al?ce", "alice", false, true},
      {"arn:aws:*", "arn:aws:iam::111111111111:user/alice", false, true},
      {"key1*", "key1:legal", false, true},
      {"key1*", "key2:audit", false, false},
      {"arn:aws:someservice:*:111122223333:finance/*",
       "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
       false, true},
  });
}

TEST_CASE("literal '*' and '?' stay literal", "[policy][glob]") {
  // StringEquals {"k":"a*"}: the value is a literal pattern.
  const GlobPattern literal = make_literal_pattern("a*", false);
  CHECK(is_literal(literal));
  CHECK(literal == U"a*");
  CHECK_FALSE(glob_match(literal, "abc", false));
  CHECK(glob_match(literal, "a*", false));
  CHECK_FALSE(glob_match(make_literal_pattern("?", false), "x", false));
  CHECK(glob_match(make_literal_pattern("?", false), "?", false));

  // A pattern assembled from policy text around a ${*} or a substituted value.
  GlobPattern pattern = make_glob_pattern("a", false);
  pattern += make_literal_pattern("*", false);
  pattern += make_glob_pattern("*", false);
  CHECK_FALSE(is_literal(pattern));
  CHECK(glob_match(pattern, "a*xyz", false));
  CHECK(glob_match(pattern, "a*", false));
  CHECK_FALSE(glob_match(pattern, "abxyz", false));

  // C43: StringLike {"aws:username":"${*}"} is a literal '*' and does not match alice.
  CHECK_FALSE(glob_match(make_literal_pattern("*", false), "alice", false));
}

TEST_CASE("make_glob_pattern encodes wildcards outside Unicode and folds when asked",
          "[policy][glob]") {
  CHECK(make_glob_pattern("a*b?c", false) ==
        GlobPattern{U'a', kGlobStar, U'b', kGlobAny, U'c'});
  CHECK(make_glob_pattern("a**b", false) == GlobPattern{U'a', kGlobStar, U'b'});
  CHECK(make_glob_pattern("AbC\xc3\x89", true) == U"abc\u00e9");
  CHECK(make_glob_pattern("AbC\xc3\x89", false) == U"AbC\u00c9");
  CHECK(make_literal_pattern("A*?", true) == U"a*?");
  CHECK(make_glob_pattern("a\xff", false) == U"a\uFFFD");
  CHECK(is_literal(make_glob_pattern("arn:aws:iam::111111111111:root", false)));
  CHECK_FALSE(is_literal(make_glob_pattern("arn:aws:iam::*:root", false)));
  CHECK_FALSE(is_literal(make_glob_pattern("user/?", false)));
  CHECK(is_literal(U""));
}

TEST_CASE("glob_match agrees with a reference matcher on every small input", "[policy][glob]") {
  // Every pattern up to length 5 over {a, b, *, ?} against every text up to length 6 over {a, b}.
  const std::u32string alphabet_p = U"ab*?";
  const std::u32string alphabet_t = U"ab";
  std::vector<std::u32string> patterns{U""};
  for (std::size_t start = 0, len = 0; len < 5; ++len) {
    const std::size_t end = patterns.size();
    for (std::size_t i = start; i < end; ++i) {
      for (char32_t c : alphabet_p) patterns.push_back(patterns[i] + c);
    }
    start = end;
  }
  std::vector<std::string> texts{""};
  for (std::size_t start = 0, len = 0; len < 6; ++len) {
    const std::size_t end = texts.size();
    for (std::size_t i = start; i < end; ++i) {
      for (char32_t c : alphabet_t) texts.push_back(texts[i] + static_cast<char>(c));
    }
    start = end;
  }
  std::size_t mismatches = 0;
  for (const auto& p : patterns) {
    std::string p8;
    for (char32_t c : p) p8.push_back(static_cast<char>(c));
    const GlobPattern compiled = make_glob_pattern(p8, false);
    for (const auto& t : texts) {
      if (glob_match(compiled, t, false) != reference_glob(p, to_u32(t))) {
        if (++mismatches < 5) UNSCOPED_INFO("`" << p8 << "` ~ `" << t << "`");
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("glob_match stays quadratic on adversarial patterns", "[policy][glob]") {
  // 2.1: '*a*a*a...' is attacker-controlled; a backtracking regex would never finish.
  std::string pattern;
  for (int i = 0; i < 1000; ++i) pattern += "*a";
  pattern += "*b";
  const std::string text(10000, 'a');
  CHECK_FALSE(glob_match(make_glob_pattern(pattern, false), text, false));
  CHECK(glob_match(make_glob_pattern(pattern, false), text + "b", false));
  std::string many_any(5000, '?');
  CHECK_FALSE(glob_match(make_glob_pattern("*" + many_any + "b", false), std::string(6000, 'a'),
                         false));
}

TEST_CASE("hot-path primitives allocate nothing", "[policy][glob][values][text]") {
#ifdef GATEHOUSE_TEST_ASAN
  REQUIRE(__sanitizer_install_malloc_and_free_hooks != nullptr);
  static const int installed = __sanitizer_install_malloc_and_free_hooks(count_malloc, ignore_free);
  REQUIRE(installed > 0);
#endif
  // The counter sees an allocation when there is one, so a zero below means something.
  static std::string sink;
  g_allocations = 0;
  g_counting = true;
  sink.assign(1000, 'x');
  g_counting = false;
  REQUIRE(g_allocations > 0);

  using namespace gatehouse::policy;
  const GlobPattern pattern = make_glob_pattern("ARN:aws:*:*:function:F*?", true);
  const std::string text = "arn:aws:lambda:us-east-1:111111111111:function:F:PROD";
  const std::string long_text(4096, 'a');
  std::size_t pos = 0;

  g_allocations = 0;
  g_counting = true;
  const bool matched = glob_match(pattern, text, true);
  const bool long_matched = glob_match(pattern, long_text, true);
  const auto decimal = parse_decimal("-0012345678901234567890.500");
  const auto other = parse_decimal("10");
  const bool less = decimal && other && compare(*decimal, *other) < 0;
  const auto date = parse_date("2020-01-31T10:00:00.123456789+05:30");
  const auto epoch = parse_date("9223372036854775807");
  const auto ip = parse_ip("2001:db8::ffff:10.0.0.1");
  const auto range = parse_cidr("2001:db8::/32");
  const bool inside = ip && range && contains(*range, *ip);
  const auto v4 = parse_ip("203.0.113.7");
  const char32_t cp = decode_utf8("\xc3\x89", pos);
  const char32_t folded = fold_case(cp);
  const bool same = equals_ignore_case("ΟΔΥΣΣΕΥΣ", "οδυσσευσ");
  g_counting = false;

  CHECK(g_allocations == 0);
  CHECK(matched);
  CHECK_FALSE(long_matched);
  CHECK(less);
  CHECK(date.has_value());
  CHECK(epoch.has_value());
  CHECK(inside);
  CHECK(v4.has_value());
  CHECK(folded == 0xE9);
  CHECK(same);
}
