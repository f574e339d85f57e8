// Synchronous invocations and the HTTP server's request threads: each running RequestResponse
// Invoke holds a thread for up to its function's timeout, so they are bounded below the
// threads and the rest of the API (other accounts included) keeps answering (review 4).
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "executor/executor.h"
#include "server/invoke/execution.h"
#include "tests/server/control_test_world.h"
#include "tests/server/http_test_client.h"
#include "tests/server/invoke_test_support.h"

using namespace gatehouse;
using namespace gatehouse::control_test;
using namespace std::chrono_literals;
namespace wire = gatehouse::server::http::testing;

namespace {

// A request World::signed_request made, as the wire client sends it.
wire::Request to_wire(const server::http::HttpRequest& request) {
  wire::Request out(request.method == "GET" ? wire::bhttp::verb::get : wire::bhttp::verb::post, request.target, 11);
  for (const auto& header : request.headers) out.set(header.name, header.value);
  out.body() = request.body;
  return out;
}

}  // namespace

TEST_CASE("synchronous invocations leave request threads to the rest of the API", "[server][invoke][review4]") {
  STATIC_REQUIRE(server::invoke::synchronous_invocation_limit(server::invoke::kRequestThreads) == 12);
  STATIC_REQUIRE(server::invoke::synchronous_invocation_limit(4) == 3);
  STATIC_REQUIRE(server::invoke::synchronous_invocation_limit(1) == 0);

  World world;
  world.alice_policy(allow("lambda:*", "*"));
  world.bob_policy(allow("lambda:ListFunctions", "*"));
  require_ok(world.store().write([](store::Mutation& m) {
    store::CreateFunctionInput input;
    input.function = {std::string(kA), "us-east-1", "slow"};
    input.config.runtime = "python3.12";
    input.config.role = kRoleR;
    input.config.handler = "app.handler";
    input.config.timeout = 60;
    input.zip = executor::testing::make_zip(
        {{"app.py", "import time\ndef handler(event, context):\n    time.sleep(8)\n    return 'done'\n"}});
    return m.create_function(input);
  }));

  invoke_test::Running running(world.store());
  const auto now = running.now;
  server::http::ServerConfig config = wire::TestServer::quick_config();  // 4 threads
  const server::invoke::Invocations invocations(running.executor, world.store(), running.clock, 1000, nullptr,
                                                server::invoke::synchronous_invocation_limit(config.threads));
  const server::control::LambdaApi api(world.store(), running.pipeline, running.clock,
                                       {.invocations = &invocations});
  server::http::Router router;
  server::http::add_lambda_routes(router, [&api](const server::http::HttpRequest& r) { return api.handle(r); });
  // Destroyed first: its run() joins the threads still running the invocations.
  wire::TestServer server(std::move(router), config);

  // As many slow synchronous invocations as the server has threads, at once.
  const auto invoke = World::signed_request("POST", kFunctionsPath + "/slow/invocations", "{}", kAliceKey,
                                            kAliceSecret, now);
  constexpr std::size_t kCallers = 4;
  REQUIRE(config.threads == kCallers);
  struct Answer {
    std::atomic<int> status{0};  // 0: none yet; -1: none within the client's 5 s
    std::string body, error_type;
  };
  std::array<Answer, kCallers> answers;
  std::atomic<int> answered{0};
  std::vector<std::thread> callers;
  for (std::size_t i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      int status = -1;
      try {
        wire::Client client(server.port());
        const wire::Response response = client.send(to_wire(invoke));
        answers[i].body = response.body();
        answers[i].error_type = wire::header_of(response, "x-amzn-ErrorType");
        status = response.result_int();
      } catch (const std::exception&) {
      }
      answers[i].status = status;
      ++answered;
    });
  }
  // The first answer: the one beyond the limit, refused at once while the others run.
  for (int i = 0; i < 200 && answered.load() == 0; ++i) std::this_thread::sleep_for(50ms);
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < kCallers; ++i) {
    if (answers[i].status.load() != 0) first = i;
  }
  REQUIRE(first.has_value());
  CHECK(answers[*first].status.load() == 429);
  CHECK(answers[*first].error_type == "TooManyRequestsException");
  CHECK(answers[*first].body.find("ConcurrentInvocationLimitExceeded") != std::string::npos);

  // Another account's control-plane call answers while the invocations hold their threads.
  int listed = -1;
  try {
    wire::Client client(server.port());
    listed = client
                 .send(to_wire(World::signed_request("GET", kFunctionsPath + "/", "", kBobKey, kBobSecret, now)))
                 .result_int();
  } catch (const std::exception&) {
  }
  CHECK(listed == 200);
  CHECK(answered.load() == 1);  // the slow invocations still run: the answer did not wait for them

  for (std::thread& t : callers) t.join();
}
