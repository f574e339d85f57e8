// Issue 10's Lambda findings, each reproduced as it was reported: the resource a call is
// authorized for must be exactly the resource it reads or writes. Every refusal of a write
// reads the target back and shows it unchanged.
#include <catch2/catch.hpp>

#include <tuple>

#include "server/control/touch_check.h"
#include "store/mutation.h"
#include "store/touch.h"
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

const std::string kMappings = "/2015-03-31/event-source-mappings";
const std::string kQueueA = "arn:aws:sqs:us-east-1:111111111111:queue-a";

std::string mapping_arn(std::string_view account) {
  return "arn:aws:lambda:us-east-1:" + std::string(account) + ":event-source-mapping:*";
}

// A mapping of account A from kQueueA to `function`, made directly in the store.
std::string seed_mapping(World& world, std::string_view function) {
  std::string uuid;
  require_ok(world.store().write([&](store::Mutation& m) -> store::Result<void> {
    store::MappingInput input;
    input.account = std::string(kA);
    input.region = "us-east-1";
    input.event_source_arn = kQueueA;
    input.function = {std::string(kA), "us-east-1", std::string(function)};
    auto created = m.create_event_source_mapping(input);
    if (!created) return created.error();
    uuid = created.value().uuid;
    return store::success();
  }));
  return uuid;
}

store::EventSourceMapping stored_mapping(World& world, const std::string& uuid) {
  store::EventSourceMapping out;
  require_ok(world.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    auto found = s.get_event_source_mapping({std::string(kA), "us-east-1", uuid});
    if (!found) return found.error();
    out = found.value();
    return store::success();
  }));
  return out;
}

void publish(World& world, std::string_view function, int count) {
  for (int i = 0; i < count; ++i) {
    require_ok(world.store().write([&](store::Mutation& m) -> store::Result<void> {
      const store::FunctionRef ref{std::string(kA), "us-east-1", std::string(function)};
      // New code each time: publishing unchanged code returns the last version.
      if (auto r = m.update_function_code(ref, executor::testing::make_zip({{"app.py", "V = " + std::to_string(i) + "\n"}}), false); !r) {
        return r.error();
      }
      if (auto r = m.publish_version(ref); !r) return r.error();
      return store::success();
    }));
  }
}

bool version_exists(World& world, std::string_view function, std::string_view version) {
  bool exists = false;
  require_ok(world.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    exists = s.get_function({std::string(kA), "us-east-1", std::string(function)}, version).has_value();
    return store::success();
  }));
  return exists;
}

bool function_exists(World& world, std::string_view function) {
  bool exists = false;
  require_ok(world.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    exists = s.find_function({std::string(kA), "us-east-1", std::string(function)}).has_value();
    return store::success();
  }));
  return exists;
}

}  // namespace

TEST_CASE("bypass 1: another account's event-source mapping is not found by its UUID", "[server][control][bypass]") {
  World world;
  world.seed_function("F");
  const std::string uuid = seed_mapping(world, "F");
  // bob (account B) may do anything to B's mappings, and knows A's UUID.
  world.bob_policy(allow("lambda:*EventSourceMapping*", mapping_arn(kB)) + "," +
                   allow("lambda:*", "arn:aws:lambda:us-east-1:222222222222:function:*"));
  require_ok(world.store().write([&](store::Mutation& m) {
    store::CreateFunctionInput input;
    input.function = {std::string(kB), "us-east-1", "m"};
    input.config.runtime = "python3.12";
    input.config.role = "arn:aws:iam::222222222222:role/none";
    input.config.handler = "app.handler";
    input.zip = executor::testing::small_zip();
    return m.create_function(input);
  }));

  const Response get = world.bob("GET", kMappings + "/" + uuid);
  CHECK(get.status == 404);
  CHECK(get.error_type == "ResourceNotFoundException");
  const Response disable = world.bob("PUT", kMappings + "/" + uuid, R"({"Enabled":false})");
  CHECK(disable.status == 404);
  const Response retarget = world.bob("PUT", kMappings + "/" + uuid, R"({"FunctionName":"m"})");
  CHECK(retarget.status == 404);
  const Response removed = world.bob("DELETE", kMappings + "/" + uuid);
  CHECK(removed.status == 404);

  const store::EventSourceMapping after = stored_mapping(world, uuid);
  CHECK(after.state == "Enabled");
  CHECK(after.function_arn == fn_arn("F"));
  CHECK(after.account == kA);

  // The owner still reaches it.
  world.alice_policy(allow("lambda:*", "*"));
  CHECK(world.call("GET", kMappings + "/" + uuid).status == 200);
}

