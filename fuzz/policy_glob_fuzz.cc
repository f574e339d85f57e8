// Glob matching and the text helpers under it. Input: one flag byte (bit 0 fold,
// bit 1 literal pattern), then pattern NUL text. Checked against a reference
// dynamic program; glob_match and the text primitives must not allocate.
// The matcher is O(p*t) by design (Appendix A): the text is cut so that p*t stays
// within kStepBudget, and any input that still runs past libFuzzer's -timeout
// (5 s in `make fuzz`; also run with -max_len=65536) is a real regression, such
// as exponential backtracking.
#include <sanitizer/allocator_interface.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "policy/glob.h"
#include "policy/text.h"

namespace gp = gatehouse::policy;

namespace {

// About half a second per input under ASan, UBSan and coverage instrumentation.
constexpr std::size_t kStepBudget = std::size_t{1} << 24;

bool g_forbid_allocation = false;

void on_malloc(const volatile void*, std::size_t) {
  if (g_forbid_allocation) std::abort();  // a hot-path primitive allocated
}
void on_free(const volatile void*) {}

void require(bool condition) {
  if (!condition) std::abort();
}

// The textbook O(p*t) table over code points, one row at a time.
bool reference_glob(const gp::GlobPattern& p, const std::u32string& t) {
  std::vector<char> row(t.size() + 1, 0);
  std::vector<char> next(t.size() + 1, 0);
  row[0] = 1;
  for (const char32_t c : p) {
    next.assign(t.size() + 1, 0);
    for (std::size_t j = 0; j <= t.size(); ++j) {
      if (c == gp::kGlobStar) {
        next[j] = row[j] || (j > 0 && next[j - 1]);
      } else if (j > 0) {
        next[j] = row[j - 1] && (c == gp::kGlobAny || c == t[j - 1]);
      }
    }
    row.swap(next);
  }
  return row[t.size()] != 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool fold = (data[0] & 1) != 0;
  const bool literal = (data[0] & 2) != 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t nul = input.find('\0');
  const std::string_view pattern_text = input.substr(0, nul);
  std::string_view text = nul == std::string_view::npos ? input : input.substr(nul + 1);
  // Keep at most kStepBudget / pattern-length code points of the text.
  const std::size_t max_code_points = kStepBudget / (pattern_text.size() + 1);
  for (std::size_t pos = 0, n = 0; pos < text.size(); ++n) {
    if (n == max_code_points) {
      text = text.substr(0, pos);
      break;
    }
    gp::decode_utf8(text, pos);
  }

  const gp::GlobPattern pattern = literal ? gp::make_literal_pattern(pattern_text, fold)
                                          : gp::make_glob_pattern(pattern_text, fold);
  // Matching the text against itself as a pattern is O(t*t): only within the budget.
  const bool self_check = text.size() * text.size() <= kStepBudget;
  const gp::GlobPattern self = gp::make_glob_pattern(self_check ? text : "", fold);
  const gp::GlobPattern self_literal = gp::make_literal_pattern(text, fold);

  g_forbid_allocation = true;
  const bool matched = gp::glob_match(pattern, text, fold);
  const bool self_matched = !self_check || gp::glob_match(self, text, fold);
  const bool self_literal_matched = gp::glob_match(self_literal, text, fold);
  const bool literal_pattern = gp::is_literal(pattern);
  const bool equal_ignoring_case = gp::equals_ignore_case(pattern_text, text);
  std::size_t pos = 0;
  std::size_t code_points = 0;
  while (pos < text.size()) {
    const std::size_t before = pos;
    const char32_t cp = gp::decode_utf8(text, pos);
    require(pos > before && pos <= text.size() && pos - before <= 4);
    require(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF));
    require(gp::fold_case(gp::fold_case(cp)) == gp::fold_case(cp));
    ++code_points;
  }
  g_forbid_allocation = false;

  // Every text matches itself, as a glob and as a literal.
  require(self_matched && self_literal_matched);
  const bool has_wildcard = pattern_text.find_first_of("*?") != std::string_view::npos;
  require(literal_pattern == (literal || !has_wildcard));

  // Differential check on sizes where the reference table stays cheap.
  const std::u32string decoded = gp::to_u32(text);
  require(decoded.size() == code_points);
  if (pattern.size() * decoded.size() <= 1 << 16) {
    std::u32string folded = decoded;
    if (fold) {
      for (char32_t& c : folded) c = gp::fold_case(c);
    }
    require(matched == reference_glob(pattern, folded));
  }

  // Case-insensitive equality is equality after to_lower, which is idempotent.
  const std::string lower_text = gp::to_lower(text);
  require(gp::to_lower(lower_text) == lower_text);
  require(gp::equals_ignore_case(text, lower_text));
  require(equal_ignoring_case == (gp::to_lower(pattern_text) == lower_text));

  // append_utf8 re-encodes what decode_utf8 read.
  std::string encoded;
  for (const char32_t c : decoded) gp::append_utf8(encoded, c);
  require(gp::to_u32(encoded) == decoded);
  return 0;
}
