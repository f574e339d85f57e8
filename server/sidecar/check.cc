#include "server/sidecar/check.h"

#include <charconv>
#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>

#include "policy/text.h"
#include "server/http/errors.h"
#include "server/http/limits.h"
#include "server/http/request_id.h"
#include "server/http/router.h"
#include "server/lambda/route_table.h"
#include "sigv4/error_response.h"
#include "sigv4/rejection.h"

namespace gatehouse::server::sidecar {
namespace {

namespace core = ::envoy::config::core::v3;

// SHA-256 of the empty string: the payload hash of a request without a body.
constexpr std::string_view kEmptyBodySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void add_header(http::HttpRequest& request, std::string_view name, std::string_view value) {
  if (name.empty() || name.front() == ':') return;  // pseudo-headers: method, path, host, scheme
  request.headers.push_back({std::string(name), std::string(value)});
}

bool declares_body(const http::HttpRequest& request) {
  if (request.header("Transfer-Encoding")) return true;
  if (const std::string* length = request.header("Content-Length")) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(length->data(), length->data() + length->size(), value);
    if (error == std::errc() && end == length->data() + length->size()) return value > 0;
    return true;  // not a number: the front end would never have read it as empty
  }
  // A signed body hash that is not the empty body's names bytes that did not come.
  if (const std::string* hash = request.header("x-amz-content-sha256")) {
    return hash->size() == kEmptyBodySha256.size() && lower(*hash) != kEmptyBodySha256;
  }
  return false;
}

// Over HTTP/2 and HTTP/3 a body comes in DATA frames: content-length is optional and
// transfer-encoding does not exist, so a POST, PUT or PATCH that names neither may carry a body
// that Envoy did not forward (no with_request_body). HTTP/1's framing has no body without one of
// them. `protocol`: the check's (empty when Envoy did not say: not known to be HTTP/1).
bool unannounced_body(const http::HttpRequest& request, std::string_view protocol) {
  if (protocol == "HTTP/1.0" || protocol == "HTTP/1.1") return false;
  if (request.header("Content-Length") || request.header("Transfer-Encoding")) return false;
  const std::string& verb = request.method;
  return verb == "POST" || verb == "PUT" || verb == "PATCH";
}

core::HeaderValueOption* set_header(google::protobuf::RepeatedPtrField<core::HeaderValueOption>& headers,
                                    std::string_view name, std::string_view value) {
  core::HeaderValueOption* option = headers.Add();
  option->mutable_header()->set_key(std::string(name));
  option->mutable_header()->set_value(valid_utf8(value));
  option->set_append_action(kOverwriteIfExistsOrAdd);
  return option;
}

void set_metadata(ext_authz::CheckResponse& response, std::string_view name, std::string_view value) {
  (*response.mutable_dynamic_metadata()->mutable_fields())[std::string(name)].set_string_value(valid_utf8(value));
}

// Lambda's error answer as Envoy's local reply.
void deny(ext_authz::CheckResponse& response, int code, const http::HttpResponse& answer,
          std::string_view decision_id) {
  response.mutable_status()->set_code(code);
  ext_authz::DeniedHttpResponse& denied = *response.mutable_denied_response();
  denied.mutable_status()->set_code(answer.status);
  for (const http::Header& header : answer.headers)
    set_header(*denied.mutable_headers(), lower(header.name), header.value);
  set_header(*denied.mutable_headers(), "x-amzn-requestid", decision_id);
  denied.set_body(valid_utf8(answer.body));
  // The message of Lambda's error, for Envoy's logs.
  const std::string* type = answer.header("x-amzn-ErrorType");
  response.mutable_status()->set_message(valid_utf8(type ? *type : std::string_view("denied")));
  set_metadata(response, "decision_id", decision_id);
}

// The explanation of a body Envoy did not hand over, naming the filter settings to change.
std::string missing_body_message(BodyState state) {
  std::string message = "gatehouse cannot verify the request signature: ";
  message += state == BodyState::Partial
                 ? "Envoy forwarded only part of the request body (x-envoy-auth-partial-body: true). Set the "
                   "ext_authz filter's with_request_body.allow_partial_message to false and max_request_bytes "
                   "to at least the largest request body."
                 : "Envoy forwarded no request body although the request has one. Set the ext_authz filter's "
                   "with_request_body (max_request_bytes at least the largest request body, "
                   "allow_partial_message: false, pack_as_bytes: true).";
  return message;
}

// When a wait must end for the answer to reach Envoy before `deadline` (the RPC's): a quarter
// of the time left is kept for the decision and the way back. None without a deadline.
std::chrono::steady_clock::time_point answer_by(std::chrono::system_clock::time_point deadline) {
  using std::chrono::milliseconds;
  const auto now = std::chrono::system_clock::now();
  if (deadline > now + std::chrono::hours(1)) {  // none (time_point::max()), or as good as none
    return std::chrono::steady_clock::time_point::max();
  }
  const auto left = std::max(std::chrono::duration_cast<milliseconds>(deadline - now), milliseconds(0));
  return std::chrono::steady_clock::now() + left * 3 / 4;
}

constexpr std::string_view kSanitizedBodyHint =
    " (Envoy sent the body in `body`, where bytes that are not UTF-8 are replaced: set the ext_authz filter's "
    "with_request_body.pack_as_bytes to true.)";

}  // namespace

