// What `gatehouse test` makes of its results: the text lines people read, one JSON document
// (--json), JUnit XML for CI (--junit), and statement coverage (--coverage).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/fixture_runner.h"

namespace gatehouse::cli {

// One fixture file of a run: its cases' results, or why it could not be used.
struct FileReport {
  std::string file;
  std::optional<FixtureError> error;
  std::vector<CaseResult> cases;
};

// Which statements of the policies a run's cases evaluated no case matched (was among the
// deciding statements of), like `opa test --coverage`. The policies counted are those a case
// evaluated and those the fixture attaches to its principals and resources. The engine names
// the Allow statements of identity and resource policies and the Deny statements of every
// policy; the Allow statements of policies that only limit (boundaries, session policies,
// SCPs, RCPs) are never named, so they are not counted unless the policy also grants somewhere.
class Coverage {
 public:
  struct Statement {
    std::uint32_t index = 0;
    std::string sid;
    bool allow = true;
    bool matched = false;
  };
  struct Policy {
    std::string file;   // the fixture or world file the policy comes from
    std::string label;  // its name there
    bool grants = false;  // used as an identity or resource policy
    std::vector<Statement> statements;
    bool counts(const Statement& s) const { return grants || !s.allow; }
  };

  // Adds one fixture's policies and its results (call while `fixture` is alive).
  void add(const Fixture& fixture, const std::vector<CaseResult>& results);

  std::size_t statements() const;
  std::size_t matched() const;
  double percent() const;  // 100 when there is no statement
  const std::map<std::pair<std::string, std::string>, Policy>& policies() const { return policies_; }

 private:
  Policy& entry(const Fixture& fixture, const policy::CompiledPolicy* compiled, bool grants);
  std::map<std::pair<std::string, std::string>, Policy> policies_;
};

// "71.4"
std::string format_percent(double percent);

// Text: `FAIL file: case: mismatch; mismatch` and, for decision cases, indented lines with
// the expected and actual decision, the deciding statements, the failed conditions and the
// missing context keys.
void write_failure(std::ostream& out, const std::string& file, const CaseResult& result);
// `NOT MATCHED file: policy label: statement #i (Sid s)` per statement, then
// `coverage: M of N statements matched (P%)`.
void write_coverage(std::ostream& out, const Coverage& coverage);

// One JSON document: cases, errors, totals and (when given) coverage.
std::string json_report(const std::vector<FileReport>& files, const Coverage* coverage);
// JUnit XML: <testsuites> with one <testsuite> per file; a file that cannot be used is one
// <testcase> with an <error>.
std::string junit_report(const std::vector<FileReport>& files);

}  // namespace gatehouse::cli
