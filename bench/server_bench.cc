// The HTTP front end under load (issue 5, `make bench`): authorized GetFunctionConfiguration
// against the unauthenticated GET /healthz on the same server, over loopback with keep-alive
// at 64 connections. Targets: authorized throughput >= 60% of /healthz's, authorized p99 < 5 ms.
// The server runs on 1 thread and the load generator (Beast clients, pre-signed requests)
// on 1 more, so the 2-core machine is not oversubscribed. Each phase lasts a few seconds.
//
// Flags: --runs N    alternate the two phases N times (one server, one store) and judge the
//                    medians of the throughputs and of the authorized p99 (default 1);
//        --only authorized|healthz   run just that phase (for a profiler), judge nothing.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_world.h"
#include "server/authz/pipeline.h"
#include "server/control/lambda_api.h"
#include "server/http/router.h"
#include "server/http/server.h"
#include "server/metrics/metrics.h"
#include "sigv4/clock.h"
#include "sigv4/signer.h"
#include "store/mutation.h"
#include "store/store.h"
#include "tests/zip_writer.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace http = gatehouse::server::http;
namespace store = gatehouse::store;
namespace sigv4 = gatehouse::sigv4;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int kConnections = 64;
constexpr auto kWarmup = std::chrono::milliseconds(500);
constexpr auto kMeasure = std::chrono::seconds(3);
// Bounds the run in count as well as time: a phase stops at this many measured requests.
constexpr std::size_t kMaxSamples = 2'000'000;
constexpr double kRatioTarget = 0.60;
constexpr double kP99TargetMs = 5.0;

constexpr const char* kPolicy =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:GetFunctionConfiguration","Resource":"arn:aws:lambda:us-east-1:111111111111:function:F"}]})";
constexpr const char* kConfigurationTarget = "/2015-03-31/functions/F/configuration";

using gatehouse::bench::fail;
using gatehouse::bench::require_ok;

// Account, user with a key and an inline policy allowing only GetFunctionConfiguration on F, and F.
void build_world(store::Store& s) {
  require_ok(gatehouse::bench::build_world(s, kPolicy, {"F", "python3.12", gatehouse::executor::testing::small_zip()}),
             "building the store world");
}

struct PhaseResult {
  std::size_t requests = 0;
  std::size_t errors = 0;  // non-200 answers or broken connections
  double seconds = 0;
  std::vector<float> latencies_us;  // the measured window's requests, sorted
  double server_cpu_seconds = 0;    // the server thread's CPU time (user + system) in the window
  double rps() const { return requests / seconds; }
  // Server CPU per answered request: what the throughput would be bounded by on an idle
  // core, and far less disturbed than req/s when other work shares the machine.
  double cpu_us_per_request() const { return requests ? server_cpu_seconds * 1e6 / requests : 0; }
  double percentile_ms(double p) const {
    if (latencies_us.empty()) return 0;
    const auto index = std::min(latencies_us.size() - 1, static_cast<std::size_t>(p * latencies_us.size()));
    return latencies_us[index] / 1000.0;
  }
};

// One phase: kConnections keep-alive clients on one io_context (the caller's thread), each
// sending `request` back to back; timings after the warm-up go into a preallocated array.
class Phase {
 public:
  Phase(std::uint16_t port, std::string request, clockid_t server_cpu)
      : endpoint_(asio::ip::make_address("127.0.0.1"), port), request_(std::move(request)), server_cpu_(server_cpu) {
    samples_.resize(kMaxSamples);
  }

  PhaseResult run() {
    for (int i = 0; i < kConnections; ++i) connections_.push_back(std::make_unique<Connection>(*this));
    for (auto& c : connections_) c->start();
    // Every connection connects before the clock starts.
    io_.run_for(std::chrono::seconds(5));
    if (connected_ != kConnections) fail("only " + std::to_string(connected_) + " connections opened");
    io_.restart();
    const auto start = Clock::now();
    measure_from_ = start + kWarmup;
    stop_at_ = measure_from_ + kMeasure;
    for (auto& c : connections_) c->send();
    double cpu_from = 0, cpu_to = -1;
    asio::steady_timer window(io_);
    window.expires_at(measure_from_);
    window.async_wait([&](beast::error_code) {
      cpu_from = cpu_seconds();
      window.expires_at(stop_at_);
      window.async_wait([&](beast::error_code) { cpu_to = cpu_seconds(); });
    });
    io_.run_for(kWarmup + kMeasure + std::chrono::seconds(5));
    if (cpu_to < 0) cpu_to = cpu_seconds();
    const auto measured_end = std::min(Clock::now(), stop_at_);
    for (auto& c : connections_) c->close();

    PhaseResult result;
    result.requests = count_;
    result.errors = errors_;
    result.seconds = std::chrono::duration<double>(measured_end - measure_from_).count();
    result.server_cpu_seconds = cpu_to - cpu_from;
    result.latencies_us.assign(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(count_));
    std::sort(result.latencies_us.begin(), result.latencies_us.end());
    return result;
  }

