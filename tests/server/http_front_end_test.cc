// The socket-free parts of the HTTP front end: path families, Lambda body limits, error
// shapes, request ids, and whole requests answered from a buffer (the fuzz target's path).
#include <catch2/catch.hpp>
#include "../shapes.h"
#include <set>

#include "server/http/errors.h"
#include "server/http/limits.h"
#include "server/http/request_head.h"
#include "server/http/request_id.h"
#include "server/http/router.h"

namespace gatehouse::server::http {
namespace {

HttpRequest head(std::string method, std::string path, std::vector<Header> headers = {}) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = path;
  request.target = std::move(path);
  request.headers = std::move(headers);
  return request;
}

TEST_CASE("paths belong to the Lambda REST or the Query family", "[server][http]") {
  struct Row {
    std::string_view path;
    bool lambda;
    ErrorFamily family;
  };
  const Row rows[] = {
      {"/2015-03-31/functions", true, ErrorFamily::LambdaRest},
      {"/2015-03-31/event-source-mappings/", true, ErrorFamily::LambdaRest},
      {"/2016-08-19/account-settings", true, ErrorFamily::LambdaRest},
      {"/2016-08-19/account-settings/", true, ErrorFamily::LambdaRest},
      {"/2016-08-19/account-settingsX", false, ErrorFamily::LambdaRest},
      {"/2014-11-13/functions/f/invoke-async", true, ErrorFamily::LambdaRest},
      {"/2015-03-31", false, ErrorFamily::LambdaRest},
      {"/", false, ErrorFamily::Query},
      {"/healthz", false, ErrorFamily::LambdaRest},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.path) {
      CHECK(is_lambda_path(row.path) == row.lambda);
      CHECK(family_for_path(row.path) == row.family);
    }
  }
}

