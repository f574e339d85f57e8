// Simulation and context keys (iam-sts-api.md 3.6, policy semantics 5.8): the Query API's
// parameters and XML around policy::simulate_custom_policy, the engine `gatehouse simulate`
// uses, so that both answer every input identically.
#include "server/iam/simulation.h"

#include <algorithm>
#include <cstdio>
#include <span>

#include "policy/arn.h"
#include "policy/principal.h"
#include "policy/simulate.h"

namespace gatehouse::server::iam {
namespace {

using policy::EvaluationResult;
using policy::MatchedStatement;
using policy::PolicySource;
using policy::SimulationInput;

ApiError from_simulation(const policy::SimulationError& error) {
  return ApiError{error.http_status, error.code, error.message};
}

// A required list parameter: `List.member.N` values, ValidationError when none was sent.
// PolicyInputList is required but may be empty (AWS's API model; botocore sends an empty list
// as `PolicyInputList=`): a service principal caller has no identity policy.
Outcome<std::vector<std::string>> required_list(const Call& call, std::string_view list, std::string_view member,
                                                bool may_be_empty = false) {
  std::vector<std::string> values = call.params().members(list);
  if (values.empty() && !(may_be_empty && call.params().has_list(list))) return query::missing(member);
  return values;
}

// The parameters SimulateCustomPolicy and SimulatePrincipalPolicy share (all but the
// identity policies): actions, resources, boundary, resource policy, owner, caller, context.
Outcome<SimulationInput> common_input(const Call& call) {
  SimulationInput input;
  auto actions = required_list(call, "ActionNames", "actionNames");
  if (!actions) return actions.error();
  input.action_names = std::move(actions).value();
  input.resource_arns = call.params().members("ResourceArns");
  input.permissions_boundary_policy_input_list = call.params().members("PermissionsBoundaryPolicyInputList");
  input.resource_policy = call.optional("ResourcePolicy");
  input.resource_owner = call.optional("ResourceOwner");
  input.caller_arn = call.optional("CallerArn");
  input.resource_handling_option = call.optional("ResourceHandlingOption");
  for (const std::string& prefix : call.params().member_prefixes("ContextEntries")) {
    policy::ContextEntry entry;
    if (const std::string* name = call.params().find(prefix + ".ContextKeyName")) entry.name = *name;
    entry.values = call.params().members(prefix + ".ContextKeyValues");
    if (const std::string* type = call.params().find(prefix + ".ContextKeyType")) entry.type = *type;
    input.context_entries.push_back(std::move(entry));
  }
  return input;
}

// --- A principal's stored policies (SimulatePrincipalPolicy, GetContextKeysForPrincipalPolicy).

struct SourceArn {
  store::EntityKind kind = store::EntityKind::User;
  std::string arn, account, name;
};

// PolicySourceArn: arn:aws:iam::ACCOUNT:user|group|role/path/NAME.
Outcome<SourceArn> source_arn(const Call& call) {
  auto text = call.required("PolicySourceArn", "policySourceArn");
  if (!text) return text.error();
  const std::string& arn = text.value();
  const auto invalid = [&] {
    return query::invalid_input("Invalid ARN " + arn + ": PolicySourceArn must be the ARN of an IAM user, group or role.");
  };
  const auto view = policy::parse_arn(arn);
  if (!view || view->service != "iam" || !view->region.empty() || !policy::is_account_id(view->account)) {
    return invalid();
  }
  SourceArn out;
  std::string_view rest = view->resource;
  if (rest.starts_with("user/")) {
    out.kind = store::EntityKind::User;
  } else if (rest.starts_with("group/")) {
    out.kind = store::EntityKind::Group;
  } else if (rest.starts_with("role/")) {
    out.kind = store::EntityKind::Role;
  } else {
    return invalid();
  }
  const std::size_t slash = rest.rfind('/');
  out.name = std::string(rest.substr(slash + 1));
  if (out.name.empty()) return invalid();
  out.arn = arn;
  out.account = std::string(view->account);
  return out;
}

std::string_view entity_word(store::EntityKind kind) {
  switch (kind) {
    case store::EntityKind::User: return "user";
    case store::EntityKind::Group: return "group";
    case store::EntityKind::Role: return "role";
  }
  return "user";
}

ApiError no_such_entity(const SourceArn& source) {
  return ApiError{404, "NoSuchEntity",
                  "The " + std::string(entity_word(source.kind)) + " with name " + source.name + " cannot be found."};
}

// What SimulatePrincipalPolicy takes from the store.
struct StoredPrincipal {
  std::vector<std::string> documents;
  std::vector<PolicySource> sources;
  std::optional<std::string> boundary_document;
  std::optional<PolicySource> boundary_source;
  std::optional<policy::Caller> caller;  // users and roles
  std::string caller_arn;
};

struct Gather {
  const store::Snapshot& snapshot;
  StoredPrincipal& out;

