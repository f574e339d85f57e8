// A blocking Beast client for the HTTP front end's tests: loopback only, and every socket
// read and write gives up after five seconds so a broken server fails a test, never hangs it.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "server/http/server.h"
#include "server/metrics/metrics.h"

namespace gatehouse::server::http::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Response = bhttp::response<bhttp::string_body>;
using Request = bhttp::request<bhttp::string_body>;

inline std::string header_of(const Response& response, std::string_view name) {
  const auto value = response[beast::string_view(name.data(), name.size())];
  return std::string(value.data(), value.size());
}

class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const timeval timeout{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  }

  Response send(Request request) {
    if (request[bhttp::field::host].empty()) request.set(bhttp::field::host, "127.0.0.1");
    request.prepare_payload();
    bhttp::write(socket_, request);
    return read(request.method() == bhttp::verb::head);
  }

  Response get(std::string_view target) {
    return send(Request(bhttp::verb::get, beast::string_view(target.data(), target.size()), 11));
  }

  Response post(std::string_view target, std::string body) {
    Request request(bhttp::verb::post, beast::string_view(target.data(), target.size()), 11);
    request.body() = std::move(body);
    return send(std::move(request));
  }

  // head_request: the answer to HEAD has a Content-Length but no body.
  Response read(bool head_request = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head_request);
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

  void write_raw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes.data(), bytes.size())); }

  // True when the server closed the connection: a read ends with end-of-file or a reset.
  bool closed_by_server() {
    if (buffer_.size() > 0) return false;
    char byte = 0;
    beast::error_code error;
    socket_.read_some(asio::buffer(&byte, 1), error);
    return error == asio::error::eof || error == asio::error::connection_reset;
  }

  std::uint16_t local_port() const { return socket_.local_endpoint().port(); }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

// A server on 127.0.0.1 and a free port, run on its own thread until the fixture ends.
class TestServer {
 public:
  explicit TestServer(Router router, ServerConfig config = quick_config())
      : metrics_(registry_), server_(std::make_unique<Server>(std::move(config), std::move(router), metrics_)) {
    if (auto error = server_->listen("127.0.0.1", 0)) throw std::runtime_error(*error);
    port_ = server_->bound_port();
    thread_ = std::thread([this] { server_->run(); });
  }
  ~TestServer() { stop_and_wait(); }

  static ServerConfig quick_config() {
    ServerConfig config;
    config.threads = 4;
    config.header_timeout = std::chrono::milliseconds(2000);
    config.idle_timeout = std::chrono::milliseconds(2000);
    config.drain_timeout = std::chrono::milliseconds(3000);
    config.log = [](std::string_view) {};
    return config;
  }

  void stop_and_wait() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  metrics::Registry& registry() { return registry_; }
  metrics::ServiceMetrics& metrics() { return metrics_; }
  Server& server() { return *server_; }

 private:
  metrics::Registry registry_;
  metrics::ServiceMetrics metrics_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace gatehouse::server::http::testing