 private:
  class Connection {
   public:
    explicit Connection(Phase& phase) : phase_(phase), socket_(phase.io_) {}

    void start() {
      socket_.async_connect(phase_.endpoint_, [this](beast::error_code error) {
        if (error) return phase_.broken();
        socket_.set_option(tcp::no_delay(true));
        ++phase_.connected_;
        if (phase_.connected_ == kConnections) phase_.io_.stop();
      });
    }

    void send() {
      sent_at_ = Clock::now();
      if (sent_at_ >= phase_.stop_at_ || phase_.count_ >= kMaxSamples) return phase_.finished();
      asio::async_write(socket_, asio::buffer(phase_.request_), [this](beast::error_code error, std::size_t) {
        if (error) return phase_.broken();
        parser_.emplace();
        bhttp::async_read(socket_, buffer_, *parser_, [this](beast::error_code error, std::size_t) {
          if (error) return phase_.broken();
          const auto done = Clock::now();
          if (parser_->get().result_int() != 200) ++phase_.errors_;
          if (sent_at_ >= phase_.measure_from_ && done <= phase_.stop_at_ && phase_.count_ < kMaxSamples) {
            phase_.samples_[phase_.count_++] = std::chrono::duration<float, std::micro>(done - sent_at_).count();
          }
          send();
        });
      });
    }

    void close() {
      beast::error_code ignored;
      socket_.close(ignored);
    }

   private:
    Phase& phase_;
    tcp::socket socket_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
    Clock::time_point sent_at_;
  };

