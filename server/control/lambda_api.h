// The Lambda control plane: one dispatch per request (route, authenticate, validate, resolve,
// authorize with the function policy of the exact ARN named, the extra checks of the
// operation, then one store transaction) and the handlers of the 25 operations
// (spec/lambda-api.md sections 5-8; policy-semantics 6.4-6.5).
#pragma once

#include <string>

#include "server/audit/audit_log.h"
#include "server/authz/pipeline.h"
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

class LambdaApi {
 public:
  // The store, pipeline and clock must outlive the API. Thread-safe: handle() may run on
  // several threads at once.
  LambdaApi(store::Store& store, const authz::Pipeline& pipeline, const sigv4::Clock& clock, Options options);

  // Any request under the Lambda REST prefixes; always answers (Lambda's error shape on failure).
  http::HttpResponse handle(const http::HttpRequest& request) const;

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
