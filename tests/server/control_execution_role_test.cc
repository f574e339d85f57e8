// Lambda's service-side checks with the function's execution role (lambda-api 9 step 9,
// lambda-actions.json CreateEventSourceMapping, seed-notes 10.5 and 11): the role is the
// caller, its identity policies decide, the caller's own permissions do not help.
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

const std::string kQueue = "arn:aws:sqs:us-east-1:111111111111:dlq";
const std::string kTopic = "arn:aws:sns:us-east-1:111111111111:dead";
const std::string kStream = "arn:aws:kinesis:us-east-1:111111111111:stream/orders";
const std::string kTableStream = "arn:aws:dynamodb:us-east-1:111111111111:table/T/stream/2024-01-01T00:00:00.000";
const std::string kSourceQueue = "arn:aws:sqs:us-east-1:111111111111:jobs";
const std::string kMappingsPath = "/2015-03-31/event-source-mappings/";

std::string dead_letter(const std::string& target) {
  return R"(,"DeadLetterConfig":{"TargetArn":")" + target + "\"}";
}

std::string mapping_body(const std::string& source, std::string_view function = "F", bool stream = true) {
  return R"({"EventSourceArn":")" + source + R"(","FunctionName":")" + std::string(function) + "\"" +
         (stream ? R"(,"StartingPosition":"LATEST")" : "") + "}";
}

}  // namespace

TEST_CASE("DeadLetterConfig: the execution role must be able to send to the target", "[server][control][role]") {
  World world;
  // alice may do everything herself: only the role's permissions matter.
  world.alice_policy(allow("*", "*"));

  SECTION("SQS queue: sqs:SendMessage on the queue") {
    const Response refused = world.call("POST", kFunctionsPath, create_body("F", kRoleR, dead_letter(kQueue)));
    CHECK(refused.status == 400);
    CHECK(refused.error_type == "InvalidParameterValueException");
    CHECK(refused.message() == "The provided execution role does not have permissions to call SendMessage on SQS");
    // Nothing was created.
    CHECK(world.call("GET", kFunctionsPath + "/F").status == 404);
    world.role_policy(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:111111111111:other"));
    CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleR, dead_letter(kQueue))).status == 400);
    world.role_policy(allow("sqs:SendMessage", kQueue));
    const Response created = world.call("POST", kFunctionsPath, create_body("F", kRoleR, dead_letter(kQueue)));
    REQUIRE(created.status == 201);
    CHECK(std::string(created.json()["DeadLetterConfig"]["TargetArn"].GetString()) == kQueue);
  }
  SECTION("SNS topic: sns:Publish on the topic; SendMessage does not do") {
    world.role_policy(allow("sqs:SendMessage", "*"));
    const Response refused = world.call("POST", kFunctionsPath, create_body("F", kRoleR, dead_letter(kTopic)));
    CHECK(refused.status == 400);
    CHECK(refused.message() == "The provided execution role does not have permissions to call Publish on SNS");
    world.role_policy(allow("sns:Publish", kTopic));
    CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleR, dead_letter(kTopic))).status == 201);
  }
  SECTION("an explicit deny in the role's policy wins over its allow") {
    world.role_policy(allow("sqs:*", "*") + R"(,{"Effect":"Deny","Action":"sqs:SendMessage","Resource":")" +
                           kQueue + "\"}");
    CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleR, dead_letter(kQueue))).status == 400);
  }
  SECTION("Lambda's own calls carry no lambda:SourceFunctionArn (only the function's code does)") {
    // AWS: calls Lambda makes outside the execution environment with the role do not carry the
    // key, so a grant conditioned on it does not let Lambda deliver dead letters.
    world.role_policy(allow("sqs:SendMessage", kQueue, R"({"ArnEquals":{"lambda:SourceFunctionArn":")" +
                                                            fn_arn("team-a") + "\"}}"));
    CHECK(world.call("POST", kFunctionsPath, create_body("team-a", kRoleR, dead_letter(kQueue))).status == 400);
    CHECK(world.call("POST", kFunctionsPath, create_body("team-b", kRoleR, dead_letter(kQueue))).status == 400);
  }
  SECTION("an empty TargetArn clears the target and needs nothing") {
    CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleR, dead_letter(""))).status == 201);
  }
  SECTION("a target that is neither a queue nor a topic is refused") {
    world.role_policy(allow("*", "*"));
    const Response r = world.call("POST", kFunctionsPath,
                                  create_body("F", kRoleR, dead_letter("arn:aws:s3:::bucket")));
    CHECK(r.status == 400);
    CHECK(r.error_type == "InvalidParameterValueException");
  }
}

TEST_CASE("UpdateFunctionConfiguration checks DeadLetterConfig with the role the function will have",
          "[server][control][role]") {
  World world;
  world.seed_function("F");  // role R, which may do nothing yet
  world.alice_policy(allow("*", "*"));
  const std::string path = kFunctionsPath + "/F/configuration";

  const Response refused = world.call("PUT", path, R"({"DeadLetterConfig":{"TargetArn":")" + kQueue + "\"}}");
  CHECK(refused.status == 400);
  CHECK(refused.message() == "The provided execution role does not have permissions to call SendMessage on SQS");
  world.role_policy(allow("sqs:SendMessage", kQueue));
  CHECK(world.call("PUT", path, R"({"DeadLetterConfig":{"TargetArn":")" + kQueue + "\"}}").status == 200);
  // With a new Role, that role's policies decide: S may do nothing.
  world.add_role("S", kLambdaTrust);
  const Response with_other =
      world.call("PUT", path, R"({"Role":"arn:aws:iam::111111111111:role/app/S","DeadLetterConfig":{"TargetArn":")" +
                                  kQueue + "\"}}");
  CHECK(with_other.status == 400);
  CHECK(with_other.message() == "The provided execution role does not have permissions to call SendMessage on SQS");
  CHECK(world.call("PUT", path, R"({"DeadLetterConfig":{"TargetArn":""}})").status == 200);
}

