// Envoy's external authorization (ext_authz, gRPC mode): envoy.service.auth.v3.Authorization/
// Check answered by the Lambda API's own authorization step (control::LambdaApi::authorize),
// so a request forwarded by Envoy gets exactly the decision and message the HTTP front end
// would give it (spec/ext-authz.md section 8, docs/sidecar.md).
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "envoy/service/auth/v3/external_auth.pb.h"
#include "server/consistency/gate.h"
#include "server/control/lambda_api.h"
#include "server/http/limits.h"
#include "server/http/message.h"
#include "server/http/router.h"

namespace gatehouse::server::sidecar {

namespace ext_authz = ::envoy::service::auth::v3;

// Request headers set on an allowed request (each with OVERWRITE_IF_EXISTS_OR_ADD, so a
// client cannot forge them upstream).
inline constexpr std::string_view kPrincipalArnHeader = "x-gatehouse-principal-arn";
inline constexpr std::string_view kAccountHeader = "x-gatehouse-account";
inline constexpr std::string_view kDecisionIdHeader = "x-gatehouse-decision-id";
// The header Envoy adds when it forwards a body: "true" when it cut the body.
inline constexpr std::string_view kPartialBodyHeader = "x-envoy-auth-partial-body";

// HeaderAppendAction values (envoy.config.core.v3).
inline constexpr int kOverwriteIfExistsOrAdd = 2;

// What the check says about the body the signature covers.
enum class BodyState : std::uint8_t {
  Complete,   // raw_body (byte-exact), or no body at all
  Sanitized,  // only `body` (pack_as_bytes false): Envoy replaced bytes that are not UTF-8
  Missing,    // content-length > 0 (or a body hash header names bytes; or, over HTTP/2, a POST, PUT or
              // PATCH without a length) but no body came
  Partial,    // x-envoy-auth-partial-body: true
};

// The forwarded request as the HTTP front end would have received it: method, raw path and
// query split at the first '?', the headers (header_map's raw values when present, else the
// headers map; pseudo-headers and x-envoy-auth-partial-body left out; Host from the
// :authority), the body, the peer and the scheme; a new request id (the decision id).
struct Forwarded {
  http::HttpRequest request;
  BodyState body = BodyState::Complete;
  // context_extensions, as the request-context keys envoy:ContextExtensions/<name>.
  std::vector<authz::ContextKey> context_keys;
  // When Envoy stops waiting for the answer (the Check's gRPC deadline): a wait for
  // x-gatehouse-min-revision ends before it, so the refusal arrives as a denial rather than as
  // a timeout that failure_mode_allow could let through.
  std::chrono::steady_clock::time_point answer_by = std::chrono::steady_clock::time_point::max();
};

// The request-context key prefix of Envoy's per-route context_extensions.
inline constexpr std::string_view kContextExtensionPrefix = "envoy:ContextExtensions/";
Forwarded forwarded_request(const ext_authz::CheckRequest& check);

// Text made valid UTF-8 (invalid bytes become U+FFFD): Envoy refuses a reply whose string
// fields are not UTF-8.
std::string valid_utf8(std::string_view bytes);

// The outcome of one forwarded request, before any protocol shapes it.
struct Decision {
  enum class Kind : std::uint8_t {
    Allowed,
    Denied,           // by a policy: PERMISSION_DENIED
    Unauthenticated,  // SigV4 refused it, or the body it covers did not come
    Invalid,          // no route, or another refusal of the request itself
    Failed,           // gatehouse failed (5xx): the protocol's error path
    Unavailable,      // this replica cannot vouch for its view: the configured status, never allowed
  };
  Kind kind = Kind::Failed;
  http::HttpResponse answer;  // not allowed: Lambda's answer (status, x-amzn-ErrorType, JSON)
  std::string decision_id;
  std::string principal_arn;  // allowed: the caller
  std::string account;
  std::string operation;  // e.g. GetFunction; empty when no route matched
};

// A decision as Check's answer (the table of CheckService::check); a Failed decision is a failed
// RPC (INTERNAL) and leaves `response` untouched.
grpc::Status respond(const Decision& decision, ext_authz::CheckResponse& response);

// The HTTP forms' paths on the HTTP port (docs/sidecar.md).
inline constexpr std::string_view kEnvoyHttpPrefix = "/ext-authz";  // Envoy's http_service path_prefix
inline constexpr std::string_view kNginxPath = "/nginx-auth";       // nginx auth_request target

// The body limit of a request under kEnvoyHttpPrefix: Lambda's limit of the original request.
http::BodyLimit envoy_http_body_limit(const http::HttpRequest& head);

// How the sidecar refuses while this replica cannot vouch for its view of the store
// (docs/scale-out.md): a denial (never a failed RPC, which Envoy's failure_mode_allow could turn
// into an allow) with this HTTP status, Retry-After and Lambda's ServiceException.
struct UnavailableOptions {
  int status = 503;  // serve --sidecar-unavailable-status
};

class CheckService {
 public:
  // The API (and the gate, when given) must outlive the service. Thread-safe. Without a gate the
  // view is always current (one process on its own store).
  explicit CheckService(const control::LambdaApi& api, const consistency::Gate* gate = nullptr,
                        UnavailableOptions unavailable = {})
      : api_(api), gate_(gate), unavailable_(unavailable) {}

  // The one decision every form shares: the Lambda API's authorization step on the forwarded
  // request, with its audit record and metrics. `hint` is appended to a signature mismatch's
  // message when the form knows why the body may not match.
  Decision decide(const Forwarded& forwarded, std::string_view hint = {}) const;

  // Envoy's HTTP ext_authz mode: the original request under kEnvoyHttpPrefix; exactly 200 allows
  // (with the x-gatehouse-* headers), a denial is Lambda's answer, a failure 500.
  http::HttpResponse envoy_http(const http::HttpRequest& request) const;
  // nginx auth_request: the original method, URI and host in X-Original-Method, X-Original-URI
  // and X-Original-Host, no body. 200 allows; every denial is 403 (nginx passes only 401 and 403
  // on) carrying Lambda's answer in x-amzn-ErrorType, X-Gatehouse-Status and X-Gatehouse-Body
  // for the documented error_page; a failure 500.
  http::HttpResponse nginx(const http::HttpRequest& request) const;

  // Fills `response` and returns OK, or returns a failed status (INTERNAL) when gatehouse
  // itself failed: never an empty, allowing response.
  //   allowed            -> status 0, ok_response with the x-gatehouse-* headers
  //   denied by a policy -> PERMISSION_DENIED, denied_response 403 AccessDeniedException
  //   not authenticated  -> UNAUTHENTICATED, denied_response with the front end's status/type
  //   body not forwarded -> UNAUTHENTICATED, InvalidSignatureException naming the Envoy setting
  //   anything else 4xx  -> INVALID_ARGUMENT, denied_response in Lambda's error shape
  //   view not current   -> UNAVAILABLE, denied_response with UnavailableOptions::status
  // `deadline`: the RPC's (none: time_point::max()).
  grpc::Status check(
      const ext_authz::CheckRequest& check, ext_authz::CheckResponse& response,
      std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max()) const;

  // Registers envoy_http and nginx on the HTTP port's router.
  void add_routes(http::Router& router) const;

 private:
  const control::LambdaApi& api_;
  const consistency::Gate* gate_;
  UnavailableOptions unavailable_;
};

}  // namespace gatehouse::server::sidecar