  double cpu_seconds() const {
    timespec now{};
    clock_gettime(server_cpu_, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
  }

  void broken() {
    ++errors_;
    finished();
  }
  void finished() {
    if (++finished_ == kConnections) io_.stop();
  }

  asio::io_context io_{1};
  tcp::endpoint endpoint_;
  std::string request_;
  clockid_t server_cpu_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<float> samples_;
  std::size_t count_ = 0;
  std::size_t errors_ = 0;
  int connected_ = 0;
  int finished_ = 0;
  Clock::time_point measure_from_;
  Clock::time_point stop_at_;
};

void print_row(const char* name, const PhaseResult& r) {
  std::printf("%-34s %10.0f %8zu %8.3f %8.3f %8.3f %8.3f %9.2f\n", name, r.rps(), r.errors, r.percentile_ms(0.50),
              r.percentile_ms(0.90), r.percentile_ms(0.99), r.latencies_us.empty() ? 0.0 : r.latencies_us.back() / 1000.0,
              r.cpu_us_per_request());
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct Flags {
  int runs = 1;
  bool healthz = true;
  bool authorized = true;
};

Flags parse_flags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      flags.runs = std::atoi(argv[++i]);
      if (flags.runs < 1) fail("--runs wants a positive count");
    } else if (arg == "--only" && i + 1 < argc) {
      const std::string_view phase = argv[++i];
      if (phase != "authorized" && phase != "healthz") fail("--only wants authorized or healthz");
      flags.healthz = phase == "healthz";
      flags.authorized = phase == "authorized";
    } else {
      fail("usage: server_bench [--runs N] [--only authorized|healthz]");
    }
  }
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parse_flags(argc, argv);
  int status = 0;
  {
    // GATEHOUSE_BENCH_ETCD=host:port,...: the same server on an etcd store (a prefix of its own),
    // for scaleout_bench's decisions/s of etcd against LMDB (docs/scale-out.md).
    std::optional<store::EtcdOptions> etcd;
    if (const char* endpoints = std::getenv("GATEHOUSE_BENCH_ETCD"); endpoints && *endpoints) {
      auto parsed = store::parse_etcd_url("etcd://" + std::string(endpoints) + "/server-bench-" +
                                          std::to_string(std::random_device{}()) + "/");
      if (!parsed) fail("GATEHOUSE_BENCH_ETCD: " + parsed.error().message);
      etcd = std::move(parsed.value());
      std::printf("server_bench: store on etcd %s\n", store::describe(*etcd).c_str());
    }
    const gatehouse::bench::ScratchStore s("gatehouse-server-bench", std::move(etcd));
    build_world(*s);

    // Composed as cli/serve.cc composes it.
    const sigv4::SystemClock clock;
    const gatehouse::server::authz::Pipeline pipeline(*s, clock);
    const gatehouse::server::control::LambdaApi lambda_api(*s, pipeline, clock, {"us-east-1"});
    gatehouse::server::metrics::Registry registry;
    gatehouse::server::metrics::ServiceMetrics metrics(registry);
    http::Router router;
    http::add_lambda_routes(router, [&lambda_api](const http::HttpRequest& r) { return lambda_api.handle(r); });
    http::add_query_route(router, http::unknown_query_action);

    http::ServerConfig config;
    config.threads = 1;  // one core for the server, the other for the load generator
    config.drain_timeout = std::chrono::seconds(2);
    config.log = [](std::string_view line) { std::fprintf(stderr, "server: %.*s\n", int(line.size()), line.data()); };
    http::Server server(std::move(config), std::move(router), metrics);
    if (auto error = server.listen("127.0.0.1", 0)) fail("listen: " + *error);
    const std::uint16_t port = server.bound_port();
    std::thread server_thread([&server] { server.run(); });

    const std::string host = "127.0.0.1:" + std::to_string(port);
    const std::string healthz_request = gatehouse::bench::raw_request("GET", "/healthz", {{"Host", host}});
    const std::string authorized_request = gatehouse::bench::signed_request("GET", kConfigurationTarget, port);
    std::printf("server_bench: loopback 127.0.0.1, keep-alive, %d connections; server 1 thread, load generator 1 thread;\n"
                "              %lld ms warm-up then %lld s measured per phase, %d run(s)\n",
                kConnections, static_cast<long long>(kWarmup.count()), static_cast<long long>(kMeasure.count()),
                flags.runs);
    std::printf("%-34s %10s %8s %8s %8s %8s %8s %9s\n", "route", "req/s", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms", "cpu us/r");
    clockid_t server_cpu{};
    if (pthread_getcpuclockid(server_thread.native_handle(), &server_cpu) != 0) fail("no CPU clock for the server thread");
    std::vector<double> healthz_rps, authorized_rps, ratios, p99s, healthz_cpu, authorized_cpu;
    std::size_t errors = 0;
    for (int run = 0; run < flags.runs; ++run) {
      if (flags.healthz) {
        const PhaseResult healthz = Phase(port, healthz_request, server_cpu).run();
        print_row("GET /healthz (no auth)", healthz);
        healthz_rps.push_back(healthz.rps());
        healthz_cpu.push_back(healthz.cpu_us_per_request());
        errors += healthz.errors;
      }
      if (flags.authorized) {
        const PhaseResult authorized = Phase(port, authorized_request, server_cpu).run();
        print_row("GetFunctionConfiguration (SigV4)", authorized);
        authorized_rps.push_back(authorized.rps());
        authorized_cpu.push_back(authorized.cpu_us_per_request());
        p99s.push_back(authorized.percentile_ms(0.99));
        errors += authorized.errors;
      }
      if (flags.healthz && flags.authorized) ratios.push_back(authorized_rps.back() / healthz_rps.back());
    }

    server.stop();
    server_thread.join();

    if (flags.healthz && flags.authorized) {
      // Informational: the same ratio from server CPU per request (1 / cost), less sensitive to load.
      std::printf("server CPU per request (median): /healthz %.2f us, authorized %.2f us: cost ratio %.1f%%\n",
                  median(healthz_cpu), median(authorized_cpu), median(healthz_cpu) / median(authorized_cpu) * 100);
      if (flags.runs > 1) {
        std::printf("medians over %d runs: /healthz %.0f req/s, authorized %.0f req/s, per-run ratio %.1f%%\n",
                    flags.runs, median(healthz_rps), median(authorized_rps), median(ratios) * 100);
      }
      const double ratio = median(authorized_rps) / median(healthz_rps);
      const double p99 = median(p99s);
      std::printf("ratio authorized/healthz: %.1f%% (target >= %.0f%%): %s\n", ratio * 100, kRatioTarget * 100,
                  ratio >= kRatioTarget ? "met" : "MISSED");
      std::printf("authorized p99: %.3f ms (target < %.1f ms): %s\n", p99, kP99TargetMs,
                  p99 < kP99TargetMs ? "met" : "MISSED");
    }
    // Non-200 answers mean the setup is wrong and the figures measure the wrong thing.
    if (errors != 0) {
      std::fprintf(stderr, "server_bench: requests failed; the figures are not valid\n");
      status = 1;
    }
  }
  return status;
}
