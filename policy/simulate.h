// The policy simulator: SimulateCustomPolicy semantics (policy semantics 5.8),
// wire-format free. The CLI speaks its JSON; the IAM Query API its XML.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/decide.h"
#include "policy/position.h"
#include "policy/principal.h"
#include "policy/result.h"

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
};

struct SimulationError {
  std::string code;     // InvalidInput, MalformedPolicyDocument, PolicyEvaluation
  std::string message;
  int http_status = 400;
};

struct MatchedStatement {
  std::string source_policy_id;    // PolicyInputList.1, PermissionsBoundaryPolicyInputList.1, ResourcePolicy
  std::string source_policy_type;  // "IAM Policy" or "resource"
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

// GetContextKeysForCustomPolicy (policy semantics 5.8): the context keys the policies
// reference, i.e. the variables in Resource/NotResource values and the keys and variables of
// Condition blocks, spelled as first written, de-duplicated case-insensitively, in order of
// first appearance. A policy that does not validate as an identity policy is an error.
Result<std::vector<std::string>, SimulationError> context_keys_for_policies(const std::vector<std::string>& policies);

}  // namespace gatehouse::policy