std::string valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto byte = static_cast<unsigned char>(bytes[pos]);
    if (byte < 0x80) {
      out.push_back(static_cast<char>(byte));
      ++pos;
      continue;
    }
    policy::append_utf8(out, policy::decode_utf8(bytes, pos));
  }
  return out;
}

Forwarded forwarded_request(const ext_authz::CheckRequest& check) {
  Forwarded out;
  http::HttpRequest& request = out.request;
  const auto& attributes = check.attributes();
  const auto& http = attributes.request().http();
  request.method = http.method();
  request.target = http.path();
  const sigv4::RequestTarget target = sigv4::split_request_target(request.target);
  request.path = std::string(target.path);
  request.query = std::string(target.query);

  std::optional<std::string> partial;
  std::string authority = http.host();
  bool has_host = false;
  auto take = [&](std::string_view name, std::string_view value) {
    if (http::equals_ignore_case(name, kPartialBodyHeader)) {
      partial = std::string(value);
      return;
    }
    if (name == ":authority" && authority.empty()) authority = std::string(value);
    if (http::equals_ignore_case(name, "host")) has_host = true;
    add_header(request, name, value);
  };
  if (http.header_map().headers_size() > 0) {
    // encode_raw_headers: one entry per header line, raw bytes.
    for (const auto& header : http.header_map().headers()) {
      take(header.key(), header.raw_value().empty() ? header.value() : header.raw_value());
    }
  } else {
    for (const auto& header : http.headers()) take(header.key(), header.value());
  }
  // HTTP/1.1's Host is :authority inside Envoy: the host the client signed.
  if (!has_host && !authority.empty()) request.headers.insert(request.headers.begin(), {"Host", authority});

  if (!http.raw_body().empty()) {
    request.body = http.raw_body();
  } else if (!http.body().empty()) {
    request.body = http.body();
    out.body = BodyState::Sanitized;
  }
  // Decided from what came, not from x-envoy-auth-partial-body: false, which an Envoy that does
  // not strip the client's copy passes on as the client wrote it.
  if (partial && lower(*partial) == "true") {
    out.body = BodyState::Partial;
  } else if (request.body.empty() && (declares_body(request) || unannounced_body(request, http.protocol()))) {
    out.body = BodyState::Missing;
  }

  for (const auto& extension : attributes.context_extensions()) {
    out.context_keys.push_back({std::string(kContextExtensionPrefix) + extension.key(), {extension.value()}, false});
  }
  if (attributes.source().address().has_socket_address()) {
    const auto& socket = attributes.source().address().socket_address();
    request.peer_address = socket.address();
    request.peer_port = static_cast<std::uint16_t>(socket.port_value());
  }
  request.secure = lower(http.scheme()) == "https";
  request.http_version = http.protocol() == "HTTP/1.0" ? 10 : 11;
  request.request_id = http::new_request_id();
  request.received_at = std::chrono::system_clock::now();
  return out;
}

