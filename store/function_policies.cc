// Function resource policies: one document per (function, qualifier), built
// statement by statement from AddPermission (lambda-api.md 7,
// policy-semantics 1.10).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "policy/arn.h"
#include "store/iam_common.h"
#include "store/ids.h"
#include "store/lambda_common.h"

namespace gatehouse::store {

using namespace detail;

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

bool is_service_principal(std::string_view p) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  if (p.size() <= kSuffix.size() || !p.ends_with(kSuffix)) return false;
  return std::all_of(p.begin(), p.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

Result<void> check_statement_id(std::string_view sid) {
  const bool ok = !sid.empty() && sid.size() <= 100 && std::all_of(sid.begin(), sid.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
  if (!ok) {
    return aws::lambda_validation("1 validation error detected: Value '" + std::string(sid) +
                                  "' at 'statementId' failed to satisfy constraint: Member must satisfy regular "
                                  "expression pattern: ([a-zA-Z0-9-_]+)");
  }
  return success();
}

Result<void> check_action(std::string_view action) {
  bool ok = action == "*" || action == "lambda:*";
  if (!ok && action.starts_with("lambda:") && action.size() > 7) {
    ok = std::all_of(action.begin() + 7, action.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
  }
  if (!ok) {
    return aws::lambda_validation("1 validation error detected: Value '" + std::string(action) +
                                  "' at 'action' failed to satisfy constraint: Member must satisfy regular expression "
                                  "pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
  }
  return success();
}

// The statement AddPermission adds, in AWS's key order: Sid, Effect,
// Principal, Action, Resource, Condition.
Result<std::string> build_statement(const PermissionInput& in, std::string_view resource) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("Sid");
  write(w, in.statement_id);
  w.Key("Effect");
  w.String("Allow");
  w.Key("Principal");
  const std::string_view p = in.principal;
  if (p == "*") {
    w.String("*");
  } else if (policy::is_account_id(p)) {
    w.StartObject();
    w.Key("AWS");
    write(w, "arn:aws:iam::" + std::string(p) + ":root");
    w.EndObject();
  } else if (auto arn = policy::parse_principal_arn(p);
             arn && (arn->kind == policy::PrincipalArnKind::Root || arn->kind == policy::PrincipalArnKind::User ||
                     arn->kind == policy::PrincipalArnKind::Role)) {
    w.StartObject();
    w.Key("AWS");
    write(w, p);
    w.EndObject();
  } else if (is_service_principal(p)) {
    w.StartObject();
    w.Key("Service");
    write(w, p);
    w.EndObject();
  } else {
    return aws::invalid_parameter("The provided principal was invalid. Please check the principal and try again.");
  }
  w.Key("Action");
  write(w, in.action);
  w.Key("Resource");
  write(w, resource);
  const std::pair<std::string_view, const std::string*> string_equals[] = {
      {"AWS:SourceAccount", &in.source_account},
      {"lambda:EventSourceToken", &in.event_source_token},
      {"aws:PrincipalOrgID", &in.principal_org_id},
      {"lambda:FunctionUrlAuthType", &in.function_url_auth_type},
  };
  const bool any_equals = std::any_of(std::begin(string_equals), std::end(string_equals),
                                      [](const auto& e) { return !e.second->empty(); });
  if (any_equals || !in.source_arn.empty() || in.invoked_via_function_url) {
    w.Key("Condition");
    w.StartObject();
    if (any_equals) {
      w.Key("StringEquals");
      w.StartObject();
      for (const auto& [key, value] : string_equals) {
        if (value->empty()) continue;
        write(w, key);
        write(w, *value);
      }
      w.EndObject();
    }
    if (!in.source_arn.empty()) {
      w.Key("ArnLike");
      w.StartObject();
      w.Key("AWS:SourceArn");
      write(w, in.source_arn);
      w.EndObject();
    }
    if (in.invoked_via_function_url) {
      // AddPermission's InvokedViaFunctionUrl: only an invocation through the function URL.
      w.Key("Bool");
      w.StartObject();
      w.Key("lambda:InvokedViaFunctionUrl");
      w.String("true");
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The ARN a policy of this qualifier covers; Lambda's errors for a missing
// version or alias.
Result<std::string> policy_target(const Snapshot& s, const Function& f, std::string_view qualifier) {
  if (qualifier.empty()) return f.arn;
  const std::string arn = f.arn + ":" + std::string(qualifier);
  const std::string fkey = keys::function(f.account, f.region, f.name);
  if (is_version_number(qualifier)) {
    if (!find_version(s, fkey, version_number(qualifier))) return aws::function_not_found(arn);
    return arn;
  }
  if (qualifier == kLatest) return arn;
  if (!find_alias(s, fkey, qualifier)) return aws::alias_not_found_for_get(arn);
  return arn;
}

}  // namespace

Result<FunctionPolicy> Snapshot::get_function_policy(const FunctionRef& ref, std::string_view qualifier) const {
  auto function = find_function(ref);
  if (!function) return aws::resource_not_found();
  if (!policy_target(*this, *function, qualifier)) return aws::resource_not_found();
  auto policy = load<FunctionPolicy>(txn_, state_.db.function_policies, keys::child(function_key(ref), qualifier));
  if (!policy) return aws::resource_not_found();
  // A bound principal whose entity is gone reads as its unique id.
  for (auto& statement : policy->statements) {
    statement.json = shown_document(*this, statement.json, policy->principal_ids);
  }
  return std::move(*policy);
}

Result<PolicyStatement> Mutation::add_permission(const FunctionRef& ref, std::string_view qualifier,
                                                 const PermissionInput& input, std::string_view revision_id) {
  if (auto ok = check_statement_id(input.statement_id); !ok) return ok.error();
  if (auto ok = check_action(input.action); !ok) return ok.error();
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  if (qualifier == kLatest) return aws::invalid_parameter("We currently do not support adding policies for $LATEST.");
  auto target = policy_target(*this, function.value(), qualifier);
  if (!target) return target.error();
  const std::string key = keys::child(function_key(ref), qualifier);
  FunctionPolicy policy = load<FunctionPolicy>(txn_, state_.db.function_policies, key).value_or(FunctionPolicy{});
  if (!revision_id.empty() && revision_id != policy.revision_id) return aws::revision_mismatch("GetPolicy");
  for (const auto& s : policy.statements) {
    if (s.sid == input.statement_id) return aws::statement_exists(input.statement_id);
  }
  auto statement = build_statement(input, target.value());
  if (!statement) return statement.error();
  policy.qualifier = std::string(qualifier);
  // Earlier grants to a principal that is gone name its unique id from now on (as GetPolicy
  // shows them), so the ARNs left are those of entities that are there: binding them all again
  // binds the new statement's principals to today's entities and keeps every earlier binding.
  for (auto& s : policy.statements) s.json = shown_document(*this, s.json, policy.principal_ids);
  policy.statements.push_back(PolicyStatement{input.statement_id, statement.value()});
  policy.principal_ids = bind_principals(*this, policy.document());
  // The whole document as Lambda serialises it must validate and fit 20 KB.
  if (auto ok = check_document(*this, policy.document(), policy::PolicyType::Resource); !ok) return ok.error();
  policy.revision_id = ids::uuid();
  policy.revision = next_revision();
  save(txn_, state_.db.function_policies, key, policy);
  effects_.lambda = true;
  return policy.statements.back();
}

Result<void> Mutation::remove_permission(const FunctionRef& ref, std::string_view qualifier,
                                         std::string_view statement_id, std::string_view revision_id) {
  auto function = find_function(ref);
  if (!function) return aws::no_policy_found_for(function_arn(ref.region, ref.account, ref.name));
  if (auto target = policy_target(*this, *function, qualifier); !target) return target.error();
  const std::string fkey = function_key(ref);
  const std::string key = keys::child(fkey, qualifier);
  auto policy = load<FunctionPolicy>(txn_, state_.db.function_policies, key);
  if (!policy) return aws::no_policy_for_resource();
  if (auto ok = check_revision(revision_id, policy->revision_id, "GetPolicy"); !ok) return ok.error();
  auto it = std::find_if(policy->statements.begin(), policy->statements.end(),
                         [&](const PolicyStatement& s) { return s.sid == statement_id; });
  if (it == policy->statements.end()) return aws::statement_not_found(statement_id);
  policy->statements.erase(it);
  if (policy->statements.empty()) {
    // The last statement takes the policy with it: GetPolicy answers 404.
    state_.db.function_policies.del(txn_, key);
    effects_.forget.push_back(function_policy_key(fkey, qualifier));
  } else {
    policy->revision_id = ids::uuid();
    policy->revision = next_revision();
    save(txn_, state_.db.function_policies, key, *policy);
  }
  effects_.lambda = true;
  return success();
}

}  // namespace gatehouse::store
