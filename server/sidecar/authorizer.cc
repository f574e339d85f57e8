#include "server/sidecar/authorizer.h"

#include <chrono>
#include <exception>
#include <memory>

#include "policy/principal.h"
#include "policy/simulate.h"
#include "server/http/request_id.h"
#include "server/lambda/function_name.h"

namespace gatehouse::server::sidecar {
namespace {

native::Decision to_native(policy::Decision decision) {
  switch (decision) {
    case policy::Decision::Allowed:
      return native::ALLOWED;
    case policy::Decision::ExplicitDeny:
      return native::EXPLICIT_DENY;
    case policy::Decision::ImplicitDeny:
      return native::IMPLICIT_DENY;
  }
  return native::IMPLICIT_DENY;
}

std::string_view source_type(policy::DecisionSource source) {
  switch (source) {
    case policy::DecisionSource::ResourcePolicy:
      return "resource";
    case policy::DecisionSource::TrustPolicy:
      return "trust";
    case policy::DecisionSource::PermissionsBoundary:
      return "boundary";
    case policy::DecisionSource::SessionPolicy:
      return "session";
    case policy::DecisionSource::ServiceControlPolicy:
      return "scp";
    case policy::DecisionSource::ResourceControlPolicy:
      return "rcp";
    case policy::DecisionSource::IdentityPolicy:
    case policy::DecisionSource::None:
      break;
  }
  return "identity";
}

void set_position(native::Position& out, const policy::Position& in) {
  out.set_line(in.line);
  out.set_column(in.column);
}

bool is_list_type(std::string_view type) { return type.size() > 4 && type.substr(type.size() - 4) == "List"; }

// The principal of the request, from the store: by access key id, or by ARN.
policy::Result<std::shared_ptr<const store::ResolvedCredential>, grpc::Status> principal_of(
    const store::Store& store, const sigv4::Clock& clock, const native::AuthorizeRequest& request) {
  const grpc::Status unknown(grpc::StatusCode::INVALID_ARGUMENT, "no such principal in the store");
  if (request.principal_case() == native::AuthorizeRequest::kAccessKeyId) {
    auto found = store.find_credential(request.access_key_id());
    if (!found) return grpc::Status(grpc::StatusCode::INTERNAL, found.error().message);
    if (!found.value()) return unknown;
    // A key names a principal only while it would authenticate a signed request: an Inactive key
    // and expired temporary credentials are refused as the HTTP front end refuses them.
    if (found.value()->status != store::KeyStatus::Active) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the access key is not active");
    }
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
    if (found.value()->expiration && now >= *found.value()->expiration) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the temporary credentials have expired");
    }
    return found.value();
  }
  if (request.principal_case() != native::AuthorizeRequest::kPrincipalArn) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "principal_arn or access_key_id is required");
  }
  const auto caller = policy::caller_from_arn(request.principal_arn());
  if (!caller || caller->account.empty()) return unknown;
  store::Result<std::shared_ptr<const store::ResolvedPrincipal>> resolved =
      std::shared_ptr<const store::ResolvedPrincipal>();
  switch (caller->type) {
    case policy::PrincipalType::Root:
      resolved = store.resolve_user(caller->account, "");
      break;
    case policy::PrincipalType::User:
      resolved = store.resolve_user(caller->account, caller->name);
      break;
    case policy::PrincipalType::AssumedRole:
      resolved = store.resolve_role(caller->account, caller->name, caller->session);
      break;
    default:
      return unknown;
  }
  if (!resolved) return grpc::Status(grpc::StatusCode::INTERNAL, resolved.error().message);
  if (!resolved.value()) return unknown;
  // The path is part of the identity: user/app/alice is not user/alice.
  if (caller->type != policy::PrincipalType::AssumedRole && caller->type != policy::PrincipalType::Root &&
      resolved.value()->caller.arn != request.principal_arn()) {
    return unknown;
  }
  auto credential = std::make_shared<store::ResolvedCredential>();
  credential->principal = *resolved.value();
  return std::shared_ptr<const store::ResolvedCredential>(std::move(credential));
}

}  // namespace

