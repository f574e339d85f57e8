#include "server/http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <csignal>
#include <exception>
#include <limits>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/http/request_head.h"
#include "server/http/request_id.h"

namespace gatehouse::server::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class Session;

// What sessions share with the server. Held by shared_ptr so a session outliving run() (its
// handler still queued when the io_context is destroyed) never dangles.
struct Shared {
  Shared(ServerConfig config_in, Router router_in, metrics::ServiceMetrics& metrics_in)
      : config(std::move(config_in)), router(std::move(router_in)), metrics(metrics_in),
        connections(metrics.connections.with({})) {}

  void log(std::string_view line) {
    std::lock_guard lock(log_mutex);
    if (config.log) {
      config.log(line);
    } else {
      std::cerr << "gatehouse: " << line << '\n';
    }
  }

  void log_request(const HttpRequest& request, const HttpResponse& response, std::optional<Clock::duration> took) {
    if (!config.request_log) return;
    const double ms = took ? std::chrono::duration<double, std::milli>(*took).count() : 0.0;
    const RequestLogEntry entry = request_log_entry(request, response, ms);
    std::lock_guard lock(log_mutex);
    config.request_log(entry);
  }

  void count_request(std::string_view operation, int status, std::optional<Clock::duration> took) {
    const std::string status_text = std::to_string(status);
    metrics.requests.with({operation, status_text}).inc();
    if (took) metrics.request_duration.with({operation}).observe(std::chrono::duration<double>(*took).count());
  }

  ServerConfig config;
  Router router;
  metrics::ServiceMetrics& metrics;
  metrics::Gauge& connections;
  std::atomic<bool> stopping{false};

  std::mutex sessions_mutex;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;

  std::mutex log_mutex;
};

std::string seconds_text(std::chrono::milliseconds duration) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(duration.count()) / 1000.0);
  return std::string(buffer, result.ptr);
}

