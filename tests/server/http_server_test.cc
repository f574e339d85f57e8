// The HTTP front end over real loopback sockets: built-ins, keep-alive, limits and their
// error shapes, malformed input, concurrency, timeouts and graceful shutdown.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include "../shapes.h"
#include <thread>
#include <vector>

#include "server/http/router.h"
#include "tests/server/http_test_client.h"

namespace gatehouse::server::http {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::header_of;
using testing::Request;
using testing::Response;
using testing::TestServer;
namespace bhttp = testing::bhttp;


// Echoes what the handler saw, one field a line, so tests can check the HttpRequest.
HttpResponse echo(const HttpRequest& request) {
  HttpResponse response;
  response.set_header("Content-Type", "text/plain");
  std::string& body = response.body;
  body += "method=" + request.method + "\n";
  body += "target=" + request.target + "\n";
  body += "path=" + request.path + "\n";
  body += "query=" + request.query + "\n";
  body += "peer=" + request.peer_address + ":" + std::to_string(request.peer_port) + "\n";
  body += "id=" + request.request_id + "\n";
  body += "body-size=" + std::to_string(request.body.size()) + "\n";
  for (const Header& header : request.headers) body += "h:" + header.name + "=" + header.value + "\n";
  response.operation = "Echo";
  return response;
}

Router echo_router() {
  Router router;
  add_lambda_routes(router, echo);
  add_query_route(router, unknown_query_action);
  return router;
}

Request request(bhttp::verb verb, std::string_view target, std::string body = {}) {
  Request message(verb, boost::beast::string_view(target.data(), target.size()), 11);
  message.body() = std::move(body);
  return message;
}

// The error fields of a Lambda-shaped answer, read without a JSON library.
void check_lambda_error(const Response& response, unsigned status, std::string_view type, std::string_view message) {
  CHECK(response.result_int() == status);
  CHECK(header_of(response, "x-amzn-ErrorType") == type);
  CHECK(header_of(response, "Content-Type") == "application/json");
  const std::string text(message);
  const std::string kind = status >= 500 ? "Service" : "User";
  CHECK(response.body() == R"({"Type":")" + kind + R"(","Message":")" + text + R"(","message":")" + text + "\"}");
  CHECK(gatehouse::testing::is_uuid_v4(header_of(response, "x-amzn-RequestId")));
}

TEST_CASE("GET /healthz answers 200 with a request id and a Date", "[server][http]") {
  TestServer server(echo_router());
  Client client(server.port());
  const Response response = client.get("/healthz");
  CHECK(response.result_int() == 200);
  CHECK(response.body() == "ok\n");
  CHECK(gatehouse::testing::is_uuid_v4(header_of(response, "x-amzn-RequestId")));
  CHECK(header_of(response, "Date").ends_with(" GMT"));

  SECTION("HEAD sends the length but no body") {
    const Response head = client.send(request(bhttp::verb::head, "/healthz"));
    CHECK(head.result_int() == 200);
    CHECK(head.body().empty());
  }
  SECTION("another method is an unknown operation") {
    check_lambda_error(client.send(request(bhttp::verb::post, "/healthz", "x")), 404, "UnknownOperationException",
                       "Unknown operation");
  }
}

