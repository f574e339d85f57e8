#include "policy/simulate.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "policy/arn.h"
#include "policy/validate.h"
#include "policy/variables.h"

namespace gatehouse::policy {
namespace {

constexpr std::string_view kIamPolicy = "IAM Policy";

bool is_list_type(std::string_view type) { return type.ends_with("List"); }

bool is_known_context_type(std::string_view type) {
  static constexpr std::string_view kTypes[] = {"string", "stringList", "numeric", "numericList",
                                                "boolean", "booleanList", "ip", "ipList",
                                                "binary", "binaryList", "date", "dateList"};
  for (auto t : kTypes) {
    if (t == type) return true;
  }
  return false;
}

SimulationError invalid_input(std::string message) { return {"InvalidInput", std::move(message), 400}; }

// Input policies whose type is not the default one (SimulatePrincipalPolicy's stored policies).
using SourceTypes = std::vector<std::pair<const CompiledPolicy*, std::string>>;

MatchedStatement to_matched(const Trace::Match& m, const SourceTypes& types) {
  MatchedStatement out;
  out.source_policy_id = m.policy->id;
  out.source_policy_type = m.source == DecisionSource::ResourcePolicy || m.source == DecisionSource::TrustPolicy
                               ? "resource"
                               : std::string(kIamPolicy);
  for (const auto& [policy, type] : types) {
    if (policy == m.policy) out.source_policy_type = type;
  }
  out.start_position = m.statement->start;
  out.end_position = m.statement->end;
  return out;
}

Result<CompiledPolicy, SimulationError> compile_input(const std::string& text, PolicyType type, std::string id) {
  auto document = parse_and_validate(text, type);
  if (!document) {
    const Finding& f = document.error();
    return failure(SimulationError{f.code, f.message, 400});
  }
  return compile_validated(document.value(), std::move(id));
}

}  // namespace

Result<std::vector<EvaluationResult>, SimulationError> simulate_custom_policy(const SimulationInput& input) {
  // Inputs, as "SimulateCustomPolicy" (IAM API Reference) constrains them.
  if (input.action_names.empty()) return failure(invalid_input("ActionNames must not be empty"));
  for (const auto& action : input.action_names) {
    if (action.size() < 3 || action.size() > 128 || action.find(':') == std::string::npos) {
      return failure(invalid_input("Action name " + action + " is not valid: use service:Action"));
    }
    if (action.find_first_of("*?") != std::string::npos) {
      return failure(invalid_input("Action name " + action + " must not contain wildcards"));
    }
  }
  if (input.permissions_boundary_policy_input_list.size() > 1) {
    return failure(invalid_input("PermissionsBoundaryPolicyInputList takes at most one policy"));
  }
  if (input.resource_policy && !input.caller_arn && !input.caller) {
    return failure(invalid_input("CallerArn is required when ResourcePolicy is given"));
  }

  std::optional<Caller> caller = input.caller;
  if (!caller && input.caller_arn) {
    caller = caller_from_arn(*input.caller_arn);
    if (!caller) return failure(invalid_input("CallerArn " + *input.caller_arn + " is not a principal ARN"));
  }
  std::string owner_account;
  if (input.resource_owner) {
    if (auto arn = parse_principal_arn(*input.resource_owner); arn && arn->kind == PrincipalArnKind::Root) {
      owner_account = std::string(arn->account);
    } else if (is_account_id(*input.resource_owner)) {
      owner_account = *input.resource_owner;
    } else {
      return failure(invalid_input("ResourceOwner must be an account root ARN such as arn:aws:iam::111122223333:root"));
    }
  }

  std::vector<std::unique_ptr<CompiledPolicy>> storage;
  std::vector<const CompiledPolicy*> identity;
  SourceTypes types;
  for (std::size_t i = 0; i < input.policy_input_list.size(); ++i) {
    const PolicySource* source =
        i < input.policy_input_sources.size() && !input.policy_input_sources[i].id.empty()
            ? &input.policy_input_sources[i]
            : nullptr;
    auto p = compile_input(input.policy_input_list[i], PolicyType::SimulatorIdentity,
                           source ? source->id : "PolicyInputList." + std::to_string(i + 1));
    if (!p) return failure(p.error());
    storage.push_back(std::make_unique<CompiledPolicy>(std::move(p.value())));
    identity.push_back(storage.back().get());
    if (source && !source->type.empty()) types.emplace_back(storage.back().get(), source->type);
  }
  const CompiledPolicy* boundary = nullptr;
  if (!input.permissions_boundary_policy_input_list.empty()) {
    const PolicySource* source =
        input.permissions_boundary_source && !input.permissions_boundary_source->id.empty()
            ? &*input.permissions_boundary_source
            : nullptr;
    auto p = compile_input(input.permissions_boundary_policy_input_list.front(), PolicyType::SimulatorIdentity,
                           source ? source->id : "PermissionsBoundaryPolicyInputList.1");
    if (!p) return failure(p.error());
    storage.push_back(std::make_unique<CompiledPolicy>(std::move(p.value())));
    boundary = storage.back().get();
    if (source && !source->type.empty()) types.emplace_back(boundary, source->type);
  }
  const CompiledPolicy* resource_policy = nullptr;
  if (input.resource_policy) {
    auto p = compile_input(*input.resource_policy, PolicyType::SimulatorResource, "ResourcePolicy");
    if (!p) return failure(p.error());
    storage.push_back(std::make_unique<CompiledPolicy>(std::move(p.value())));
    resource_policy = storage.back().get();
  }

  // Without CallerArn the caller is an unnamed principal of the resource owner's account.
  if (!caller) {
    caller = Caller{};
    caller->type = PrincipalType::User;
    caller->account = owner_account.empty() ? "123456789012" : owner_account;
  }

  RequestContext context;
  if (input.caller_arn || input.caller) add_principal_keys(*caller, context);
  for (const auto& entry : input.context_entries) {
    if (entry.name.size() < 5 || entry.name.size() > 256) {
      return failure(invalid_input("ContextKeyName " + entry.name + " must be 5 to 256 characters"));
    }
    if (!is_known_context_type(entry.type)) {
      return failure(invalid_input("ContextKeyType " + entry.type + " is not valid"));
    }
    if (is_list_type(entry.type) || entry.values.size() != 1) {
      context.set_list(entry.name, entry.values);
    } else {
      context.set(entry.name, entry.values.front());
    }
  }

  PolicySet set;
  set.identity = identity;
  set.boundary = boundary;
  set.resource = resource_policy;
  set.resource_kind = ResourcePolicyKind::Generic;

  const bool resources_given = !input.resource_arns.empty();
  const std::vector<std::string> star = {"*"};
  const auto& resources = resources_given ? input.resource_arns : star;

  std::vector<EvaluationResult> results;
  for (const auto& action : input.action_names) {
    for (const auto& resource : resources) {
      Request request;
      request.action = action;
      request.resource = resource;
      request.caller = &*caller;
      request.context = &context;
      request.resource_account = owner_account;
      Trace trace;
      const Outcome outcome = decide(set, request, &trace);

      EvaluationResult r;
      r.eval_action_name = action;
      r.eval_resource_name = resource;
      r.eval_decision = outcome.decision;
      for (const auto& m : trace.matched) r.matched_statements.push_back(to_matched(m, types));
      if (trace.boundary_present) r.allowed_by_permissions_boundary = trace.allowed_by_boundary;
      if (trace.cross_account) {
        r.eval_decision_details = std::map<std::string, std::string>{
            {"IAM Policy", std::string(decision_name(trace.identity_side))},
            {"Resource Policy", std::string(decision_name(trace.resource_side))}};
      } else if (resource != "*") {
        r.eval_decision_details = std::map<std::string, std::string>{};
      }
      r.explanation.reason = reason_clause(outcome, action);
      for (const auto& f : trace.failed_conditions) {
        r.explanation.failed_conditions.push_back({f.policy->id, f.statement->index, f.statement->sid,
                                                   operator_spec_name(f.condition->spec),
                                                   f.condition->key_as_written});
      }
      if (resources_given) {
        r.has_resource_specific_results = true;
        ResourceSpecificResult rs;
        rs.eval_resource_name = resource;
        rs.eval_resource_decision = outcome.decision;
        rs.matched_statements = r.matched_statements;
        rs.missing_context_values = trace.missing_keys;
        rs.eval_decision_details = r.eval_decision_details;
        rs.allowed_by_permissions_boundary = r.allowed_by_permissions_boundary;
        r.resource_specific_results.push_back(std::move(rs));
      } else {
        r.missing_context_values = trace.missing_keys;
      }
      results.push_back(std::move(r));
    }
  }
  return results;
}

namespace {

// Keys in first-appearance order, the first spelling of each (keys are case-insensitive).
class KeyList {
 public:
  void add(std::string_view key) {
    for (const auto& k : keys_) {
      if (k.size() == key.size() && std::equal(k.begin(), k.end(), key.begin(), [](char a, char b) {
            return ascii_lower(a) == ascii_lower(b);
          })) {
        return;
      }
    }
    keys_.emplace_back(key);
  }
  void add_variables(std::string_view text) {
    if (!has_variables(text)) return;
    for (const auto& piece : parse_template(text)) {
      if (piece.kind == TemplatePiece::Kind::Variable) add(piece.text);
    }
  }
  std::vector<std::string> take() { return std::move(keys_); }

 private:
  static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
  std::vector<std::string> keys_;
};

}  // namespace

Result<std::vector<std::string>, SimulationError> context_keys_for_policies(const std::vector<std::string>& policies) {
  KeyList keys;
  for (const auto& text : policies) {
    auto document = parse_and_validate(text, PolicyType::SimulatorIdentity);
    if (!document) {
      const Finding& f = document.error();
      return failure(SimulationError{f.code, f.message, 400});
    }
    for (const Statement& statement : document.value().statements) {
      for (const auto& v : statement.resource.values) keys.add_variables(v.value);
      for (const auto& v : statement.not_resource.values) keys.add_variables(v.value);
      for (const ConditionBlock& block : statement.conditions) {
        for (const ConditionKey& key : block.keys) {
          keys.add(key.key.value);
          for (const auto& v : key.values) keys.add_variables(v.value);
        }
      }
    }
  }
  return keys.take();
}

}  // namespace gatehouse::policy
