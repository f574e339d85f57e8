#include "executor/runtime_api.h"

#include <charconv>
#include <cstdint>

namespace gatehouse::executor {
namespace http = boost::beast::http;

namespace {
constexpr std::string_view kPrefix = "/2018-06-01/runtime/";
}

Route parse_route(std::string_view method, std::string_view target) {
  Route out;
  if (const std::size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (!target.starts_with(kPrefix)) return out;
  std::string_view rest = target.substr(kPrefix.size());
  const auto want = [&](std::string_view m, RouteKind kind) {
    out.kind = method == m ? kind : RouteKind::MethodNotAllowed;
    return out;
  };
  if (rest == "invocation/next") return want("GET", RouteKind::Next);
  if (rest == "init/error") return want("POST", RouteKind::InitError);
  constexpr std::string_view kInvocation = "invocation/";
  if (!rest.starts_with(kInvocation)) return out;
  rest.remove_prefix(kInvocation.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return out;
  const std::string_view id = rest.substr(0, slash);
  const std::string_view verb = rest.substr(slash + 1);
  if (verb != "response" && verb != "error") return out;
  out.request_id = std::string(id);
  return want("POST", verb == "response" ? RouteKind::Response : RouteKind::Error);
}

std::string error_type_of(std::string_view value) {
  const auto fallback = std::string("Runtime.Unknown");
  std::string_view rest;
  if (value.starts_with("Runtime.")) {
    rest = value.substr(8);
  } else if (value.starts_with("Function.")) {
    rest = value.substr(9);
  } else {
    return fallback;
  }
  if (rest.size() < 2 || rest[0] < 'A' || rest[0] > 'Z') return fallback;
  for (char c : rest) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return fallback;
  }
  return std::string(value);
}

RequestReader::RequestReader() { reset_parser(); }

void RequestReader::reset_parser() {
  parser_.emplace();
  parser_->header_limit(64 * 1024);
  parser_->body_limit(kMaxResponseBytes);
  dropping_ = false;
  oversize_.reset();
}

void RequestReader::reset() {
  pending_.clear();
  failed_ = false;
  reset_parser();
}

void RequestReader::feed(std::string_view bytes) { pending_.append(bytes); }

std::optional<RuntimeRequest> RequestReader::next() {
  if (failed_) return std::nullopt;
  while (!pending_.empty()) {
    if (dropping_) {
      const std::size_t n = std::min(dropped_remaining_, pending_.size());
      pending_.erase(0, n);
      dropped_remaining_ -= n;
      if (dropped_remaining_ > 0) return std::nullopt;
      RuntimeRequest out = std::move(*oversize_);
      reset_parser();
      return out;
    }
    boost::beast::error_code ec;
    const std::size_t used = parser_->put(boost::asio::buffer(pending_.data(), pending_.size()), ec);
    pending_.erase(0, used);
    if (ec == http::error::need_more) return std::nullopt;
    if (ec == http::error::body_limit) {
      // Over the limit: answer 413 once the declared body has gone by (chunked bodies cannot be
      // skipped). The parser stops inside the header here, so Content-Length is read from the
      // fields it has (its content_length() needs a finished header).
      const auto& header = parser_->get();
      const auto field = header.find(http::field::content_length);
      std::uint64_t length = 0;
      const auto value = field == header.end() ? boost::beast::string_view() : field->value();
      const std::string_view text(value.data(), value.size());
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
      if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        failed_ = true;
        return std::nullopt;
      }
      RuntimeRequest out;
      out.method = std::string(header.method_string());
      out.target = std::string(header.target());
      out.too_large = true;
      out.keep_alive = header.keep_alive();
      oversize_ = std::move(out);
      dropping_ = true;
      dropped_remaining_ = static_cast<std::size_t>(length);
      continue;
    }
    if (ec) {
      failed_ = true;
      return std::nullopt;
    }
    if (!parser_->is_done()) {
      if (used == 0) return std::nullopt;
      continue;
    }
    auto message = parser_->release();
    RuntimeRequest out;
    out.method = std::string(message.method_string());
    out.target = std::string(message.target());
    out.body = std::move(message.body());
    out.keep_alive = message.keep_alive();
    if (auto it = message.find("Lambda-Runtime-Function-Error-Type"); it != message.end()) {
      out.error_type_header = std::string(it->value());
    }
    reset_parser();
    return out;
  }
  return std::nullopt;
}

std::string http_response(int status, std::string_view reason, std::string_view body, std::string_view extra_headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
  return out;
}

std::string accepted() { return http_response(202, "Accepted", R"({"status":"OK"})"); }
std::string invalid_request_id() {
  return http_response(400, "Bad Request", R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
}
std::string invalid_state(std::string_view message) {
  return http_response(403, "Forbidden",
                       R"({"errorMessage":")" + std::string(message) + R"(","errorType":"InvalidStateTransition"})");
}
std::string payload_too_large() {
  return http_response(
      413, "Request Entity Too Large",
      R"({"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"})");
}
std::string not_found() {
  return http_response(404, "Not Found", R"({"errorMessage":"Not found","errorType":"NotFound"})");
}

}  // namespace gatehouse::executor
