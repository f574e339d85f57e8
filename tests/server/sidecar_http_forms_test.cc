// The sidecar's HTTP forms on the HTTP port: Envoy's HTTP ext_authz mode (the original request
// under /ext-authz; exactly 200 allows) and nginx auth_request (X-Original-* headers, no body;
// denials are 403 carrying Lambda's answer in headers). Same decisions as the front end.
#include <catch2/catch.hpp>

#include "tests/server/sidecar_test_support.h"

using namespace gatehouse;
using namespace gatehouse::control_test;
using namespace gatehouse::sidecar_test;

namespace {

// The signed request as Envoy's HTTP mode sends it: same method, headers and body, path prefixed.
server::http::HttpRequest under_prefix(server::http::HttpRequest request) {
  request.path = "/ext-authz" + request.path;
  request.target = "/ext-authz" + request.target;
  return request;
}

// The subrequest nginx makes for the signed request: GET, no body, the client's headers plus
// X-Original-Method/URI/Host (and, with the documented configuration, X-Original-Content-Length).
server::http::HttpRequest nginx_subrequest(const server::http::HttpRequest& original) {
  server::http::HttpRequest sub;
  sub.method = "GET";
  sub.path = sub.target = "/nginx-auth";
  sub.peer_address = "127.0.0.1";
  sub.request_id = "00000000-0000-4000-8000-000000000000";
  for (const auto& h : original.headers) {
    if (server::http::equals_ignore_case(h.name, "Host")) {
      sub.headers.push_back({"X-Original-Host", h.value});
      sub.headers.push_back({"Host", "127.0.0.1:9000"});
    } else {
      sub.headers.push_back(h);
    }
  }
  sub.headers.push_back({"X-Original-Method", original.method});
  sub.headers.push_back({"X-Original-URI", original.target});
  sub.headers.push_back({"X-Original-Content-Length", std::to_string(original.body.size())});
  return sub;
}

std::string header(const server::http::HttpResponse& response, std::string_view name) {
  const std::string* value = response.header(name);
  return value ? *value : "";
}

}  // namespace

TEST_CASE("sidecar: Envoy's HTTP mode decides as the front end", "[sidecar][http-forms]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("lambda:GetFunction", fn_arn("f") + ":*") + "," +
                     allow("lambda:InvokeFunction", fn_arn("f")));
  const Sidecar sidecar(world.store());

  SECTION("allowed: exactly 200 with the identity headers") {
    const auto response =
        sidecar.check.envoy_http(under_prefix(sidecar.sign("GET", kFunctionsPath + "/f?Qualifier=1")));
    CHECK(response.status == 200);
    CHECK(header(response, "x-gatehouse-principal-arn") == "arn:aws:iam::111111111111:user/alice");
    CHECK(header(response, "x-gatehouse-account") == kA);
    CHECK(response.body.empty());
  }
  SECTION("an invoke with its body is allowed") {
    const auto response =
        sidecar.check.envoy_http(under_prefix(sidecar.sign("POST", kFunctionsPath + "/f/invocations", R"({"a":1})")));
    CHECK(response.status == 200);
  }
  SECTION("denied: Lambda's 403, the front end's body") {
    const auto request = sidecar.sign("DELETE", kFunctionsPath + "/f");
    const auto response = sidecar.check.envoy_http(under_prefix(request));
    const auto http = World::call_api(sidecar.api, request);
    CHECK(response.status == 403);
    CHECK(header(response, "x-amzn-ErrorType") == "AccessDeniedException");
    CHECK(response.body == http.body);
  }
  SECTION("a body that did not come fails the signature, with advice") {
    auto request = under_prefix(sidecar.sign("POST", kFunctionsPath + "/f/invocations", R"({"a":1})"));
    request.body.clear();
    const auto response = sidecar.check.envoy_http(request);
    CHECK(response.status == 403);
    CHECK(header(response, "x-amzn-ErrorType") == "InvalidSignatureException");
    CHECK_THAT(response.body, Catch::Contains("does not match") && Catch::Contains("with_request_body"));
  }
  SECTION("no route: Lambda's 404") {
    const auto response = sidecar.check.envoy_http(under_prefix(sidecar.sign("GET", "/2015-03-31/nowhere")));
    CHECK(response.status == 404);
    CHECK(header(response, "x-amzn-ErrorType") == "UnknownOperationException");
  }
}

TEST_CASE("sidecar: nginx auth_request decides bodyless requests fully", "[sidecar][http-forms]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("lambda:GetFunction", fn_arn("f")) + "," + allow("lambda:InvokeFunction", fn_arn("f")));
  const Sidecar sidecar(world.store());

  SECTION("allowed: 200 with the identity headers") {
    const auto response = sidecar.check.nginx(nginx_subrequest(sidecar.sign("GET", kFunctionsPath + "/f")));
    CHECK(response.status == 200);
    CHECK(header(response, "x-gatehouse-principal-arn") == "arn:aws:iam::111111111111:user/alice");
  }
  SECTION("denied: 403 carrying the front end's answer for the error page") {
    const auto request = sidecar.sign("DELETE", kFunctionsPath + "/f");
    const auto response = sidecar.check.nginx(nginx_subrequest(request));
    const auto http = World::call_api(sidecar.api, request);
    CHECK(response.status == 403);
    CHECK(header(response, "x-amzn-ErrorType") == "AccessDeniedException");
    CHECK(header(response, "X-Gatehouse-Status") == "403");
    CHECK(header(response, "X-Gatehouse-Body") == http.body);
  }
  SECTION("a bad signature") {
    const auto request = sidecar.sign("GET", kFunctionsPath + "/f", "", kAliceKey, kBobSecret);
    const auto response = sidecar.check.nginx(nginx_subrequest(request));
    CHECK(response.status == 403);
    CHECK(header(response, "x-amzn-ErrorType") == "InvalidSignatureException");
    CHECK(header(response, "X-Gatehouse-Body") == World::call_api(sidecar.api, request).body);
  }
  SECTION("a request with a body cannot be verified: denied with the reason") {
    const auto response =
        sidecar.check.nginx(nginx_subrequest(sidecar.sign("POST", kFunctionsPath + "/f/invocations", R"({"a":1})")));
    CHECK(response.status == 403);
    CHECK(header(response, "x-amzn-ErrorType") == "InvalidSignatureException");
    CHECK_THAT(header(response, "X-Gatehouse-Body"), Catch::Contains("nginx auth_request forwards no request body"));
  }
  SECTION("no route: 403 (nginx passes only 401 and 403), the 404 kept in X-Gatehouse-Status") {
    const auto response = sidecar.check.nginx(nginx_subrequest(sidecar.sign("GET", "/2015-03-31/nowhere")));
    CHECK(response.status == 403);
    CHECK(header(response, "X-Gatehouse-Status") == "404");
    CHECK(header(response, "x-amzn-ErrorType") == "UnknownOperationException");
  }
  SECTION("without X-Original-Method and URI: refused") {
    server::http::HttpRequest bare;
    bare.method = "GET";
    bare.path = bare.target = "/nginx-auth";
    CHECK(sidecar.check.nginx(bare).status == 403);
  }
}
