#include "server/sidecar/grpc_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#ifdef GATEHOUSE_GRPC_REFLECTION
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#endif

#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
#include "server/http/limits.h"

namespace gatehouse::server::sidecar {

// The callback API: Check runs on the thread that read the call, with no hand-off to a pool
// (a check is short and never waits on the network; a wait for x-gatehouse-min-revision ends
// before the RPC's deadline, and few wait at once: consistency::Gate).
class GrpcServer::AuthorizationService final : public ext_authz::Authorization::CallbackService {
 public:
  explicit AuthorizationService(const CheckService& check) : check_(check) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context, const ext_authz::CheckRequest* request,
                                  ext_authz::CheckResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(check_.check(*request, *response, context->deadline()));
    return reactor;
  }

 private:
  const CheckService& check_;
};

std::size_t max_receive_message_bytes() noexcept {
  return static_cast<std::size_t>(http::kFunctionCodeRequestBytes) + 1024 * 1024;
}

GrpcServer::GrpcServer(const CheckService& check) : authorization_(std::make_unique<AuthorizationService>(check)) {}

GrpcServer::~GrpcServer() { shutdown(std::chrono::milliseconds(0)); }

void GrpcServer::add_service(grpc::Service& service) { services_.push_back(&service); }

std::optional<std::string> GrpcServer::start(const std::string& host, std::uint16_t port) {
  grpc::EnableDefaultHealthCheckService(true);
#ifdef GATEHOUSE_GRPC_REFLECTION
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
#endif
  const std::string address =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &selected);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_receive_message_bytes()));
  builder.RegisterService(authorization_.get());
  for (grpc::Service* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (!server_ || selected == 0) {
    server_.reset();
    return "cannot listen for gRPC on " + address;
  }
  port_ = static_cast<std::uint16_t>(selected);
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(true);
  return std::nullopt;
}

void GrpcServer::shutdown(std::chrono::milliseconds grace) {
  if (!server_) return;
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

}  // namespace gatehouse::server::sidecar
