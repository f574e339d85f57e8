// An alias's RoutingConfig (AdditionalVersionWeights) on Invoke: each invocation through the
// alias runs the additional version with its weight, synchronous and Event alike, and a
// synchronous one reports the version that ran in X-Amz-Executed-Version (review 4).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "server/invoke/async_queue.h"
#include "server/invoke/execution.h"
#include "tests/server/control_test_world.h"
#include "tests/server/invoke_test_support.h"

using namespace gatehouse;
using namespace gatehouse::control_test;
using namespace std::chrono_literals;

namespace {

store::FunctionConfig version_config(std::string version) {
  store::FunctionConfig config;
  config.version = std::move(version);
  return config;
}

std::string handler_code(std::string_view version) {
  return "def handler(event, context):\n    print('RAN-V" + std::string(version) + "')\n    return 'v" +
         std::string(version) + "'\n";
}

}  // namespace

TEST_CASE("alias routing: the additional version runs when the draw is below its weight", "[server][invoke]") {
  store::FunctionView view;
  view.config = version_config("1");
  view.qualified_arn = fn_arn("f") + ":live";
  view.alias.emplace();
  view.alias->name = "live";
  view.alias->function_version = "1";
  view.alias->routing = std::pair<std::string, double>{"2", 0.25};
  view.additional_version = version_config("2");
  const std::pair<double, const char*> rows[] = {{0.0, "2"}, {0.2499, "2"}, {0.25, "1"}, {0.5, "1"}, {0.9999, "1"}};
  for (const auto& [draw, version] : rows) {
    const store::FunctionView routed = server::invoke::route_invocation(view, draw);
    INFO(draw);
    CHECK(routed.config.version == version);
    CHECK(routed.qualified_arn == view.qualified_arn);  // the invoked ARN stays the alias's
    CHECK_FALSE(routed.additional_version.has_value());
  }
  // Weight 0 never routes, weight 1 always does.
  view.alias->routing->second = 0.0;
  CHECK(server::invoke::route_invocation(view, 0.0).config.version == "1");
  view.alias->routing->second = 1.0;
  CHECK(server::invoke::route_invocation(view, 0.9999999).config.version == "2");
  // Without routing: the alias's version.
  view.alias->routing.reset();
  CHECK(server::invoke::route_invocation(view, 0.0).config.version == "1");
}

TEST_CASE("alias routing: Invoke through an alias runs and reports the weighted version", "[server][invoke][review4]") {
  World world;
  world.alice_policy(allow("lambda:*", "*"));
  const store::FunctionRef ref{std::string(kA), "us-east-1", "r"};
  require_ok(world.store().write([&](store::Mutation& m) -> store::Result<void> {
    store::CreateFunctionInput input;
    input.function = ref;
    input.config.runtime = "python3.12";
    input.config.role = kRoleR;
    input.config.handler = "app.handler";
    input.zip = executor::testing::make_zip({{"app.py", handler_code("1")}});
    input.publish = true;
    if (auto r = m.create_function(input); !r) return r.error();
    if (auto r = m.update_function_code(ref, executor::testing::make_zip({{"app.py", handler_code("2")}}), true); !r) {
      return r.error();
    }
    store::AliasInput alias;
    alias.name = "live";
    alias.function_version = "1";
    alias.routing = std::pair<std::string, double>{"2", 1.0};
    if (auto r = m.create_alias(ref, alias); !r) return r.error();
    return store::success();
  }));
  // The store gives the additional version with the alias.
  auto view = world.store().read([&](const store::Snapshot& s) { return s.get_function(ref, "live"); });
  REQUIRE(view);
  CHECK(view.value().config.version == "1");
  REQUIRE(view.value().additional_version.has_value());
  CHECK(view.value().additional_version->version == "2");

  invoke_test::Running running(world.store());
  const auto& pipeline = running.pipeline;
  const auto now = running.now;
  server::invoke::Invocations invocations(running.executor, world.store(), running.clock);
  const auto dir = test_support::scratch_dir("gatehouse-alias-routing-");
  server::invoke::AsyncQueue queue(invocations, world.store(), pipeline, dir / "queue", dir / "dlq", {});
  invocations.attach_queue(&queue);
  const server::control::LambdaApi api(world.store(), pipeline, running.clock, {.invocations = &invocations});
  int requests = 0;
  const auto invoke = [&](std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto request = World::signed_request("POST", kFunctionsPath + "/r/invocations?Qualifier=live", "{}", kAliceKey,
                                         kAliceSecret, now, std::move(headers));
    request.request_id = "7d3c0b6e-0000-4000-8000-00000000000" + std::to_string(++requests);  // as the server sets
    return api.handle(request);
  };
  const auto executed = [](const server::http::HttpResponse& response) {
    const std::string* version = response.header("X-Amz-Executed-Version");
    return version ? *version : std::string("(none)");
  };

  SECTION("synchronous: weight 1 runs the additional version, weight 0 the alias's") {
    const server::http::HttpResponse all = invoke();
    CHECK(all.status == 200);
    CHECK(executed(all) == "2");
    CHECK(all.body == "\"v2\"");
    require_ok(world.store().write([&](store::Mutation& m) {
      store::AliasUpdate update;
      update.routing = std::optional<std::pair<std::string, double>>(std::pair<std::string, double>{"2", 0.0});
      return m.update_alias(ref, "live", update);
    }));
    const server::http::HttpResponse none = invoke();
    CHECK(none.status == 200);
    CHECK(executed(none) == "1");
    CHECK(none.body == "\"v1\"");
  }
  SECTION("Event: weight 1 runs the additional version") {
    queue.start();
    const server::http::HttpResponse queued = invoke({{"X-Amz-Invocation-Type", "Event"}});
    REQUIRE(queued.status == 202);
    for (int i = 0; i < 300 && queue.depth() > 0; ++i) std::this_thread::sleep_for(100ms);
    REQUIRE(queue.depth() == 0);
    const std::string logs = invoke_test::function_logs(world.store(), "r");
    INFO(logs);
    CHECK(logs.find("RAN-V2") != std::string::npos);
    CHECK(logs.find("RAN-V1") == std::string::npos);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
