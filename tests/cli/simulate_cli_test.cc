// `gatehouse simulate`: the aws iam simulate-custom-policy contract.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "golden.h"

using gatehouse::cli::Args;
using gatehouse::cli::Io;
using gatehouse::cli::run_simulate;

namespace {

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run simulate(const Args& args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int status = run_simulate(args, Io{in, out, err});
  return {status, out.str(), err.str()};
}

// The policy of the AWS CLI's simulate-custom-policy examples.
const std::string kDynamoPolicy =
    R"({\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"dynamodb:*\",\"Resource\":\"*\",\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2018-08-16T12:00:00Z\"}}}})";

std::string dynamo_input(const std::string& time) {
  return R"({"PolicyInputList":[")" + kDynamoPolicy +
         R"("],"ActionNames":["dynamodb:CreateBackup"],"ContextEntries":[{"ContextKeyName":"aws:CurrentTime","ContextKeyValues":[")" +
         time + R"("],"ContextKeyType":"date"}]})";
}

}  // namespace

TEST_CASE("simulate reproduces the AWS CLI examples", "[cli][simulate]") {
  SECTION("allowed, with the statement's start and end positions") {
    const Run r = simulate({"--cli-input-json", "-"}, dynamo_input("2019-04-25T11:00:00Z"));
    REQUIRE(r.status == 0);
    gatehouse::testing::check_golden("simulate/dynamodb-allowed.json", r.out);
  }
  SECTION("implicit deny, with an empty MatchedStatements list") {
    const Run r = simulate({"--cli-input-json", "-"}, dynamo_input("2014-04-25T11:00:00Z"));
    REQUIRE(r.status == 0);
    gatehouse::testing::check_golden("simulate/dynamodb-implicit-deny.json", r.out);
  }
}

TEST_CASE("simulate with a resource policy and any principal as caller", "[cli][simulate]") {
  const std::string input =
      R"({"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"*\"}}"],)"
      R"("ResourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"222222222222\"},\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"*\"}}",)"
      R"("CallerArn":"arn:aws:iam::222222222222:user/bob","ActionNames":["lambda:InvokeFunction"],)"
      R"("ResourceArns":["arn:aws:lambda:us-east-1:111111111111:function:F"]})";
  const Run r = simulate({"--cli-input-json", "-"}, input);
  REQUIRE(r.status == 0);
  gatehouse::testing::check_golden("simulate/cross-account-allowed.json", r.out);
}

TEST_CASE("simulate --requests streams one result per line", "[cli][simulate]") {
  const std::string lines = dynamo_input("2019-04-25T11:00:00Z") + "\n\n" + dynamo_input("2014-04-25T11:00:00Z") +
                            "\n" + R"({"ActionNames":["s3:GetObject"]})" + "\n";
  const Run r = simulate({"--requests", "-"}, lines);
  CHECK(r.status == 1);  // the third line is invalid
  std::istringstream out(r.out);
  std::string line;
  std::vector<std::string> results;
  while (std::getline(out, line)) results.push_back(line);
  REQUIRE(results.size() == 3);
  CHECK(results[0].find(R"("EvalDecision":"allowed")") != std::string::npos);
  CHECK(results[1].find(R"("EvalDecision":"implicitDeny")") != std::string::npos);
  CHECK(results[2] == R"({"Error":{"Code":"InvalidInput","Message":"PolicyInputList is required"}})");
  CHECK(r.err.find("line 4") != std::string::npos);
}

TEST_CASE("simulate --explain names the deciding statement and failed conditions", "[cli][simulate]") {
  const Run r = simulate({"--cli-input-json", "-", "--explain"}, dynamo_input("2014-04-25T11:00:00Z"));
  REQUIRE(r.status == 0);
  CHECK(r.out ==
        "dynamodb:CreateBackup on *: implicitDeny because no identity-based policy allows the dynamodb:CreateBackup action\n"
        "  condition failed: PolicyInputList.1 statement 0: DateGreaterThan on aws:CurrentTime\n");
  const Run allowed = simulate({"--cli-input-json", "-", "--explain"}, dynamo_input("2019-04-25T11:00:00Z"));
  CHECK(allowed.out ==
        "dynamodb:CreateBackup on *: allowed\n"
        "  decided by PolicyInputList.1 (IAM Policy), statement at line 1 column 38 to line 1 column 167\n");
}

TEST_CASE("simulate refuses bad input the way the AWS CLI does", "[cli][simulate]") {
  SECTION("unknown parameter") {
    const Run r = simulate({"--cli-input-json", "-"}, R"({"PolicyInputList":[],"ActionName":["x:y"]})");
    CHECK(r.status == 1);
    CHECK(r.err.starts_with("An error occurred (InvalidInput) when calling the SimulateCustomPolicy operation: Unknown parameter in input: \"ActionName\""));
  }
  SECTION("malformed policy") {
    const Run r = simulate({"--cli-input-json", "-"}, R"({"PolicyInputList":["not json"],"ActionNames":["s3:GetObject"]})");
    CHECK(r.status == 1);
    CHECK(r.err == "An error occurred (MalformedPolicyDocument) when calling the SimulateCustomPolicy operation: Syntax errors in policy.\n");
  }
  SECTION("wildcard action") {
    const Run r = simulate({"--cli-input-json", "-"},
                           R"({"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}"],"ActionNames":["s3:*"]})");
    CHECK(r.status == 1);
    CHECK(r.err.find("InvalidInput") != std::string::npos);
  }
  SECTION("bad arguments: one line, exit 2") {
    const Run r = simulate({"--nope"});
    CHECK(r.status == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(simulate({}).status == 2);
    CHECK(simulate({"--cli-input-json", "/nonexistent/file.json"}).status == 2);
  }
  SECTION("--help") {
    const Run r = simulate({"--help"});
    CHECK(r.status == 0);
    CHECK(r.out.starts_with("usage: gatehouse simulate"));
  }
}
