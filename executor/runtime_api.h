// The Lambda Runtime API as this service serves it to the runtime inside one environment
// (spec/executor.md section 2): routes, the incremental HTTP/1.1 request reader (Boost.Beast's
// parser, fed bytes as they arrive) and the exact answers.
#pragma once

#include <boost/beast/http.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::executor {

inline constexpr std::size_t kMaxResponseBytes = 6291556;  // 6 MB + 100 bytes (RIE)

enum class RouteKind { Next, Response, Error, InitError, NotFound, MethodNotAllowed };

struct Route {
  RouteKind kind = RouteKind::NotFound;
  std::string request_id;  // Response and Error
};

// GET /2018-06-01/runtime/invocation/next, POST .../invocation/{id}/response|error,
// POST .../init/error. A query string is ignored.
Route parse_route(std::string_view method, std::string_view target);

// `(Runtime|Function)\.[A-Z][a-zA-Z]+` keeps the runtime's error type; else Runtime.Unknown.
std::string error_type_of(std::string_view header_value);

// One request as the runtime sent it.
struct RuntimeRequest {
  std::string method, target, body;
  std::string error_type_header;  // Lambda-Runtime-Function-Error-Type
  bool keep_alive = true;
  bool too_large = false;  // the body passed kMaxResponseBytes (the body is then dropped)
};

// Bytes in, requests out. Pipelined bytes after a request are kept for the next one.
class RequestReader {
 public:
  RequestReader();
  // Appends received bytes.
  void feed(std::string_view bytes);
  // The next complete request, if the bytes so far hold one. A malformed stream sets failed().
  std::optional<RuntimeRequest> next();
  bool failed() const { return failed_; }
  // Forgets everything (a new connection).
  void reset();

 private:
  void reset_parser();
  std::string pending_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool failed_ = false;
  bool dropping_ = false;  // the current body is over the limit: headers kept, bytes discarded
  std::size_t dropped_remaining_ = 0;
  std::optional<RuntimeRequest> oversize_;
};

// An HTTP/1.1 response with a JSON body (Content-Length, Content-Type), extra headers as
// "Name: value\r\n" lines.
std::string http_response(int status, std::string_view reason, std::string_view body,
                          std::string_view extra_headers = {});

// The Runtime API's own answers.
std::string accepted();             // 202 {"status":"OK"}
std::string invalid_request_id();   // 400 InvalidRequestID
std::string invalid_state(std::string_view message);  // 403 InvalidStateTransition
std::string payload_too_large();    // 413 RequestEntityTooLarge
std::string not_found();            // 404

}  // namespace gatehouse::executor