TEST_CASE("GET /metrics is Prometheus text with the request counters", "[server][http]") {
  TestServer server(echo_router());
  Client client(server.port());
  REQUIRE(client.get("/healthz").result_int() == 200);
  REQUIRE(client.get("/2015-03-31/functions").result_int() == 200);
  server.metrics().authentication_failures.with({"SignatureDoesNotMatch"}).inc();
  const Response response = client.get("/metrics");
  CHECK(response.result_int() == 200);
  CHECK(header_of(response, "Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response.body();
  CHECK_THAT(text, Catch::Contains("# TYPE gatehouse_requests_total counter\n"));
  CHECK_THAT(text, Catch::Contains("gatehouse_requests_total{operation=\"healthz\",status=\"200\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("gatehouse_requests_total{operation=\"Echo\",status=\"200\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE gatehouse_request_duration_seconds histogram\n"));
  CHECK_THAT(text, Catch::Contains("gatehouse_request_duration_seconds_count{operation=\"Echo\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("gatehouse_authentication_failures_total{reason=\"SignatureDoesNotMatch\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE gatehouse_authorization_decisions_total counter\n"));
  CHECK_THAT(text, Catch::Contains("gatehouse_http_connections 1\n"));
}

TEST_CASE("a handler sees the raw request and the peer", "[server][http]") {
  TestServer server(echo_router());
  Client client(server.port());
  Request message = request(bhttp::verb::put, "/2015-03-31/functions/arn%3Aaws%3Alambda/code?Qualifier=%24LATEST&a=b",
                            "{\"ZipFile\":\"x\"}");
  message.insert("X-Custom", "one");
  message.insert("x-custom", "two");
  const Response response = client.send(std::move(message));
  REQUIRE(response.result_int() == 200);
  const std::string& body = response.body();
  CHECK_THAT(body, Catch::Contains("method=PUT\n"));
  CHECK_THAT(body, Catch::Contains("path=/2015-03-31/functions/arn%3Aaws%3Alambda/code\n"));
  CHECK_THAT(body, Catch::Contains("query=Qualifier=%24LATEST&a=b\n"));
  CHECK_THAT(body, Catch::Contains("peer=127.0.0.1:" + std::to_string(client.local_port()) + "\n"));
  CHECK_THAT(body, Catch::Contains("id=" + header_of(response, "x-amzn-RequestId") + "\n"));
  CHECK_THAT(body, Catch::Contains("body-size=15\n"));
  CHECK_THAT(body, Catch::Contains("h:X-Custom=one\nh:x-custom=two\n"));
}

TEST_CASE("keep-alive serves several requests on one connection", "[server][http]") {
  TestServer server(echo_router());
  Client client(server.port());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const Response response = client.get("/2016-08-19/account-settings");
    REQUIRE(response.result_int() == 200);
    CHECK(response.keep_alive());
    CHECK_THAT(response.body(), Catch::Contains("peer=127.0.0.1:" + std::to_string(client.local_port())));
    ids.push_back(header_of(response, "x-amzn-RequestId"));
  }
  std::sort(ids.begin(), ids.end());
  CHECK(std::unique(ids.begin(), ids.end()) == ids.end());
  CHECK(server.metrics().connections.with({}).value() == 1);

  SECTION("Connection: close is honoured") {
    Request message = request(bhttp::verb::get, "/healthz");
    message.keep_alive(false);
    const Response response = client.send(std::move(message));
    CHECK(!response.keep_alive());
    CHECK(client.closed_by_server());
  }
}

TEST_CASE("body limits answer 413 in Lambda's words and close", "[server][http]") {
  TestServer server(echo_router());

  SECTION("synchronous Invoke over 6291456 bytes, refused before the body is sent") {
    Client client(server.port());
    client.write_raw(
        "POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 6291457\r\n"
        "Expect: 100-continue\r\n\r\n");
    const Response response = client.read();
    check_lambda_error(response, 413, "RequestEntityTooLargeException",
                       "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
    CHECK(!response.keep_alive());
    CHECK(client.closed_by_server());
  }
  SECTION("Event Invoke over 1 MB, the body sent in full before the answer is read") {
    Client client(server.port());
    Request message = request(bhttp::verb::post, "/2015-03-31/functions/f/invocations", std::string(1048577, 'x'));
    message.set("X-Amz-Invocation-Type", "Event");
    check_lambda_error(client.send(std::move(message)), 413, "RequestEntityTooLargeException",
                       "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)");
  }
  SECTION("InvokeAsync at exactly 256 KB is accepted, one byte more is not") {
    Client client(server.port());
    const Response ok =
        client.post("/2014-11-13/functions/f/invoke-async/", std::string(262144, 'x'));
    CHECK(ok.result_int() == 200);
    CHECK_THAT(ok.body(), Catch::Contains("body-size=262144\n"));
    check_lambda_error(client.post("/2014-11-13/functions/f/invoke-async/", std::string(262145, 'x')), 413,
                       "RequestEntityTooLargeException",
                       "262145 byte payload is too large for the Event invocation type (limit 262144 bytes)");
  }
  SECTION("a chunked body is cut at the limit") {
    Client client(server.port());
    std::string raw = "POST /2015-03-31/functions/f/aliases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string chunk(64 * 1024, 'y');
    for (int i = 0; i < 17; ++i) raw += "10000\r\n" + chunk + "\r\n";
    raw += "0\r\n\r\n";
    client.write_raw(raw);
    check_lambda_error(client.read(), 413, "RequestEntityTooLargeException",
                       "Request must be smaller than 1048576 bytes");
  }
  SECTION("the Query protocol's answer is XML") {
    Client client(server.port());
    const Response response = client.post("/", "Action=CreateUser&Version=2010-05-08&X=" + std::string(1048576, 'a'));
    CHECK(response.result_int() == 413);
    CHECK(header_of(response, "Content-Type") == "text/xml");
    CHECK_THAT(response.body(), Catch::Contains("<Type>Sender</Type>\n    <Code>RequestEntityTooLarge</Code>"));
  }
  CHECK(server.metrics().http_rejections.with({"body_too_large"}).value() >= 1);
}

TEST_CASE("header and URL limits answer 431 and 414 in the path's family", "[server][http]") {
  TestServer server(echo_router());
  SECTION("headers over 16 KiB on a Lambda path") {
    Client client(server.port());
    client.write_raw("GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17 * 1024, 'a') +
                     "\r\n\r\n");
    const Response response = client.read();
    check_lambda_error(response, 431, "RequestHeaderFieldsTooLargeException",
                       "Request header fields must be at most 16384 bytes");
    CHECK(client.closed_by_server());
  }
  SECTION("headers over 16 KiB on the Query path") {
    Client client(server.port());
    client.write_raw("POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n");
    const Response response = client.read();
    CHECK(response.result_int() == 431);
    CHECK_THAT(response.body(), Catch::Contains("<Code>RequestHeaderFieldsTooLarge</Code>"));
  }
  SECTION("a URL over 8 KiB") {
    Client client(server.port());
    check_lambda_error(client.get("/2015-03-31/functions/" + std::string(9000, 'f')), 414,
                       "RequestURITooLongException", "Request URI must be at most 8192 bytes");
  }
  SECTION("a URL longer than the whole header limit") {
    Client client(server.port());
    client.write_raw("GET /2015-03-31/functions/" + std::string(20000, 'f') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    check_lambda_error(client.read(), 414, "RequestURITooLongException", "Request URI must be at most 8192 bytes");
  }
}

TEST_CASE("unrouted requests get their family's unknown-operation answer", "[server][http]") {
  Router router;
  add_lambda_routes(router, unknown_lambda_operation);
  add_query_route(router, unknown_query_action);
  TestServer server(std::move(router));
  Client client(server.port());

  check_lambda_error(client.get("/2015-03-31/functions/f/nothing"), 404, "UnknownOperationException",
                     "Unknown operation");
  check_lambda_error(client.get("/elsewhere"), 404, "UnknownOperationException", "Unknown operation");

  const Response iam = client.post("/", "Action=MakeCoffee&Version=2010-05-08");
  CHECK(iam.result_int() == 400);
  CHECK(header_of(iam, "Content-Type") == "text/xml");
  const std::string id = header_of(iam, "x-amzn-RequestId");
  CHECK(iam.body() ==
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
        "  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidAction</Code>\n"
        "    <Message>Could not find operation MakeCoffee for version 2010-05-08</Message>\n"
        "  </Error>\n  <RequestId>" + id + "</RequestId>\n</ErrorResponse>\n");

  const Response sts = client.get("/?Action=Get%2BIt&Version=2011-06-15");
  CHECK(sts.result_int() == 400);
  CHECK_THAT(sts.body(), Catch::StartsWith("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"));
  CHECK_THAT(sts.body(), Catch::Contains("Could not find operation Get+It for version 2011-06-15"));

  const Response missing = client.post("/", "Version=2010-05-08");
  CHECK(missing.result_int() == 400);
  CHECK_THAT(missing.body(), Catch::Contains("<Code>MissingAction</Code>"));
}

TEST_CASE("malformed HTTP is answered 400 and the connection closed", "[server][http]") {
  TestServer server(echo_router());
  const std::string_view inputs[] = {
      "GARBAGE\r\n\r\n",
      "GET /healthz HTTP/9.9\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n",
      "POST /2015-03-31/functions HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "POST /2015-03-31/functions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  };
  for (std::string_view input : inputs) {
    DYNAMIC_SECTION("input " << input.substr(0, 24)) {
      Client client(server.port());
      client.write_raw(input);
      const Response response = client.read();
      CHECK(response.result_int() == 400);
      CHECK(header_of(response, "x-amzn-ErrorType") == "BadRequestException");
      CHECK(!response.keep_alive());
      CHECK(client.closed_by_server());
    }
  }
  // And the server still serves.
  Client client(server.port());
  CHECK(client.get("/healthz").result_int() == 200);
}

TEST_CASE("a throwing handler becomes a 500 in its family and the server goes on", "[server][http]") {
  Router router;
  add_lambda_routes(router, [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  add_query_route(router, [](const HttpRequest&) -> HttpResponse { throw 42; });
  std::vector<std::string> lines;
  std::mutex lines_mutex;
  ServerConfig config = TestServer::quick_config();
  config.log = [&](std::string_view line) {
    std::lock_guard lock(lines_mutex);
    lines.emplace_back(line);
  };
  TestServer server(std::move(router), config);
  Client client(server.port());
  const Response lambda = client.get("/2015-03-31/functions");
  check_lambda_error(lambda, 500, "ServiceException", "Internal server error");
  CHECK(lambda.keep_alive());
  const Response query = client.post("/", "Action=ListUsers&Version=2010-05-08");
  CHECK(query.result_int() == 500);
  CHECK_THAT(query.body(), Catch::Contains("<Type>Receiver</Type>\n    <Code>ServiceFailure</Code>"));
  CHECK(client.get("/healthz").result_int() == 200);
  std::lock_guard lock(lines_mutex);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::Contains("GET /2015-03-31/functions failed") && Catch::Contains("boom"));
  CHECK_THAT(lines[1], Catch::Contains("unknown exception"));
}

TEST_CASE("handlers run concurrently on the thread pool", "[server][http]") {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  Router router;
  add_lambda_routes(router, [&](const HttpRequest& request) {
    const int now = ++inside;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    // Wait (bounded) for company so the overlap does not depend on scheduling luck.
    for (int i = 0; i < 200 && most.load() < 2; ++i) std::this_thread::sleep_for(1ms);
    --inside;
    return echo(request);
  });
  TestServer server(std::move(router));
  constexpr int kClients = 6;
  constexpr int kRequests = 15;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      Client client(server.port());
      for (int i = 0; i < kRequests; ++i) {
        const std::string target = "/2015-03-31/functions/f" + std::to_string(c) + "?i=" + std::to_string(i);
        const Response response = client.get(target);
        if (response.result_int() == 200 && response.body().find("target=" + target + "\n") != std::string::npos) ++ok;
      }
    });
  }
  for (auto& thread : clients) thread.join();
  CHECK(ok == kClients * kRequests);
  CHECK(most >= 2);
}

TEST_CASE("timeouts close idle and slow connections", "[server][http]") {
  ServerConfig config = TestServer::quick_config();
  config.idle_timeout = 200ms;
  config.header_timeout = 300ms;
  TestServer server(echo_router(), config);

  SECTION("an idle keep-alive connection is closed") {
    Client client(server.port());
    REQUIRE(client.get("/healthz").result_int() == 200);
    const auto start = std::chrono::steady_clock::now();
    CHECK(client.closed_by_server());
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    // The stream closes the socket before the session counts the timeout.
    auto& idle_timeouts = server.metrics().http_rejections.with({"idle_timeout"});
    for (int i = 0; i < 1000 && idle_timeouts.value() == 0; ++i) std::this_thread::sleep_for(1ms);
    CHECK(idle_timeouts.value() == 1);
  }
  SECTION("a header that never completes gets 408") {
    Client client(server.port());
    client.write_raw("GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\n");
    const Response response = client.read();
    check_lambda_error(response, 408, "RequestTimeoutException", "Request header not received within 0.3 seconds");
    CHECK(client.closed_by_server());
  }
}

TEST_CASE("stop() finishes the request in flight, then run() returns", "[server][http]") {
  std::atomic<bool> started{false};
  Router router;
  add_lambda_routes(router, [&](const HttpRequest& request) {
    started = true;
    std::this_thread::sleep_for(300ms);
    return echo(request);
  });
  TestServer server(std::move(router));
  Client idle(server.port());
  REQUIRE(idle.get("/healthz").result_int() == 200);

  Client busy(server.port());
  busy.write_raw("GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 2000 && !started; ++i) std::this_thread::sleep_for(1ms);
  REQUIRE(started);
  server.server().stop();

  const Response response = busy.read();
  CHECK(response.result_int() == 200);
  CHECK(!response.keep_alive());
  CHECK(busy.closed_by_server());
  CHECK(idle.closed_by_server());
  server.stop_and_wait();
  CHECK_THROWS(Client(server.port()));
}

TEST_CASE("Expect: 100-continue gets an interim answer before the body", "[server][http]") {
  TestServer server(echo_router());
  Client client(server.port());
  client.write_raw("POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                   "Expect: 100-continue\r\n\r\n");
  const Response interim = client.read();
  CHECK(interim.result_int() == 100);
  client.write_raw("null");
  const Response response = client.read();
  CHECK(response.result_int() == 200);
  CHECK_THAT(response.body(), Catch::Contains("body-size=4\n"));
}

}  // namespace
}  // namespace gatehouse::server::http
