// gatehouse.v1.Authorizer (proto/gatehouse/v1/authorizer.proto): decisions for callers that
// authenticated their users on their own. Authorize runs the one pipeline (authz::Pipeline) on
// a principal of the store; Simulate is SimulateCustomPolicy (policy::simulate_custom_policy).
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "gatehouse/v1/authorizer.grpc.pb.h"
#include "server/audit/audit_log.h"
#include "server/authz/pipeline.h"
#include "server/consistency/gate.h"
#include "sigv4/clock.h"
#include "store/store.h"

namespace gatehouse::server::sidecar {

namespace native = ::gatehouse::v1;

class Authorizer final : public native::Authorizer::Service {
 public:
  // Everything must outlive the service. Thread-safe.
  // With a gate, a replica that cannot vouch for its view answers UNAVAILABLE instead of deciding.
  Authorizer(const store::Store& store, const authz::Pipeline& pipeline, const sigv4::Clock& clock, std::string region,
             audit::AuditLog* audit_log = nullptr, const consistency::Gate* gate = nullptr)
      : store_(store), pipeline_(pipeline), clock_(clock), region_(std::move(region)), audit_log_(audit_log),
        gate_(gate) {}

  // The decision, or INVALID_ARGUMENT (no such principal, no action) / INTERNAL (store failure) /
  // UNAVAILABLE (the view is not current).
  grpc::Status authorize(const native::AuthorizeRequest& request, native::AuthorizeResponse& response) const;
  // SimulateCustomPolicy; its errors as INVALID_ARGUMENT "Code: message".
  grpc::Status simulate(const native::SimulateRequest& request, native::SimulateResponse& response) const;

  grpc::Status Authorize(grpc::ServerContext*, const native::AuthorizeRequest* request,
                         native::AuthorizeResponse* response) override {
    return authorize(*request, *response);
  }
  grpc::Status AuthorizeBatch(grpc::ServerContext*, const native::AuthorizeBatchRequest* request,
                              native::AuthorizeBatchResponse* response) override;
  grpc::Status Simulate(grpc::ServerContext*, const native::SimulateRequest* request,
                        native::SimulateResponse* response) override {
    return simulate(*request, *response);
  }

 private:
  const store::Store& store_;
  const authz::Pipeline& pipeline_;
  const sigv4::Clock& clock_;
  std::string region_;
  audit::AuditLog* audit_log_;
  const consistency::Gate* gate_;
};

}  // namespace gatehouse::server::sidecar
