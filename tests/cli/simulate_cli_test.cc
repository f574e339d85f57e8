// `gatehouse simulate`: the aws iam simulate-custom-policy contract.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

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
  // A hand-written resource policy (no Sid, Resource "*"), which no AddPermission writes: stated
  // generic, it is validated and evaluated as a generic resource policy.
  const Run r = simulate({"--cli-input-json", "-", "--resource-policy-type", "generic"}, input);
  REQUIRE(r.status == 0);
  gatehouse::testing::check_golden("simulate/cross-account-allowed.json", r.out);
  // Left to the default, a lambda: action on a function reads a function policy, by Lambda's rules.
  const Run function = simulate({"--cli-input-json", "-"}, input);
  CHECK(function.status == 1);
  CHECK(function.err.starts_with("An error occurred (ValidationException) when calling the SimulateCustomPolicy "
                                 "operation: ResourcePolicy: "));
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
        "  decided by PolicyInputList.1 (IAM Policy) statement 0, line 1 column 38\n"
        "    {\"Effect\":\"Allow\",\"Action\":\"dynamodb:*\",\"Resource\":\"*\",\"Condition\":{\"DateGreaterThan\":"
        "{\"aws:CurrentTime\":\"2018-08-16T12:00:00Z\"}}}\n");
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
    CHECK(r.err == "An error occurred (MalformedPolicyDocument) when calling the SimulateCustomPolicy operation: PolicyInputList.1: Syntax errors in policy.\n");
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

namespace {

// SimulateCustomPolicy's JSON input with the given members (each already JSON).
std::string input_of(std::initializer_list<std::pair<std::string, std::string>> members) {
  std::string out = "{";
  for (const auto& [name, value] : members) {
    if (out.size() > 1) out += ",";
    out += "\"" + name + "\":" + value;
  }
  return out + "}";
}

// A policy document as a JSON string value.
std::string quoted(const std::string& document) {
  std::string out = "\"";
  for (const char c : document) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const std::string kRole = "arn:aws:iam::111111111111:role/app/R";

std::string trust_naming(const std::string& principal) {
  return quoted(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":")" + principal +
                R"("},"Action":"sts:AssumeRole"}]})");
}

const std::string kAliceMayAssume =
    quoted(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":")" + kRole +
           R"("}]})");

