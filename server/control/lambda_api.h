// The Lambda control plane: one dispatch per request (route, authenticate, validate, resolve,
// authorize with the function policy of the exact ARN named, the extra checks of the
// operation, then one store transaction) and the handlers of the 25 operations
// (spec/lambda-api.md sections 5-8; policy-semantics 6.4-6.5).
#pragma once

#include <string>

#include "server/authz/pipeline.h"
#include "server/http/message.h"
#include "sigv4/clock.h"
#include "sigv4/verifier.h"
#include "store/store.h"

namespace gatehouse::server::control {

struct Options {
  std::string region = "us-east-1";  // the only SigV4 scope region this endpoint accepts
};

class LambdaApi {
 public:
  // The store, pipeline and clock must outlive the API. Thread-safe: handle() may run on
  // several threads at once.
  LambdaApi(store::Store& store, const authz::Pipeline& pipeline, const sigv4::Clock& clock, Options options);

  // Any request under the Lambda REST prefixes; always answers (Lambda's error shape on failure).
  http::HttpResponse handle(const http::HttpRequest& request) const;

 private:
  store::Store& store_;
  const authz::Pipeline& pipeline_;
  const sigv4::Clock& clock_;
  Options options_;
  sigv4::Endpoint endpoint_;
};

}  // namespace gatehouse::server::control
