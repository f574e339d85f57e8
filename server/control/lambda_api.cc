#include "server/control/lambda_api.h"

#include <rapidjson/document.h>

#include <chrono>
#include <vector>

#include "policy/arn.h"
#include "policy/decide.h"
#include "policy/principal.h"
#include "policy/values.h"
#include "server/audit/lambda_record.h"
#include "server/authz/execution_role.h"
#include "server/control/handlers.h"
#include "server/control/json_shapes.h"
#include "server/control/touch_check.h"
#include "server/http/errors.h"
#include "server/lambda/authorization.h"
#include "server/lambda/request.h"
#include "server/lambda/route_table.h"
#include "sigv4/error_response.h"

namespace gatehouse::server::control {
namespace {

using lambda::LambdaError;
using lambda::Operation;


http::HttpResponse error_response(const LambdaError& error) {
  return http::lambda_error(error.status, error.type, error.message);
}

std::vector<authz::ContextKey> to_keys(std::span<const lambda::ContextEntry> entries) {
  std::vector<authz::ContextKey> keys;
  keys.reserve(entries.size());
  for (const auto& entry : entries) keys.push_back({entry.key, entry.values, entry.multi});
  return keys;
}

LambdaError denied(std::string message) {
  return lambda::make_error(lambda::error_type::kAccessDenied, 403, std::move(message));
}

// RemovePermission's keys, from the stored statement as AddPermission received them
// (lambda-api 7.2 in reverse): lambda:Principal — the service name, the account id of an account
// root, or the ARN — and lambda:FunctionUrlAuthType when the statement was added with one.
std::vector<authz::ContextKey> statement_keys(std::string_view statement_json) {
  std::vector<authz::ContextKey> out;
  rapidjson::Document doc;
  doc.Parse(statement_json.data(), statement_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  if (const rapidjson::Value* principal = member_of(doc, "Principal")) {
    if (principal->IsString()) {
      out.push_back({"lambda:Principal", {std::string(principal->GetString(), principal->GetStringLength())}, false});
    } else if (principal->IsObject()) {
      for (const char* kind : {"Service", "AWS"}) {
        auto value = string_of(*principal, kind);
        if (!value) continue;
        if (auto arn = policy::parse_principal_arn(*value); arn && arn->kind == policy::PrincipalArnKind::Root) {
          value = std::string(arn->account);
        }
        out.push_back({"lambda:Principal", {std::move(*value)}, false});
        break;
      }
    }
  }
  if (const rapidjson::Value* condition = member_of(doc, "Condition")) {
    if (const rapidjson::Value* equals = member_of(*condition, "StringEquals")) {
      if (auto type = string_of(*equals, "lambda:FunctionUrlAuthType")) {
        out.push_back({"lambda:FunctionUrlAuthType", {std::move(*type)}, false});
      }
    }
  }
  return out;
}

}  // namespace

store::FunctionRef Call::function_ref() const { return {function->account, function->region, function->name}; }

store::MappingRef Call::mapping_ref() const { return {mapping->account, mapping->region, mapping->uuid}; }

std::string_view Call::qualifier() const {
  if (!function || !function->qualifier) return {};
  return *function->qualifier;
}

const rapidjson::Value* member_of(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(rapidjson::StringRef(name.data(), name.size()));
  return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::optional<std::string> string_of(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = member_of(object, name);
  if (!value || !value->IsString()) return std::nullopt;
  return std::string(value->GetString(), value->GetStringLength());
}

std::optional<std::int32_t> int_of(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = member_of(object, name);
  if (!value || !value->IsInt()) return std::nullopt;
  return value->GetInt();
}

std::optional<bool> bool_of(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = member_of(object, name);
  if (!value || !value->IsBool()) return std::nullopt;
  return value->GetBool();
}

store::Tags tags_of(const rapidjson::Value& object) {
  store::Tags out;
  if (const rapidjson::Value* tags = member_of(object, "Tags"); tags && tags->IsObject()) {
    for (const auto& tag : tags->GetObject()) {
      if (!tag.value.IsString()) continue;
      out.emplace(std::string(tag.name.GetString(), tag.name.GetStringLength()),
                  std::string(tag.value.GetString(), tag.value.GetStringLength()));
    }
  }
  return out;
}

lambda::LambdaError to_lambda_error(const store::Error& error) {
  if (error.http_status >= 500) return lambda::make_error("ServiceException", 500, error.message);
  return lambda::LambdaError{error.code, error.http_status, error.message};
}

http::HttpResponse json_response(int status, std::string body) {
  http::HttpResponse response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

http::HttpResponse empty_response(int status) {
  http::HttpResponse response;
  response.status = status;
  return response;
}

namespace {

// Everything the decisions of one request need, read from the store before deciding.
struct Facts {
  std::vector<authz::ContextKey> keys;           // the operation's own keys
  std::vector<authz::ContextKey> resource_tags;  // aws:ResourceTag/* of the function
  store::CompiledPolicyPtr function_policy;      // of the exact ARN the caller named (lambda-api 7.4)
  std::shared_ptr<const store::Function> function;  // the record, when the tags were read from it
};

class Authorizer {
 public:
  Authorizer(const store::Store& store, const authz::Pipeline& pipeline, const sigv4::Clock& clock,
             const authz::Principal& principal, const authz::Transport& transport, std::string_view region,
             std::span<const authz::ContextKey> extra_keys = {})
      : store_(store), pipeline_(pipeline), clock_(clock), principal_(principal), transport_(transport),
        region_(region), extra_keys_(extra_keys) {}

  // The request's own action, then each further check in the spec's order (policy-semantics 6.5).
  policy::Result<bool, LambdaError> run(const lambda::LambdaRequest& request, const lambda::Resolution& resolution) {
    const lambda::AuthorizationFacts& facts = resolution.authorization;
    auto gathered = gather(request, resolution);
    if (!gathered) return gathered.error();
    Facts& f = gathered.value();
    function_ = f.function;
    std::vector<authz::ContextKey> keys = std::move(f.keys);  // the further checks build their own
    keys.insert(keys.end(), f.resource_tags.begin(), f.resource_tags.end());
    keys.insert(keys.end(), extra_keys_.begin(), extra_keys_.end());
    const authz::Query query{facts.action, facts.resource, facts.resource_account, region_,
                             f.function_policy.get(), policy::ResourcePolicyKind::Function, keys};
    const authz::Verdict verdict = pipeline_.authorize(principal_, transport_, query);
    if (!verdict.allowed()) return deny(verdict);

    bool may_list_tags = false;
    for (const lambda::ExtraAuthorization& extra : facts.extra) {
      if (extra.refusal) return *extra.refusal;
      std::vector<authz::ContextKey> extra_keys = to_keys(extra.context);
      if (extra.resource_tags) extra_keys.insert(extra_keys.end(), f.resource_tags.begin(), f.resource_tags.end());
      extra_keys.insert(extra_keys.end(), extra_keys_.begin(), extra_keys_.end());
      const bool same_resource = extra.resource == facts.resource && facts.function_is_resource;
      const authz::Query extra_query{extra.action, extra.resource, {}, region_,
                                     same_resource ? f.function_policy.get() : nullptr,
                                     policy::ResourcePolicyKind::Function, extra_keys};
      const authz::Verdict extra_verdict = pipeline_.authorize(principal_, transport_, extra_query);
      switch (extra.mode) {
        case lambda::CheckMode::Require:
          if (!extra_verdict.allowed()) return deny(extra_verdict);
          break;
        case lambda::CheckMode::DenyOnly:
          if (extra_verdict.outcome.decision == policy::Decision::ExplicitDeny) return deny(extra_verdict);
          break;
        case lambda::CheckMode::Soft:
          may_list_tags = extra_verdict.allowed();
          break;
      }
      // The role must let Lambda assume it, checked right after iam:PassRole (policy-semantics 6.5 4.3).
      if (extra.action == "iam:PassRole") {
        if (auto trusted = check_trust(extra.resource, *resolution.function); !trusted) return trusted.error();
      }
    }
    return may_list_tags;
  }

  // The decision that refused the request, if a policy evaluation did.
  std::optional<policy::Decision> denial() const noexcept { return denial_; }
  // The function's record as authorization read it (for its tags), if it did.
  std::shared_ptr<const store::Function> function() const noexcept { return function_; }

 private:
  LambdaError deny(const authz::Verdict& verdict) {
    denial_ = verdict.outcome.decision;
    return denied(verdict.message);
  }

  policy::Result<Facts, LambdaError> gather(const lambda::LambdaRequest& request, const lambda::Resolution& resolution) {
    const lambda::AuthorizationFacts& facts = resolution.authorization;
    Facts out;
    out.keys = to_keys(facts.context);
    if (resolution.function && facts.function_is_resource && request.operation != Operation::CreateFunction) {
      const lambda::ResolvedFunction& fn = *resolution.function;
      const store::FunctionRef ref{fn.account, fn.region, fn.name};
      // The policy of the ARN the request names: unqualified, version or alias (lambda-api 7.4).
      const std::string qualifier = facts.resource == fn.unqualified_arn() ? "" : fn.qualifier.value_or("");
      auto found = store_.find_function_policy(ref, qualifier);
      if (!found) return to_lambda_error(found.error());
      out.function_policy = found.value();
      const bool wants_tags = facts.needs_resource_tags ||
                              std::any_of(facts.extra.begin(), facts.extra.end(),
                                          [](const auto& e) { return e.resource_tags; });
      if (wants_tags || facts.needs_statement_principal) {
        auto read = store_.read([&](const store::Snapshot& s) -> store::Result<void> {
          if (wants_tags) {
            if (auto function = s.find_function(ref)) {
              for (const auto& [k, v] : function->tags) out.resource_tags.push_back({"aws:ResourceTag/" + k, {v}, false});
              out.function = std::make_shared<const store::Function>(std::move(*function));
            }
          }
          if (facts.needs_statement_principal && request.statement_id) {
            if (auto policy = s.get_function_policy(ref, fn.qualifier.value_or(""))) {
              for (const auto& statement : policy.value().statements) {
                if (statement.sid != *request.statement_id) continue;
                for (auto& key : statement_keys(statement.json)) out.keys.push_back(std::move(key));
              }
            }
          }
          return store::success();
        });
        if (!read) return to_lambda_error(read.error());
      }
    }
    if (facts.needs_mapping_function_arn && resolution.mapping) {
      const lambda::ResolvedMapping& ref = *resolution.mapping;
      auto read = store_.read([&](const store::Snapshot& s) -> store::Result<void> {
        if (auto mapping = s.get_event_source_mapping({ref.account, ref.region, ref.uuid})) {
          out.keys.push_back({"lambda:FunctionArn", {mapping.value().function_arn}, false});
          if (facts.needs_resource_tags) {
            for (const auto& [k, v] : mapping.value().tags) out.resource_tags.push_back({"aws:ResourceTag/" + k, {v}, false});
          }
        }
        return store::success();
      });
      if (!read) return to_lambda_error(read.error());
    }
    return out;
  }

  // Lambda, as the service principal, must be allowed sts:AssumeRole by the role's trust
  // policy, with the context of policy-semantics 6.2.
  policy::Result<void, LambdaError> check_trust(std::string_view role_arn, const lambda::ResolvedFunction& fn) {
    auto trusted = authz::lambda_may_assume(store_, clock_, role_arn, fn.account, fn.unqualified_arn());
    if (!trusted) return to_lambda_error(trusted.error());
    if (!trusted.value()) {
      return lambda::make_error(lambda::error_type::kInvalidParameterValue, 400,
                                "The role defined for the function cannot be assumed by Lambda.");
    }
    return policy::success();
  }

  const store::Store& store_;
  const authz::Pipeline& pipeline_;
  const sigv4::Clock& clock_;
  const authz::Principal& principal_;
  const authz::Transport& transport_;
  std::string_view region_;
  std::span<const authz::ContextKey> extra_keys_;
  std::optional<policy::Decision> denial_;
  std::shared_ptr<const store::Function> function_;
};

Reply run_operation(store::Store& store, const Call& call) {
  switch (call.request.operation) {
    case Operation::AddPermission: return add_permission(store, call);
    case Operation::CreateAlias: return create_alias(store, call);
    case Operation::CreateEventSourceMapping: return create_event_source_mapping(store, call);
    case Operation::CreateFunction: return create_function(store, call);
    case Operation::DeleteAlias: return delete_alias(store, call);
    case Operation::DeleteEventSourceMapping: return delete_event_source_mapping(store, call);
    case Operation::DeleteFunction: return delete_function(store, call);
    case Operation::GetAccountSettings: return get_account_settings(store, call);
    case Operation::GetAlias: return get_alias(store, call);
    case Operation::GetEventSourceMapping: return get_event_source_mapping(store, call);
    case Operation::GetFunction: return get_function(store, call);
    case Operation::GetFunctionConfiguration: return get_function_configuration(store, call);
    case Operation::GetPolicy: return get_policy(store, call);
    case Operation::Invoke:
    case Operation::InvokeAsync: return invoke(store, call);
    case Operation::ListAliases: return list_aliases(store, call);
    case Operation::ListEventSourceMappings: return list_event_source_mappings(store, call);
    case Operation::ListFunctions: return list_functions(store, call);
    case Operation::ListVersionsByFunction: return list_versions_by_function(store, call);
    case Operation::PublishVersion: return publish_version(store, call);
    case Operation::RemovePermission: return remove_permission(store, call);
    case Operation::UpdateAlias: return update_alias(store, call);
    case Operation::UpdateEventSourceMapping: return update_event_source_mapping(store, call);
    case Operation::UpdateFunctionCode: return update_function_code(store, call);
    case Operation::UpdateFunctionConfiguration: return update_function_configuration(store, call);
  }
  return lambda::make_error("ServiceException", 500, "The operation has no handler.");
}

}  // namespace

LambdaApi::LambdaApi(store::Store& store, const authz::Pipeline& pipeline, const sigv4::Clock& clock, Options options)
    : store_(store), pipeline_(pipeline), clock_(clock), options_(std::move(options)),
      endpoint_(sigv4::Endpoint::lambda(options_.region)) {}

AuthorizationStep LambdaApi::authorize(const http::HttpRequest& r, std::span<const authz::ContextKey> extra_keys) const {
  AuthorizationStep step;
  // Route first: an unknown path or method is 404 UnknownOperationException before anything else.
  auto route = lambda::match_route(r.method, r.path);
  if (!route) {
    step.refusal = error_response(route.error());
    return step;
  }
  step.routed = true;
  step.operation = route.value().operation;

  // Views of the request's headers for SigV4 and the request parser, in per-thread vectors
  // that keep their capacity: nothing here outlives this call, and nothing in it handles
  // another request on this thread.
  thread_local std::vector<sigv4::Header> sig_headers;
  thread_local std::vector<lambda::Header> headers;
  sig_headers.clear();
  headers.clear();
  for (const auto& h : r.headers) {
    sig_headers.push_back({h.name, h.value});
    headers.push_back({h.name, h.value});
  }
  const sigv4::RequestView signed_view{r.method, r.path, r.query, sig_headers, sigv4::PayloadHash::of_body(r.body)};
  // The revision the request names is waited for only once its caller is authenticated.
  std::optional<consistency::Refusal> unavailable;
  auto principal = consistency::authenticate_at_named_revision(
      [&] { return pipeline_.authenticate(signed_view, endpoint_); }, unavailable);
  if (unavailable) {
    step.refusal = consistency::Gate::refusal_response(*unavailable, http::ErrorFamily::LambdaRest, r);
    step.unavailable = unavailable;
    return step;
  }
  if (!principal) {
    if (options_.metrics) options_.metrics->authentication_failures.with({sigv4::to_string(principal.error().reason)}).inc();
    const sigv4::ErrorFields fields = sigv4::error_fields(principal.error(), sigv4::Face::LambdaRest);
    step.refusal = http::lambda_error(fields.http_status, fields.code, fields.message);
    step.rejection = std::move(principal.error());
    return step;
  }
  step.principal = std::move(principal.value());

  auto parsed = lambda::parse_request({r.method, r.path, r.query, headers, r.body});
  if (!parsed) {
    step.refusal = error_response(parsed.error());
    return step;
  }
  const lambda::LambdaRequest& request = step.request.emplace(std::move(parsed.value()));
  const policy::Caller& caller = step.principal->caller();
  auto resolution = lambda::resolve_request(request, {caller.account, caller.arn, options_.region});
  if (!resolution) {
    step.refusal = error_response(resolution.error());
    return step;
  }
  const lambda::Resolution& resolved = step.resolution.emplace(std::move(resolution.value()));

  const authz::Transport transport{
      r.peer_address, r.secure,
      r.header("User-Agent") ? std::optional<std::string_view>(*r.header("User-Agent")) : std::nullopt,
      r.header("Referer") ? std::optional<std::string_view>(*r.header("Referer")) : std::nullopt};
  Authorizer authorizer(store_, pipeline_, clock_, *step.principal, transport, options_.region, extra_keys);
  auto authorized = authorizer.run(request, resolved);
  step.denial = authorizer.denial();
  // Refusals that are not a policy's (e.g. a role Lambda cannot assume) are not decisions.
  step.decided = authorized || step.denial || authorized.error().status >= 500;
  if (!authorized) {
    step.refusal = error_response(authorized.error());
    return step;
  }
  step.may_list_tags = authorized.value();
  step.function_record = authorizer.function();
  return step;
}

http::HttpResponse LambdaApi::finish(const http::HttpRequest& r, const AuthorizationStep& step,
                                     http::HttpResponse response) const {
  response.operation = lambda::operation_name(step.operation);
  if (step.principal) response.principal = step.principal->caller().arn;  // for the request log
  if (step.decided) response.decision = authz::decision_outcome(step.denial, response.status);
  if (options_.metrics && step.decided) {
    options_.metrics->decisions.with({authz::decision_outcome(step.denial, response.status)}).inc();
  }
  if (options_.audit_log) {
    record(r, step.operation, step.principal ? &*step.principal : nullptr, step.request ? &*step.request : nullptr,
           step.resolution ? &*step.resolution : nullptr, response);
  }
  return response;
}

http::HttpResponse LambdaApi::handle(const http::HttpRequest& r) const {
  AuthorizationStep step = authorize(r);
  // An unknown route is answered before anything is recorded.
  if (!step.routed) return std::move(*step.refusal);
  // A replica that cannot decide yet answers as the gate does, before anything is recorded.
  if (step.unavailable) return std::move(*step.refusal);
  if (step.refusal) {
    http::HttpResponse refusal = std::move(*step.refusal);
    return finish(r, step, std::move(refusal));
  }

  const lambda::Resolution& resolution = *step.resolution;
  const Call call{RequestParameters::of(*step.request), resolution.function, resolution.mapping, *step.principal,
                  options_.region, step.may_list_tags, pipeline_, options_.invocations, r.request_id,
                  step.function_record.get()};
  Reply reply = [&] {
    if (!options_.check_touches) return run_operation(store_, call);
    const policy::Caller& caller = step.principal->caller();
    TouchCheck check(resolution, caller.account, options_.region);
    const store::ScopedTouchObserver observing(check);
    Reply checked = run_operation(store_, call);
    if (check.violation()) {
      return Reply(lambda::make_error("ServiceException", 500, "The store was asked for " + *check.violation()));
    }
    return checked;
  }();
  if (!reply) return finish(r, step, error_response(reply.error()));
  return finish(r, step, std::move(reply).value());
}

void LambdaApi::record(const http::HttpRequest& r, Operation operation, const authz::Principal* principal,
                       const lambda::LambdaRequest* request, const lambda::Resolution* resolution,
                       const http::HttpResponse& response) const {
  const lambda::OperationInfo& info = lambda::operation_info(operation);
  audit::ApiCall call;
  call.request_id = r.request_id;
  call.time = clock_.now();
  call.source_ip = r.peer_address;
  if (const auto* agent = r.header("User-Agent")) call.user_agent = *agent;
  call.region = options_.region;
  call.event_name = info.audit_event_name;
  call.read_only = info.read_only;
  call.data_event = operation == Operation::Invoke || operation == Operation::InvokeAsync;
  if (principal) {
    call.identity = {&principal->caller(), principal->credential->principal.user_id,
                     principal->credential->access_key_id, principal->temporary(),
                     principal->credential->source_identity};
  }
  if (resolution) {
    const lambda::AuthorizationFacts& facts = resolution->authorization;
    call.recipient_account = facts.resource_account;
    if (call.data_event && facts.resource != "*") {
      call.resources.push_back({facts.resource_account, "AWS::Lambda::Function", facts.resource});
    }
  }
  if (request) call.request_parameters = audit::lambda_request_parameters(*request);
  const bool ok = response.status < 300;
  if (ok) {
    call.response_elements = audit::lambda_response_elements(operation, response.body);
    // The version a synchronous Invoke ran (an alias or no qualifier resolved), and whether the
    // function failed: the payload and its result stay out (audit-log.md 5), these do not.
    if (const std::string* version = response.header("X-Amz-Executed-Version")) {
      rapidjson::StringBuffer data;
      JsonWriter w(data);
      w.StartObject();
      write_string(w, "executedVersion");
      write_string(w, *version);
      if (const std::string* failed = response.header("X-Amz-Function-Error")) {
        write_string(w, "functionError");
        write_string(w, *failed);
      }
      w.EndObject();
      call.additional_event_data.assign(data.GetString(), data.GetSize());
    }
  } else {
    const std::string* type = response.header("x-amzn-ErrorType");
    std::string code = type ? *type : "ServiceException";
    if (code == lambda::error_type::kAccessDenied) code = "AccessDenied";  // CloudTrail's spelling
    std::string message;
    rapidjson::Document body;
    body.Parse(response.body.data(), response.body.size());
    if (!body.HasParseError() && body.IsObject()) {
      for (const char* key : {"Message", "message"}) {
        if (auto text = string_of(body, key)) {
          message = std::move(*text);
          break;
        }
      }
    }
    call.error = audit::Failure{std::move(code), std::move(message)};
  }
  // A mutating call's record is on disk before its response goes out; a read's is in the file.
  const auto durability = info.read_only ? audit::Durability::Written : audit::Durability::Synced;
  options_.audit_log->append(audit::render(call), durability);
}

}  // namespace gatehouse::server::control
