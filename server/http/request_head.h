// The socket-free half of the front end: turning a parsed Beast message into an HttpRequest,
// deciding from a complete header whether the body may be read (URL length, body limit),
// mapping parser errors to refusals, and building the wire response. The server's sessions
// and the fuzz target share these, so the fuzzer exercises the code the sockets run.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/errors.h"
#include "server/http/limits.h"
#include "server/http/message.h"
#include "server/http/router.h"

namespace gatehouse::server::http {

namespace beast_http = boost::beast::http;
using RequestParser = beast_http::request_parser<beast_http::string_body>;
using WireResponse = beast_http::response<beast_http::string_body>;

// The declared Content-Length, if any (Beast speaks boost::optional).
inline std::optional<std::uint64_t> content_length_of(const RequestParser& parser) {
  const auto length = parser.content_length();
  return length ? std::optional<std::uint64_t>(*length) : std::nullopt;
}

// Method, target, path, query and headers of a parsed header; body, peer and id left empty.
HttpRequest request_head(const beast_http::request<beast_http::string_body>& message);

// What to do once a header is complete.
struct HeadDecision {
  const Route* route = nullptr;
  BodyLimit body_limit;
  std::optional<Refusal> refusal;  // set: answer refusal_response(...) and close
  std::string message;             // the refusal's message
};

HeadDecision decide_on_head(const HttpRequest& head, std::optional<std::uint64_t> content_length,
                            const Router& router, const Limits& limits);

// A parser error, seen with the request line so far (its path picks the error family).
// Empty when the client simply went away (nothing to answer).
struct ParseRefusal {
  Refusal refusal;
  ErrorFamily family;
  std::string message;
};
std::optional<ParseRefusal> refusal_for_parse_error(const boost::beast::error_code& error, std::string_view request_line,
                                                    const Limits& limits, const BodyLimit& body_limit,
                                                    std::optional<std::uint64_t> content_length);

// "METHOD SP TARGET ...": the parser's when it has read the start line (Beast consumes it
// before the rest of the header), else the first buffered bytes.
std::string request_line_of(const RequestParser& parser, std::string_view buffered);

// The family of a request from its request line, for errors raised before the header
// parsed; Lambda's when the request line cannot be read.
ErrorFamily family_of_raw_request(std::string_view request_line) noexcept;

// Runs the route's handler; an exception or an invalid status becomes a 500 in the route's
// family, reported through `log`.
HttpResponse run_handler(const Route& route, const HttpRequest& request,
                         const std::function<void(std::string_view)>& log);

// The wire form: adds x-amzn-RequestId, Date, Content-Length and Connection, drops the body
// of HEAD, 1xx, 204 and 304 answers.
WireResponse to_wire(HttpResponse&& response, std::string_view request_id, unsigned http_version, bool keep_alive,
                     bool head_request, std::chrono::system_clock::time_point now);

// Parses one request from `bytes` as a session would and answers it, without sockets. Used by
// the fuzz target; answers refusals exactly as the session does.
HttpResponse answer_buffered_request(std::string_view bytes, const Router& router, const Limits& limits);

}  // namespace gatehouse::server::http