  void inline_policies(const std::vector<store::InlinePolicy>& policies, std::string_view type) {
    for (const auto& p : policies) {
      out.documents.push_back(p.document);
      out.sources.push_back({p.name, std::string(type)});
    }
  }
  Outcome<void> attached(const std::vector<std::string>& arns) {
    for (const auto& arn : arns) {
      auto policy = snapshot.find_policy(arn);
      if (!policy) return ApiError{500, "ServiceFailure", "Attached policy " + arn + " is missing."};
      out.documents.push_back(policy->default_document().document);
      out.sources.push_back({policy->name, policy->aws_managed ? "aws-managed" : "user-managed"});
    }
    return policy::success();
  }
  Outcome<void> boundary(const std::string& arn) {
    if (arn.empty()) return policy::success();
    auto policy = snapshot.find_policy(arn);
    if (!policy) return ApiError{500, "ServiceFailure", "Permissions boundary " + arn + " is missing."};
    out.boundary_document = policy->default_document().document;
    out.boundary_source = PolicySource{policy->name, policy->aws_managed ? "aws-managed" : "user-managed"};
    return policy::success();
  }
};

// The entity's policies in the order AWS evaluates them: its own inline, its attached, then
// (users) each group's inline and attached in join order.
Outcome<StoredPrincipal> stored_principal(const Call& call, const SourceArn& source) {
  if (source.account != call.account()) return no_such_entity(source);
  StoredPrincipal out;
  auto status = read(call, [&](const store::Snapshot& s) -> Outcome<void> {
    Gather gather{s, out};
    switch (source.kind) {
      case store::EntityKind::User: {
        auto user = s.find_user(source.account, source.name);
        if (!user || user->arn != source.arn) return no_such_entity(source);
        gather.inline_policies(user->inline_policies, "user");
        if (auto ok = gather.attached(user->attached); !ok) return ok.error();
        for (const auto& group_name : user->groups) {
          auto group = s.find_group(source.account, group_name);
          if (!group) continue;
          gather.inline_policies(group->inline_policies, "group");
          if (auto ok = gather.attached(group->attached); !ok) return ok.error();
        }
        if (auto ok = gather.boundary(user->boundary); !ok) return ok.error();
        out.caller = policy::caller_from_arn(user->arn);
        if (out.caller) {
          out.caller->unique_id = user->id;
          out.caller->tags = user->tags;
        }
        out.caller_arn = user->arn;
        return policy::success();
      }
      case store::EntityKind::Group: {
        auto group = s.find_group(source.account, source.name);
        if (!group || group->arn != source.arn) return no_such_entity(source);
        gather.inline_policies(group->inline_policies, "group");
        return gather.attached(group->attached);
      }
      case store::EntityKind::Role: {
        auto role = s.find_role(source.account, source.name);
        if (!role || role->arn != source.arn) return no_such_entity(source);
        gather.inline_policies(role->inline_policies, "role");
        if (auto ok = gather.attached(role->attached); !ok) return ok.error();
        if (auto ok = gather.boundary(role->boundary); !ok) return ok.error();
        out.caller = policy::caller_from_arn(role->arn);
        if (out.caller) out.caller->tags = role->tags;
        out.caller_arn = role->arn;
        return policy::success();
      }
    }
    return no_such_entity(source);
  });
  if (!status) return status.error();
  return out;
}

// --- The answer.

void write_position(Xml& xml, std::string_view tag, const policy::Position& p) {
  xml.open(tag)
      .element("Line", static_cast<std::int64_t>(p.line))
      .element("Column", static_cast<std::int64_t>(p.column))
      .close(tag);
}

// <tag><member>…</member>…</tag>, or <tag/> for an empty list (botocore reads both).
template <class Range, class WriteMember>
void write_list(Xml& xml, std::string_view tag, const Range& items, WriteMember write_member) {
  if (items.empty()) {
    xml.empty(tag);
    return;
  }
  xml.open(tag);
  for (const auto& item : items) write_member(item);
  xml.close(tag);
}

void write_statements(Xml& xml, const std::vector<MatchedStatement>& statements) {
  write_list(xml, "MatchedStatements", statements, [&](const MatchedStatement& s) {
    xml.open("member").element("SourcePolicyId", s.source_policy_id).element("SourcePolicyType", s.source_policy_type);
    write_position(xml, "StartPosition", s.start_position);
    write_position(xml, "EndPosition", s.end_position);
    xml.close("member");
  });
}

void write_strings(Xml& xml, std::string_view tag, const std::vector<std::string>& values) {
  write_list(xml, tag, values, [&](const std::string& v) { xml.element("member", v); });
}

void write_boundary_detail(Xml& xml, const std::optional<bool>& allowed) {
  if (!allowed) return;
  xml.open("PermissionsBoundaryDecisionDetail")
      .element("AllowedByPermissionsBoundary", *allowed)
      .close("PermissionsBoundaryDecisionDetail");
}

void write_details(Xml& xml, const std::optional<std::map<std::string, std::string>>& details) {
  if (!details) return;
  if (details->empty()) {
    xml.empty("EvalDecisionDetails");
    return;
  }
  xml.open("EvalDecisionDetails");
  for (const auto& [k, v] : *details) xml.open("entry").element("key", k).element("value", v).close("entry");
  xml.close("EvalDecisionDetails");
}

// What an EvaluationResult and each of its ResourceSpecificResults both say about a decision.
template <class Result>
void write_decision_details(Xml& xml, const Result& r) {
  write_statements(xml, r.matched_statements);
  write_strings(xml, "MissingContextValues", r.missing_context_values);
  write_boundary_detail(xml, r.allowed_by_permissions_boundary);
  write_details(xml, r.eval_decision_details);
}

void write_result(Xml& xml, const EvaluationResult& r) {
  xml.open("member")
      .element("EvalActionName", r.eval_action_name)
      .element("EvalResourceName", r.eval_resource_name)
      .element("EvalDecision", policy::decision_name(r.eval_decision));
  write_decision_details(xml, r);
  if (r.has_resource_specific_results) {
    write_list(xml, "ResourceSpecificResults", r.resource_specific_results,
               [&](const policy::ResourceSpecificResult& rs) {
                 xml.open("member")
                     .element("EvalResourceName", rs.eval_resource_name)
                     .element("EvalResourceDecision", policy::decision_name(rs.eval_resource_decision));
                 write_decision_details(xml, rs);
                 xml.close("member");
               });
  }
  xml.close("member");
}

// Runs the engine and answers one page of EvaluationResults (MaxItems/Marker; the marker is
// the position of the page's first result).
Reply simulate(const Call& call, const SimulationInput& input) {
  if (auto too_many = policy::check_served_size(input)) return from_simulation(*too_many);
  auto results = policy::simulate_custom_policy(input);
  if (!results) return from_simulation(results.error());
  const auto& all = results.value();
  std::vector<std::string> keys;
  keys.reserve(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    char key[24];
    std::snprintf(key, sizeof key, "%010zu", i);
    keys.emplace_back(key);
  }
  auto page = paginate(call, keys);
  if (!page) return page.error();
  Xml xml;
  const auto shown = std::span(all).subspan(page.value().begin, page.value().end - page.value().begin);
  write_list(xml, "EvaluationResults", shown, [&](const EvaluationResult& r) { write_result(xml, r); });
  page.value().write_tail(xml);
  return query::answer(std::move(xml));
}

Reply context_keys(const std::vector<std::string>& policies) {
  auto keys = policy::context_keys_for_policies(policies);
  if (!keys) return from_simulation(keys.error());
  Xml xml;
  write_strings(xml, "ContextKeyNames", keys.value());
  return query::answer(std::move(xml));
}

// The PolicyInputList members a principal simulation adds to the stored policies, named
// PolicyInputList.N as in SimulateCustomPolicy.
void add_extra_policies(const Call& call, SimulationInput& input) {
  const auto extra = call.params().members("PolicyInputList");
  for (std::size_t i = 0; i < extra.size(); ++i) {
    input.policy_input_list.push_back(extra[i]);
    input.policy_input_sources.push_back({"PolicyInputList." + std::to_string(i + 1), ""});
  }
}

}  // namespace

Reply simulate_custom_policy(const Call& call) {
  auto policies = required_list(call, "PolicyInputList", "policyInputList", true);
  if (!policies) return policies.error();
  auto input = common_input(call);
  if (!input) return input.error();
  if (auto ok = call.authorize("iam:SimulateCustomPolicy", "*"); !ok) return ok.error();
  input.value().policy_input_list = std::move(policies).value();
  return simulate(call, input.value());
}

Reply simulate_principal_policy(const Call& call) {
  auto source = source_arn(call);
  if (!source) return source.error();
  auto input = common_input(call);
  if (!input) return input.error();
  if (auto ok = call.authorize("iam:SimulatePrincipalPolicy", source.value().arn, {}, source.value().account); !ok) {
    return ok.error();
  }
  auto stored = stored_principal(call, source.value());
  if (!stored) return stored.error();
  StoredPrincipal& principal = stored.value();

  SimulationInput& in = input.value();
  in.policy_input_list = std::move(principal.documents);
  in.policy_input_sources = std::move(principal.sources);
  add_extra_policies(call, in);
  // A boundary in the request replaces the entity's own.
  if (in.permissions_boundary_policy_input_list.empty() && principal.boundary_document) {
    in.permissions_boundary_policy_input_list.push_back(std::move(*principal.boundary_document));
    in.permissions_boundary_source = std::move(principal.boundary_source);
  }
  // CallerArn defaults to the entity itself, with its stored id and tags.
  if (!in.caller_arn && principal.caller) {
    in.caller = std::move(principal.caller);
    in.caller_arn = principal.caller_arn;
  }
  return simulate(call, in);
}

Reply get_context_keys_for_custom_policy(const Call& call) {
  auto policies = required_list(call, "PolicyInputList", "policyInputList", true);
  if (!policies) return policies.error();
  if (auto ok = call.authorize("iam:GetContextKeysForCustomPolicy", "*"); !ok) return ok.error();
  return context_keys(policies.value());
}

Reply get_context_keys_for_principal_policy(const Call& call) {
  auto source = source_arn(call);
  if (!source) return source.error();
  if (auto ok = call.authorize("iam:GetContextKeysForPrincipalPolicy", source.value().arn, {}, source.value().account);
      !ok) {
    return ok.error();
  }
  auto stored = stored_principal(call, source.value());
  if (!stored) return stored.error();
  std::vector<std::string> policies = std::move(stored.value().documents);
  for (auto& extra : call.params().members("PolicyInputList")) policies.push_back(std::move(extra));
  return context_keys(policies);
}

}  // namespace gatehouse::server::iam