TEST_CASE("bypass 2: a version qualifier has one form; leading zeros name no version", "[server][control][bypass]") {
  World world;
  world.seed_function("a");
  publish(world, "a", 2);
  world.alice_policy(allow("lambda:*", "*") + R"(,{"Effect":"Deny","Action":"lambda:*","Resource":[")" +
                     fn_arn("a") + ":1\",\"" + fn_arn("a") + ":2\"]}");

  SECTION("reads and dry-run invokes through 01 find nothing") {
    for (const std::string q : {"01", "0000000001", "001"}) {
      INFO(q);
      const Response got = world.call("GET", kFunctionsPath + "/a?Qualifier=" + q);
      CHECK(got.status == 404);
      CHECK(got.error_type == "ResourceNotFoundException");
      const Response dry = world.call("POST", kFunctionsPath + "/a/invocations?Qualifier=" + q, "{}",
                                      kAliceKey, kAliceSecret, {{"X-Amz-Invocation-Type", "DryRun"}});
      CHECK(dry.status == 404);
      CHECK(world.call("GET", kFunctionsPath + "/a%3A" + q + "/configuration").status == 404);
    }
    // The canonical form is denied, as the policy says.
    CHECK(world.call("GET", kFunctionsPath + "/a?Qualifier=1").status == 403);
  }
  SECTION("a version is not deleted through 02") {
    // "02" names no version: deleting it is the idempotent 204 of an unknown version.
    const Response deleted = world.call("DELETE", kFunctionsPath + "/a?Qualifier=02");
    CHECK(deleted.status == 204);
    CHECK(version_exists(world, "a", "2"));
    CHECK(world.call("DELETE", kFunctionsPath + "/a?Qualifier=2").status == 403);
    CHECK(version_exists(world, "a", "2"));
  }
  SECTION("no grant is stored on a:01") {
    const Response added = world.call("POST", kFunctionsPath + "/a/policy?Qualifier=01",
                                      R"({"StatementId":"s","Action":"lambda:InvokeFunction","Principal":"222222222222"})");
    CHECK(added.status == 404);
    require_ok(world.store().read([&](const store::Snapshot& s) -> store::Result<void> {
      const store::FunctionRef ref{std::string(kA), "us-east-1", "a"};
      CHECK_FALSE(s.get_function_policy(ref, "01").has_value());
      CHECK_FALSE(s.get_function_policy(ref, "1").has_value());
      return store::success();
    }));
  }
  SECTION("an alias cannot point at 02, so version 2 stays protected") {
    const Response alias = world.call("POST", kFunctionsPath + "/a/aliases", R"({"Name":"live","FunctionVersion":"02"})");
    CHECK(alias.status == 404);
    world.alice_policy(allow("lambda:*", "*"));
    REQUIRE(world.call("POST", kFunctionsPath + "/a/aliases", R"({"Name":"live","FunctionVersion":"2"})").status == 201);
    CHECK(world.call("PUT", kFunctionsPath + "/a/aliases/live", R"({"FunctionVersion":"02"})").status == 404);
    CHECK(world.call("DELETE", kFunctionsPath + "/a?Qualifier=2").status == 409);
    CHECK(world.call("GET", kFunctionsPath + "/a/aliases/live").status == 200);
  }
  SECTION("a version number beyond 64 bits is a version that does not exist") {
    const std::string huge = "123456789012345678901234567890";
    CHECK(world.call("GET", kFunctionsPath + "/a?Qualifier=" + huge).status == 404);
    CHECK(world.call("DELETE", kFunctionsPath + "/a?Qualifier=" + huge).status != 500);
    CHECK(version_exists(world, "a", "1"));
  }
}

