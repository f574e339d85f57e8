// Invoke (RequestResponse) running the function's code (spec/executor.md, lambda-api.md
// section 6): the version the qualifier resolved to, its code from the store, a real session
// of its execution role minted by the STS code path after re-checking that the role's trust
// policy still admits Lambda; the executor runs it; the answer has Lambda's headers.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "executor/executor.h"
#include "policy/result.h"
#include "server/http/message.h"
#include "server/lambda/error.h"
#include "server/lambda/request.h"
#include "server/metrics/metrics.h"
#include "sigv4/clock.h"
#include "store/snapshot.h"
#include "store/store.h"

namespace gatehouse::server::invoke {

class AsyncQueue;

// The threads `gatehouse serve` answers HTTP requests on. A synchronous Invoke holds one for
// as long as its function runs (up to its timeout, 900 s at most), and the function's own
// calls back into the service need others.
inline constexpr unsigned kRequestThreads = 16;

// How many synchronous invocations may run at once on `request_threads` threads: all but a
// quarter of them (at least one), which stay free for every other call (the Lambda API of
// every account, IAM/STS, the functions' calls back in). 12 of serve's 16.
constexpr int synchronous_invocation_limit(unsigned request_threads) {
  const unsigned reserve = request_threads / 4 > 0 ? request_threads / 4 : 1;
  return request_threads > reserve ? static_cast<int>(request_threads - reserve) : 0;
}

class Invocations {
 public:
  // The executor, store and clock must outlive this. `concurrency`: the account's limit of
  // invocations running at once (lambda-api 6: 1,000 by default).
  // With a registry: the invocation metrics below are registered there.
  // `synchronous_limit`: synchronous invocations running at once, whatever `concurrency` says
  // (each holds a request thread: synchronous_invocation_limit of the server's threads).
  Invocations(executor::Executor& executor, store::Store& store, const sigv4::Clock& clock,
              int concurrency = 1000, metrics::Registry* registry = nullptr,
              int synchronous_limit = synchronous_invocation_limit(kRequestThreads));

  // RequestResponse of `view` (the resolved version) with the request's payload and headers.
  // Beyond the concurrency limit or the synchronous limit: 429 TooManyRequestsException, Reason
  // ConcurrentInvocationLimitExceeded, with Retry-After.
  policy::Result<http::HttpResponse, lambda::LambdaError> run(const store::FunctionView& view,
                                                              const lambda::InvokeOptions& options,
                                                              std::string_view payload,
                                                              std::string_view request_id) const;

  // The account's limit of invocations running at once (GetAccountSettings reports it; no
  // function reserves any of it, so all of it is unreserved).
  int concurrency() const { return concurrency_; }

  // Event invocations go to this queue (async_queue.h); without one they are refused.
  void attach_queue(AsyncQueue* queue) { queue_ = queue; }
  AsyncQueue* queue() const { return queue_; }

  // The version one invocation through `view` runs: route_invocation with a fresh uniform draw.
  store::FunctionView route(store::FunctionView view) const;

  // Runs one invocation of `view` (counted in the metrics), without the concurrency check:
  // the asynchronous queue bounds its own. client_context: decoded JSON or "".
  std::variant<executor::InvokeOutput, executor::Failure> execute(const store::FunctionView& view,
                                                                  std::string payload, std::string client_context,
                                                                  std::string_view request_id) const;

 private:
  executor::Executor& executor_;
  store::Store& store_;
  const sigv4::Clock& clock_;
  const int concurrency_;
  const int synchronous_limit_;  // the lower of concurrency and the synchronous limit
  mutable std::atomic<int> running_{0};  // synchronous invocations running
  // Lambda's function metrics, by function name (nullptr without a registry).
  struct Metrics {
    metrics::CounterFamily& invocations;     // gatehouse_invocations_total{function}
    metrics::CounterFamily& errors;          // gatehouse_invocation_errors_total{function}
    metrics::CounterFamily& throttles;       // gatehouse_invocation_throttles_total{function}
    metrics::CounterFamily& cold_starts;     // gatehouse_cold_starts_total{runtime}
    metrics::HistogramFamily& duration;      // gatehouse_invocation_duration_seconds{function}
    metrics::GaugeFamily& warm;              // gatehouse_warm_environments{}
    metrics::GaugeFamily& running;           // gatehouse_concurrent_executions{}
  };
  std::unique_ptr<Metrics> metrics_;
  AsyncQueue* queue_ = nullptr;
};

// The version an invocation through `view` runs, as Lambda routes an alias with RoutingConfig:
// its additional version when `draw` (uniform in [0, 1)) is below that version's weight, else
// the alias's version; `view` unchanged without routing. The invoked ARN stays the alias's.
store::FunctionView route_invocation(store::FunctionView view, double draw);

// Where an invocation's log is kept: DATA/logs/ACCOUNT/REGION/FUNCTION/STREAM.log, the stream
// name's '/' written as '-' (executor.md section 8). At most kLogBytesPerFunction per function:
// the oldest streams are dropped first.
inline constexpr std::uintmax_t kLogBytesPerFunction = 8u << 20;
std::filesystem::path log_directory(const std::filesystem::path& data_dir, std::string_view account,
                                    std::string_view region, std::string_view function);
void keep_log(const std::filesystem::path& function_dir, std::string_view stream, std::string_view log);

// X-Amz-Client-Context: base64 of a JSON object, at most 3583 bytes as sent. The decoded JSON
// written compactly (one line: it becomes Lambda-Runtime-Client-Context), or Lambda's 400.
policy::Result<std::string, lambda::LambdaError> decode_client_context(std::string_view header);

}  // namespace gatehouse::server::invoke