std::string assume_input(const std::string& identity, const std::string& trust) {
  return input_of({{"PolicyInputList", "[" + identity + "]"},
                   {"ResourcePolicy", trust},
                   {"CallerArn", R"("arn:aws:iam::111111111111:user/alice")"},
                   {"ActionNames", R"(["sts:AssumeRole"])"},
                   {"ResourceArns", "[\"" + kRole + "\"]"}});
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

TEST_CASE("simulate: sts:AssumeRole on a role reads the ResourcePolicy as its trust policy", "[cli][simulate]") {
  const std::string head = "sts:AssumeRole on " + kRole + ": ";
  SECTION("same account: the identity policy alone is not enough, the trust policy must allow") {
    const Run r = simulate({"--cli-input-json", "-", "--explain"},
                           assume_input(kAliceMayAssume, trust_naming("arn:aws:iam::111111111111:user/carol")));
    REQUIRE(r.status == 0);
    CHECK(first_line(r.out) == head + "implicitDeny because no role trust policy allows the sts:AssumeRole action");
  }
  SECTION("a trust policy naming the caller needs no identity policy") {
    const Run r = simulate({"--cli-input-json", "-", "--explain"},
                           assume_input("", trust_naming("arn:aws:iam::111111111111:user/alice")));
    REQUIRE(r.status == 0);
    CHECK(first_line(r.out) == head + "allowed");
  }
  SECTION("account-level trust also needs the identity policy") {
    const Run without = simulate({"--cli-input-json", "-", "--explain"}, assume_input("", trust_naming("111111111111")));
    CHECK(first_line(without.out) == head + "implicitDeny because no identity-based policy allows the sts:AssumeRole action");
    const Run with = simulate({"--cli-input-json", "-", "--explain"},
                              assume_input(kAliceMayAssume, trust_naming("111111111111")));
    CHECK(first_line(with.out) == head + "allowed");
  }
  SECTION("the trust policy is validated as CreateRole validates one") {
    const std::string not_trust =
        quoted(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject"}]})");
    const Run r = simulate({"--cli-input-json", "-"}, assume_input(kAliceMayAssume, not_trust));
    CHECK(r.status == 1);
    CHECK(r.err.find("operation: ResourcePolicy: ") != std::string::npos);
  }
}

TEST_CASE("simulate: a function policy the server wrote is a valid ResourcePolicy", "[cli][simulate]") {
  // What AddPermission --statement-id s3-invoke --principal s3.amazonaws.com --source-arn ... stores.
  const std::string function_policy = quoted(
      R"({"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s3-invoke","Effect":"Allow",)"
      R"("Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction",)"
      R"("Resource":"arn:aws:lambda:us-east-1:111111111111:function:F",)"
      R"("Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket"}}}]})");
  const std::string input =
      input_of({{"PolicyInputList", "[]"},
                {"ResourcePolicy", function_policy},
                {"CallerArn", R"("s3.amazonaws.com")"},
                {"ActionNames", R"(["lambda:InvokeFunction"])"},
                {"ResourceArns", R"(["arn:aws:lambda:us-east-1:111111111111:function:F"])"},
                {"ContextEntries",
                 R"([{"ContextKeyName":"aws:SourceArn","ContextKeyValues":["arn:aws:s3:::bucket"],"ContextKeyType":"string"}])"}});
  const Run r = simulate({"--cli-input-json", "-", "--explain"}, input);
  CHECK(r.err.empty());
  REQUIRE(r.status == 0);
  CHECK(r.out ==
        "lambda:InvokeFunction on arn:aws:lambda:us-east-1:111111111111:function:F: allowed\n"
        "  decided by ResourcePolicy (resource) statement 0 (Sid s3-invoke), line 1 column 54\n"
        "    {\"Sid\":\"s3-invoke\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":"
        "\"lambda:InvokeFunction\",\"Resource\":\"arn:aws:lambda:us-east-1:111111111111:function:F\",\"Condition\":"
        "{\"ArnLike\":{\"AWS:SourceArn\":\"arn:aws:s3:::bucket\"}}}\n");
  // The same policy stated generic is held to IAM's Sid rule, which AddPermission's Sids do not follow.
  const Run generic = simulate({"--cli-input-json", "-", "--resource-policy-type", "generic"}, input);
  CHECK(generic.status == 1);
  CHECK(generic.err.find("ResourcePolicy: Statement IDs (SID) must be alpha-numeric") != std::string::npos);
  CHECK(simulate({"--cli-input-json", "-", "--resource-policy-type", "bucket"}, input).status == 2);
}

TEST_CASE("simulate: every input error names the input it is in", "[cli][simulate]") {
  const std::string good = quoted(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})");
  const std::string bad = quoted(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]})");
  const auto error_of = [](const std::string& input) {
    const Run r = simulate({"--cli-input-json", "-"}, input);
    CHECK(r.status == 1);
    return r.err;
  };
  const std::string prefix =
      "An error occurred (MalformedPolicyDocument) when calling the SimulateCustomPolicy operation: ";
  CHECK(error_of(input_of({{"PolicyInputList", "[" + good + "," + bad + "]"}, {"ActionNames", R"(["s3:GetObject"])"}})) ==
        prefix + "PolicyInputList.2: Policy statement must contain resources.\n");
  CHECK(error_of(input_of({{"PolicyInputList", "[" + good + "]"},
                           {"PermissionsBoundaryPolicyInputList", "[" + bad + "]"},
                           {"ActionNames", R"(["s3:GetObject"])"}})) ==
        prefix + "PermissionsBoundaryPolicyInputList.1: Policy statement must contain resources.\n");
  CHECK(error_of(input_of({{"PolicyInputList", "[" + good + "]"},
                           {"ResourcePolicy", quoted("not json")},
                           {"CallerArn", R"("arn:aws:iam::111111111111:user/alice")"},
                           {"ActionNames", R"(["s3:GetObject"])"}})) ==
        prefix + "ResourcePolicy: Syntax errors in policy.\n");
}

