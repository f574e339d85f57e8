// A third adversarial review's Lambda findings, each reproduced as it was found against the
// running server: a low-privilege caller's request that the policies deny must not take effect,
// and a grant must not reach further than the statement its owner asked for.
#include <catch2/catch.hpp>

#include "store/mutation.h"
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

const std::string kMappings = "/2015-03-31/event-source-mappings";
const std::string kQueue = "arn:aws:sqs:us-east-1:111111111111:queue-t";

// The mappings of account A, as the store holds them: (function ARN, tags).
std::vector<store::EventSourceMapping> mappings_of_a(World& world) {
  std::vector<store::EventSourceMapping> out;
  require_ok(world.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    out = s.list_event_source_mappings(kA, "us-east-1", "", "");
    return store::success();
  }));
  return out;
}

std::string mapping_body(std::string_view tags) {
  return R"({"FunctionName":"f","EventSourceArn":")" + kQueue + "\"" + std::string(tags) + "}";
}

}  // namespace

TEST_CASE("review 3: tags on CreateEventSourceMapping need lambda:TagResource", "[server][control][bypass]") {
  World world;
  world.seed_function("f");
  world.role_policy(allow("sqs:*", kQueue));
  // alice may create mappings; lambda:TagResource is denied to her.
  world.alice_policy(allow("lambda:CreateEventSourceMapping", "*") + "," +
                     R"({"Effect":"Deny","Action":"lambda:TagResource","Resource":"*"})");

  const Response tagged = world.call("POST", kMappings, mapping_body(R"(,"Tags":{"owner":"alice"})"));
  CHECK(tagged.status == 403);
  CHECK(tagged.error_type == "AccessDeniedException");
  CHECK(tagged.message().find("lambda:TagResource") != std::string::npos);
  CHECK(mappings_of_a(world).empty());

  // Without tags the same call needs no more than lambda:CreateEventSourceMapping.
  CHECK(world.call("POST", kMappings, mapping_body("")).status == 202);
  REQUIRE(mappings_of_a(world).size() == 1);
  CHECK(mappings_of_a(world).front().tags.empty());

  SECTION("allowed on the new mapping's ARN, with the request's tags in the context") {
    const std::string red_only = R"({"StringEquals":{"aws:RequestTag/team":"red"}})";
    world.alice_policy(allow("lambda:CreateEventSourceMapping", "*") + "," +
                       allow("lambda:TagResource", "arn:aws:lambda:us-east-1:111111111111:event-source-mapping:*",
                             red_only));
    const std::string other_queue = R"(,"EventSourceArn":"arn:aws:sqs:us-east-1:111111111111:queue-u")";
    world.role_policy(allow("sqs:*", "*"));
    const Response blue = world.call("POST", kMappings,
                                     R"({"FunctionName":"f")" + other_queue + R"(,"Tags":{"team":"blue"}})");
    CHECK(blue.status == 403);
    const Response red = world.call("POST", kMappings,
                                    R"({"FunctionName":"f")" + other_queue + R"(,"Tags":{"team":"red"}})");
    CHECK(red.status == 202);
    bool stored = false;
    for (const auto& mapping : mappings_of_a(world)) stored = stored || mapping.tags == store::Tags{{"team", "red"}};
    CHECK(stored);
  }
}

TEST_CASE("review 3: AddPermission's InvokedViaFunctionUrl limits the grant to function URLs",
          "[server][control][bypass]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("lambda:AddPermission", "*") + "," + allow("lambda:GetPolicy", "*"));
  // bob, of another account, may invoke f as far as his own account is concerned.
  world.bob_policy(allow("lambda:InvokeFunction", fn_arn("f")));
  const std::string invoke = kFunctionsPath + "/" + fn_arn("f") + "/invocations";
  const std::vector<std::pair<std::string, std::string>> dry_run = {{"X-Amz-Invocation-Type", "DryRun"}};
  CHECK(world.bob("POST", invoke, "{}", dry_run).status == 403);

  // The owner grants everyone lambda:InvokeFunction, through the function URL only.
  const Response added = world.call(
      "POST", kFunctionsPath + "/f/policy",
      R"({"StatementId":"url","Action":"lambda:InvokeFunction","Principal":"*","InvokedViaFunctionUrl":true})");
  REQUIRE(added.status == 201);
  // A direct Invoke is not through a function URL: the statement grants it nothing.
  const Response direct = world.bob("POST", invoke, "{}", dry_run);
  CHECK(direct.status == 403);
  CHECK(direct.error_type == "AccessDeniedException");

  // The statement says so, as AWS writes it.
  rapidjson::Document statement;
  const auto answer = added.json();
  statement.Parse(answer["Statement"].GetString());
  REQUIRE(statement.IsObject());
  REQUIRE(statement.HasMember("Condition"));
  const rapidjson::Value& condition = statement["Condition"];
  REQUIRE(condition.HasMember("Bool"));
  REQUIRE(condition["Bool"].HasMember("lambda:InvokedViaFunctionUrl"));
  CHECK(std::string(condition["Bool"]["lambda:InvokedViaFunctionUrl"].GetString()) == "true");

  // The same statement without the flag does grant it.
  REQUIRE(world.call("POST", kFunctionsPath + "/f/policy",
                     R"({"StatementId":"all","Action":"lambda:InvokeFunction","Principal":"*"})")
              .status == 201);
  CHECK(world.bob("POST", invoke, "{}", dry_run).status == 204);
}

// Principal matching compared an account principal's account but not its partition.
TEST_CASE("review 3: a principal of another partition is not this partition's account", "[adversarial]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("lambda:AddPermission", "*"));
  world.bob_policy(allow("lambda:InvokeFunction", fn_arn("f")));
  const std::string invoke = kFunctionsPath + "/" + fn_arn("f") + "/invocations";
  const std::vector<std::pair<std::string, std::string>> dry_run = {{"X-Amz-Invocation-Type", "DryRun"}};
  // The owner grants account 222222222222 of the aws-cn partition.
  const Response added = world.call(
      "POST", kFunctionsPath + "/f/policy",
      R"({"StatementId":"cn","Action":"lambda:InvokeFunction","Principal":"arn:aws-cn:iam::222222222222:root"})");
  // Either AddPermission refuses the principal, or the grant does not reach bob of the aws partition.
  if (added.status == 201) {
    CHECK(world.bob("POST", invoke, "{}", dry_run).status == 403);
  } else {
    CHECK(added.status == 400);
  }
}
