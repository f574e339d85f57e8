// Context keys from one table: every condition key that lambda-actions.json lists for an
// operation reaches that operation's request context. The walk is over the embedded table
// itself, so a key added to the table without the code that supplies it fails here. Each
// request is sent with a policy that allows everything but denies when the key is present
// (`Null: false`): the call is refused with an explicit deny exactly when the key arrived.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <map>

#include "policy/action_catalog.h"
#include "store/mutation.h"
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

const std::string kMappings = "/2015-03-31/event-source-mappings";
const std::string kQueue = "arn:aws:sqs:us-east-1:111111111111:queue";
const std::string kLayer = "arn:aws:lambda:us-east-1:111111111111:layer:shared:1";

// Keys a table row lists that a direct API call cannot carry, and why.
const std::map<std::string, std::string> kNeverOnADirectCall = {
    {"lambda:VpcIds", "the VPC of the subnets: the service does not model VPCs"},
    {"lambda:EventSourceToken", "only invocations made by an event source carry it"},
};

struct Request {
  std::string method, path, body;
};

// A request of `operation` that carries `key` (named as the table names it).
Request request_for(std::string_view operation, std::string_view key, const std::string& uuid) {
  const std::string f = kFunctionsPath + "/f";
  const bool url = key == "lambda:FunctionUrlAuthType";
  if (operation == "AddPermission") {
    return {"POST", f + "/policy",
            url ? R"({"StatementId":"n","Action":"lambda:InvokeFunctionUrl","Principal":"222222222222","FunctionUrlAuthType":"AWS_IAM"})"
                : R"({"StatementId":"n","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"})"};
  }
  if (operation == "RemovePermission") return {"DELETE", f + (url ? "/policy/url" : "/policy/s1"), ""};
  if (operation == "CreateAlias") return {"POST", f + "/aliases", R"({"Name":"fresh","FunctionVersion":"1"})"};
  if (operation == "DeleteAlias") return {"DELETE", f + "/aliases/live", ""};
  if (operation == "GetAlias") return {"GET", f + "/aliases/live", ""};
  if (operation == "UpdateAlias") return {"PUT", f + "/aliases/live", R"({"Description":"d"})"};
  if (operation == "ListAliases") return {"GET", f + "/aliases", ""};
  if (operation == "CreateEventSourceMapping") {
    return {"POST", kMappings, R"({"EventSourceArn":")" + kQueue + R"(2","FunctionName":"f","Tags":{"team":"red"}})"};
  }
  if (operation == "GetEventSourceMapping") return {"GET", kMappings + "/" + uuid, ""};
  if (operation == "DeleteEventSourceMapping") return {"DELETE", kMappings + "/" + uuid, ""};
  if (operation == "UpdateEventSourceMapping") return {"PUT", kMappings + "/" + uuid, R"({"BatchSize":3})"};
  if (operation == "CreateFunction" || operation == "UpdateFunctionConfiguration") {
    std::string members;
    if (key == "lambda:Layer") members = R"(,"Layers":[")" + kLayer + "\"]";
    if (key == "lambda:SubnetIds" || key == "lambda:SecurityGroupIds") {
      members = R"(,"VpcConfig":{"SubnetIds":["subnet-1"],"SecurityGroupIds":["sg-1"]})";
    }
    if (key == "lambda:CodeSigningConfigArn") {
      members = R"(,"CodeSigningConfigArn":"arn:aws:lambda:us-east-1:111111111111:code-signing-config:csc-0123456789abcdef0")";
    }
    if (key.starts_with("aws:RequestTag/") || key == "aws:TagKeys") members = R"(,"Tags":{"team":"red"})";
    if (operation == "CreateFunction") return {"POST", kFunctionsPath, create_body("g", kRoleR, members)};
    return {"PUT", f + "/configuration", "{\"Description\":\"d\"" + members + "}"};
  }
  if (operation == "DeleteFunction") return {"DELETE", f, ""};
  if (operation == "GetFunction") return {"GET", f, ""};
  if (operation == "GetFunctionConfiguration") return {"GET", f + "/configuration", ""};
  if (operation == "GetPolicy") return {"GET", f + "/policy", ""};
  if (operation == "Invoke") return {"POST", f + "/invocations", "{}"};
  if (operation == "InvokeAsync") return {"POST", "/2014-11-13/functions/f/invoke-async/", "{}"};
  if (operation == "ListVersionsByFunction") return {"GET", f + "/versions", ""};
  if (operation == "PublishVersion") return {"POST", f + "/versions", "{}"};
  if (operation == "UpdateFunctionCode") return {"PUT", f + "/code", R"({"ZipFile":")" + kChangedZip + "\"}"};
  FAIL("no request for " << operation);
  return {};
}

// The key as a policy names it: ${TagKey} becomes the tag the world's resources carry.
std::string concrete(std::string_view key) {
  std::string out(key);
  if (const auto at = out.find("${TagKey}"); at != std::string::npos) out.replace(at, 9, "team");
  return out;
}

// Function f (tagged team=red) with version 1, alias live, statements s1 and url; a mapping
// (tagged team=red) from a queue to f.
std::string seed(World& world) {
  world.seed_function("f", {{"team", "red"}});
  // R may poll the queues and (for VpcConfig) manage network interfaces, as Lambda needs.
  world.role_policy(allow("sqs:*", kQueue + "*") + "," + allow("ec2:*", "*"));
  const std::string uuid = seed_family(world, "f", kQueue, {{"team", "red"}});
  require_ok(world.store().write([&](store::Mutation& m) {
    store::PermissionInput url;
    url.statement_id = "url";
    url.action = "lambda:InvokeFunctionUrl";
    url.principal = "222222222222";
    url.function_url_auth_type = "AWS_IAM";
    return m.add_permission({std::string(kA), "us-east-1", "f"}, "", url);
  }));
  return uuid;
}

}  // namespace

TEST_CASE("context keys: every key lambda-actions.json lists reaches the operation's request context",
          "[server][control][bypass]") {
  rapidjson::Document table;
  const std::string_view text = policy::embedded_lambda_actions_json();
  table.Parse(text.data(), text.size());
  REQUIRE(table.IsArray());
  int checked = 0;
  for (const auto& row : table.GetArray()) {
    const std::string operation = row["operation"].GetString();
    for (const auto& listed : row["conditionKeys"].GetArray()) {
      const std::string key = listed.GetString();
      if (kNeverOnADirectCall.count(key)) continue;
      DYNAMIC_SECTION(operation << " carries " << key) {
        World world;
        const std::string uuid = seed(world);
        const std::string name = concrete(key);
        const std::string deny_when_present =
            R"({"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Null":{")" + name + R"(":"false"}}})";
        world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*") + "," + deny_when_present);
        const Request r = request_for(operation, key, uuid);
        INFO(r.method << " " << r.path << " " << r.body);
        std::vector<std::pair<std::string, std::string>> headers;
        if (operation == "Invoke") headers.emplace_back("X-Amz-Invocation-Type", "DryRun");
        const Response refused = world.call(r.method, r.path, r.body, kAliceKey, kAliceSecret, headers);
        CHECK(refused.status == 403);
        CHECK(refused.message().find("with an explicit deny") != std::string::npos);
        // Without the deny the same call goes through: the refusal was the key's.
        world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
        const Response allowed = world.call(r.method, r.path, r.body, kAliceKey, kAliceSecret, headers);
        if (operation == "InvokeAsync") {
          CHECK(allowed.status != 403);  // authorized; running code is the executor's
        } else {
          CHECK(allowed.status < 300);
        }
      }
      ++checked;
    }
  }
  CHECK(checked >= 30);
}
