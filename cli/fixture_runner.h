// Permission fixtures: JSON files that declare policies, principals and
// resources, and cases that each state the decision one request must get
// (format: fixtures/README.md). The runner only builds inputs for
// policy::decide() and compares; it holds no decision logic of its own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/compiled.h"
#include "policy/decide.h"
#include "policy/principal.h"
#include "policy/result.h"
#include "policy/validate.h"
#include "store/credential.h"

namespace gatehouse::cli {

// A fixture file that cannot be used: which file, where in it, what is wrong.
struct FixtureError {
  std::string file;
  std::string path;  // JSON path, e.g. "$.cases[3].expect"; empty for file-level problems
  std::string message;
};

// One context entry: a single value, a list (a list-typed key), or an erase.
struct ContextValue {
  bool erase = false;
  bool list = false;
  std::vector<std::string> values;
};
using ContextEntries = std::vector<std::pair<std::string, ContextValue>>;

struct FixturePolicy {
  policy::PolicyType type = policy::PolicyType::Identity;
  std::string text;  // what the validator sees: `text` verbatim, or `document` serialized compactly
  std::optional<policy::CompiledPolicy> compiled;  // set iff the text validated
  std::string error;                               // the validation message otherwise
};

struct FixturePrincipal {
  policy::Caller caller;
  // A principal of the fixture's world: its policies as the store gathers them for the
  // authorization pipeline (identity, boundary, session); the names below stay empty.
  std::shared_ptr<const store::ResolvedPrincipal> world;
  std::vector<std::string> identity;
  std::optional<std::string> boundary;
  std::vector<std::string> session;
  std::vector<std::vector<std::string>> scp_levels;
};

struct FixtureResource {
  std::optional<std::string> policy;
  // A role of the fixture's world named by an sts:AssumeRole case: its trust policy, as the
  // store compiles it for the STS API (`policy` stays empty).
  std::shared_ptr<const policy::CompiledPolicy> world_policy;
  policy::ResourcePolicyKind kind = policy::ResourcePolicyKind::Function;
  std::vector<std::vector<std::string>> rcp_levels;
};

struct ExpectedMatch {
  std::string policy;
  std::optional<std::uint32_t> statement;  // 0-based index
  std::optional<std::string> sid;
  std::optional<policy::Position> start, end;
};

// A condition that must be among the trace's failed conditions: operator and key as
// written, optionally in one statement.
struct ExpectedCondition {
  std::string op;   // e.g. "StringEquals", "ForAnyValue:StringLike"
  std::string key;  // as written in the policy, compared case-insensitively
  std::optional<ExpectedMatch> statement;
};

struct Expectation {
  // Decision cases.
  policy::Decision decision = policy::Decision::ImplicitDeny;
  std::optional<std::vector<ExpectedMatch>> matched;
  // Reason assertions: statements that must be among the deciding ones, and a failing condition.
  std::vector<ExpectedMatch> decided_by;
  std::optional<ExpectedCondition> failed_condition;
  std::optional<std::string> reason;
  std::optional<std::string> message;
  std::optional<std::vector<std::string>> missing_keys;
  std::optional<bool> allowed_by_boundary;
  std::optional<bool> allowed_by_organizations;
  std::optional<std::map<std::string, std::string>> eval_decision_details;
  // Validation cases: the exact message, or nullopt when the policy must validate.
  std::optional<std::string> validation_error;
};

// A case's replacement for one of the principal's or resource's policies;
// `name` empty with `set` true means "none".
struct PolicyOverride {
  bool set = false;
  std::optional<std::string> name;
};

struct FixtureCase {
  std::string name;
  std::string path;  // JSON path of the case, for messages
  std::optional<std::string> validate;  // validation case: the policy to validate
  std::string principal;
  std::string action;
  std::string resource;
  ContextEntries context;
  std::optional<std::vector<std::string>> identity;
  PolicyOverride boundary;
  std::optional<std::vector<std::string>> session;
  PolicyOverride resource_policy;
  std::optional<policy::ResourcePolicyKind> resource_kind;
  Expectation expect;
};

struct Fixture {
  std::string file;
  std::string world;  // the world file as loaded (resolved against the fixture's folder); empty: none
  std::map<std::string, FixturePolicy> policies;  // node-based: compiled policies keep their addresses
  std::map<std::string, FixturePrincipal> principals;
  std::map<std::string, FixtureResource> resources;  // keyed by the exact resource ARN
  ContextEntries context;                            // defaults for every case
  std::vector<FixtureCase> cases;
  // Where each policy comes from, for coverage: the fixture's own (by name) and the world's
  // (by owner and name). Compiled policies keep their addresses (node-based map, shared_ptr).
  struct PolicyOrigin {
    std::string file;   // the fixture or world file
    std::string label;  // "invoke-F", "user alice: inline own", "managed arn:aws:iam::...:policy/p"
  };
  std::map<const policy::CompiledPolicy*, PolicyOrigin> origins;
};

// A statement as reports name it. `policy` is valid while the fixture is (coverage); the
// report keeps the policy id.
struct StatementRef {
  const policy::CompiledPolicy* policy = nullptr;
  std::string policy_id;
  std::uint32_t index = 0;
  std::string sid;
};

struct FailedConditionRef {
  StatementRef statement;
  std::string op;   // operator as written
  std::string key;  // key as written
};

struct CaseResult {
  std::string name;
  std::string path;  // JSON path of the case (or of its table row)
  bool passed = false;
  std::vector<std::string> mismatches;  // "decision: expected allowed, got implicitDeny"
  bool validation = false;
  std::string expected, actual;  // decision names; validation: "valid" or the error message
  // Decision cases, from the engine's trace.
  std::vector<StatementRef> deciding;
  std::vector<std::string> missing_keys;
  std::vector<FailedConditionRef> failed_conditions;
  // The policies that took part (valid while the fixture is): those that grant (identity,
  // resource) and those that only limit (boundary, session, SCPs, RCPs), whose Allow statements
  // the engine, like the simulator's MatchedStatements, never reports.
  std::vector<const policy::CompiledPolicy*> granting, limiting;
  double duration_ms = 0;
};

// The items with `separator` between them.
std::string join_text(const std::vector<std::string>& items, std::string_view separator);

// "invoke-F#0(Invoke)": policy id, 0-based index, Sid if any.
std::string describe_statement(const StatementRef& s);
// "invoke-F#0(Invoke): StringEquals aws:SourceIp".
std::string describe_failed_condition(const FailedConditionRef& f);

// Parses and checks a fixture (unknown fields, missing fields, dangling names)
// and validates and compiles every policy it declares. `file` names it in errors.
// A `world` field is read relative to the folder of `file`.
policy::Result<Fixture, FixtureError> parse_fixture(std::string_view json, const std::string& file);
policy::Result<Fixture, FixtureError> load_fixture(const std::filesystem::path& file);

// Runs the cases of a loaded fixture that `select` accepts (all without one), in file order.
using CaseFilter = std::function<bool(const std::string& name)>;
std::vector<CaseResult> run_fixture(const Fixture& fixture, const CaseFilter& select = {});

// Expands the PATH arguments of `gatehouse test`: files as given, directories
// recursively (*.json, skipping README* files and demo/ directories), sorted.
struct FixtureFiles {
  std::vector<std::filesystem::path> files;
  std::vector<FixtureError> errors;  // paths that do not exist or cannot be listed
};
FixtureFiles find_fixture_files(const std::vector<std::string>& paths);

}  // namespace gatehouse::cli
