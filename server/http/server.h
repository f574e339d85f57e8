// The HTTP/1.1 front end (Boost.Beast over Asio): keep-alive, a thread pool sized to the
// cores, header/URL/body limits, slow-client and idle timeouts, /healthz and /metrics built
// in, graceful shutdown. Requests go to the handlers a Router holds.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/limits.h"
#include "server/http/request_log.h"
#include "server/http/router.h"
#include "server/metrics/metrics.h"

namespace gatehouse::server::http {

struct ServerConfig {
  Limits limits;
  // A new connection must deliver a complete header this soon after its first byte (and
  // its first byte this soon after connecting): the slow-client (slowloris) bound.
  std::chrono::milliseconds header_timeout{10'000};
  // A keep-alive connection may wait this long for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // Reading a body, and writing a response, must finish within this.
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds write_timeout{60'000};
  // After stop(): how long in-flight requests may take before run() returns regardless.
  std::chrono::milliseconds drain_timeout{20'000};
  unsigned threads = 0;         // 0: one per core
  bool handle_signals = false;  // SIGTERM and SIGINT call stop()
  // One line per event worth an operator's attention (handler failures, accept errors,
  // shutdown). Empty: standard error. Called from any thread, serially.
  std::function<void(std::string_view line)> log;
  // Called once per answered request (also the front end's own refusals), from any thread,
  // serially with `log`. Empty: requests are not logged.
  std::function<void(const RequestLogEntry& entry)> request_log;
  // Why this server is not ready to decide (a replica whose view is not current), or nothing:
  // GET /healthz answers 503 with the reason while it says so. Empty: always ready.
  std::function<std::optional<std::string>()> not_ready;
  // Whether a request's peer (address, port) is a connection made for function code (the
  // executor's forwarded endpoint): such a caller is not shown /metrics, which names the
  // functions of every account (it gets the unknown-path answer).
  std::function<bool(std::string_view address, std::uint16_t port)> from_function_code;
};

class Server {
 public:
  Server(ServerConfig config, Router router, metrics::ServiceMetrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (port 0: any free port). Returns an error message on failure.
  std::optional<std::string> listen(std::string_view host, std::uint16_t port);
  std::string bound_host() const;
  std::uint16_t bound_port() const;

  // Serves on the thread pool until stop() (or a signal) and the drain are over.
  void run();
  // Thread-safe, idempotent: stop accepting, close idle connections, let in-flight requests
  // finish (answered with Connection: close) for at most drain_timeout.
  void stop();

  // Which signal stopped the server (SIGTERM or SIGINT), 0 if none.
  int stop_signal() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace gatehouse::server::http
