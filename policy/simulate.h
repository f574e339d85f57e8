// The policy simulator: SimulateCustomPolicy semantics (policy semantics 5.8),
// wire-format free. The CLI speaks its JSON; the IAM Query API its XML.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/decide.h"
#include "policy/position.h"
#include "policy/principal.h"
#include "policy/result.h"
#include "policy/validate.h"

namespace gatehouse::policy {

struct ContextEntry {
  std::string name;
  std::vector<std::string> values;
  std::string type = "string";  // string, stringList, numeric, ..., dateList
};

// How MatchedStatements name an input policy. SimulateCustomPolicy keeps the defaults
// (PolicyInputList.N / PermissionsBoundaryPolicyInputList.1, "IAM Policy");
// SimulatePrincipalPolicy names stored policies (the policy name; user, group, role,
// aws-managed or user-managed).
struct PolicySource {
  std::string id;
  std::string type;
};

struct SimulationInput {
  std::vector<std::string> policy_input_list;
  // Parallel to policy_input_list; entries past its end, or with an empty id, keep the defaults.
  std::vector<PolicySource> policy_input_sources;
  std::vector<std::string> permissions_boundary_policy_input_list;
  std::vector<std::string> action_names;
  std::vector<std::string> resource_arns;  // empty: ["*"]
  std::optional<std::string> resource_policy;
  std::optional<std::string> resource_owner;
  std::optional<std::string> caller_arn;
  std::vector<ContextEntry> context_entries;
  std::optional<std::string> resource_handling_option;
  // The boundary's name, when it is a stored policy (defaults as above).
  std::optional<PolicySource> permissions_boundary_source;
  // The caller when more is known of it than its ARN (SimulatePrincipalPolicy: the stored
  // unique id and tags, for aws:userid and aws:PrincipalTag/*). Used instead of parsing
  // caller_arn; counts as a given CallerArn.
  std::optional<Caller> caller;
  // What ResourcePolicy is (gatehouse's `--resource-policy-type`); absent: chosen by the
  // actions and resources (resource_policy_kind_for), as the server chooses it.
  std::optional<ResourcePolicyKind> resource_policy_kind;
};

// The kind of resource policy a request reads (policy semantics 5.3, 6.1): an sts: action on
// an IAM role reads the role's trust policy, a lambda: action on a Lambda ARN a function
// policy; anything else a generic resource policy.
ResourcePolicyKind resource_policy_kind_for(std::string_view action, std::string_view resource) noexcept;

// The kind ResourcePolicy is validated as when the input does not state it: the kind every
// (action, resource) pair reads, or Generic when they differ.
ResourcePolicyKind resource_policy_kind_of(const SimulationInput& input) noexcept;

// The validation type of each kind: trust (CreateRole), resource (AddPermission's function
// policy), simulator-resource (generic).
PolicyType validation_type(ResourcePolicyKind kind) noexcept;

// trust, function, generic (the CLI's names).
std::string_view resource_policy_kind_name(ResourcePolicyKind kind) noexcept;
std::optional<ResourcePolicyKind> parse_resource_policy_kind(std::string_view name) noexcept;

// The statement between `start` (just after its `{`) and `end` (just after its `}`) of
// `policy_text`, compacted: white space outside strings removed. Empty when the positions do
// not lie in the text.
std::string statement_text(std::string_view policy_text, Position start, Position end);

struct SimulationError {
  std::string code;     // InvalidInput, MalformedPolicyDocument, PolicyEvaluation
  std::string message;
  int http_status = 400;
};

struct MatchedStatement {
  std::string source_policy_id;    // PolicyInputList.1, PermissionsBoundaryPolicyInputList.1, ResourcePolicy
  std::string source_policy_type;  // "IAM Policy" or "resource"
  std::uint32_t statement_index = 0;  // 0-based, in its policy
  std::string sid;                    // empty when the statement has none
  Position start_position;
  Position end_position;
};

// Why, for --explain: which statement decided, which conditions failed.
struct Explanation {
  std::string reason;  // the AccessDenied reason clause, empty when allowed
  struct FailedCondition {
    std::string source_policy_id;
    std::uint32_t statement_index = 0;
    std::string sid;
    std::string operator_name;
    std::string key;
  };
  std::vector<FailedCondition> failed_conditions;
};

struct ResourceSpecificResult {
  std::string eval_resource_name;
  Decision eval_resource_decision = Decision::ImplicitDeny;
  std::vector<MatchedStatement> matched_statements;
  std::vector<std::string> missing_context_values;
  std::optional<std::map<std::string, std::string>> eval_decision_details;
  std::optional<bool> allowed_by_permissions_boundary;
};

struct EvaluationResult {
  std::string eval_action_name;
  std::string eval_resource_name;
  Decision eval_decision = Decision::ImplicitDeny;
  std::vector<MatchedStatement> matched_statements;
  std::vector<std::string> missing_context_values;
  std::optional<std::map<std::string, std::string>> eval_decision_details;
  std::optional<bool> allowed_by_permissions_boundary;
  std::vector<ResourceSpecificResult> resource_specific_results;  // present iff ResourceArns given
  bool has_resource_specific_results = false;
  Explanation explanation;
};

Result<std::vector<EvaluationResult>, SimulationError> simulate_custom_policy(const SimulationInput& input);

// The most action x resource evaluations one call of a service (the IAM Query API's
// Simulate*, the sidecar's gRPC Simulate) runs: every pair is evaluated before a page is cut,
// so an unbounded call would hold a request thread for minutes. AWS documents no bound
// (docs/compatibility.md); the command line applies none.
inline constexpr std::size_t kMaxServedEvaluations = 10000;

// InvalidInput naming the count when `input` asks for more than kMaxServedEvaluations.
std::optional<SimulationError> check_served_size(const SimulationInput& input);

// GetContextKeysForCustomPolicy (policy semantics 5.8): the context keys the policies
// reference, i.e. the variables in Resource/NotResource values and the keys and variables of
// Condition blocks, spelled as first written, de-duplicated case-insensitively, in order of
// first appearance. A policy that does not validate as an identity policy is an error.
Result<std::vector<std::string>, SimulationError> context_keys_for_policies(const std::vector<std::string>& policies);

}  // namespace gatehouse::policy
