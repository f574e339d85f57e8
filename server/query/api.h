// The IAM (2010-05-08) and STS (2011-06-15) Query API on `/` (iam-sts-api.md): one dispatch
// per request — decode the parameters, pick the service from the SigV4 scope, authenticate
// through the pipeline, find the operation by Action, run it, answer in XML — with the audit
// record and metrics of every call. The operations themselves live in server/iam and server/sts.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/audit/audit_log.h"
#include "server/authz/pipeline.h"
#include "server/http/errors.h"
#include "server/http/message.h"
#include "server/http/router.h"
#include "server/metrics/metrics.h"
#include "server/query/operation.h"
#include "server/query/touch_check.h"
#include "sigv4/clock.h"
#include "store/store.h"

namespace gatehouse::server::query {

struct Options {
  audit::AuditLog* audit_log = nullptr;
  metrics::ServiceMetrics* metrics = nullptr;
  // When set, an operation that made the store touch a user, role, group or policy that it was
  // neither authorized on nor declares (below) fails with ServiceFailure (touch_check.h): on in tests.
  bool check_touches = false;
  // What an operation declares it reads or writes beyond its authorized resource, resolved for
  // one request before the operation runs (server/iam/resources.h). `action` is the service
  // prefix and the Action: iam:AddUserToGroup, sts:AssumeRole. None when null.
  std::vector<EntityKey> (*declared)(const Call& call, std::string_view action) = nullptr;
};

class QueryApi {
 public:
  // The store, pipeline, clock and operation tables must outlive the API. Thread-safe.
  QueryApi(store::Store& store, const authz::Pipeline& pipeline, const sigv4::Clock& clock,
           std::span<const Operation> iam, std::span<const Operation> sts, Options options);

  // Any request on `/`; always answers (the Query protocol's XML error shape on failure).
  http::HttpResponse handle(const http::HttpRequest& request) const;

 private:
  const Operation* find(http::QueryService service, std::string_view action) const noexcept;
  // The audit record of one call that named a known operation; principal and output are null
  // when the dispatch stopped before them.
  void record(const http::HttpRequest& request, http::QueryService service, std::string_view region,
              const Operation& operation, const Params& params, const authz::Principal* principal,
              const Output* output, const ApiError* error, const http::HttpResponse& response) const;

  store::Store& store_;
  const authz::Pipeline& pipeline_;
  const sigv4::Clock& clock_;
  std::span<const Operation> iam_, sts_;
  Options options_;
};

}  // namespace gatehouse::server::query
