// Where a request goes: the composition root registers one handler per API family (Lambda
// REST by path prefix, IAM/STS Query on `/`) and the front end picks it by the raw path; a
// handler then finds its operation itself (method, labels, Action, SigV4 scope).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/errors.h"
#include "server/http/limits.h"
#include "server/http/message.h"

namespace gatehouse::server::http {

// Runs on the server's thread pool, possibly on several threads at once: it must be
// thread-safe. An exception becomes a 500 in the route's error family and is logged.
using Handler = std::function<HttpResponse(const HttpRequest& request)>;

enum class Match : std::uint8_t {
  Exact,   // the raw path equals `path`
  Prefix,  // the raw path is `path` or continues it with '/' (or `path` ends with '/')
};

struct Route {
  std::string path;
  Match match = Match::Prefix;
  ErrorFamily family = ErrorFamily::LambdaRest;  // shape of the front end's own errors here
  std::string operation;     // metrics label when the handler's response names none
  BodyLimitRule body_limit;  // empty: kDefaultBodyBytes
  Handler handler;
};

class Router {
 public:
  // The fallback answers what no route matches: 404 UnknownOperationException, Lambda-shaped,
  // as the Lambda endpoint does for a path it does not serve.
  Router();

  // A later route for the same path and match replaces the earlier one; the longest match wins.
  void add(Route route);
  void set_fallback(Route route);

  const Route& route_for(std::string_view raw_path) const noexcept;
  BodyLimit body_limit_for(const Route& route, const HttpRequest& head) const;

 private:
  std::vector<Route> routes_;
  Route fallback_;
};

// The Lambda REST prefixes of interface.md section 2 (operation label "lambda" until the
// handler names the operation), with lambda_body_limit.
void add_lambda_routes(Router& router, Handler handler);
// `/` for the IAM and STS Query protocol, any method (operation label "query").
void add_query_route(Router& router, Handler handler);

// Lambda's answer to a path or method it does not serve: 404 UnknownOperationException.
HttpResponse unknown_lambda_operation(const HttpRequest& request);
// The Query protocol's answer to an Action it does not serve: 400 InvalidAction
// `Could not find operation A for version V`; no Action at all: 400 MissingAction.
HttpResponse unknown_query_action(const HttpRequest& request);

// IAM or STS, from the SigV4 scope (Authorization header or X-Amz-Credential), else the
// Version parameter (2011-06-15 is STS); IAM when neither says.
QueryService query_service_of(const HttpRequest& request);
// A parameter of the Query protocol: from the form body of a POST, else the query string;
// percent-decoded with '+' as space. Empty when absent.
std::string query_parameter(const HttpRequest& request, std::string_view name);

}  // namespace gatehouse::server::http
