// Versions, aliases and event-source mappings through the dispatch (lambda-api 5, 8).
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

TEST_CASE("PublishVersion, ListVersionsByFunction and the alias operations", "[server][control]") {
  World world;
  world.seed_function("F");
  world.alice_policy(allow("lambda:*", "*"));

  const Response published = world.call("POST", kFunctionsPath + "/F/versions", R"({"Description":"first"})");
  REQUIRE(published.status == 201);
  CHECK(std::string(published.json()["Version"].GetString()) == "1");
  CHECK(std::string(published.json()["FunctionArn"].GetString()) == fn_arn("F") + ":1");
  CHECK(std::string(published.json()["Description"].GetString()) == "first");
  CHECK(world.call("POST", kFunctionsPath + "/F/versions", R"({"CodeSha256":"wrong"})").error_type ==
        "InvalidParameterValueException");

  auto versions = world.call("GET", kFunctionsPath + "/F/versions").json();
  REQUIRE(versions["Versions"].Size() == 2);
  CHECK(std::string(versions["Versions"][0]["FunctionArn"].GetString()) == fn_arn("F") + ":$LATEST");
  CHECK(std::string(versions["Versions"][1]["FunctionArn"].GetString()) == fn_arn("F") + ":1");

  const Response alias = world.call("POST", kFunctionsPath + "/F/aliases", R"({"Name":"PROD","FunctionVersion":"1"})");
  REQUIRE(alias.status == 201);
  CHECK(std::string(alias.json()["AliasArn"].GetString()) == fn_arn("F") + ":PROD");
  CHECK(world.call("POST", kFunctionsPath + "/F/aliases", R"({"Name":"PROD","FunctionVersion":"1"})").status == 409);
  CHECK(world.call("POST", kFunctionsPath + "/F/aliases", R"({"Name":"X","FunctionVersion":"7"})").message() ==
        "Function not found: " + fn_arn("F") + ":7");
  CHECK(std::string(world.call("GET", kFunctionsPath + "/F/aliases/PROD").json()["FunctionVersion"].GetString()) == "1");
  // Reading through the alias: the alias ARN, the version it resolves to.
  auto config = world.call("GET", kFunctionsPath + "/F:PROD/configuration").json();
  CHECK(std::string(config["FunctionArn"].GetString()) == fn_arn("F") + ":PROD");
  CHECK(std::string(config["Version"].GetString()) == "1");

  const Response updated = world.call("PUT", kFunctionsPath + "/F/aliases/PROD",
                                      R"({"FunctionVersion":"$LATEST","Description":"moved"})");
  REQUIRE(updated.status == 200);
  CHECK(std::string(updated.json()["Description"].GetString()) == "moved");
  CHECK(world.call("PUT", kFunctionsPath + "/F/aliases/NOPE", "{}").message() ==
        "Alias not found: " + fn_arn("F") + ":NOPE");
  CHECK(world.call("GET", kFunctionsPath + "/F/aliases?FunctionVersion=1").json()["Aliases"].Size() == 0);
  CHECK(world.call("GET", kFunctionsPath + "/F/aliases").json()["Aliases"].Size() == 1);
  CHECK(world.call("DELETE", kFunctionsPath + "/F/aliases/PROD").status == 204);
  CHECK(world.call("GET", kFunctionsPath + "/F/aliases/PROD").message() ==
        "Cannot find alias arn: " + fn_arn("F") + ":PROD");

  world.alice_policy(allow("lambda:GetFunction", "*"));
  const std::size_t version_total = world.version_count("F");
  CHECK(world.call("POST", kFunctionsPath + "/F/versions", R"({"Description":"refused"})").status == 403);
  CHECK(version_total > 0);
  CHECK(world.version_count("F") == version_total);  // refused: no version published
  CHECK(world.call("POST", kFunctionsPath + "/F/aliases", R"({"Name":"B","FunctionVersion":"1"})").status == 403);
  CHECK(world.alias_names("F").empty());  // refused: no alias B (PROD was deleted above)
  CHECK(world.call("GET", kFunctionsPath + "/F/aliases").status == 403);
  CHECK(world.call("GET", kFunctionsPath + "/F/versions").status == 403);
}

TEST_CASE("event-source mappings: create, get, list, update, delete, each authorized", "[server][control]") {
  World world;
  world.seed_function("F");
  const std::string path = "/2015-03-31/event-source-mappings";
  const std::string body =
      R"({"EventSourceArn":"arn:aws:sqs:us-east-1:111111111111:queue","FunctionName":"F","BatchSize":5})";

  CHECK(world.call("POST", path, body).status == 403);
  world.alice_policy(allow("lambda:*", "*"));
  // Lambda polls the queue with the function's execution role, which must be able to.
  world.role_policy(allow("sqs:*", "arn:aws:sqs:us-east-1:111111111111:queue"));
  const Response created = world.call("POST", path, body);
  REQUIRE(created.status == 202);
  auto doc = created.json();
  const std::string uuid = doc["UUID"].GetString();
  CHECK(std::string(doc["FunctionArn"].GetString()) == fn_arn("F"));
  CHECK(doc["BatchSize"].GetInt() == 5);
  CHECK(doc["LastModified"].IsNumber());  // epoch seconds (lambda-api 1.2)
  CHECK(world.call("POST", path, R"({"EventSourceArn":"arn:aws:sqs:us-east-1:111111111111:q2","FunctionName":"nope"})")
            .message() == "Function does not exist");

  CHECK(world.call("GET", path + "/" + uuid).status == 200);
  CHECK(world.call("GET", path + "?FunctionName=F").json()["EventSourceMappings"].Size() == 1);
  CHECK(world.call("GET", path + "?FunctionName=F%3APROD").status == 200);
  const Response updated = world.call("PUT", path + "/" + uuid, R"({"Enabled":false,"BatchSize":9})");
  REQUIRE(updated.status == 202);
  CHECK(std::string(updated.json()["State"].GetString()) == "Disabled");
  CHECK(updated.json()["BatchSize"].GetInt() == 9);

  // lambda:FunctionArn of the stored mapping reaches the decision.
  world.alice_policy(allow("lambda:DeleteEventSourceMapping", "*",
                           R"({"StringEquals":{"lambda:FunctionArn":")" + fn_arn("other") + "\"}}"));
  CHECK(world.call("DELETE", path + "/" + uuid).status == 403);
  world.alice_policy(allow("lambda:DeleteEventSourceMapping", "*",
                           R"({"StringEquals":{"lambda:FunctionArn":")" + fn_arn("F") + "\"}}"));
  CHECK(world.call("DELETE", path + "/" + uuid).status == 202);
  world.alice_policy(allow("lambda:*", "*"));
  CHECK(world.call("GET", path + "/" + uuid).message() == "The resource you requested does not exist.");
}
