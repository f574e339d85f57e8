// One line per request for the operator (gatehouse serve's standard error): method, operation,
// principal, decision, status, milliseconds, and for a refusal the reason the client was given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/message.h"

namespace gatehouse::server::http {

struct RequestLogEntry {
  std::string_view request_id;
  std::string_view method;
  std::string_view path;       // raw, as received
  std::string_view operation;  // GetFunction, ListUsers, healthz, ... (the metrics label)
  std::string principal;       // the caller's ARN; else the access key id the request named; else empty
  std::string_view decision;   // allowed, explicitDeny, implicitDeny, error; empty when no policy decided
  int status = 0;
  double milliseconds = 0;
  std::string reason;  // the error message of a 4xx/5xx answer; empty otherwise
};

enum class LogFormat : std::uint8_t { Text, Json };
std::optional<LogFormat> parse_log_format(std::string_view text);  // "text" | "json"

// The entry for a request and its answer: principal and decision as the API handler set them on
// the response, else the access key id from the request's credential; the reason from the
// error body (JSON "message"/"Message", XML <Message>).
RequestLogEntry request_log_entry(const HttpRequest& request, const HttpResponse& response, double milliseconds);

// Text: `POST /2015-03-31/functions GetFunction principal=arn:... decision=allowed status=200 1.2ms`,
// with ` reason="..."` for a refusal. Json: one object per line. No trailing newline.
std::string format_request_log(const RequestLogEntry& entry, LogFormat format);

}  // namespace gatehouse::server::http