grpc::Status Authorizer::authorize(const native::AuthorizeRequest& request, native::AuthorizeResponse& response) const
    try {
  if (const auto refused = gate_ ? gate_->unfresh() : std::nullopt) {
    return {grpc::StatusCode::UNAVAILABLE, std::string(consistency::refusal_message(*refused))};
  }
  if (request.action().empty() || request.action().find(':') == std::string::npos) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "action must be service:Action"};
  }
  auto credential = principal_of(store_, clock_, request);
  if (!credential) return credential.error();
  const authz::Principal principal{credential.value(), false};
  const std::string resource = request.resource().empty() ? "*" : request.resource();

  // A Lambda function's ARN reads the function policy the store holds for exactly that ARN.
  store::CompiledPolicyPtr resource_policy;
  policy::ResourcePolicyKind kind = policy::resource_policy_kind_for(request.action(), resource);
  if (resource.starts_with("arn:") && resource.find(":function:") != std::string::npos) {
    if (auto parts = lambda::parse_function_name(resource); parts && parts->arn && parts->account && parts->region) {
      auto found =
          store_.find_function_policy({*parts->account, *parts->region, parts->name}, parts->qualifier.value_or(""));
      if (!found) return {grpc::StatusCode::INTERNAL, found.error().message};
      resource_policy = found.value();
      kind = policy::ResourcePolicyKind::Function;
    }
  }
  std::vector<authz::ContextKey> keys;
  for (const auto& entry : request.context()) {
    keys.push_back({entry.key(), {entry.values().begin(), entry.values().end()}, is_list_type(entry.type())});
  }
  const authz::Transport transport{request.source_ip(), request.secure_transport(), std::nullopt, std::nullopt};
  const std::string& region = request.region().empty() ? region_ : request.region();
  const authz::Query query{request.action(), resource, {}, region, resource_policy.get(), kind, keys};
  policy::Trace trace;
  const authz::Verdict verdict = pipeline_.authorize(principal, transport, query, &trace);

  response.set_decision(to_native(verdict.outcome.decision));
  for (const auto& match : trace.matched) {
    auto& out = *response.add_matched_statements();
    out.set_source_policy_id(match.policy ? match.policy->id : "");
    out.set_source_policy_type(std::string(source_type(match.source)));
    if (match.statement) {
      out.set_statement_index(match.statement->index);
      out.set_sid(match.statement->sid);
      set_position(*out.mutable_start_position(), match.statement->start);
      set_position(*out.mutable_end_position(), match.statement->end);
    }
  }
  for (const auto& key : trace.missing_keys) response.add_missing_context_values(key);
  if (!verdict.allowed()) {
    response.set_reason(policy::reason_clause(verdict.outcome, request.action()));
    response.set_message(verdict.message);
  }
  response.set_decision_id(http::new_request_id());
  response.set_principal_arn(principal.caller().arn);
  response.set_account(principal.caller().account);

  if (audit_log_) {
    audit::ApiCall call;
    call.request_id = response.decision_id();
    call.time = clock_.now();
    call.source_ip = request.source_ip();
    call.region = region;
    call.event_source = "gatehouse";
    call.event_name = "Authorize";
    call.read_only = true;
    call.identity = {&principal.caller(), credential.value()->principal.user_id, request.access_key_id(),
                     principal.temporary(), credential.value()->source_identity};
    if (!verdict.allowed()) call.error = audit::Failure{"AccessDenied", verdict.message};
    call.resources.push_back({principal.caller().account, "", resource});
    audit_log_->append(audit::render(call), audit::Durability::Written);
  }
  return grpc::Status::OK;
} catch (const std::exception& e) {
  response.Clear();
  return {grpc::StatusCode::INTERNAL, e.what()};
}

