#include "policy/simulate.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "policy/arn.h"
#include "policy/text.h"
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
  out.statement_index = m.statement->index;
  out.sid = m.statement->sid;
  out.start_position = m.statement->start;
  out.end_position = m.statement->end;
  return out;
}

// A policy input's error names the input it is in: "PolicyInputList.2: Syntax errors in policy."
SimulationError input_error(const Finding& f, std::string_view input) {
  return SimulationError{f.code, std::string(input) + ": " + f.message, 400};
}

Result<CompiledPolicy, SimulationError> compile_input(const std::string& text, PolicyType type, std::string id) {
  auto document = parse_and_validate(text, type);
  if (!document) return failure(input_error(document.error(), id));
  return compile_validated(document.value(), std::move(id));
}

}  // namespace

ResourcePolicyKind resource_policy_kind_for(std::string_view action, std::string_view resource) noexcept {
  const auto colon = action.find(':');
  if (colon == std::string_view::npos) return ResourcePolicyKind::Generic;
  const std::string_view service = action.substr(0, colon);
  const auto arn = parse_arn(resource);
  if (!arn) return ResourcePolicyKind::Generic;
  if (equals_ignore_case(service, "sts") && arn->service == "iam" && arn->resource.starts_with("role/")) {
    return ResourcePolicyKind::Trust;
  }
  if (equals_ignore_case(service, "lambda") && arn->service == "lambda") return ResourcePolicyKind::Function;
  return ResourcePolicyKind::Generic;
}

ResourcePolicyKind resource_policy_kind_of(const SimulationInput& input) noexcept {
  std::optional<ResourcePolicyKind> kind;
  for (const auto& action : input.action_names) {
    if (input.resource_arns.empty()) return ResourcePolicyKind::Generic;  // "*" names no resource type
    for (const auto& resource : input.resource_arns) {
      const ResourcePolicyKind k = resource_policy_kind_for(action, resource);
      if (kind && *kind != k) return ResourcePolicyKind::Generic;
      kind = k;
    }
  }
  return kind.value_or(ResourcePolicyKind::Generic);
}

PolicyType validation_type(ResourcePolicyKind kind) noexcept {
  switch (kind) {
    case ResourcePolicyKind::Trust: return PolicyType::Trust;
    case ResourcePolicyKind::Function: return PolicyType::Resource;
    case ResourcePolicyKind::Generic: break;
  }
  return PolicyType::SimulatorResource;
}

std::string_view resource_policy_kind_name(ResourcePolicyKind kind) noexcept {
  switch (kind) {
    case ResourcePolicyKind::Trust: return "trust";
    case ResourcePolicyKind::Function: return "function";
    case ResourcePolicyKind::Generic: break;
  }
  return "generic";
}

std::optional<ResourcePolicyKind> parse_resource_policy_kind(std::string_view name) noexcept {
  for (auto kind : {ResourcePolicyKind::Trust, ResourcePolicyKind::Function, ResourcePolicyKind::Generic}) {
    if (resource_policy_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

namespace {

// Byte offset of a 1-based line and code-point column, or npos.
std::size_t offset_of(std::string_view text, Position p) {
  std::size_t i = 0;
  for (std::uint32_t line = 1; line < p.line; ++line) {
    i = text.find('\n', i);
    if (i == std::string_view::npos) return i;
    ++i;
  }
  for (std::uint32_t column = 1; column < p.column; ++column) {
    if (i >= text.size() || text[i] == '\n') return std::string_view::npos;
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

}  // namespace

std::string statement_text(std::string_view policy_text, Position start, Position end) {
  const std::size_t from = offset_of(policy_text, start);
  const std::size_t to = offset_of(policy_text, end);
  if (from == std::string_view::npos || to == std::string_view::npos || from == 0 || to <= from ||
      policy_text[from - 1] != '{') {
    return {};
  }
  std::string out;
  bool in_string = false;
  for (std::size_t i = from - 1; i < to; ++i) {
    const char c = policy_text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < to) out += policy_text[++i];
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out += c;
    }
  }
  return out;
}

std::optional<SimulationError> check_served_size(const SimulationInput& input) {
  const std::size_t evaluations = input.action_names.size() * std::max<std::size_t>(1, input.resource_arns.size());
  if (evaluations <= kMaxServedEvaluations) return std::nullopt;
  return invalid_input("The simulation of " + std::to_string(input.action_names.size()) + " actions on " +
                       std::to_string(input.resource_arns.size()) + " resources needs " +
                       std::to_string(evaluations) + " evaluations; one call runs at most " +
                       std::to_string(kMaxServedEvaluations) + ". Simulate fewer actions or resources at a time.");
}

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
    // Validated by the rules of its kind: a function policy as AddPermission writes it, a trust
    // policy as CreateRole takes it.
    const ResourcePolicyKind kind = input.resource_policy_kind.value_or(resource_policy_kind_of(input));
    auto p = compile_input(*input.resource_policy, validation_type(kind), "ResourcePolicy");
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
      // The same rule as the server's: sts:AssumeRole on a role reads a trust policy, which
      // must allow even in the same account (policy semantics 5.3, 5.4, 6.1). Without a
      // ResourcePolicy only the identity side is simulated, as AWS's simulator does.
      set.resource_kind = resource_policy ? input.resource_policy_kind.value_or(resource_policy_kind_for(action, resource))
                                          : ResourcePolicyKind::Generic;
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
  std::size_t n = 0;
  for (const auto& text : policies) {
    ++n;
    auto document = parse_and_validate(text, PolicyType::SimulatorIdentity);
    if (!document) return failure(input_error(document.error(), "PolicyInputList." + std::to_string(n)));
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