TEST_CASE("simulate: PolicyInputList is required but may be empty", "[cli][simulate]") {
  // A service principal has no identity policy; the demo's example says so with [].
  const Run demo = simulate({"--cli-input-json", std::string(GATEHOUSE_SOURCE_DIR) + "/fixtures/demo/invoke-from-s3.json",
                             "--explain"});
  CHECK(demo.err.empty());
  REQUIRE(demo.status == 0);
  CHECK(first_line(demo.out) == "lambda:InvokeFunction on arn:aws:lambda:us-west-2:111111111111:function:helloworld: allowed");
  const Run other = simulate({"--cli-input-json",
                              std::string(GATEHOUSE_SOURCE_DIR) + "/fixtures/demo/invoke-from-other-bucket.json",
                              "--explain"});
  CHECK(first_line(other.out).find(": implicitDeny because no resource-based policy allows") != std::string::npos);
  // Left out, it is still required.
  const Run missing = simulate({"--cli-input-json", "-"}, R"({"ActionNames":["s3:GetObject"]})");
  CHECK(missing.status == 1);
  CHECK(missing.err.ends_with("PolicyInputList is required\n"));
  // Empty, an IAM user is simply denied.
  const Run empty = simulate({"--cli-input-json", "-", "--explain"}, R"({"PolicyInputList":[],"ActionNames":["s3:GetObject"]})");
  CHECK(empty.status == 0);
  CHECK(first_line(empty.out) == "s3:GetObject on *: implicitDeny because no identity-based policy allows the s3:GetObject action");
}

// `simulate --requests` parses each line once, in place, and leaves the encoding check of the
// policy documents to their own parse; lines with anything else to check (bytes outside ASCII
// beyond the policies, errors) go through the complete path. Either way a line's answer must be
// exactly that of the same input given to --cli-input-json (the complete path), byte for byte.
namespace {

std::string compact(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return buffer.GetString();
}

// The answer --requests gives for `line` must be --cli-input-json's for the same text.
void check_same_as_single_input(const std::string& line) {
  INFO("line: " << line);
  const Run single = simulate({"--cli-input-json", "-"}, line);
  const Run streamed = simulate({"--requests", "-"}, line + "\n");
  CHECK(streamed.status == single.status);
  if (single.status == 0) {
    CHECK(streamed.out == compact(single.out) + "\n");
    CHECK(streamed.err.empty());
  } else {
    CHECK(streamed.err == "line 1: " + single.err);
    const std::string prefix = "An error occurred (";
    REQUIRE(single.err.starts_with(prefix));
    const std::size_t code_end = single.err.find(')');
    const std::string code = single.err.substr(prefix.size(), code_end - prefix.size());
    const std::string message = single.err.substr(single.err.find(": ", code_end) + 2);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("Error");
    writer.StartObject();
    writer.Key("Code");
    writer.String(code.c_str());
    writer.Key("Message");
    writer.String(message.substr(0, message.size() - 1).c_str());
    writer.EndObject();
    writer.EndObject();
    CHECK(streamed.out == std::string(buffer.GetString()) + "\n");
  }
}

// A request whose identity policy's Sid is `sid` (raw bytes, inside the JSON string of the policy).
std::string with_sid(const std::string& sid, const std::string& rest = "") {
  return R"({"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\")" + sid +
         R"(\",\"Effect\":\"Allow\",\"Action\":\"lambda:Get*\",\"Resource\":\"*\"}]}"],)"
         R"("ActionNames":["lambda:GetFunction"],"CallerArn":"arn:aws:iam::111111111111:user/alice")" +
         rest + "}";
}

}  // namespace

