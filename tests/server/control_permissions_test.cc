// Function policies through the dispatch: AddPermission/GetPolicy/RemovePermission, the seed's
// examples (S3 with SourceArn/SourceAccount, API Gateway, cross-account by account id) and the
// exact-qualifier rule (lambda-api 7), with Invoke/InvokeAsync authorization (section 6).
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

const std::string kPolicyPath = kFunctionsPath + "/F/policy";
const std::vector<std::pair<std::string, std::string>> kDryRun = {{"X-Amz-Invocation-Type", "DryRun"}};

// F with version 1 and alias PROD -> 1.
void seed_with_alias(World& world) {
  world.seed_function("F");
  require_ok(world.store().write([](store::Mutation& m) -> store::Result<store::Alias> {
    const store::FunctionRef ref{std::string(kA), "us-east-1", "F"};
    if (auto v = m.publish_version(ref); !v) return v.error();
    return m.create_alias(ref, {"PROD", "1", "", std::nullopt});
  }));
}

}  // namespace

TEST_CASE("AddPermission builds Lambda's statement; GetPolicy and RemovePermission follow it", "[server][control]") {
  World world;
  seed_with_alias(world);
  world.alice_policy(allow("lambda:*", "*"));

  SECTION("S3 with SourceArn and SourceAccount, on alias PROD") {
    const Response added = world.call(
        "POST", kPolicyPath + "?Qualifier=PROD",
        R"({"StatementId":"s3-prod","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::examplebucket","SourceAccount":"111111111111"})");
    REQUIRE(added.status == 201);
    const std::string statement = added.json()["Statement"].GetString();  // a string, not an object
    CHECK(statement ==
          R"({"Sid":"s3-prod","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":")" +
              fn_arn("F") +
              R"(:PROD","Condition":{"StringEquals":{"AWS:SourceAccount":"111111111111"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::examplebucket"}}})");
    const Response policy = world.call("GET", kPolicyPath + "?Qualifier=PROD");
    REQUIRE(policy.status == 200);
    auto doc = policy.json();
    CHECK(std::string(doc["Policy"].GetString()) ==
          R"({"Version":"2012-10-17","Id":"default","Statement":[)" + statement + "]}");
    CHECK(std::string(doc["RevisionId"].GetString()).size() == 36);
    // Each qualifier has its own document.
    CHECK(world.call("GET", kPolicyPath).status == 404);
    CHECK(world.call("POST", kPolicyPath + "?Qualifier=PROD",
                     R"({"StatementId":"s3-prod","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"})")
              .error_type == "ResourceConflictException");
    // The statement conditioned on the S3 source never matches an IAM caller.
    world.bob_policy(allow("lambda:InvokeFunction", "*"));
    CHECK(world.bob("POST", kFunctionsPath + "/" + fn_arn("F") + ":PROD/invocations", "{}", kDryRun).status == 403);

    const Response removed = world.call("DELETE", kPolicyPath + "/s3-prod?Qualifier=PROD");
    CHECK(removed.status == 204);
    CHECK(removed.body.empty());
    CHECK(world.call("GET", kPolicyPath + "?Qualifier=PROD").status == 404);
    CHECK(world.call("DELETE", kPolicyPath + "/s3-prod?Qualifier=PROD").message() ==
          "No policy is associated with the given resource.");
  }
  SECTION("API Gateway with a wildcard SourceArn") {
    const Response added = world.call(
        "POST", kPolicyPath,
        R"({"StatementId":"apigw","Action":"lambda:InvokeFunction","Principal":"apigateway.amazonaws.com","SourceArn":"arn:aws:execute-api:us-east-1:111111111111:abc123/*/GET/hello"})");
    REQUIRE(added.status == 201);
    CHECK_THAT(std::string(added.json()["Statement"].GetString()),
               Catch::Contains(R"("Principal":{"Service":"apigateway.amazonaws.com"})") &&
                   Catch::Contains(R"("ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:111111111111:abc123/*/GET/hello"})"));
  }
  SECTION("Lambda's refusals: $LATEST, a bad principal, a missing alias") {
    CHECK(world.call("POST", kPolicyPath + "?Qualifier=%24LATEST",
                     R"({"StatementId":"x","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"})")
              .message() == "We currently do not support adding policies for $LATEST.");
    CHECK(world.call("POST", kPolicyPath,
                     R"({"StatementId":"x","Action":"lambda:InvokeFunction","Principal":"invalid.nonaws.com"})")
              .message() == "The provided principal was invalid. Please check the principal and try again.");
    CHECK(world.call("POST", kPolicyPath + "?Qualifier=BETA",
                     R"({"StatementId":"x","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"})")
              .message() == "Cannot find alias arn: " + fn_arn("F") + ":BETA");
  }
  SECTION("denied without lambda:AddPermission; RemovePermission sees lambda:Principal of the statement") {
    world.alice_policy(allow("lambda:GetPolicy", "*"));
    CHECK(world.call("POST", kPolicyPath,
                     R"({"StatementId":"x","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"})")
              .status == 403);
    CHECK(world.statement_ids("F").empty());  // refused: no statement x was stored
    world.alice_policy(allow("lambda:AddPermission", "*") + "," +
                       allow("lambda:RemovePermission", "*",
                             R"({"StringEquals":{"lambda:Principal":"sns.amazonaws.com"}})"));
    REQUIRE(world.call("POST", kPolicyPath,
                       R"({"StatementId":"s3","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"})")
                .status == 201);
    REQUIRE(world.call("POST", kPolicyPath,
                       R"({"StatementId":"sns","Action":"lambda:InvokeFunction","Principal":"sns.amazonaws.com"})")
                .status == 201);
    CHECK(world.call("DELETE", kPolicyPath + "/s3").status == 403);
    CHECK(world.statement_ids("F") == std::vector<std::string>{"s3", "sns"});  // s3 is still there
    CHECK(world.call("DELETE", kPolicyPath + "/sns").status == 204);
    CHECK(world.statement_ids("F") == std::vector<std::string>{"s3"});
  }
}

