// The sidecar's Check under load (issue 14, `make bench`): Envoy-shaped CheckRequests for a
// SigV4-signed GetFunction over loopback gRPC at 64 concurrent calls, against the same server
// answering Check without evaluation (allow-all) in the same run; then evaluation at a fixed
// 5,000 checks/s for the latency target. Targets: >= 60% of the allow-all baseline, >= 20,000
// checks/s on 2 cores, p99 < 2 ms at 5,000 checks/s. Prints "met"/"MISSED" per target; exits 1
// only when checks fail (the figures would then measure the wrong thing).
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
#include "server/authz/pipeline.h"
#include "server/control/lambda_api.h"
#include "server/sidecar/check.h"
#include "server/sidecar/grpc_server.h"
#include "sigv4/clock.h"
#include "sigv4/signer.h"
#include "store/mutation.h"
#include "store/store.h"

namespace {

using namespace gatehouse;
namespace ext_authz = ::envoy::service::auth::v3;
using Clock = std::chrono::steady_clock;

constexpr int kConcurrency = 64;
constexpr auto kWarmup = std::chrono::milliseconds(500);
constexpr auto kMeasure = std::chrono::seconds(3);
constexpr double kRatioTarget = 0.60;
constexpr double kThroughputTarget = 20000;
constexpr double kRate = 5000;
constexpr double kP99TargetMs = 2.0;
constexpr std::string_view kKey = "AKIABENCHALICE000001";
const std::string kSecret(40, 'b');

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "sidecar_bench: %s\n", why.c_str());
  std::exit(1);
}

// Check with evaluation, or allow-all (the baseline: the same server, no decision); the callback
// API, as the real gRPC port (server/sidecar/grpc_server.cc) serves Check.
class BenchAuthorization final : public ext_authz::Authorization::CallbackService {
 public:
  explicit BenchAuthorization(const server::sidecar::CheckService& check) : check_(check) {}
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context, const ext_authz::CheckRequest* request,
                                  ext_authz::CheckResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (evaluate.load(std::memory_order_relaxed)) {
      reactor->Finish(check_.check(*request, *response));
      return reactor;
    }
    response->mutable_status()->set_code(0);
    response->mutable_ok_response();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::atomic<bool> evaluate{false};

 private:
  const server::sidecar::CheckService& check_;
};

struct Result {
  std::vector<double> latencies_ms;
  std::size_t errors = 0;
  double seconds = 0;
  double rps() const { return latencies_ms.size() / seconds; }
  double percentile(double p) {
    if (latencies_ms.empty()) return 0;
    std::sort(latencies_ms.begin(), latencies_ms.end());
    return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<std::size_t>(p * latencies_ms.size()))];
  }
};

struct Call {
  grpc::ClientContext context;
  ext_authz::CheckResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<ext_authz::CheckResponse>> reader;
  Clock::time_point start;
};

// Up to kConcurrency calls in flight; `rate` > 0 spaces the starts (checks per second).
Result run_phase(ext_authz::Authorization::Stub& stub, const ext_authz::CheckRequest& request, double rate) {
  grpc::CompletionQueue queue;
  Result result;
  const auto begin = Clock::now();
  const auto measure_from = begin + kWarmup;
  const auto end = measure_from + kMeasure;
  int in_flight = 0;
  auto next_start = begin;
  const auto spacing = rate > 0 ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate))
                                : Clock::duration::zero();
  auto launch = [&] {
    auto* call = new Call;
    call->start = Clock::now();
    call->reader = stub.PrepareAsyncCheck(&call->context, request, &queue);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
    ++in_flight;
    next_start += spacing;
  };
  for (;;) {
    const auto now = Clock::now();
    while (now < end && in_flight < kConcurrency && (rate <= 0 || next_start <= now)) launch();
    if (in_flight == 0 && now >= end) break;
    void* tag = nullptr;
    bool ok = false;
    const auto deadline = rate > 0 && now < end ? std::min(next_start, end) : end + std::chrono::seconds(5);
    const auto got = queue.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + (deadline - Clock::now()));
    if (got == grpc::CompletionQueue::TIMEOUT) {
      if (Clock::now() > end + std::chrono::seconds(5)) fail("calls did not finish");
      continue;
    }
    if (got == grpc::CompletionQueue::SHUTDOWN) break;
    auto* call = static_cast<Call*>(tag);
    --in_flight;
    const auto done = Clock::now();
    if (call->start >= measure_from && done <= end) {
      if (!ok || !call->status.ok() || call->response.status().code() != 0) ++result.errors;
      result.latencies_ms.push_back(std::chrono::duration<double, std::milli>(done - call->start).count());
    }
    delete call;
  }
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }
  result.seconds = std::chrono::duration<double>(kMeasure).count();
  return result;
}