TEST_CASE("bypass 3: UpdateEventSourceMapping is authorized on the mapping's function and the new one",
          "[server][control][bypass]") {
  World world;
  world.seed_function("a");
  world.seed_function("secret");
  const std::string uuid = seed_mapping(world, "secret");
  world.role_policy(allow("sqs:*", kQueueA));
  const std::string only_a = R"({"StringEquals":{"lambda:FunctionArn":")" + fn_arn("a") + "\"}}";
  world.alice_policy(allow("lambda:*EventSourceMapping*", "*", only_a) + "," + allow("lambda:GetFunction*", "*"));

  const Response takeover = world.call("PUT", kMappings + "/" + uuid, R"({"FunctionName":"a"})");
  CHECK(takeover.status == 403);
  CHECK(stored_mapping(world, uuid).function_arn == fn_arn("secret"));

  // Allowed on the current function only: a move to another function needs that one too.
  const std::string only_secret = R"({"StringEquals":{"lambda:FunctionArn":")" + fn_arn("secret") + "\"}}";
  world.alice_policy(allow("lambda:*EventSourceMapping*", "*", only_secret));
  CHECK(world.call("PUT", kMappings + "/" + uuid, R"({"FunctionName":"a"})").status == 403);
  CHECK(stored_mapping(world, uuid).function_arn == fn_arn("secret"));
  // ... while a change that keeps the target needs only the current one.
  CHECK(world.call("PUT", kMappings + "/" + uuid, R"({"BatchSize":7})").status == 202);

  // Both allowed: the move happens.
  const std::string both =
      R"({"StringEquals":{"lambda:FunctionArn":[")" + fn_arn("secret") + "\",\"" + fn_arn("a") + "\"]}}";
  world.alice_policy(allow("lambda:*EventSourceMapping*", "*", both));
  const Response moved = world.call("PUT", kMappings + "/" + uuid, R"({"FunctionName":"a"})");
  CHECK(moved.status == 202);
  CHECK(stored_mapping(world, uuid).function_arn == fn_arn("a"));
}

TEST_CASE("bypass 3: a mapping moved to a new function gets the execution-role check that create runs",
          "[server][control][bypass]") {
  World world;
  world.seed_function("a");
  world.seed_function("b");
  const std::string uuid = seed_mapping(world, "a");
  world.alice_policy(allow("lambda:*", "*"));
  // The execution role R (of both functions) may not read the queue: the move is refused.
  const Response moved = world.call("PUT", kMappings + "/" + uuid, R"({"FunctionName":"b"})");
  CHECK(moved.status == 400);
  CHECK(moved.error_type == "InvalidParameterValueException");
  CHECK(stored_mapping(world, uuid).function_arn == fn_arn("a"));
  world.role_policy(allow("sqs:*", kQueueA));
  CHECK(world.call("PUT", kMappings + "/" + uuid, R"({"FunctionName":"b"})").status == 202);
}

TEST_CASE("bypass 4: the tags authorized are the tags stored", "[server][control][bypass]") {
  World world;
  world.alice_policy(allow("lambda:*", "*", R"({"StringEquals":{"aws:RequestTag/team":"red"}})") + "," +
                     allow("lambda:GetFunction", "*") + "," + allow("iam:PassRole", "*"));

  SECTION("duplicate keys in a JSON object are refused") {
    const Response created =
        world.call("POST", kFunctionsPath, create_body("dup", kRoleR, R"(,"Tags":{"team":"blue","team":"red"})"));
    CHECK(created.status == 400);
    CHECK(created.error_type == "InvalidRequestContentException");
    CHECK(created.message().find("team") != std::string::npos);
    CHECK_FALSE(function_exists(world, "dup"));
    // Anywhere in the body, not only in Tags.
    const Response twice = world.call("POST", kFunctionsPath,
                                      create_body("dup", kRoleR, R"(,"Timeout":3,"Timeout":4,"Tags":{"team":"red"})"));
    CHECK(twice.status == 400);
    CHECK_FALSE(function_exists(world, "dup"));
  }
  SECTION("keys that differ only by case are refused") {
    const Response created =
        world.call("POST", kFunctionsPath, create_body("cased", kRoleR, R"(,"Tags":{"team":"blue","Team":"red"})"));
    CHECK(created.status == 400);
    CHECK(created.error_type == "InvalidParameterValueException");
    CHECK_FALSE(function_exists(world, "cased"));
  }
  SECTION("one value per key: authorized and stored alike") {
    const Response created = world.call("POST", kFunctionsPath, create_body("ok", kRoleR, R"(,"Tags":{"team":"red"})"));
    CHECK(created.status == 201);
    CHECK(world.call("POST", kFunctionsPath, create_body("blue", kRoleR, R"(,"Tags":{"team":"blue"})")).status == 403);
    CHECK_FALSE(function_exists(world, "blue"));
  }
}