Decision CheckService::decide(const Forwarded& forwarded, std::string_view hint) const {
  const http::HttpRequest& request = forwarded.request;
  Decision decision;
  decision.decision_id = request.request_id;

  if (request.method.empty() || request.path.empty() || request.path.front() != '/') {
    decision.kind = Decision::Kind::Invalid;
    decision.answer = http::lambda_error(400, "InvalidRequestContentException",
                                         "The check names no HTTP method and path (attributes.request.http).");
    return decision;
  }

  // The gate's refusal, with the configured status for a replica that does not decide yet.
  const auto refuse = [&](consistency::Refusal refused) {
    decision.answer = consistency::Gate::refusal_response(refused, http::ErrorFamily::LambdaRest, request);
    if (refused == consistency::Refusal::BadRevision) {
      decision.kind = Decision::Kind::Invalid;
    } else {
      decision.kind = Decision::Kind::Unavailable;
      decision.answer.status = unavailable_.status;
    }
    return decision;
  };
  // The forwarded request's own x-gatehouse-min-revision is honoured as on the HTTP port: the
  // Lambda API's authorization step waits for it once the caller is authenticated.
  std::optional<consistency::PendingRevision> pending;
  if (gate_) {
    const consistency::Admission admission = gate_->admit(request);
    if (admission.refusal) return refuse(*admission.refusal);
    pending.emplace(*gate_, admission.pending, forwarded.answer_by);
  }

  if (forwarded.body == BodyState::Missing || forwarded.body == BodyState::Partial) {
    // The signature covers the body: without it there is nothing to verify, and the body
    // carries what authorization needs. A path no route knows is still answered as the front
    // end answers it.
    auto route = lambda::match_route(request.method, request.path);
    if (!route) {
      decision.kind = Decision::Kind::Invalid;
      decision.answer = http::lambda_error(route.error().status, route.error().type, route.error().message);
      return decision;
    }
    const sigv4::ErrorFields fields =
        sigv4::error_fields(sigv4::reject(sigv4::Reason::SignatureMismatch), sigv4::Face::LambdaRest);
    control::AuthorizationStep step;
    step.routed = true;
    step.operation = route.value().operation;
    step.refusal = http::lambda_error(fields.http_status, fields.code,
                                      hint.empty() ? missing_body_message(forwarded.body) : std::string(hint));
    decision.kind = Decision::Kind::Unauthenticated;
    decision.operation = lambda::operation_name(step.operation);
    decision.answer = api_.finish(request, step, *step.refusal);
    return decision;
  }

  control::AuthorizationStep step = api_.authorize(request, forwarded.context_keys);
  if (step.routed) decision.operation = lambda::operation_name(step.operation);
  if (step.unavailable) return refuse(*step.unavailable);
  if (step.allowed()) {
    http::HttpResponse allowed;
    allowed.status = 200;
    api_.finish(request, step, std::move(allowed));
    const policy::Caller& caller = step.principal->caller();
    decision.kind = Decision::Kind::Allowed;
    decision.principal_arn = caller.arn;
    decision.account = caller.account;
    return decision;
  }

  http::HttpResponse refusal = std::move(*step.refusal);
  if (!step.routed) {
    decision.kind = Decision::Kind::Invalid;
    decision.answer = std::move(refusal);
    return decision;
  }
  if (step.rejection && step.rejection->category() == sigv4::Category::SignatureDoesNotMatch) {
    const std::string_view why = forwarded.body == BodyState::Sanitized ? kSanitizedBodyHint : hint;
    if (!why.empty()) {
      const sigv4::ErrorFields fields = sigv4::error_fields(*step.rejection, sigv4::Face::LambdaRest);
      refusal = http::lambda_error(fields.http_status, fields.code, std::string(fields.message) + std::string(why));
    }
  }
  decision.answer = api_.finish(request, step, std::move(refusal));
  decision.kind = decision.answer.status >= 500 ? Decision::Kind::Failed
                  : step.rejection              ? Decision::Kind::Unauthenticated
                  : step.denial                 ? Decision::Kind::Denied
                                                : Decision::Kind::Invalid;
  return decision;
}

