// The request and response the HTTP front end hands to and takes from the API handlers.
// Framework-neutral on purpose: handlers (Lambda REST, IAM/STS Query) see bytes as they came
// off the wire and never include Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::server::http {

struct Header {
  std::string name;   // as received (any letter case)
  std::string value;  // leading and trailing whitespace removed by the parser
};

struct HttpRequest {
  std::string method;  // as received, e.g. "POST"
  std::string target;  // raw request-target, e.g. "/2015-03-31/functions/f%3A1?Qualifier=%24LATEST"
  std::string path;    // raw bytes of target before '?', not percent-decoded
  std::string query;   // raw bytes after '?' (up to any '#'); empty when none
  std::vector<Header> headers;  // wire order, repeats kept
  std::string body;
  std::string peer_address;  // e.g. "127.0.0.1" or "::1"
  std::uint16_t peer_port = 0;
  bool secure = false;  // arrived over TLS (aws:SecureTransport)
  unsigned http_version = 11;  // 10 or 11
  std::string request_id;  // UUID v4, also sent as x-amzn-RequestId
  std::chrono::system_clock::time_point received_at;  // when the header was complete

  // First header of that name, case-insensitively; nullptr when absent.
  const std::string* header(std::string_view name) const noexcept;
};

struct HttpResponse {
  int status = 200;
  std::vector<Header> headers;  // x-amzn-RequestId, Date, Content-Length and Connection are added
  std::string body;
  // Metrics label: the API operation this answered (e.g. "GetFunction"); empty leaves the route's.
  std::string operation;
  // For the request log (server/http/request_log.h), set by the API when it knows them: the
  // caller's ARN, and the policy decision (authz::decision_outcome) when one was made.
  std::string principal;
  std::string decision;

  HttpResponse& set_header(std::string name, std::string value);
  const std::string* header(std::string_view name) const noexcept;
};

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept;

// IMF-fixdate (RFC 9110 section 5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT": the SDKs read
// Date to correct clock skew.
std::string http_date(std::chrono::system_clock::time_point time);

}  // namespace gatehouse::server::http