TEST_CASE("CreateEventSourceMapping: the function's execution role must be able to read the source",
          "[server][control][role]") {
  World world;
  world.seed_function("F");
  world.alice_policy(allow("*", "*"));

  SECTION("Kinesis: refused without the stream's read actions, with Lambda's message") {
    const Response r = world.call("POST", kMappingsPath, mapping_body(kStream));
    CHECK(r.status == 400);
    CHECK(r.error_type == "InvalidParameterValueException");
    CHECK(r.message() == "Cannot access stream " + kStream +
                             ". Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, "
                             "and ListStreams Actions on your stream in IAM.");
    // The seed's Kinesis template: ListStreams on stream/*, the rest on the stream.
    world.role_policy(allow("kinesis:ListStreams", "arn:aws:kinesis:us-east-1:111111111111:stream/*") + "," +
                           R"({"Effect":"Allow","Action":["kinesis:DescribeStream","kinesis:GetRecords"],"Resource":")" +
                           kStream + "\"}");
    CHECK(world.call("POST", kMappingsPath, mapping_body(kStream)).status == 400);  // no GetShardIterator
    world.role_policy(allow("kinesis:ListStreams", "arn:aws:kinesis:us-east-1:111111111111:stream/*") + "," +
                           R"({"Effect":"Allow","Action":["kinesis:DescribeStream","kinesis:GetRecords","kinesis:GetShardIterator"],"Resource":")" +
                           kStream + "\"}");
    const Response ok = world.call("POST", kMappingsPath, mapping_body(kStream));
    CHECK(ok.status == 202);
  }
  SECTION("DynamoDB streams: the seed's DynamoDB template is enough; Kinesis actions are not") {
    world.role_policy(allow("kinesis:*", "*"));
    CHECK(world.call("POST", kMappingsPath, mapping_body(kTableStream)).message() ==
          "Cannot access stream " + kTableStream +
              ". Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams "
              "Actions on your stream in IAM.");
    world.role_policy(
                R"({"Effect":"Allow","Action":["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams"],"Resource":"arn:aws:dynamodb:us-east-1:111111111111:table/T/stream/*"})");
    CHECK(world.call("POST", kMappingsPath, mapping_body(kTableStream)).status == 202);
  }
  SECTION("SQS: ReceiveMessage, DeleteMessage and GetQueueAttributes, the first one missing named") {
    world.role_policy(R"({"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage"],"Resource":"arn:aws:sqs:*"})");
    const Response r = world.call("POST", kMappingsPath, mapping_body(kSourceQueue, "F", false));
    CHECK(r.status == 400);
    CHECK(r.message() == "The provided execution role does not have permissions to call GetQueueAttributes on SQS");
    world.role_policy(R"({"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes"],"Resource":"arn:aws:sqs:*"})");
    CHECK(world.call("POST", kMappingsPath, mapping_body(kSourceQueue, "F", false)).status == 202);
  }
  SECTION("the store's own refusals come first: missing function, unknown source, no starting position") {
    CHECK(world.call("POST", kMappingsPath, mapping_body(kStream, "nope")).message() == "Function does not exist");
    CHECK(world.call("POST", kMappingsPath, mapping_body("arn:aws:s3:::bucket")).message() ==
          "Unrecognized event source.");
    CHECK_THAT(world.call("POST", kMappingsPath, mapping_body(kStream, "F", false)).message(),
               Catch::Contains("startingPosition"));
  }
}

TEST_CASE("VpcConfig: the execution role must be able to manage network interfaces", "[server][control][role]") {
  World world;
  world.alice_policy(allow("*", "*"));
  const std::string vpc = R"(,"VpcConfig":{"SubnetIds":["subnet-1"],"SecurityGroupIds":["sg-1"]})";

  const Response refused = world.call("POST", kFunctionsPath, create_body("F", kRoleR, vpc));
  CHECK(refused.status == 400);
  CHECK(refused.error_type == "InvalidParameterValueException");
  CHECK(refused.message() ==
        "The provided execution role does not have permissions to call CreateNetworkInterface on EC2");
  // The first action the role lacks is the one named.
  world.role_policy(allow("ec2:CreateNetworkInterface", "*"));
  CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleR, vpc)).message() ==
        "The provided execution role does not have permissions to call DescribeNetworkInterfaces on EC2");
  // AWSLambdaVPCAccessExecutionRole's three actions.
  world.role_policy(
      R"({"Effect":"Allow","Action":["ec2:CreateNetworkInterface","ec2:DescribeNetworkInterfaces","ec2:DeleteNetworkInterface"],"Resource":"*"})");
  CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleR, vpc)).status == 201);

  // UpdateFunctionConfiguration: the function's own role; empty lists leave the VPC and need nothing.
  world.role_policy(allow("logs:*", "*"));
  const std::string path = kFunctionsPath + "/F/configuration";
  CHECK(world.call("PUT", path, R"({"VpcConfig":{"SubnetIds":["subnet-2"],"SecurityGroupIds":["sg-1"]}})").status ==
        400);
  CHECK(world.call("PUT", path, R"({"VpcConfig":{"SubnetIds":[],"SecurityGroupIds":[]}})").status == 200);
}
