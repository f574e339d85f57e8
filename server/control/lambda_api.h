// The Lambda control plane: one dispatch per request (route, authenticate, validate, resolve,
// authorize with the function policy of the exact ARN named, the extra checks of the
// operation, then one store transaction) and the handlers of the 25 operations
// (spec/lambda-api.md sections 5-8; policy-semantics 6.4-6.5).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "server/audit/audit_log.h"
#include "server/authz/pipeline.h"
#include "server/consistency/gate.h"
#include "server/http/message.h"
#include "server/lambda/authorization.h"
#include "server/lambda/request.h"
#include "server/metrics/metrics.h"
#include "sigv4/clock.h"
#include "sigv4/verifier.h"
#include "store/store.h"

namespace gatehouse::server::invoke {
class Invocations;
}

namespace gatehouse::server::control {

struct Options {
  std::string region = "us-east-1";  // the only SigV4 scope region this endpoint accepts
  audit::AuditLog* audit_log = nullptr;     // when set: one record per authenticated-or-not API call
  metrics::ServiceMetrics* metrics = nullptr;  // when set: decisions and authentication failures
  // When set, a request whose handler made the store touch a function or mapping it was not
  // authorized for fails with ServiceException (touch_check.h): on in tests.
  bool check_touches = false;
  // When set, Invoke (RequestResponse) runs the function's code (server/invoke/execution.h).
  const invoke::Invocations* invocations = nullptr;
};

// The authorization step of one Lambda API request: everything before the operation runs
// (route, SigV4 with the body hash, parse, resolve, the Authorizer's decisions). The HTTP
// front end (LambdaApi::handle) and the Envoy sidecar (server/sidecar) both call
// LambdaApi::authorize, so the two give the same decision and the same message.
struct AuthorizationStep {
  bool routed = false;  // false: no route knows the method and path (refusal is Lambda's 404)
  lambda::Operation operation{};
  std::optional<authz::Principal> principal;     // set once SigV4 authenticated the caller
  std::optional<sigv4::Rejection> rejection;     // set when authentication failed
  // Set when the replica did not decide: the revision the request names did not come in time
  // (or too many wait), or the view is not current (refusal is the gate's 503).
  std::optional<consistency::Refusal> unavailable;
  std::optional<lambda::LambdaRequest> request;  // set once the request parsed
  std::optional<lambda::Resolution> resolution;  // set once the function name resolved
  std::optional<policy::Decision> denial;        // the decision of the policy that refused
  bool decided = false;        // a policy decision was reached (or the store failed while deciding)
  bool may_list_tags = false;  // GetFunction's soft lambda:ListTags check
  // The function's record as authorization read it (for aws:ResourceTag/*), when it did: a
  // handler of the same request may answer from it instead of reading it again.
  std::shared_ptr<const store::Function> function_record;
  // Set: the request is refused and this is Lambda's answer (status, x-amzn-ErrorType, JSON).
  std::optional<http::HttpResponse> refusal;

  bool allowed() const noexcept { return !refusal.has_value(); }
};

class LambdaApi {
 public:
  // The store, pipeline and clock must outlive the API. Thread-safe: handle() may run on
  // several threads at once.
  LambdaApi(store::Store& store, const authz::Pipeline& pipeline, const sigv4::Clock& clock, Options options);

  // Any request under the Lambda REST prefixes; always answers (Lambda's error shape on failure).
  http::HttpResponse handle(const http::HttpRequest& request) const;

  // The authorization step alone (see AuthorizationStep); counts authentication failures.
  // `request` must outlive the result (the parsed request views its body). `extra_keys` join
  // the request context of every decision (the sidecar's context_extensions).
  AuthorizationStep authorize(const http::HttpRequest& request, std::span<const authz::ContextKey> extra_keys = {}) const;

  // The end of every routed call: the operation label, the decision metric and the audit
  // record of `response`, which is returned. The sidecar finishes its decisions here too.
  http::HttpResponse finish(const http::HttpRequest& request, const AuthorizationStep& step,
                            http::HttpResponse response) const;

  const std::string& region() const noexcept { return options_.region; }

 private:
  // Writes the audit record of one finished call; principal, request and resolution are null
  // when the dispatch stopped before them.
  void record(const http::HttpRequest& r, lambda::Operation operation, const authz::Principal* principal,
              const lambda::LambdaRequest* request, const lambda::Resolution* resolution,
              const http::HttpResponse& response) const;

  store::Store& store_;
  const authz::Pipeline& pipeline_;
  const sigv4::Clock& clock_;
  Options options_;
  sigv4::Endpoint endpoint_;
};

}  // namespace gatehouse::server::control
