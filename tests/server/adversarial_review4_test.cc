// A fourth adversarial review's finding on the execution role's own calls (fixed; the test
// failed before the fix).
#include <catch2/catch.hpp>

#include "tests/server/sidecar_test_support.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

TEST_CASE("review 4: Lambda's own calls with the execution role carry no lambda:SourceFunctionArn",
          "[server][control][review4]") {
  // AWS ("Using source function ARN to control function access behavior", Lambda developer
  // guide): the key is injected into requests made from the execution environment (and Lambda's
  // CloudWatch Logs, X-Ray and EFS calls); "Other AWS API calls that Lambda makes outside of your
  // execution environment on your behalf using the same execution role don't contain the source
  // function ARN", naming the EC2 network-interface calls of a VPC function and the reads of an
  // event-source mapping. authz::authorize_role added the key to every one of them.
  World world;
  world.seed_function("F");
  world.alice_policy(allow("*", "*"));
  const std::string queue = "arn:aws:sqs:us-east-1:111111111111:jobs";
  const std::string mapping = R"({"EventSourceArn":")" + queue + R"(","FunctionName":"F"})";
  const std::string any_function = R"({"StringLike":{"lambda:SourceFunctionArn":"*"}})";

  SECTION("a grant only to function code does not let the poller read the queue") {
    world.role_policy(allow("sqs:*", queue, any_function));
    const Response r = world.call("POST", "/2015-03-31/event-source-mappings/", mapping);
    CHECK(r.status == 400);
    CHECK(r.message() == "The provided execution role does not have permissions to call ReceiveMessage on SQS");
  }
  SECTION("a deny aimed at function code does not stop the poller") {
    world.role_policy(allow("sqs:*", queue) + R"(,{"Effect":"Deny","Action":"sqs:*","Resource":"*","Condition":)" +
                      any_function + "}");
    const Response r = world.call("POST", "/2015-03-31/event-source-mappings/", mapping);
    INFO(r.body);
    CHECK(r.status == 202);
  }
  SECTION("nor the network interfaces of a VPC function") {
    world.role_policy(allow("ec2:*", "*") + R"(,{"Effect":"Deny","Action":"ec2:*","Resource":"*","Condition":)" +
                      any_function + "}");
    const Response r = world.call("PUT", kFunctionsPath + "/F/configuration",
                                  R"({"VpcConfig":{"SubnetIds":["subnet-1"],"SecurityGroupIds":["sg-1"]}})");
    INFO(r.body);
    CHECK(r.status == 200);
  }
}
