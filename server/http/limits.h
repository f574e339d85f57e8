// Size limits the front end enforces before a handler runs, and the Lambda body limits of
// lambda-api.md section 6 and seed-notes.md section 10.4.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "server/http/message.h"

namespace gatehouse::server::http {

inline constexpr std::uint64_t kDefaultBodyBytes = 1024 * 1024;       // JSON and form bodies
inline constexpr std::uint64_t kSyncInvokeBytes = 6291456;            // Invoke, RequestResponse/DryRun
inline constexpr std::uint64_t kEventInvokeBytes = 1048576;           // Invoke, Event (1 MB today)
inline constexpr std::uint64_t kInvokeAsyncBytes = 262144;            // InvokeAsync (256 KB)
inline constexpr std::uint64_t kFunctionCodeRequestBytes = 69905067;  // CreateFunction, UpdateFunctionCode

struct Limits {
  std::size_t max_header_bytes = 16 * 1024;  // request line and all header lines
  std::size_t max_target_bytes = 8 * 1024;   // the request-target (path and query)
};

// How a 413 message is worded; Lambda's words differ for event payloads (lambda-api.md 6).
enum class TooLargeWording : std::uint8_t {
  Generic,       // "Request must be smaller than L bytes"
  ForOperation,  // "Request must be smaller than L bytes for the OP operation"
  EventPayload,  // "N byte payload is too large for the Event invocation type (limit L bytes)"
};

struct BodyLimit {
  std::uint64_t max_bytes = kDefaultBodyBytes;
  TooLargeWording wording = TooLargeWording::Generic;
  std::string_view operation;  // static text, for ForOperation
};

// size: the body's declared Content-Length, or the bytes received before the limit cut in.
std::string too_large_message(const BodyLimit& limit, std::uint64_t size);

// Chooses a body limit from a request whose header is complete (its body is still empty).
using BodyLimitRule = std::function<BodyLimit(const HttpRequest& head)>;

// Lambda's limits: synchronous Invoke 6291456 bytes, Event Invoke 1 MB, InvokeAsync 256 KB,
// CreateFunction and UpdateFunctionCode 69905067 bytes (base64 zip), everything else 1 MiB.
BodyLimit lambda_body_limit(const HttpRequest& head);

}  // namespace gatehouse::server::http