TEST_CASE("cross-account Invoke needs the owner's function policy on the exact qualifier and the caller's identity policy",
          "[server][control]") {
  World world;
  seed_with_alias(world);
  world.alice_policy(allow("lambda:*", "*"));
  // The seed's `--principal <account>` form on alias PROD.
  REQUIRE(world.call("POST", kPolicyPath + "?Qualifier=PROD",
                     R"({"StatementId":"b-prod","Action":"lambda:InvokeFunction","Principal":"222222222222"})")
              .status == 201);
  const std::string prod = kFunctionsPath + "/" + fn_arn("F") + ":PROD/invocations";
  const std::string unqualified = kFunctionsPath + "/" + fn_arn("F") + "/invocations";
  const std::string version = kFunctionsPath + "/" + fn_arn("F") + ":1/invocations";

  SECTION("without an identity policy bob is denied by his own account") {
    const Response r = world.bob("POST", prod, "{}", kDryRun);
    CHECK(r.status == 403);
    CHECK_THAT(r.message(), Catch::EndsWith("because no identity-based policy allows the lambda:InvokeFunction action"));
  }
  SECTION("with one, PROD is allowed (DryRun 204) and nothing else is") {
    world.bob_policy(allow("lambda:InvokeFunction", "*"));
    const Response r = world.bob("POST", prod, "{}", kDryRun);
    CHECK(r.status == 204);
    CHECK(r.body.empty());
    // A permission on alias PROD covers neither the unqualified function nor the version it points to.
    const Response plain = world.bob("POST", unqualified, "{}", kDryRun);
    CHECK(plain.status == 403);
    CHECK(plain.message() == "User: arn:aws:iam::222222222222:user/bob is not authorized to perform: "
                             "lambda:InvokeFunction on resource: " + fn_arn("F") +
                                 " because no resource-based policy allows the lambda:InvokeFunction action");
    CHECK(world.bob("POST", version, "{}", kDryRun).status == 403);
    // Other operations on the function are not cross-account through this statement.
    CHECK(world.bob("GET", kFunctionsPath + "/" + fn_arn("F") + ":PROD/configuration").status == 403);
  }
  SECTION("a permission on the unqualified function does not cover PROD") {
    REQUIRE(world.call("POST", kPolicyPath,
                       R"({"StatementId":"b","Action":"lambda:InvokeFunction","Principal":"222222222222"})")
                .status == 201);
    REQUIRE(world.call("DELETE", kPolicyPath + "/b-prod?Qualifier=PROD").status == 204);
    world.bob_policy(allow("lambda:InvokeFunction", "*"));
    CHECK(world.bob("POST", unqualified, "{}", kDryRun).status == 204);
    CHECK(world.bob("POST", prod, "{}", kDryRun).status == 403);
  }
}

TEST_CASE("Invoke and InvokeAsync: authorized, DryRun complete, execution honestly unavailable", "[server][control]") {
  World world;
  world.seed_function("F");
  const std::string invoke = kFunctionsPath + "/F/invocations";

  SECTION("denied without lambda:InvokeFunction") {
    CHECK(world.call("POST", invoke, "{}", kAliceKey, kAliceSecret, kDryRun).status == 403);
    CHECK(world.call("POST", "/2014-11-13/functions/F/invoke-async", "{}").status == 403);
  }
  SECTION("allowed") {
    world.alice_policy(allow("lambda:InvokeFunction", fn_arn("F")));
    CHECK(world.call("POST", invoke, "{}", kAliceKey, kAliceSecret, kDryRun).status == 204);
    for (const char* type : {"RequestResponse", "Event"}) {
      const Response r = world.call("POST", invoke, "{}", kAliceKey, kAliceSecret, {{"X-Amz-Invocation-Type", type}});
      CHECK(r.status == 500);
      CHECK(r.error_type == "ServiceException");
      CHECK_THAT(r.message(), Catch::Contains("execution is not available"));
    }
    const Response async = world.call("POST", "/2014-11-13/functions/F/invoke-async", "{}");
    CHECK(async.status == 500);
    CHECK_THAT(async.message(), Catch::Contains("execution is not available"));
    // The unqualified not-found message names $LATEST (lambda-api 3.2 rule 6).
    world.alice_policy(allow("lambda:InvokeFunction", "*"));
    CHECK(world.call("POST", kFunctionsPath + "/nope/invocations", "{}", kAliceKey, kAliceSecret, kDryRun).message() ==
          "Function not found: " + fn_arn("nope") + ":$LATEST");
  }
  SECTION("an explicit deny of lambda:InvokeAsync refuses InvokeAsync only") {
    world.alice_policy(allow("lambda:InvokeFunction", "*") +
                       R"(,{"Effect":"Deny","Action":"lambda:InvokeAsync","Resource":"*"})");
    CHECK(world.call("POST", "/2014-11-13/functions/F/invoke-async", "{}").status == 403);
    CHECK(world.call("POST", invoke, "{}", kAliceKey, kAliceSecret, kDryRun).status == 204);
  }
}