grpc::Status CheckService::check(const ext_authz::CheckRequest& check, ext_authz::CheckResponse& response,
                                 std::chrono::system_clock::time_point deadline) const try {
  Forwarded forwarded = forwarded_request(check);
  forwarded.answer_by = answer_by(deadline);
  return respond(decide(forwarded), response);
} catch (const std::exception& e) {
  response.Clear();
  return {grpc::StatusCode::INTERNAL, std::string("gatehouse could not decide: ") + e.what()};
}

grpc::Status respond(const Decision& decision, ext_authz::CheckResponse& response) {
  switch (decision.kind) {
    case Decision::Kind::Allowed: {
      response.mutable_status()->set_code(grpc::StatusCode::OK);
      auto& headers = *response.mutable_ok_response()->mutable_headers();
      set_header(headers, kPrincipalArnHeader, decision.principal_arn);
      set_header(headers, kAccountHeader, decision.account);
      set_header(headers, kDecisionIdHeader, decision.decision_id);
      set_metadata(response, "decision_id", decision.decision_id);
      set_metadata(response, "principal_arn", decision.principal_arn);
      set_metadata(response, "account", decision.account);
      set_metadata(response, "operation", decision.operation);
      return grpc::Status::OK;
    }
    case Decision::Kind::Failed: {
      // gatehouse failed (store unreadable, bug): a failed RPC lets Envoy apply the operator's
      // failure_mode_allow and status_on_error; never an empty, allowing answer.
      const std::string* type = decision.answer.header("x-amzn-ErrorType");
      return {grpc::StatusCode::INTERNAL, "gatehouse could not decide: " + (type ? *type : std::string("error"))};
    }
    case Decision::Kind::Denied:
      deny(response, grpc::StatusCode::PERMISSION_DENIED, decision.answer, decision.decision_id);
      break;
    case Decision::Kind::Unauthenticated:
      deny(response, grpc::StatusCode::UNAUTHENTICATED, decision.answer, decision.decision_id);
      break;
    case Decision::Kind::Invalid:
      deny(response, grpc::StatusCode::INVALID_ARGUMENT, decision.answer, decision.decision_id);
      break;
    case Decision::Kind::Unavailable:
      deny(response, grpc::StatusCode::UNAVAILABLE, decision.answer, decision.decision_id);
      break;
  }
  return grpc::Status::OK;
}

namespace {

constexpr std::string_view kEnvoyHttpHint =
    " (In Envoy's HTTP ext_authz mode, forward the body with with_request_body and every signed header with "
    "allowed_headers.)";

// The request under `prefix` as the client sent it: the remainder of the path, the query.
std::optional<http::HttpRequest> strip_prefix(const http::HttpRequest& request, std::string_view prefix) {
  std::string_view path = request.path;
  if (!path.starts_with(prefix)) return std::nullopt;
  path.remove_prefix(prefix.size());
  if (path.empty() || path.front() != '/') return std::nullopt;
  http::HttpRequest original = request;
  original.path = std::string(path);
  original.target = original.path + (request.query.empty() ? "" : "?" + request.query);
  return original;
}

void allow_headers(http::HttpResponse& response, const Decision& decision) {
  response.set_header(std::string(kPrincipalArnHeader), decision.principal_arn);
  response.set_header(std::string(kAccountHeader), decision.account);
  response.set_header(std::string(kDecisionIdHeader), decision.decision_id);
  response.principal = decision.principal_arn;  // for the request log
  response.decision = "allowed";
}

}  // namespace

http::BodyLimit envoy_http_body_limit(const http::HttpRequest& head) {
  if (auto original = strip_prefix(head, kEnvoyHttpPrefix)) return http::lambda_body_limit(*original);
  return {};
}

