#include "server/query/api.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "policy/arn.h"
#include "server/consistency/gate.h"
#include "sigv4/authorization_header.h"
#include "sigv4/credential_scope.h"
#include "sigv4/error_response.h"
#include "store/aws_errors.h"

namespace gatehouse::server::query {
namespace {

constexpr std::string_view kIamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
constexpr std::string_view kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

std::string_view namespace_of(http::QueryService service) {
  return service == http::QueryService::Sts ? kStsNamespace : kIamNamespace;
}

http::HttpResponse error_response(const ApiError& error, std::string_view request_id, http::QueryService service) {
  return http::query_error(error.status, error.code, xml_safe(error.message), request_id, service);
}

// The region of the SigV4 scope, from the Authorization header or X-Amz-Credential, read with
// the verifier's own parsers. IAM and STS accept whatever region the client is configured with
// (iam-sts-api.md 1.1); nullopt when the request names none (the verifier then refuses it).
std::optional<std::string> scope_region(const http::HttpRequest& request, const Params& params) {
  std::string_view credential;
  if (const std::string* authorization = request.header("Authorization")) {
    auto parsed = sigv4::parse_authorization_header(*authorization);
    if (!parsed || !parsed.value().credential) return std::nullopt;
    credential = *parsed.value().credential;
  } else if (const std::string* value = params.find("X-Amz-Credential")) {
    credential = *value;
  } else {
    return std::nullopt;
  }
  const auto parts = sigv4::split_credential(credential);
  if (!parts || parts->scope.region.empty()) return std::nullopt;
  return std::string(parts->scope.region);
}

sigv4::Endpoint endpoint_for(http::QueryService service, std::string region) {
  if (service == http::QueryService::Sts) return sigv4::Endpoint::sts(std::move(region));
  sigv4::Endpoint endpoint = sigv4::Endpoint::iam();
  endpoint.region = std::move(region);
  return endpoint;
}

std::string lower_camel(std::string_view name) {
  std::string out(name);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

bool is_protocol_parameter(std::string_view name) {
  return name == "Action" || name == "Version" || name.starts_with("X-Amz-") || name == "TokenCode";
}

// requestParameters of the audit record: the Query parameters with CloudTrail's lower-camel
// names; `X.member.N` lists become arrays (of strings, or of objects for `X.member.N.Field`).
std::string audit_request_parameters(const Params& params) {
  struct Field {
    std::string scalar;
    std::map<int, std::map<std::string, std::string>> members;  // N -> field -> value ("" for plain)
  };
  std::map<std::string, Field> fields;
  for (const auto& [name, value] : params.all()) {
    if (is_protocol_parameter(name)) continue;
    const auto dot = name.find('.');
    const std::string top = name.substr(0, dot);
    if (dot == std::string::npos) {
      fields[top].scalar = value;
      continue;
    }
    std::string_view rest = std::string_view(name).substr(dot + 1);
    if (!rest.starts_with("member.")) continue;
    rest.remove_prefix(7);
    const auto next = rest.find('.');
    // N as Params::members reads it: decimal without a leading zero ("01" is not member 1).
    const std::string_view index = rest.substr(0, next);
    int n = index.empty() || index.front() == '0' ? -1 : 0;
    for (const char c : index) {
      if (n < 0) break;
      if (c < '0' || c > '9' || n > 100000) { n = -1; break; }
      n = n * 10 + (c - '0');
    }
    if (n <= 0) continue;
    const std::string field = next == std::string_view::npos ? std::string() : std::string(rest.substr(next + 1));
    fields[top].members[n][field] = value;
  }
  // The operations read a list from member 1 up to the first missing index: members after a gap
  // were not read, and a record that listed them would show what the call did not do.
  for (auto field = fields.begin(); field != fields.end();) {
    auto& members = field->second.members;
    const bool listed = !members.empty();
    int expected = 1;
    for (auto it = members.begin(); it != members.end();) {
      if (it->first == expected) {
        ++expected;
        ++it;
      } else {
        it = members.erase(it);
      }
    }
    field = listed && members.empty() ? fields.erase(field) : std::next(field);
  }
  if (fields.empty()) return {};
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [name, field] : fields) {
    const std::string key = lower_camel(name);
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    if (field.members.empty()) {
      w.String(field.scalar.c_str(), static_cast<rapidjson::SizeType>(field.scalar.size()));
      continue;
    }
    w.StartArray();
    for (const auto& [n, member] : field.members) {
      if (member.size() == 1 && member.begin()->first.empty()) {
        const std::string& v = member.begin()->second;
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
        continue;
      }
      w.StartObject();
      for (const auto& [k, v] : member) {
        const std::string camel = lower_camel(k);
        w.Key(camel.c_str(), static_cast<rapidjson::SizeType>(camel.size()));
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

ApiError from_store(const store::Error& error) {
  if (error.http_status >= 500) return ApiError{500, "ServiceFailure", error.message};
  return ApiError{error.http_status, error.code, error.message};
}

ApiError missing(std::string_view member) { return from_store(store::aws::validation_null(member)); }

ApiError invalid(std::string_view value, std::string_view member, std::string_view constraint) {
  return from_store(store::aws::validation(value, member, constraint));
}

ApiError invalid_input(std::string message) { return ApiError{400, "InvalidInput", std::move(message)}; }

ApiError access_denied(std::string message) { return ApiError{403, "AccessDenied", std::move(message)}; }

Outcome<std::string> Call::required(std::string_view name, std::string_view member) const {
  const std::string* value = params_.find(name);
  if (!value) return missing(member);
  return *value;
}

std::optional<std::string> Call::optional(std::string_view name) const {
  const std::string* value = params_.find(name);
  if (!value) return std::nullopt;
  return *value;
}

policy::Result<void, ApiError> Call::authorize(std::string_view action, std::string_view resource,
                                               std::span<const authz::ContextKey> keys,
                                               std::string_view resource_account,
                                               const policy::CompiledPolicy* resource_policy,
                                               policy::ResourcePolicyKind kind, std::string_view shown_resource) const {
  const std::string_view owner = resource_account.empty() ? std::string_view(account()) : resource_account;
  const authz::Query query{action, resource, owner, region_, resource_policy, kind, keys, shown_resource};
  const authz::Verdict verdict = pipeline_.authorize(principal_, transport_, query);
  decided_ = true;
  authorized_.emplace_back(resource);
  if (verdict.allowed()) return policy::success();
  denial_ = verdict.outcome.decision;
  return access_denied(verdict.message);
}

QueryApi::QueryApi(store::Store& store, const authz::Pipeline& pipeline, const sigv4::Clock& clock,
                   std::span<const Operation> iam, std::span<const Operation> sts, Options options)
    : store_(store), pipeline_(pipeline), clock_(clock), iam_(iam), sts_(sts), options_(options) {}

const Operation* QueryApi::find(http::QueryService service, std::string_view action) const noexcept {
  const auto table = service == http::QueryService::Sts ? sts_ : iam_;
  const auto it = std::find_if(table.begin(), table.end(), [&](const Operation& op) { return op.name == action; });
  return it == table.end() ? nullptr : &*it;
}

http::HttpResponse QueryApi::handle(const http::HttpRequest& r) const {
  const http::QueryService service = http::query_service_of(r);
  // The form body counts only for a POST (older tools send the parameters as a GET query).
  const std::string_view form = r.method == "POST" ? std::string_view(r.body) : std::string_view();
  const auto decoded = Params::decode(form, r.query);
  if (!decoded) {
    return error_response({400, "MalformedQueryString", "The request has a malformed percent-encoding."},
                          r.request_id, service);
  }
  const Params& params = *decoded;

  // The Action first, as the Query services do: an unknown one is InvalidAction whoever asks.
  const std::string* action_param = params.find("Action");
  const Operation* operation = action_param ? find(service, *action_param) : nullptr;
  if (!operation) return http::unknown_query_action(r);
  // AWS looks an operation up by Action and Version: a missing or other Version is InvalidAction.
  const std::string* version = params.find("Version");
  if (!version || *version != (service == http::QueryService::Sts ? "2011-06-15" : "2010-05-08")) {
    http::HttpResponse response =
        error_response({400, "InvalidAction",
                        "Could not find operation " + http::printable(*action_param) + " for version " +
                            (version ? http::printable(*version) : std::string("NO_VERSION_SPECIFIED"))},
                       r.request_id, service);
    response.operation = "unknown";
    return response;
  }

  std::vector<sigv4::Header> sig_headers;
  sig_headers.reserve(r.headers.size());
  for (const auto& h : r.headers) sig_headers.push_back({h.name, h.value});
  const sigv4::RequestView signed_view{r.method, r.path, r.query, sig_headers, sigv4::PayloadHash::of_body(r.body)};
  const sigv4::Endpoint endpoint = endpoint_for(service, scope_region(r, params).value_or("us-east-1"));
  // The revision the request names is waited for only once its caller is authenticated.
  std::optional<consistency::Refusal> unavailable;
  auto principal = consistency::authenticate_at_named_revision(
      [&] { return pipeline_.authenticate(signed_view, endpoint); }, unavailable);
  if (unavailable) return consistency::Gate::refusal_response(*unavailable, http::ErrorFamily::Query, r);
  if (!principal) {
    if (options_.metrics) {
      options_.metrics->authentication_failures.with({sigv4::to_string(principal.error().reason)}).inc();
    }
    const auto face = service == http::QueryService::Sts ? sigv4::Face::StsQuery : sigv4::Face::IamQuery;
    const sigv4::ErrorFields fields = sigv4::error_fields(principal.error(), face);
    const ApiError error{fields.http_status, std::string(fields.code), std::string(fields.message)};
    http::HttpResponse response = error_response(error, r.request_id, service);
    response.operation = std::string(operation->name);
    // Recorded with userIdentity Unknown, as the Lambda API does (audit-log.md section 6).
    if (options_.audit_log) record(r, service, endpoint.region, *operation, params, nullptr, nullptr, &error, response);
    return response;
  }

  const authz::Transport transport{
      r.peer_address, r.secure,
      r.header("User-Agent") ? std::optional<std::string_view>(*r.header("User-Agent")) : std::nullopt,
      r.header("Referer") ? std::optional<std::string_view>(*r.header("Referer")) : std::nullopt};
  const std::string region = service == http::QueryService::Iam ? "us-east-1" : endpoint.region;
  const Call call(params, principal.value(), transport, pipeline_, store_, clock_, region);

  Reply reply = [&]() -> Reply {
    // Credentials from GetSessionToken without MFA may not call IAM at all (iam-sts-api.md 4.3);
    // AWS answers as for a token it does not accept.
    const store::CredentialKind kind = principal.value().credential->principal.kind;
    if (service == http::QueryService::Iam &&
        (kind == store::CredentialKind::UserSession || kind == store::CredentialKind::RootSession)) {
      return ApiError{403, "InvalidClientTokenId", "The security token included in the request is invalid."};
    }
    if (!options_.check_touches) return operation->run(call);
    // Resolved before the operation runs (and outside the check): the resolution reads the store.
    const std::string action =
        std::string(service == http::QueryService::Sts ? "sts:" : "iam:") + std::string(operation->name);
    const std::vector<EntityKey> declared =
        options_.declared ? options_.declared(call, action) : std::vector<EntityKey>();
    IamTouchCheck check(call.account(), call.authorized(), declared);
    const store::ScopedTouchObserver observing(check);
    Reply checked = operation->run(call);
    if (auto violation = check.violation()) return ApiError{500, "ServiceFailure", "The store was asked for " + *violation};
    return checked;
  }();

  http::HttpResponse response;
  if (!reply) {
    response = error_response(reply.error(), r.request_id, service);
  } else {
    response.status = 200;
    response.set_header("Content-Type", "text/xml");
    std::string& body = response.body;
    body.append("<").append(operation->name).append("Response xmlns=\"").append(namespace_of(service)).append("\">");
    if (reply.value().result) {
      body.append("<").append(operation->name).append("Result>");
      body += reply.value().result->text();
      body.append("</").append(operation->name).append("Result>");
    }
    body.append("<ResponseMetadata><RequestId>").append(r.request_id).append("</RequestId></ResponseMetadata>");
    body.append("</").append(operation->name).append("Response>\n");
  }
  response.operation = std::string(operation->name);
  response.principal = principal.value().caller().arn;  // for the request log
  if (call.decided()) response.decision = authz::decision_outcome(call.denial(), response.status);
  if (options_.metrics && call.decided()) {
    options_.metrics->decisions.with({authz::decision_outcome(call.denial(), response.status)}).inc();
  }
  if (options_.audit_log) {
    record(r, service, endpoint.region, *operation, params, &principal.value(), reply ? &reply.value() : nullptr,
           reply ? nullptr : &reply.error(), response);
  }
  return response;
}

void QueryApi::record(const http::HttpRequest& r, http::QueryService service, std::string_view region,
                      const Operation& operation, const Params& params, const authz::Principal* principal,
                      const Output* output, const ApiError* error, const http::HttpResponse& response) const {
  const bool sts = service == http::QueryService::Sts;
  audit::ApiCall call;
  call.request_id = r.request_id;
  call.time = clock_.now();
  call.source_ip = r.peer_address;
  if (const auto* agent = r.header("User-Agent")) call.user_agent = *agent;
  // IAM is global: its events are us-east-1's (audit-log.md section 2).
  call.region = sts ? region : std::string_view("us-east-1");
  call.event_source = sts ? "sts.amazonaws.com" : "iam.amazonaws.com";
  call.event_name = operation.name;
  call.read_only = operation.read_only;
  if (principal) {
    call.identity = {&principal->caller(), principal->credential->principal.user_id,
                     principal->credential->access_key_id, principal->temporary(),
                     principal->credential->source_identity};
  }
  call.request_parameters = audit_request_parameters(params);
  if (response.status < 300) {
    if (output) {
      call.response_elements = output->audit_response;
      if (!output->audit_resource_arn.empty()) {
        const auto arn = policy::parse_arn(output->audit_resource_arn);
        call.resources.push_back({arn ? std::string(arn->account) : std::string(), output->audit_resource_type,
                                  output->audit_resource_arn});
      }
    }
  } else if (error) {
    call.error = audit::Failure{error->code, error->message};
  }
  const auto durability = call.read_only ? audit::Durability::Written : audit::Durability::Synced;
  options_.audit_log->append(audit::render(call), durability);
}

}  // namespace gatehouse::server::query
