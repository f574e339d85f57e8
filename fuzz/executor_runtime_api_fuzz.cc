// The Runtime API request reader and router (executor/runtime_api.h) on arbitrary bytes fed in
// arbitrary pieces, as a hostile runtime inside a sandbox could send them: requests or a
// failed stream, never a crash; the error type kept only when it has Lambda's shape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "executor/runtime_api.h"

namespace executor = gatehouse::executor;

namespace {

bool lambda_shaped(std::string_view type) {
  std::string_view rest;
  if (type.starts_with("Runtime.")) rest = type.substr(8);
  else if (type.starts_with("Function.")) rest = type.substr(9);
  else return false;
  if (rest.size() < 2 || rest[0] < 'A' || rest[0] > 'Z') return false;
  for (char c : rest) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;  // how the bytes arrive
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  executor::RequestReader reader;
  while (!bytes.empty() && !reader.failed()) {
    const std::size_t n = std::min(piece, bytes.size());
    reader.feed(bytes.substr(0, n));
    bytes.remove_prefix(n);
    while (auto request = reader.next()) {
      const executor::Route route = executor::parse_route(request->method, request->target);
      if ((route.kind == executor::RouteKind::Response || route.kind == executor::RouteKind::Error) &&
          (route.request_id.empty() || route.request_id.find('/') != std::string::npos)) {
        std::abort();
      }
      if (request->body.size() > executor::kMaxResponseBytes) std::abort();
      const std::string type = executor::error_type_of(request->error_type_header);
      if (type != "Runtime.Unknown" && (type != request->error_type_header || !lambda_shaped(type))) std::abort();
    }
  }
  return 0;
}