http::HttpResponse CheckService::envoy_http(const http::HttpRequest& request) const {
  auto original = strip_prefix(request, kEnvoyHttpPrefix);
  if (!original) return http::unknown_lambda_operation(request);
  Forwarded forwarded;
  forwarded.request = std::move(*original);
  const Decision decision = decide(forwarded, kEnvoyHttpHint);
  http::HttpResponse response;
  if (decision.kind == Decision::Kind::Allowed) {
    response.status = 200;  // exactly 200 allows
    allow_headers(response, decision);
  } else {
    response = decision.answer;  // a 5xx is Envoy's error path, anything else a denial
  }
  response.operation = decision.operation.empty() ? "ext_authz" : decision.operation;
  return response;
}

http::HttpResponse CheckService::nginx(const http::HttpRequest& request) const {
  const std::string* method = request.header("X-Original-Method");
  const std::string* uri = request.header("X-Original-URI");
  const std::string* host = request.header("X-Original-Host");
  if (!host) host = request.header("Host");
  Forwarded forwarded;
  http::HttpRequest& original = forwarded.request;
  original = request;
  original.method = method ? *method : "";
  original.target = uri ? *uri : "";
  const sigv4::RequestTarget target = sigv4::split_request_target(original.target);
  original.path = std::string(target.path);
  original.query = std::string(target.query);
  original.body.clear();
  original.headers.clear();
  if (host) original.headers.push_back({"Host", *host});
  std::optional<std::string> length;
  for (const http::Header& header : request.headers) {
    if (http::equals_ignore_case(header.name, "X-Original-Content-Length")) length = header.value;
    if (header.name.size() >= 11 &&
        http::equals_ignore_case(std::string_view(header.name).substr(0, 11), "X-Original-")) {
      continue;
    }
    if (http::equals_ignore_case(header.name, "Host") || http::equals_ignore_case(header.name, "Content-Length"))
      continue;
    original.headers.push_back(header);
  }
  // nginx never forwards the body: a request that has one cannot be verified.
  if (length) original.headers.push_back({"Content-Length", *length});
  // nginx announces a body by its length alone: a chunked one comes with neither
  // X-Original-Content-Length nor Transfer-Encoding, so a POST or PUT without a length may
  // carry a body the signature was not checked against (as over HTTP/2: no protocol known).
  if (declares_body(original) || unannounced_body(original, {})) forwarded.body = BodyState::Missing;
  if (length) original.headers.pop_back();
  const Decision decision =
      decide(forwarded, forwarded.body == BodyState::Missing
                            ? "gatehouse cannot verify the request signature: nginx auth_request forwards no request "
                              "body, and this request has one. Send requests with a body through Envoy's ext_authz "
                              "with with_request_body instead."
                            : "");
  http::HttpResponse response;
  response.operation = decision.operation.empty() ? "auth_request" : decision.operation;
  if (decision.kind == Decision::Kind::Allowed) {
    response.status = 200;
    allow_headers(response, decision);
    return response;
  }
  if (decision.kind == Decision::Kind::Failed) {
    response.status = 500;  // nginx answers 500 for anything but 2xx, 401 and 403
    return response;
  }
  // nginx passes only 401 and 403 on; the documented error_page rebuilds Lambda's answer.
  response.status = 403;
  const std::string* type = decision.answer.header("x-amzn-ErrorType");
  response.set_header("x-amzn-ErrorType", type ? *type : std::string("AccessDeniedException"));
  response.set_header("X-Gatehouse-Status", std::to_string(decision.answer.status));
  response.set_header("X-Gatehouse-Body", http::printable(decision.answer.body));
  response.set_header("Content-Type", "application/json");
  response.body = decision.answer.body;
  return response;
}

void CheckService::add_routes(http::Router& router) const {
  router.add(http::Route{std::string(kEnvoyHttpPrefix), http::Match::Prefix, http::ErrorFamily::LambdaRest, "ext_authz",
                         envoy_http_body_limit, [this](const http::HttpRequest& r) { return envoy_http(r); }});
  router.add(http::Route{std::string(kNginxPath),
                         http::Match::Exact,
                         http::ErrorFamily::LambdaRest,
                         "auth_request",
                         {},
                         [this](const http::HttpRequest& r) { return nginx(r); }});
}

}  // namespace gatehouse::server::sidecar
