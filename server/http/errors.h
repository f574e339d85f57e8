// AWS-shaped error responses for the two protocol families that share the HTTP port:
// Lambda's rest-json (lambda-api.md section 2.1) and the IAM/STS Query protocol's XML
// (iam-sts-api.md section 1.3). The front end answers its own rejections (limits, malformed
// requests, handler failures) in the family of the request's path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/message.h"

namespace gatehouse::server::http {

enum class ErrorFamily : std::uint8_t {
  LambdaRest,  // x-amzn-ErrorType header, JSON body with Type, Message and message
  Query,       // XML ErrorResponse with Type Sender/Receiver, Code, Message, RequestId
};

// Query protocol services; they share `POST /` and differ in the XML namespace.
enum class QueryService : std::uint8_t { Iam, Sts };

// The Lambda REST prefixes of interface.md section 2 (matched on whole path segments).
bool is_lambda_path(std::string_view raw_path) noexcept;
// `/` is the Query protocol's; every other path is answered as the Lambda endpoint would.
ErrorFamily family_for_path(std::string_view raw_path) noexcept;

// `{"Type":"User"|"Service","Message":m,"message":m}` with x-amzn-ErrorType; both message
// spellings because the model uses either per exception (lambda-api.md 2.1).
HttpResponse lambda_error(int status, std::string_view code, std::string_view message);

// `<ErrorResponse xmlns=...><Error><Type>Sender|Receiver</Type><Code/><Message/></Error>
// <RequestId/></ErrorResponse>`, Content-Type text/xml.
HttpResponse query_error(int status, std::string_view code, std::string_view message, std::string_view request_id,
                         QueryService service);

// The front end's own refusals, each with one status and one code per family.
enum class Refusal : std::uint8_t {
  MalformedRequest,  // 400: not HTTP/1.x as RFC 9112 defines it
  HeaderTooLarge,    // 431: request line and headers over Limits::max_header_bytes
  UriTooLong,        // 414: request-target over Limits::max_target_bytes
  BodyTooLarge,      // 413: body over the route's limit
  RequestTimeout,    // 408: the client did not finish sending in time
  InternalError,     // 500: a handler threw or answered nothing usable
};

std::string_view refusal_name(Refusal refusal) noexcept;  // metrics label, e.g. "body_too_large"

HttpResponse refusal_response(Refusal refusal, ErrorFamily family, std::string_view message,
                              std::string_view request_id, QueryService service = QueryService::Iam);

// Client bytes echoed in a message, made safe: printable ASCII kept, anything else '?'.
std::string printable(std::string_view text);

}  // namespace gatehouse::server::http