// One client connection, on its own strand: read a header, decide, read the body, run the
// handler, write, and again while the connection is kept alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), header_deadline_(stream_.get_executor()), shared_(std::move(shared)) {
    beast::error_code error;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(error);
    if (!error) {
      peer_address_ = peer.address().to_string();
      peer_port_ = peer.port();
    }
    shared_->connections.add(1);
  }

  ~Session() {
    shared_->connections.add(-1);
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->sessions.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(shared_->sessions_mutex);
      shared_->sessions.emplace(this, weak_from_this());
    }
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
  }

  // From any thread: finish what is in flight, then close; close at once when idle.
  void drain() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->draining_ = true;
      if (self->phase_ == Phase::Idle) self->close();
    });
  }

 private:
  enum class Phase : std::uint8_t { Idle, Header, Body, Handling, Writing, Lingering, Closed };

  const ServerConfig& config() const { return shared_->config; }

  void wait_for_request() {
    if (draining_ || shared_->stopping) return close();
    phase_ = Phase::Idle;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(config().limits.max_header_bytes));
    // The route's limit is set once the header is read; Beast's 1 MB default must not act
    // first. Not boost::none: Beast 1.74 compares a Content-Length with it as "greater".
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    head_ = HttpRequest{};
    started_ = {};
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    stream_.expires_after(first_request_ ? config().header_timeout : config().idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
                              self->buffer_.commit(bytes);
                              if (error) {
                                if (error == beast::error::timeout) self->reject_quietly("idle_timeout");
                                return self->close();
                              }
                              self->read_header();
                            });
  }

  // The header deadline is a timer of our own, not the stream's: the stream closes the socket
  // when its deadline passes, and a slow client is owed a 408 first.
  void read_header() {
    phase_ = Phase::Header;
    header_timed_out_ = false;
    stream_.expires_never();
    header_deadline_.expires_after(config().header_timeout);
    header_deadline_.async_wait([self = shared_from_this()](beast::error_code error) {
      if (error || self->phase_ != Phase::Header) return;
      self->header_timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    beast_http::async_read_header(stream_, buffer_, *parser_,
                                  [self = shared_from_this()](beast::error_code error, std::size_t) {
                                    self->header_deadline_.cancel();
                                    self->on_header(self->header_timed_out_ ? beast::error::timeout : error);
                                  });
  }

  std::string_view buffered() const {
    const auto data = buffer_.data();
    return {static_cast<const char*>(data.data()), data.size()};
  }

  void on_header(beast::error_code error) {
    if (error == beast::error::timeout) {
      return refuse(Refusal::RequestTimeout, family_of_raw_request(request_line_of(*parser_, buffered())), QueryService::Iam,
                    "Request header not received within " + seconds_text(config().header_timeout) + " seconds", 0);
    }
    if (error) {
      const auto refusal =
          refusal_for_parse_error(error, request_line_of(*parser_, buffered()), config().limits, BodyLimit{}, std::nullopt);
      if (!refusal) return close();
      return refuse(refusal->refusal, refusal->family, QueryService::Iam, refusal->message, kSmallLinger);
    }
    started_ = Clock::now();
    head_ = request_head(parser_->get());
    head_.request_id = new_request_id();
    head_.received_at = std::chrono::system_clock::now();
    head_.peer_address = peer_address_;
    head_.peer_port = peer_port_;
    decision_ = decide_on_head(head_, content_length_of(*parser_), shared_->router, config().limits);
    if (decision_.refusal) {
      // Read what the client still sends (up to the declared size) so it sees the answer
      // instead of a reset.
      const std::uint64_t linger = content_length_of(*parser_).value_or(kSmallLinger);
      return refuse(*decision_.refusal, route().family, service(), decision_.message, linger);
    }
    parser_->body_limit(decision_.body_limit.max_bytes);
    if (parser_->is_done()) return handle();
    if (expects_continue()) {
      continue_.emplace(beast_http::status::continue_, parser_->get().version());
      stream_.expires_after(config().write_timeout);
      return beast_http::async_write(stream_, *continue_,
                                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                                       if (error) return self->close();
                                       self->read_body();
                                     });
    }
    read_body();
  }

  bool expects_continue() const {
    const auto& message = parser_->get();
    const auto expect = message[beast_http::field::expect];
    return message.version() == 11 && equals_ignore_case(std::string_view(expect.data(), expect.size()), "100-continue");
  }

  void read_body() {
    phase_ = Phase::Body;
    stream_.expires_after(config().body_timeout);
    beast_http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, std::size_t) {
      self->on_body(error);
    });
  }

  void on_body(beast::error_code error) {
    if (error == beast::error::timeout) {
      // The stream has closed the socket already: nothing can be answered.
      reject_quietly("body_timeout");
      return close();
    }
    if (error) {
      const auto refusal = refusal_for_parse_error(error, head_.target, config().limits, decision_.body_limit,
                                                   content_length_of(*parser_));
      if (!refusal) return close();
      const std::uint64_t linger = refusal->refusal == Refusal::BodyTooLarge ? kLargeLinger : kSmallLinger;
      return refuse(refusal->refusal, route().family, service(), refusal->message, linger);
    }
    handle();
  }

  void handle() {
    phase_ = Phase::Handling;
    const bool keep_alive = parser_->get().keep_alive();
    HttpRequest request = std::move(head_);
    request.body = std::move(parser_->get().body());
    HttpResponse response = run_handler(route(), request, [this](std::string_view line) { shared_->log(line); });
    const auto took = Clock::now() - started_;
    shared_->count_request(response.operation, response.status, took);
    shared_->log_request(request, response, took);
    send(std::move(response), request.request_id, request.http_version, keep_alive, request.method == "HEAD", 0);
  }

  void send(HttpResponse&& response, const std::string& request_id, unsigned version, bool keep_alive,
            bool head_request, std::uint64_t linger) {
    keep_alive = keep_alive && !draining_ && !shared_->stopping;
    linger_budget_ = keep_alive ? 0 : linger;
    response_.emplace(to_wire(std::move(response), request_id, version, keep_alive, head_request,
                              std::chrono::system_clock::now()));
    phase_ = Phase::Writing;
    stream_.expires_after(config().write_timeout);
    beast_http::async_write(stream_, *response_,
                            [self = shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
                              self->response_.reset();
                              if (error) return self->close();
                              if (!keep_alive) return self->linger();
                              self->first_request_ = false;
                              self->wait_for_request();
                            });
  }

  // Answers the front end's own refusal and closes the connection afterwards.
  void refuse(Refusal refusal, ErrorFamily family, QueryService query_service, const std::string& message,
              std::uint64_t linger) {
    shared_->metrics.http_rejections.with({refusal_name(refusal)}).inc();
    if (head_.request_id.empty()) head_.request_id = new_request_id();
    HttpResponse response = refusal_response(refusal, family, message, head_.request_id, query_service);
    const bool timed = started_ != Clock::time_point{};
    const Clock::duration took = timed ? Clock::now() - started_ : Clock::duration::zero();
    shared_->count_request(response.operation, response.status, timed ? std::optional(took) : std::nullopt);
    shared_->log_request(head_, response, timed ? std::optional(took) : std::nullopt);
    const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    send(std::move(response), head_.request_id, version, false, false, linger);
  }

  void reject_quietly(std::string_view reason) { shared_->metrics.http_rejections.with({reason}).inc(); }

  // Half-close, then read and drop what the client is still sending (bounded in bytes and
  // time): closing with unread data would reset the connection before the client read the
  // answer.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger_budget_ == 0) return close();
    phase_ = Phase::Lingering;
    stream_.expires_after(config().body_timeout);
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
                              self->buffer_.consume(bytes);
                              self->linger_budget_ -= std::min<std::uint64_t>(bytes, self->linger_budget_);
                              if (error || self->linger_budget_ == 0) return self->close();
                              self->linger();
                            });
  }

  void close() {
    phase_ = Phase::Closed;
    header_deadline_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  const Route& route() const { return *decision_.route; }
  QueryService service() const {
    return route().family == ErrorFamily::Query ? query_service_of(head_) : QueryService::Iam;
  }

  static constexpr std::uint64_t kSmallLinger = 64 * 1024;
  static constexpr std::uint64_t kLargeLinger = 128 * 1024 * 1024;

  beast::tcp_stream stream_;
  asio::steady_timer header_deadline_;
  bool header_timed_out_ = false;
  beast::flat_buffer buffer_;
  std::shared_ptr<Shared> shared_;
  std::optional<RequestParser> parser_;
  std::optional<beast_http::response<beast_http::empty_body>> continue_;
  std::optional<WireResponse> response_;
  HttpRequest head_;
  HeadDecision decision_;
  Clock::time_point started_{};
  std::string peer_address_;
  std::uint16_t peer_port_ = 0;
  Phase phase_ = Phase::Idle;
  bool first_request_ = true;
  bool draining_ = false;
  std::uint64_t linger_budget_ = 0;
};

