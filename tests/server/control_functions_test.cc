// The control plane's function operations through the one dispatch: signed in-process
// requests, the pipeline's decisions, PassRole and trust (policy-semantics 6.6), the store.
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

TEST_CASE("CreateFunction authorizes lambda:CreateFunction, then iam:PassRole, then the role's trust",
          "[server][control]") {
  World world;
  const std::string body = create_body("F", kRoleR);

  SECTION("P1: lambda:* and PassRole on R: 201 with the $LATEST configuration") {
    world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", kRoleR));
    const Response r = world.call("POST", kFunctionsPath, body);
    REQUIRE(r.status == 201);
    CHECK(r.content_type == "application/json");
    auto doc = r.json();
    CHECK(std::string(doc["FunctionName"].GetString()) == "F");
    CHECK(std::string(doc["FunctionArn"].GetString()) == fn_arn("F"));
    CHECK(std::string(doc["Version"].GetString()) == "$LATEST");
    CHECK(std::string(doc["State"].GetString()) == "Active");
    CHECK_FALSE(doc.HasMember("LastUpdateStatus"));  // omitted in CreateFunction's answer (lambda-api 4.1)
    CHECK(doc["CodeSize"].GetInt64() == static_cast<std::int64_t>(executor::testing::small_zip().size()));
    CHECK(std::string(doc["Role"].GetString()) == kRoleR);
    CHECK(world.call("POST", kFunctionsPath, body).error_type == "ResourceConflictException");
  }
  SECTION("P2: no PassRole: AccessDenied naming iam:PassRole and the role") {
    world.alice_policy(allow("lambda:*", "*"));
    const Response r = world.call("POST", kFunctionsPath, body);
    CHECK(r.status == 403);
    CHECK(r.error_type == "AccessDeniedException");
    CHECK(r.message() ==
          "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:PassRole on resource: "
          "arn:aws:iam::111111111111:role/app/R because no identity-based policy allows the iam:PassRole action");
    CHECK_FALSE(world.has_function("F"));  // refused: nothing was created
  }
  SECTION("P4 and P3: iam:PassedToService is lambda.amazonaws.com") {
    world.alice_policy(allow("lambda:*", "*") + "," +
                       allow("iam:PassRole", kRoleR, R"({"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}})"));
    CHECK(world.call("POST", kFunctionsPath, body).status == 403);
    CHECK_FALSE(world.has_function("F"));
    world.alice_policy(allow("lambda:*", "*") + "," +
                       allow("iam:PassRole", kRoleR, R"({"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}})"));
    CHECK(world.call("POST", kFunctionsPath, body).status == 201);
  }
  SECTION("P7: a trust policy for ec2 only: the role cannot be assumed by Lambda") {
    world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
    const Response r = world.call("POST", kFunctionsPath, create_body("F", kRoleEc2));
    CHECK(r.status == 400);
    CHECK(r.error_type == "InvalidParameterValueException");
    CHECK(r.message() == "The role defined for the function cannot be assumed by Lambda.");
    CHECK_FALSE(world.has_function("F"));
  }
  SECTION("P10: a role that does not exist cannot be assumed either") {
    world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
    const Response r = world.call("POST", kFunctionsPath, create_body("F", "arn:aws:iam::111111111111:role/nope"));
    CHECK(r.status == 400);
    CHECK(r.message() == "The role defined for the function cannot be assumed by Lambda.");
    // The path is part of the role: role/R is not role/app/R.
    CHECK(world.call("POST", kFunctionsPath, create_body("F", "arn:aws:iam::111111111111:role/R")).status == 400);
    CHECK_FALSE(world.has_function("F"));
  }
  SECTION("P11: a role of another account is never passed") {
    world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
    const Response r = world.call("POST", kFunctionsPath, create_body("F", "arn:aws:iam::222222222222:role/X"));
    CHECK(r.status == 403);
    CHECK(r.error_type == "AccessDeniedException");
    CHECK(r.message() == "Cross-account pass role is not allowed.");
    CHECK_FALSE(world.has_function("F"));
  }
  SECTION("P12: a role that is no ARN fails validation before authorization") {
    const Response r = world.call("POST", kFunctionsPath, create_body("F", "role-without-arn"));
    CHECK(r.status == 400);
    CHECK(r.error_type == "ValidationException");
    CHECK_THAT(r.message(), Catch::Contains("Value 'role-without-arn' at 'role' failed to satisfy constraint"));
  }
  SECTION("P15: lambda:CreateFunction is checked before PassRole") {
    world.alice_policy(allow("iam:PassRole", kRoleR));
    const Response r = world.call("POST", kFunctionsPath, body);
    CHECK(r.status == 403);
    CHECK_THAT(r.message(), Catch::Contains("lambda:CreateFunction on resource: " + fn_arn("F")));
    CHECK_FALSE(world.has_function("F"));
  }
  SECTION("the package must be a zip; S3 sources do not exist here") {
    world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", kRoleR));
    const Response bad = world.call("POST", kFunctionsPath,
                                    R"({"FunctionName":"F","Runtime":"python3.12","Role":")" + kRoleR +
                                        R"(","Handler":"h","Code":{"ZipFile":"bm90YXppcA=="}})");
    CHECK(bad.status == 400);
    CHECK(bad.message() == "Could not unzip uploaded file. Please check your file, then try to upload again.");
    const Response s3 = world.call("POST", kFunctionsPath,
                                   R"({"FunctionName":"F","Runtime":"python3.12","Role":")" + kRoleR +
                                       R"(","Handler":"h","Code":{"S3Bucket":"bucket","S3Key":"k.zip"}})");
    CHECK(s3.status == 400);
    CHECK_THAT(s3.message(), Catch::StartsWith("Error occurred while GetObject."));
  }
  SECTION("reserved environment keys are refused") {
    world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", kRoleR));
    const Response r = world.call("POST", kFunctionsPath,
                                  create_body("F", kRoleR, R"(,"Environment":{"Variables":{"AWS_REGION":"x"}})"));
    CHECK(r.status == 400);
    CHECK_THAT(r.message(), Catch::EndsWith("Reserved keys used in this request: AWS_REGION"));
  }
}