TEST_CASE("bypass: dot segments are not routed (the signed operation is the routed one)", "[server][control][bypass]") {
  World world;
  world.seed_function("b");
  world.alice_policy(allow("lambda:*", "*"));
  for (const std::string& path : {kFunctionsPath + "/b/policy/..", kFunctionsPath + "/b/policy/.",
                                 kFunctionsPath + "/b/../b", kFunctionsPath + "/./b", kFunctionsPath + "/b/policy/%2E%2E"}) {
    INFO(path);
    const Response response = world.call("DELETE", path);
    CHECK(response.status == 404);
    CHECK(response.error_type == "UnknownOperationException");
  }
  CHECK(function_exists(world, "b"));
}

TEST_CASE("touch check: a resource outside what the request resolved to is a violation", "[server][control][bypass]") {
  using server::control::TouchCheck;
  using store::TouchedKind;
  server::lambda::Resolution resolution;
  resolution.function = server::lambda::ResolvedFunction{"f", std::string(kA), "us-east-1", std::string("1")};
  resolution.authorization.action = "lambda:GetFunction";
  resolution.authorization.resource = fn_arn("f") + ":1";
  {
    TouchCheck check(resolution, kA, "us-east-1");
    const store::ScopedTouchObserver observing(check);
    store::note_touch(TouchedKind::Function, kA, "us-east-1", "f");
    CHECK_FALSE(check.violation());
    store::note_touch(TouchedKind::Function, kB, "us-east-1", "f");  // same name, another account
    REQUIRE(check.violation());
    CHECK(*check.violation() == "function f of account 222222222222 in us-east-1, not authorized for "
                                "lambda:GetFunction on " + fn_arn("f") + ":1");
  }
  SECTION("another function, another region, a mapping: each a violation") {
    for (auto [kind, account, region, name] :
         std::vector<std::tuple<TouchedKind, std::string, std::string, std::string>>{
             {TouchedKind::Function, std::string(kA), "us-east-1", "g"},
             {TouchedKind::Function, std::string(kA), "eu-west-1", "f"},
             {TouchedKind::Mapping, std::string(kA), "us-east-1", "u-1"}}) {
      TouchCheck check(resolution, kA, "us-east-1");
      check.touched(kind, account, region, name);
      CHECK(check.violation());
    }
  }
  SECTION("an action on * covers the caller's own account and region only") {
    server::lambda::Resolution list;
    list.authorization.action = "lambda:ListFunctions";
    list.authorization.resource = "*";
    TouchCheck check(list, kA, "us-east-1");
    check.touched(TouchedKind::Function, kA, "us-east-1", "any");
    check.touched(TouchedKind::Mapping, kA, "us-east-1", "u-1");
    CHECK_FALSE(check.violation());
    check.touched(TouchedKind::Function, kB, "us-east-1", "any");
    CHECK(check.violation());
  }
  SECTION("no observer: nothing is recorded anywhere") {
    TouchCheck check(resolution, kA, "us-east-1");
    store::note_touch(TouchedKind::Function, kB, "us-east-1", "x");
    CHECK_FALSE(check.violation());
  }
}

TEST_CASE("store: a mapping is found only through its owner's account and region", "[store][bypass]") {
  World world;
  world.seed_function("F");
  const std::string uuid = seed_mapping(world, "F");
  require_ok(world.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    CHECK(s.get_event_source_mapping({std::string(kA), "us-east-1", uuid}));
    CHECK(s.get_event_source_mapping({std::string(kB), "us-east-1", uuid}).error().code == "ResourceNotFoundException");
    CHECK(s.get_event_source_mapping({std::string(kA), "us-west-2", uuid}).error().code == "ResourceNotFoundException");
    return store::success();
  }));
  CHECK(world.store().write([&](store::Mutation& m) {
          return m.delete_event_source_mapping({std::string(kB), "us-east-1", uuid});
        }).error().code == "ResourceNotFoundException");
  CHECK(world.store().write([&](store::Mutation& m) {
          store::MappingUpdate update;
          update.enabled = false;
          return m.update_event_source_mapping({std::string(kB), "us-east-1", uuid}, update);
        }).error().code == "ResourceNotFoundException");
  CHECK(stored_mapping(world, uuid).state == "Enabled");
}