TEST_CASE("simulate --requests answers every line as --cli-input-json does", "[cli][simulate]") {
  const std::vector<std::string> lines = {
      with_sid("plain"),
      with_sid("caf\xC3\xA9"),                 // valid UTF-8 in a policy
      with_sid("caf\\\\u00e9"),                // an escape in the policy's JSON
      with_sid("bad\xFF"),                     // not UTF-8, inside a policy
      with_sid("overlong\xC0\xAF"),            // an overlong encoding
      with_sid("surrogate\xED\xA0\x80"),       // an encoded surrogate
      with_sid("truncated\xE2\x82"),           // a truncated sequence
      with_sid("bad\xFF", R"(,"Unknown":1)"),  // two errors: the encoding one is reported
      with_sid("ok", R"(,"Unknown":1)"),
      with_sid("ok", ",\"Unkn\xFF\":1"),                                  // a bad byte in a member name
      with_sid("ok", ",\"MaxItems\":\"\xFF\""),                           // in a value that is skipped
      with_sid("ok", ",\"Marker\":{\"a\":[[[[[[\"\xC3\xA9\"]]]]]]}"),     // deep in a skipped value
      with_sid("ok", ",\"ResourceArns\":[\"arn:aws:lambda:us-east-1:111111111111:function:f\xC3\xA9\"]"),
      with_sid("ok", ",\"ResourceArns\":[\"arn:aws:lambda:us-east-1:111111111111:function:f\xFF\"]"),
      with_sid("ok", R"(,"ContextEntries":[{"ContextKeyName":"aws:PrincipalTag/t","ContextKeyValues":[")"
                     "\xC3\xA9" R"("],"ContextKeyType":"string"}])"),
      with_sid("ok", R"(,"ContextEntries":[{"ContextKeyName":"aws:PrincipalTag/t","ContextKeyValues":[")"
                     "\xFF" R"("],"ContextKeyType":"string"}])"),
      with_sid("ok") + " trailing",
      with_sid("ok").substr(0, 80),
      with_sid("nul\\\\u0000"),
      R"({"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",)"
      "\xC3" R"(\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"],"ActionNames":["s3:GetObject"]})",  // bad byte between tokens
      R"({"PolicyInputList":[],"ActionNames":["lambda:GetFunction"],"ResourcePolicy":"{\"Version\":\"2012-10-17\",)"
      R"(\"Statement\":[{\"Sid\":\"s\xFF\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},)"
      R"(\"Action\":\"lambda:GetFunction\",\"Resource\":\"*\"}]}","CallerArn":"s3.amazonaws.com"})",
      R"({"PolicyInputList":"not a list","ActionNames":["lambda:GetFunction"]})",
      R"({"PolicyInputList":[1],"ActionNames":["lambda:GetFunction"]})",
      R"([1,2])",
  };
  for (const auto& line : lines) check_same_as_single_input(line);
}

TEST_CASE("simulate --requests keeps nothing of one line for the next", "[cli][simulate]") {
  // Each line alone and all lines in one stream give the same answers in the same order.
  const std::vector<std::string> lines = {
      with_sid("one"), with_sid("bad\xFF"), with_sid("two", R"(,"ResourceArns":["arn:aws:s3:::b"])"), "{",
      with_sid("caf\xC3\xA9"), with_sid("three")};
  std::string all;
  std::string expected;
  for (const auto& line : lines) {
    all += line + "\n";
    expected += simulate({"--requests", "-"}, line + "\n").out;
  }
  const Run streamed = simulate({"--requests", "-"}, all);
  CHECK(streamed.status == 1);
  CHECK(streamed.out == expected);
}