TEST_CASE("UpdateFunctionConfiguration checks PassRole only when Role is sent", "[server][control]") {
  World world;
  world.seed_function("F");
  world.alice_policy(allow("lambda:*", "*"));
  const std::string path = kFunctionsPath + "/F/configuration";

  // P16: no Role, no PassRole needed.
  const Response r = world.call("PUT", path, R"({"Timeout":30,"Environment":{"Variables":{"STAGE":"prod"}}})");
  REQUIRE(r.status == 200);
  auto doc = r.json();
  CHECK(doc["Timeout"].GetInt() == 30);
  CHECK(std::string(doc["Environment"]["Variables"]["STAGE"].GetString()) == "prod");
  CHECK(std::string(doc["LastUpdateStatus"].GetString()) == "Successful");

  const Response with_role = world.call("PUT", path, R"({"Role":")" + kRoleR + "\"}");
  CHECK(with_role.status == 403);
  CHECK_THAT(with_role.message(), Catch::Contains("iam:PassRole"));

  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
  CHECK(world.call("PUT", path, R"({"Role":")" + kRoleEc2 + "\"}").error_type == "InvalidParameterValueException");
  CHECK(world.call("PUT", path, R"({"Role":")" + kRoleR + "\"}").status == 200);
  CHECK(world.call("PUT", path, R"({"Timeout":5,"RevisionId":"stale"})").status == 412);
}