HttpResponse text_response(std::string body, std::string_view content_type, std::string_view operation) {
  HttpResponse response;
  response.set_header("Content-Type", std::string(content_type));
  response.body = std::move(body);
  response.operation = std::string(operation);
  return response;
}

bool is_get(const HttpRequest& request) { return request.method == "GET" || request.method == "HEAD"; }

}  // namespace

struct Server::State {
  State(ServerConfig config, Router router, metrics::ServiceMetrics& metrics)
      : io(), strand(asio::make_strand(io)), acceptor(strand), signals(strand), drain_timer(strand),
        accept_retry_timer(strand) {
    auto& registry = metrics.registry;
    router.add(Route{"/healthz", Match::Exact, ErrorFamily::LambdaRest, "healthz", {},
                     [not_ready = config.not_ready](const HttpRequest& request) {
                       if (!is_get(request)) return unknown_lambda_operation(request);
                       if (const auto reason = not_ready ? not_ready() : std::nullopt) {
                         HttpResponse response =
                             text_response("not ready: " + *reason + "\n", "text/plain; charset=utf-8", "healthz");
                         response.status = 503;
                         response.set_header("Retry-After", "1");
                         return response;
                       }
                       return text_response("ok\n", "text/plain; charset=utf-8", "healthz");
                     }});
    router.add(Route{"/metrics", Match::Exact, ErrorFamily::LambdaRest, "metrics", {},
                     [&registry, from_code = config.from_function_code](const HttpRequest& request) {
                       if (!is_get(request)) return unknown_lambda_operation(request);
                       if (from_code) {
                         std::string_view peer = request.peer_address;
                         if (peer.starts_with("::ffff:") && peer.find('.') != std::string_view::npos) peer.remove_prefix(7);
                         if (from_code(peer, request.peer_port)) return unknown_lambda_operation(request);
                       }
                       return text_response(registry.render(), metrics::kExpositionContentType, "metrics");
                     }});
    shared = std::make_shared<Shared>(std::move(config), std::move(router), metrics);
    if (shared->config.handle_signals) {
      // Installed now, not in run(): a signal between listen() and run() is queued, not fatal.
      signals.add(SIGTERM);
      signals.add(SIGINT);
    }
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
      if (shared->stopping || error == asio::error::operation_aborted) return;
      if (error) {
        // Out of descriptors and the like: wait a little instead of spinning.
        shared->log("accept failed: " + error.message());
        accept_retry_timer.expires_after(std::chrono::milliseconds(50));
        accept_retry_timer.async_wait([this](beast::error_code wait_error) {
          if (!wait_error) accept();
        });
        return;
      }
      std::make_shared<Session>(std::move(socket), shared)->start();
      accept();
    });
  }

  // On the strand.
  void begin_stop() {
    if (shared->stopping.exchange(true)) return;
    beast::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    accept_retry_timer.cancel();
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(shared->sessions_mutex);
      for (auto& [key, weak] : shared->sessions) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (auto& session : live) session->drain();
    drain_deadline = Clock::now() + shared->config.drain_timeout;
    wait_for_drain();
  }

  void wait_for_drain() {
    std::size_t open = 0;
    {
      std::lock_guard lock(shared->sessions_mutex);
      open = shared->sessions.size();
    }
    if (open == 0) return;  // nothing left: the io_context runs out of work and run() returns
    if (Clock::now() >= drain_deadline) {
      shared->log("drain time over with " + std::to_string(open) + " connection(s) still open; closing them");
      io.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(10));
    drain_timer.async_wait([this](beast::error_code error) {
      if (!error) wait_for_drain();
    });
  }

  // INVARIANT: io is declared first so it is destroyed last, after the objects that use it.
  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  asio::steady_timer accept_retry_timer;
  Clock::time_point drain_deadline{};
  std::atomic<int> stop_signal{0};
  std::shared_ptr<Shared> shared;
};

