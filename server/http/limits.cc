#include "server/http/limits.h"

namespace gatehouse::server::http {
namespace {

// Splits "/a/b/c" (an optional trailing '/' ignored) into at most four segments.
struct Segments {
  std::string_view items[4];
  std::size_t count = 0;
  bool overflow = false;
};

Segments split_path(std::string_view path) {
  Segments segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (segments.count == 4) {
      segments.overflow = true;
      break;
    }
    segments.items[segments.count++] = segment;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool is(const Segments& s, std::initializer_list<std::string_view> pattern) {
  if (s.overflow || s.count != pattern.size()) return false;
  std::size_t i = 0;
  for (std::string_view expected : pattern) {
    // "*" is a URI label: one non-empty segment.
    if (expected == "*" ? s.items[i].empty() : s.items[i] != expected) return false;
    ++i;
  }
  return true;
}

}  // namespace

std::string too_large_message(const BodyLimit& limit, std::uint64_t size) {
  const std::string bytes = std::to_string(limit.max_bytes);
  switch (limit.wording) {
    case TooLargeWording::ForOperation:
      return "Request must be smaller than " + bytes + " bytes for the " + std::string(limit.operation) + " operation";
    case TooLargeWording::EventPayload:
      return std::to_string(size) + " byte payload is too large for the Event invocation type (limit " + bytes +
             " bytes)";
    case TooLargeWording::Generic:
      break;
  }
  return "Request must be smaller than " + bytes + " bytes";
}

BodyLimit lambda_body_limit(const HttpRequest& head) {
  const Segments s = split_path(head.path);
  if (head.method == "POST" && is(s, {"2015-03-31", "functions", "*", "invocations"})) {
    const std::string* type = head.header("X-Amz-Invocation-Type");
    if (type != nullptr && *type == "Event") return {kEventInvokeBytes, TooLargeWording::EventPayload, {}};
    return {kSyncInvokeBytes, TooLargeWording::ForOperation, "InvokeFunction"};
  }
  if (head.method == "POST" && is(s, {"2014-11-13", "functions", "*", "invoke-async"})) {
    return {kInvokeAsyncBytes, TooLargeWording::EventPayload, {}};
  }
  if (head.method == "POST" && is(s, {"2015-03-31", "functions"})) {
    return {kFunctionCodeRequestBytes, TooLargeWording::ForOperation, "CreateFunction"};
  }
  if (head.method == "PUT" && is(s, {"2015-03-31", "functions", "*", "code"})) {
    return {kFunctionCodeRequestBytes, TooLargeWording::ForOperation, "UpdateFunctionCode"};
  }
  return {};
}

}  // namespace gatehouse::server::http