TEST_CASE("Lambda body limits follow the operation and the invocation type", "[server][http]") {
  struct Row {
    HttpRequest request;
    std::uint64_t max;
    std::string message_for_limit_plus_one;
  };
  const Row rows[] = {
      {head("POST", "/2015-03-31/functions/f/invocations"), 6291456,
       "Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
      {head("POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations",
            {{"X-Amz-Invocation-Type", "RequestResponse"}}),
       6291456, "Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
      {head("POST", "/2015-03-31/functions/f/invocations", {{"x-amz-invocation-type", "Event"}}), 1048576,
       "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)"},
      {head("POST", "/2015-03-31/functions/f/invocations", {{"X-Amz-Invocation-Type", "DryRun"}}), 6291456,
       "Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
      {head("POST", "/2014-11-13/functions/f/invoke-async/"), 262144,
       "262145 byte payload is too large for the Event invocation type (limit 262144 bytes)"},
      {head("POST", "/2015-03-31/functions"), 69905067,
       "Request must be smaller than 69905067 bytes for the CreateFunction operation"},
      {head("PUT", "/2015-03-31/functions/f/code"), 69905067,
       "Request must be smaller than 69905067 bytes for the UpdateFunctionCode operation"},
      {head("PUT", "/2015-03-31/functions/f/configuration"), 1048576, "Request must be smaller than 1048576 bytes"},
      {head("POST", "/2015-03-31/functions/f/policy"), 1048576, "Request must be smaller than 1048576 bytes"},
      {head("GET", "/2015-03-31/functions/f/invocations"), 1048576, "Request must be smaller than 1048576 bytes"},
      {head("POST", "/2015-03-31/functions//invocations"), 1048576, "Request must be smaller than 1048576 bytes"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.request.method << " " << row.request.path) {
      const BodyLimit limit = lambda_body_limit(row.request);
      CHECK(limit.max_bytes == row.max);
      CHECK(too_large_message(limit, row.max + 1) == row.message_for_limit_plus_one);
    }
  }
}

TEST_CASE("error bodies have each family's shape and escape what they echo", "[server][http]") {
  const HttpResponse lambda = lambda_error(400, "ValidationException", "bad \"name\"\n\x01");
  CHECK(lambda.status == 400);
  CHECK(*lambda.header("x-amzn-errortype") == "ValidationException");
  CHECK(lambda.body == R"({"Type":"User","Message":"bad \"name\"\n\u0001","message":"bad \"name\"\n\u0001"})");
  const HttpResponse service = lambda_error(500, "ServiceException", "x");
  CHECK(service.body == R"({"Type":"Service","Message":"x","message":"x"})");

  const HttpResponse query = query_error(503, "ServiceUnavailable", "a<b & c>", "id-1", QueryService::Sts);
  CHECK(*query.header("Content-Type") == "text/xml");
  CHECK(query.body ==
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Receiver</Type>\n"
        "    <Code>ServiceUnavailable</Code>\n    <Message>a&lt;b &amp; c&gt;</Message>\n  </Error>\n"
        "  <RequestId>id-1</RequestId>\n</ErrorResponse>\n");
  CHECK(printable("ok\x01\xff") == "ok??");
}

TEST_CASE("the Query service comes from the SigV4 scope, else the Version", "[server][http]") {
  HttpRequest request = head("POST", "/");
  request.body = "Action=GetCallerIdentity&Version=2011-06-15";
  CHECK(query_service_of(request) == QueryService::Sts);
  request.headers.push_back({"Authorization",
                             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/iam/aws4_request, "
                             "SignedHeaders=host, Signature=00"});
  CHECK(query_service_of(request) == QueryService::Iam);
  HttpRequest presigned = head("GET", "/");
  presigned.query = "Action=GetCallerIdentity&X-Amz-Credential=AKID%2F20240501%2Fus-east-1%2Fsts%2Faws4_request";
  CHECK(query_service_of(presigned) == QueryService::Sts);
  CHECK(query_parameter(presigned, "Action") == "GetCallerIdentity");
  CHECK(query_parameter(presigned, "Missing").empty());
}

TEST_CASE("request ids are distinct UUID v4s", "[server][http]") {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = new_request_id();
    REQUIRE(gatehouse::testing::is_uuid_v4(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 2000);
}

TEST_CASE("the router prefers the longest match and falls back to UnknownOperation", "[server][http]") {
  Router router;
  const auto answer = [](std::string name) {
    return [name](const HttpRequest&) {
      HttpResponse response;
      response.body = name;
      return response;
    };
  };
  router.add(Route{"/a", Match::Prefix, ErrorFamily::LambdaRest, "a", {}, answer("a")});
  router.add(Route{"/a/b", Match::Prefix, ErrorFamily::LambdaRest, "ab", {}, answer("ab")});
  router.add(Route{"/", Match::Exact, ErrorFamily::Query, "root", {}, answer("root")});
  CHECK(router.route_for("/a").operation == "a");
  CHECK(router.route_for("/a/c").operation == "a");
  CHECK(router.route_for("/a/b/c").operation == "ab");
  CHECK(router.route_for("/ab").operation == "unknown");
  CHECK(router.route_for("/").operation == "root");
  CHECK(router.route_for("/x").operation == "unknown");
  router.add(Route{"/a", Match::Prefix, ErrorFamily::LambdaRest, "a2", {}, answer("a2")});
  CHECK(router.route_for("/a/c").operation == "a2");
}

TEST_CASE("whole requests answered from a buffer", "[server][http]") {
  Router router;
  add_lambda_routes(router, [](const HttpRequest& request) {
    HttpResponse response;
    response.body = request.method + " " + request.path + " " + request.body;
    return response;
  });
  add_query_route(router, unknown_query_action);
  const Limits limits;
  struct Row {
    std::string bytes;
    int status;
    std::string needle;  // in the body
  };
  const Row rows[] = {
      {"POST /2015-03-31/functions HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 200, "POST /2015-03-31/functions {}"},
      {"POST /2015-03-31/functions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 200, "{}"},
      {"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nContent-Length: 6291457\r\n\r\n", 413,
       "for the InvokeFunction operation"},
      {"POST /2015-03-31/functions HTTP/1.1\r\nContent-Length: 5\r\n\r\n{}", 408, "Request not complete"},
      {"GET /2015-03-31/functions HTTP/1.1\r\n", 408, "Request not complete"},
      {"NOT HTTP\r\n\r\n", 400, "Malformed HTTP request"},
      {"GET / HTTP/1.1\r\nX: " + std::string(20000, 'x') + "\r\n\r\n", 431, "RequestHeaderFieldsTooLarge"},
      {"GET /" + std::string(9000, 'x') + " HTTP/1.1\r\n\r\n", 414, "Request URI must be at most 8192 bytes"},
      {"POST / HTTP/1.1\r\nContent-Length: 21\r\n\r\nAction=X&Version=bad", 408, "RequestTimeout"},
      {"POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\nAction=X&Version=bad", 400,
       "Could not find operation X for version bad"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.bytes.substr(0, 48)) {
      const HttpResponse response = answer_buffered_request(row.bytes, router, limits);
      CHECK(response.status == row.status);
      CHECK_THAT(response.body, Catch::Contains(row.needle));
    }
  }
}

TEST_CASE("the wire response carries the id, the date and the framing", "[server][http]") {
  HttpResponse response;
  response.status = 204;
  response.body = "dropped";
  response.set_header("Content-Length", "99").set_header("X-Amz-Executed-Version", "$LATEST");
  const auto now = std::chrono::system_clock::from_time_t(784111777);
  WireResponse wire = to_wire(std::move(response), "the-id", 11, true, false, now);
  CHECK(wire.result_int() == 204);
  CHECK(wire["x-amzn-RequestId"] == "the-id");
  CHECK(wire["Date"] == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(wire["X-Amz-Executed-Version"] == "$LATEST");
  CHECK(wire.count(beast_http::field::content_length) == 0);
  CHECK(wire.body().empty());
  CHECK(wire.keep_alive());

  HttpResponse head_answer;
  head_answer.body = "12345";
  WireResponse head_wire = to_wire(std::move(head_answer), "id", 10, false, true, now);
  CHECK(head_wire[beast_http::field::content_length] == "5");
  CHECK(head_wire.body().empty());
  CHECK(head_wire.version() == 10);
  CHECK(!head_wire.keep_alive());
}

}  // namespace
}  // namespace gatehouse::server::http