Server::Server(ServerConfig config, Router router, metrics::ServiceMetrics& metrics)
    : state_(std::make_shared<State>(std::move(config), std::move(router), metrics)) {}

Server::~Server() {
  beast::error_code ignored;
  state_->acceptor.close(ignored);
}

std::optional<std::string> Server::listen(std::string_view host, std::uint16_t port) {
  beast::error_code error;
  tcp::resolver resolver(state_->io);
  const auto results = resolver.resolve(std::string(host), std::to_string(port),
                                        tcp::resolver::numeric_service | tcp::resolver::passive, error);
  if (error) return "cannot resolve `" + std::string(host) + "`: " + error.message();
  std::string last_error = "no address for `" + std::string(host) + "`";
  for (const auto& entry : results) {
    tcp::acceptor& acceptor = state_->acceptor;
    acceptor.close(error);
    const tcp::endpoint endpoint = entry.endpoint();
    if (acceptor.open(endpoint.protocol(), error) ||
        acceptor.set_option(asio::socket_base::reuse_address(true), error) || acceptor.bind(endpoint, error) ||
        acceptor.listen(asio::socket_base::max_listen_connections, error)) {
      last_error = "cannot listen on " + endpoint.address().to_string() + ":" + std::to_string(port) + ": " +
                   error.message();
      continue;
    }
    return std::nullopt;
  }
  return last_error;
}

std::string Server::bound_host() const {
  beast::error_code error;
  const auto endpoint = state_->acceptor.local_endpoint(error);
  if (error) return {};
  const auto address = endpoint.address();
  return address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
}

std::uint16_t Server::bound_port() const {
  beast::error_code error;
  const auto endpoint = state_->acceptor.local_endpoint(error);
  return error ? 0 : endpoint.port();
}

void Server::run() {
  State& state = *state_;
  if (state.shared->config.handle_signals) {
    state.signals.async_wait([&state](beast::error_code error, int signal) {
      if (error) return;
      state.stop_signal = signal;
      state.shared->log(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                        ": draining in-flight requests");
      state.begin_stop();
    });
  }
  asio::dispatch(state.strand, [&state] {
    if (!state.shared->stopping) state.accept();
  });
  unsigned threads = state.shared->config.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const auto serve = [&state] {
    // A handler that throws past the session (it cannot: run_handler catches) or an allocation
    // failure ends that connection, never the server.
    for (;;) {
      try {
        state.io.run();
        return;
      } catch (const std::exception& e) {
        state.shared->log(std::string("connection abandoned after an error: ") + e.what());
      } catch (...) {
        state.shared->log("connection abandoned after an unknown error");
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(serve);
  serve();
  for (auto& thread : pool) thread.join();
}

void Server::stop() {
  State* state = state_.get();
  asio::post(state->strand, [state] { state->begin_stop(); });
}

int Server::stop_signal() const noexcept { return state_->stop_signal; }

}  // namespace gatehouse::server::http
