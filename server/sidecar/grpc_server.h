// The sidecar's gRPC port (--grpc-listen): envoy.service.auth.v3.Authorization/Check, the
// standard grpc.health.v1.Health service and, when Debian's grpc++ ships it, server
// reflection. Plaintext, meant for loopback or a private network (docs/sidecar.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/sidecar/check.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace gatehouse::server::sidecar {

// The largest message the port accepts: CreateFunction's base64 zip (the largest Lambda
// request body; a 6 MB Invoke fits easily) plus room for the headers Envoy forwards.
std::size_t max_receive_message_bytes() noexcept;

class GrpcServer {
 public:
  // The services must outlive the server.
  explicit GrpcServer(const CheckService& check);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Further services to serve beside Check (e.g. gatehouse.v1.Authorizer); before start().
  void add_service(grpc::Service& service);

  // Binds HOST:PORT (port 0 picks a free one) and starts serving on grpc++'s own threads.
  // The reason when it cannot.
  std::optional<std::string> start(const std::string& host, std::uint16_t port);
  std::uint16_t bound_port() const noexcept { return port_; }

  // Stops accepting; calls in flight get until the deadline to finish. Idempotent.
  void shutdown(std::chrono::milliseconds grace);

 private:
  class AuthorizationService;
  std::unique_ptr<AuthorizationService> authorization_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  std::uint16_t port_ = 0;
};

}  // namespace gatehouse::server::sidecar