TEST_CASE("GetFunction, GetFunctionConfiguration and DeleteFunction, allowed and denied", "[server][control]") {
  World world;
  world.seed_function("F", {{"team", "blue"}});

  SECTION("no identity policy: denied with the exact ARN form used") {
    const Response r = world.call("GET", kFunctionsPath + "/F/configuration");
    CHECK(r.status == 403);
    CHECK(r.message() == "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
                         "lambda:GetFunctionConfiguration on resource: " + fn_arn("F") +
                             " because no identity-based policy allows the lambda:GetFunctionConfiguration action");
  }
  SECTION("allowed: the configuration with the fields the SDK waiters read") {
    world.alice_policy(allow("lambda:GetFunctionConfiguration", fn_arn("F")));
    const Response r = world.call("GET", kFunctionsPath + "/F/configuration");
    REQUIRE(r.status == 200);
    auto doc = r.json();
    CHECK(std::string(doc["State"].GetString()) == "Active");
    CHECK(std::string(doc["LastUpdateStatus"].GetString()) == "Successful");
    CHECK(std::string(doc["PackageType"].GetString()) == "Zip");
    CHECK(std::string(doc["LastModified"].GetString()).ends_with("+0000"));
    // Resource f covers unqualified calls only (lambda-api 7.4).
    CHECK(world.call("GET", kFunctionsPath + "/F/configuration?Qualifier=%24LATEST").status == 403);
  }
  SECTION("aws:ResourceTag of the function reaches the decision") {
    world.alice_policy(allow("lambda:GetFunction", "*", R"({"StringEquals":{"aws:ResourceTag/team":"blue"}})"));
    const Response r = world.call("GET", kFunctionsPath + "/F");
    REQUIRE(r.status == 200);
    auto doc = r.json();
    CHECK(std::string(doc["Configuration"]["FunctionName"].GetString()) == "F");
    CHECK(std::string(doc["Code"]["RepositoryType"].GetString()) == "S3");
    CHECK_FALSE(doc.HasMember("Tags"));  // no lambda:ListTags
    world.alice_policy(allow("lambda:GetFunction", "*") + "," + allow("lambda:ListTags", "*"));
    CHECK(std::string(world.call("GET", kFunctionsPath + "/F").json()["Tags"]["team"].GetString()) == "blue");
    world.alice_policy(allow("lambda:GetFunction", "*", R"({"StringEquals":{"aws:ResourceTag/team":"red"}})"));
    CHECK(world.call("GET", kFunctionsPath + "/F").status == 403);
  }
  SECTION("missing function: 404 after authorization") {
    world.alice_policy(allow("lambda:*", "*"));
    const Response r = world.call("GET", kFunctionsPath + "/nope");
    CHECK(r.status == 404);
    CHECK(r.message() == "Function not found: " + fn_arn("nope"));
  }
  SECTION("DeleteFunction: 204 empty, then 404") {
    world.alice_policy(allow("lambda:DeleteFunction", fn_arn("F")));
    const Response r = world.call("DELETE", kFunctionsPath + "/F");
    CHECK(r.status == 204);
    CHECK(r.body.empty());
    CHECK(world.call("DELETE", kFunctionsPath + "/F").status == 404);
    CHECK(world.call("DELETE", kFunctionsPath + "/F?Qualifier=%24LATEST").status == 403);
  }
}

TEST_CASE("the dispatch answers routing and authentication failures in Lambda's shape", "[server][control]") {
  World world;
  CHECK(world.call("GET", "/2015-03-31/nothing-here").error_type == "UnknownOperationException");
  const Response wrong_secret = world.call("GET", kFunctionsPath, "", kAliceKey, "wrongwrongwrongwrongwrongwrongwrongwrong");
  CHECK(wrong_secret.status == 403);
  CHECK(wrong_secret.error_type == "InvalidSignatureException");
  const Response unknown_key = world.call("GET", kFunctionsPath, "", "AKIAUNKNOWN000000000", kAliceSecret);
  CHECK(unknown_key.error_type == "UnrecognizedClientException");
}

TEST_CASE("ListFunctions pages with Marker and MaxItems, only the caller's account", "[server][control]") {
  World world;
  for (const char* name : {"a", "b", "c"}) world.seed_function(name);
  world.alice_policy(allow("lambda:ListFunctions", "*"));
  const Response first = world.call("GET", kFunctionsPath + "?MaxItems=2");
  REQUIRE(first.status == 200);
  auto doc = first.json();
  REQUIRE(doc["Functions"].Size() == 2);
  CHECK_FALSE(doc["Functions"][0].HasMember("State"));  // lists omit State* (lambda-api 4.1)
  REQUIRE(doc.HasMember("NextMarker"));
  const std::string marker = doc["NextMarker"].GetString();
  auto rest = world.call("GET", kFunctionsPath + "?MaxItems=2&Marker=" + marker).json();
  CHECK(rest["Functions"].Size() == 1);
  CHECK(std::string(rest["Functions"][0]["FunctionName"].GetString()) == "c");
  CHECK_FALSE(rest.HasMember("NextMarker"));
  world.bob_policy(allow("lambda:ListFunctions", "*"));
  CHECK(world.bob("GET", kFunctionsPath).json()["Functions"].Size() == 0);
  CHECK(world.call("GET", kFunctionsPath, "", kBobKey, kBobSecret).status == 200);
  world.bob_policy(allow("lambda:GetFunction", "*"));
  CHECK(world.bob("GET", kFunctionsPath).status == 403);
}

