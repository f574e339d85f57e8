// Raw bytes through the HTTP front end's request path without sockets: Beast's parser, the
// header decision (URL and body limits per route), the refusals and the unknown-operation
// handlers. Properties: every answer is a final status in its family's shape, and nothing
// the client sends makes a 500.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http/request_head.h"
#include "server/http/router.h"

namespace {

using namespace gatehouse::server::http;

Router make_router() {
  Router router;
  add_lambda_routes(router, unknown_lambda_operation);
  add_query_route(router, unknown_query_action);
  return router;
}

void check(const HttpResponse& response) {
  if (response.status < 200 || response.status > 599 || response.status == 500) std::abort();
  // An error is either Lambda's JSON (x-amzn-ErrorType) or the Query protocol's XML.
  if (response.status >= 400) {
    const bool lambda = response.header("x-amzn-ErrorType") != nullptr && response.body.starts_with("{\"Type\":\"User\"");
    const bool query = response.body.starts_with("<ErrorResponse xmlns=");
    if (lambda == query) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Router router = make_router();
  static const Limits defaults;
  // Small limits too, so short inputs reach the URL and header refusals.
  static const Limits tight{256, 64};
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check(answer_buffered_request(bytes, router, defaults));
  check(answer_buffered_request(bytes, router, tight));
  return 0;
}
