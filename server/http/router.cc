#include "server/http/router.h"

#include <algorithm>
#include <optional>

namespace gatehouse::server::http {
namespace {

bool matches(const Route& route, std::string_view path) noexcept {
  if (route.match == Match::Exact) return path == route.path;
  if (!path.starts_with(route.path)) return false;
  return route.path.ends_with('/') || path.size() == route.path.size() || path[route.path.size()] == '/';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding; a malformed escape is kept as it is.
std::string form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::string> find_form_parameter(std::string_view form, std::string_view name) {
  while (!form.empty()) {
    const auto amp = form.find('&');
    const std::string_view pair = form.substr(0, amp);
    const auto equals = pair.find('=');
    if (form_decode(pair.substr(0, equals)) == name) {
      return equals == std::string_view::npos ? std::string() : form_decode(pair.substr(equals + 1));
    }
    if (amp == std::string_view::npos) break;
    form.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace

Router::Router()
    : fallback_{"", Match::Prefix, ErrorFamily::LambdaRest, "unknown", {}, unknown_lambda_operation} {}

void Router::add(Route route) {
  auto same = std::find_if(routes_.begin(), routes_.end(),
                           [&](const Route& r) { return r.path == route.path && r.match == route.match; });
  if (same != routes_.end()) {
    *same = std::move(route);
  } else {
    routes_.push_back(std::move(route));
  }
  // Longest path first, exact before prefix at equal length, so the first match is the best.
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    if (a.path.size() != b.path.size()) return a.path.size() > b.path.size();
    return a.match == Match::Exact && b.match == Match::Prefix;
  });
}

void Router::set_fallback(Route route) { fallback_ = std::move(route); }

const Route& Router::route_for(std::string_view raw_path) const noexcept {
  for (const Route& route : routes_) {
    if (matches(route, raw_path)) return route;
  }
  return fallback_;
}

BodyLimit Router::body_limit_for(const Route& route, const HttpRequest& head) const {
  return route.body_limit ? route.body_limit(head) : BodyLimit{};
}

void add_lambda_routes(Router& router, Handler handler) {
  for (std::string_view prefix : {"/2015-03-31/", "/2016-08-19/account-settings", "/2014-11-13/functions/"}) {
    router.add(Route{std::string(prefix), Match::Prefix, ErrorFamily::LambdaRest, "lambda", lambda_body_limit, handler});
  }
}

void add_query_route(Router& router, Handler handler) {
  router.add(Route{"/", Match::Exact, ErrorFamily::Query, "query", {}, std::move(handler)});
}

HttpResponse unknown_lambda_operation(const HttpRequest&) {
  HttpResponse response = lambda_error(404, "UnknownOperationException", "Unknown operation");
  response.operation = "unknown";
  return response;
}

std::string query_parameter(const HttpRequest& request, std::string_view name) {
  if (request.method == "POST") {
    if (auto value = find_form_parameter(request.body, name)) return std::move(*value);
  }
  return find_form_parameter(request.query, name).value_or(std::string());
}

QueryService query_service_of(const HttpRequest& request) {
  if (const std::string* authorization = request.header("Authorization")) {
    if (authorization->find("/sts/aws4_request") != std::string::npos) return QueryService::Sts;
    if (authorization->find("/iam/aws4_request") != std::string::npos) return QueryService::Iam;
  }
  const std::string credential = query_parameter(request, "X-Amz-Credential");
  if (credential.ends_with("/sts/aws4_request")) return QueryService::Sts;
  if (credential.ends_with("/iam/aws4_request")) return QueryService::Iam;
  return query_parameter(request, "Version") == "2011-06-15" ? QueryService::Sts : QueryService::Iam;
}

HttpResponse unknown_query_action(const HttpRequest& request) {
  const std::string action = query_parameter(request, "Action");
  const QueryService service = query_service_of(request);
  HttpResponse response;
  if (action.empty()) {
    response = query_error(400, "MissingAction", "Missing Action", request.request_id, service);
  } else {
    std::string version = query_parameter(request, "Version");
    if (version.empty()) version = "NO_VERSION_SPECIFIED";
    response = query_error(400, "InvalidAction",
                           "Could not find operation " + printable(action) + " for version " + printable(version),
                           request.request_id, service);
  }
  response.operation = "unknown";
  return response;
}

}  // namespace gatehouse::server::http