TEST_CASE("UpdateFunctionCode replaces $LATEST's package, or publishes it", "[server][control]") {
  World world;
  world.seed_function("F");
  world.alice_policy(allow("lambda:*", "*"));
  const std::string path = kFunctionsPath + "/F/code";
  const Response r = world.call("PUT", path, R"({"ZipFile":")" + kChangedZip + "\"}");
  REQUIRE(r.status == 200);
  const std::string sha = r.json()["CodeSha256"].GetString();
  CHECK(sha.size() == 44);
  CHECK(std::string(r.json()["FunctionArn"].GetString()) == fn_arn("F"));
  const Response published = world.call("PUT", path, R"({"ZipFile":")" + kZip + R"(","Publish":true})");
  REQUIRE(published.status == 200);
  CHECK(std::string(published.json()["Version"].GetString()) == "1");
  CHECK(std::string(published.json()["FunctionArn"].GetString()) == fn_arn("F") + ":1");
  CHECK(world.call("PUT", path, R"({"ZipFile":"bm90YXppcA=="})").error_type == "InvalidParameterValueException");
  world.alice_policy(allow("lambda:GetFunction", "*"));
  CHECK(world.call("PUT", path, R"({"ZipFile":")" + kZip + "\"}").status == 403);
}

TEST_CASE("GetAccountSettings reports limits and the account's real usage", "[server][control]") {
  World world;
  world.seed_function("a");
  world.seed_function("b");
  world.alice_policy(allow("lambda:GetAccountSettings", "*"));
  const Response r = world.call("GET", "/2016-08-19/account-settings");
  REQUIRE(r.status == 200);
  auto doc = r.json();
  CHECK(doc["AccountLimit"]["TotalCodeSize"].GetInt64() == 80530636800);
  CHECK(doc["AccountUsage"]["FunctionCount"].GetInt64() == 2);
  CHECK(doc["AccountUsage"]["TotalCodeSize"].GetInt64() == 2 * static_cast<std::int64_t>(executor::testing::small_zip().size()));
  world.alice_policy(allow("lambda:ListFunctions", "*"));
  CHECK(world.call("GET", "/2016-08-19/account-settings").status == 403);
}

TEST_CASE("GetFunctionConfiguration answers the stored revision: the same body until a write, then the new one",
          "[server][control]") {
  World world;
  world.seed_function("F");
  world.alice_policy(allow("lambda:*", "*"));
  const std::string path = kFunctionsPath + "/F/configuration";

  const Response first = world.call("GET", path);
  REQUIRE(first.status == 200);
  CHECK(world.call("GET", path).body == first.body);
  const std::string revision = first.json()["RevisionId"].GetString();
  CHECK(first.json()["Timeout"].GetInt() == 3);

  // $LATEST by name is the same configuration under its qualified ARN.
  const Response latest = world.call("GET", path + "?Qualifier=%24LATEST");
  REQUIRE(latest.status == 200);
  CHECK(std::string(latest.json()["FunctionArn"].GetString()) == fn_arn("F") + ":$LATEST");
  CHECK(std::string(latest.json()["RevisionId"].GetString()) == revision);

  REQUIRE(world.call("PUT", path, R"({"Timeout":30})").status == 200);
  for (const std::string& target : {path, path + "?Qualifier=%24LATEST"}) {
    const Response updated = world.call("GET", target);
    REQUIRE(updated.status == 200);
    CHECK(updated.json()["Timeout"].GetInt() == 30);
    CHECK(std::string(updated.json()["RevisionId"].GetString()) != revision);
  }

  // Deleted and made again under the same name: the new function's configuration.
  REQUIRE(world.call("DELETE", kFunctionsPath + "/F").status == 204);
  CHECK(world.call("GET", path).status == 404);
  world.seed_function("F");
  const Response again = world.call("GET", path);
  REQUIRE(again.status == 200);
  CHECK(again.json()["Timeout"].GetInt() == 3);
  CHECK(std::string(again.json()["RevisionId"].GetString()) != revision);
}