ext_authz::CheckRequest signed_check(const sigv4::Clock& clock) {
  const std::string target = "/2015-03-31/functions/f";
  const std::vector<sigv4::Header> headers = {{"Host", "lambda.internal:9000"}, {"User-Agent", "bench"}};
  const sigv4::SignInput input{"GET", target, headers, sigv4::PayloadHash::of_body({})};
  const sigv4::SignOptions options{"us-east-1", "lambda", clock.now(), std::nullopt, false};
  auto signed_request = sigv4::sign_request(input, {kKey, kSecret, std::nullopt}, options);
  if (!signed_request) fail(signed_request.error());
  ext_authz::CheckRequest check;
  auto& http = *check.mutable_attributes()->mutable_request()->mutable_http();
  check.mutable_attributes()->mutable_source()->mutable_address()->mutable_socket_address()->set_address("10.0.0.7");
  http.set_method("GET");
  http.set_path(target);
  http.set_host("lambda.internal:9000");
  http.set_scheme("http");
  for (const auto& [name, value] : signed_request.value().headers) {
    if (name == "Host") continue;
    auto* header = http.mutable_header_map()->add_headers();
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    header->set_key(lower);
    header->set_raw_value(value);
  }
  return check;
}

void print_row(const char* name, Result& r) {
  std::printf("%-40s %10.0f %8zu %8.3f %8.3f %8.3f\n", name, r.rps(), r.errors, r.percentile(0.50), r.percentile(0.99),
              r.percentile(1.0));
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / ("gatehouse-sidecar-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  int status = 0;
  {
    store::Options options;
    options.data_dir = dir;
    options.sync = false;
    auto opened = store::Store::open(options);
    if (!opened) fail(opened.error().message);
    std::unique_ptr<store::Store> store = std::move(opened.value());
    auto made = store->write([](store::Mutation& m) -> store::Result<void> {
      if (auto r = m.create_account("111111111111"); !r) return r.error();
      if (auto r = m.create_user({"111111111111", "alice", "/", "", {}}); !r) return r.error();
      if (auto r = m.import_access_key({"111111111111", "alice", std::string(kKey), kSecret}); !r) return r.error();
      return m.put_inline_policy(
          {store::EntityKind::User, "111111111111", "alice"}, "p",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:Get*","Resource":"arn:aws:lambda:us-east-1:111111111111:function:*"}]})");
    });
    if (!made) fail(made.error().message);
    const sigv4::SystemClock clock;
    server::authz::Pipeline pipeline(*store, clock);
    server::control::LambdaApi api(*store, pipeline, clock, {});
    const server::sidecar::CheckService check(api);
    BenchAuthorization service(check);

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(static_cast<int>(server::sidecar::max_receive_message_bytes()));
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
    if (!grpc_server || port == 0) fail("cannot listen");
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
    auto stub = ext_authz::Authorization::NewStub(channel);
    const ext_authz::CheckRequest request = signed_check(clock);

    std::printf(
        "sidecar_bench: loopback gRPC, %d concurrent Check calls, %lld ms warm-up then %lld s per phase; "
        "%u hardware threads\n",
        kConcurrency, static_cast<long long>(kWarmup.count()), static_cast<long long>(kMeasure.count()),
        std::thread::hardware_concurrency());
    std::printf("%-40s %10s %8s %8s %8s %8s\n", "phase", "checks/s", "errors", "p50 ms", "p99 ms", "max ms");
    service.evaluate = false;
    Result baseline = run_phase(*stub, request, 0);
    print_row("Check, allow-all (no evaluation)", baseline);
    service.evaluate = true;
    Result full = run_phase(*stub, request, 0);
    print_row("Check, SigV4 + policies", full);
    Result paced = run_phase(*stub, request, kRate);
    print_row("Check, SigV4 + policies at 5,000/s", paced);
    grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));

    const double ratio = full.rps() / baseline.rps();
    std::printf("ratio evaluated/allow-all: %.1f%% (target >= %.0f%%): %s\n", ratio * 100, kRatioTarget * 100,
                ratio >= kRatioTarget ? "met" : "MISSED");
    std::printf("evaluated throughput: %.0f checks/s (target >= %.0f): %s\n", full.rps(), kThroughputTarget,
                full.rps() >= kThroughputTarget ? "met" : "MISSED");
    const double p99 = paced.percentile(0.99);
    std::printf("p99 at 5,000 checks/s: %.3f ms (target < %.1f ms): %s\n", p99, kP99TargetMs,
                p99 < kP99TargetMs ? "met" : "MISSED");
    if (baseline.errors + full.errors + paced.errors != 0) {
      std::fprintf(stderr, "sidecar_bench: checks failed or were denied; the figures are not valid\n");
      status = 1;
    }
  }
  std::filesystem::remove_all(dir);
  return status;
}
