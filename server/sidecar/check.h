// Envoy's external authorization (ext_authz, gRPC mode): envoy.service.auth.v3.Authorization/
// Check answered by the Lambda API's own authorization step (control::LambdaApi::authorize),
// so a request forwarded by Envoy gets exactly the decision and message the HTTP front end
// would give it (spec/ext-authz.md section 8, docs/sidecar.md).
#pragma once

#include <grpcpp/support/status.h>

#include <string>
#include <string_view>

#include "envoy/service/auth/v3/external_auth.pb.h"
#include "server/control/lambda_api.h"
#include "server/http/message.h"

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
  Missing,    // content-length > 0 (or a body hash header names bytes) but no body came
  Partial,    // x-envoy-auth-partial-body: true
};

// The forwarded request as the HTTP front end would have received it: method, raw path and
// query split at the first '?', the headers (header_map's raw values when present, else the
// headers map; pseudo-headers and x-envoy-auth-partial-body left out; Host from the
// :authority), the body, the peer and the scheme; a new request id (the decision id).
struct Forwarded {
  http::HttpRequest request;
  BodyState body = BodyState::Complete;
};
Forwarded forwarded_request(const ext_authz::CheckRequest& check);

// Text made valid UTF-8 (invalid bytes become U+FFFD): Envoy refuses a reply whose string
// fields are not UTF-8.
std::string valid_utf8(std::string_view bytes);

class CheckService {
 public:
  // The API must outlive the service. Thread-safe.
  explicit CheckService(const control::LambdaApi& api) : api_(api) {}

  // Fills `response` and returns OK, or returns a failed status (INTERNAL) when gatehouse
  // itself failed: never an empty, allowing response.
  //   allowed            -> status 0, ok_response with the x-gatehouse-* headers
  //   denied by a policy -> PERMISSION_DENIED, denied_response 403 AccessDeniedException
  //   not authenticated  -> UNAUTHENTICATED, denied_response with the front end's status/type
  //   body not forwarded -> UNAUTHENTICATED, InvalidSignatureException naming the Envoy setting
  //   anything else 4xx  -> INVALID_ARGUMENT, denied_response in Lambda's error shape
  grpc::Status check(const ext_authz::CheckRequest& check, ext_authz::CheckResponse& response) const;

 private:
  const control::LambdaApi& api_;
};

}  // namespace gatehouse::server::sidecar