grpc::Status Authorizer::AuthorizeBatch(grpc::ServerContext*, const native::AuthorizeBatchRequest* request,
                                        native::AuthorizeBatchResponse* response) {
  for (const auto& one : request->requests()) {
    grpc::Status status = authorize(one, *response->add_responses());
    if (!status.ok()) {
      response->Clear();
      return status;
    }
  }
  return grpc::Status::OK;
}

grpc::Status Authorizer::simulate(const native::SimulateRequest& request, native::SimulateResponse& response) const
    try {
  policy::SimulationInput input;
  input.policy_input_list.assign(request.policy_input_list().begin(), request.policy_input_list().end());
  input.permissions_boundary_policy_input_list.assign(request.permissions_boundary_policy_input_list().begin(),
                                                      request.permissions_boundary_policy_input_list().end());
  input.action_names.assign(request.action_names().begin(), request.action_names().end());
  input.resource_arns.assign(request.resource_arns().begin(), request.resource_arns().end());
  if (!request.resource_policy().empty()) input.resource_policy = request.resource_policy();
  if (!request.resource_owner().empty()) input.resource_owner = request.resource_owner();
  if (!request.caller_arn().empty()) input.caller_arn = request.caller_arn();
  if (!request.resource_handling_option().empty()) input.resource_handling_option = request.resource_handling_option();
  for (const auto& entry : request.context_entries()) {
    input.context_entries.push_back(
        {entry.key(), {entry.values().begin(), entry.values().end()}, entry.type().empty() ? "string" : entry.type()});
  }
  if (auto too_many = policy::check_served_size(input)) {
    return {grpc::StatusCode::INVALID_ARGUMENT, too_many->code + ": " + too_many->message};
  }
  auto results = policy::simulate_custom_policy(input);
  if (!results) {
    return {grpc::StatusCode::INVALID_ARGUMENT, results.error().code + ": " + results.error().message};
  }
  auto add_matches = [](auto& out, const std::vector<policy::MatchedStatement>& matched) {
    for (const auto& m : matched) {
      auto& statement = *out.add_matched_statements();
      statement.set_source_policy_id(m.source_policy_id);
      statement.set_source_policy_type(m.source_policy_type);
      statement.set_statement_index(m.statement_index);
      statement.set_sid(m.sid);
      set_position(*statement.mutable_start_position(), m.start_position);
      set_position(*statement.mutable_end_position(), m.end_position);
    }
  };
  for (const auto& result : results.value()) {
    auto& out = *response.add_evaluation_results();
    out.set_eval_action_name(result.eval_action_name);
    out.set_eval_resource_name(result.eval_resource_name);
    out.set_eval_decision(to_native(result.eval_decision));
    add_matches(out, result.matched_statements);
    for (const auto& key : result.missing_context_values) out.add_missing_context_values(key);
    if (result.eval_decision_details) {
      for (const auto& [k, v] : *result.eval_decision_details) (*out.mutable_eval_decision_details())[k] = v;
    }
    out.set_has_allowed_by_permissions_boundary(result.allowed_by_permissions_boundary.has_value());
    out.set_allowed_by_permissions_boundary(result.allowed_by_permissions_boundary.value_or(false));
    out.set_reason(result.explanation.reason);
    for (const auto& specific : result.resource_specific_results) {
      auto& rs = *out.add_resource_specific_results();
      rs.set_eval_resource_name(specific.eval_resource_name);
      rs.set_eval_resource_decision(to_native(specific.eval_resource_decision));
      add_matches(rs, specific.matched_statements);
      for (const auto& key : specific.missing_context_values) rs.add_missing_context_values(key);
    }
  }
  return grpc::Status::OK;
} catch (const std::exception& e) {
  response.Clear();
  return {grpc::StatusCode::INTERNAL, e.what()};
}

}  // namespace gatehouse::server::sidecar
