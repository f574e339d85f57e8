// `gatehouse test`: the fixture runner on small fixtures written to a temporary
// directory, and every fixture of the repository loading cleanly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include <unistd.h>

#include <rapidjson/document.h>

#include "cli/commands.h"
#include "cli/fixture_runner.h"

namespace {

namespace fs = std::filesystem;
using gatehouse::cli::Args;
using gatehouse::cli::Io;

// A fresh directory per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("gatehouse-test-cmd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Run {
  int code = 0;
  std::string out, err;
};

Run run(const Args& args) {
  std::istringstream in;
  std::ostringstream out, err;
  Run r;
  r.code = gatehouse::cli::run_test(args, Io{in, out, err});
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string last_line(const std::string& text) {
  const auto end = text.find_last_not_of('\n');
  if (end == std::string::npos) return "";
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// One identity policy, one user, and the cases given.
std::string fixture_with_cases(const std::string& cases) {
  return R"({
  "description": "runner test",
  "source": "tests/cli/test_cmd_test.cc",
  "policies": {
    "invoke-F": {"type": "identity", "document": {"Version": "2012-10-17", "Statement": [{"Sid": "Invoke", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:F"}]}},
    "broken": {"type": "identity", "text": "This is not a json document"}
  },
  "principals": {
    "alice": {"arn": "arn:aws:iam::111111111111:user/alice", "identity": ["invoke-F"]}
  },
  "cases": [)" + cases + R"(]
})";
}

constexpr const char* kAllowedCase = R"({
  "name": "invoke F", "description": "allowed by the identity policy", "source": "test",
  "principal": "alice", "action": "lambda:InvokeFunction", "resource": "arn:aws:lambda:us-east-1:111111111111:function:F",
  "expect": {"decision": "allowed", "matched": [{"policy": "invoke-F", "sid": "Invoke"}], "missingKeys": []}
})";

constexpr const char* kDeniedCase = R"({
  "name": "invoke G", "description": "no policy allows G", "source": "test",
  "principal": "alice", "action": "lambda:InvokeFunction", "resource": "arn:aws:lambda:us-east-1:111111111111:function:G",
  "expect": {"decision": "implicitDeny", "matched": [],
             "reason": "because no identity-based policy allows the lambda:InvokeFunction action",
             "message": "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:111111111111:function:G because no identity-based policy allows the lambda:InvokeFunction action"}
})";

}  // namespace

TEST_CASE("gatehouse test passes a fixture whose cases hold", "[cli][test]") {
  TempDir dir;
  const auto file = dir.write("ok.json", fixture_with_cases(std::string(kAllowedCase) + "," + kDeniedCase));
  const Run r = run({file.string()});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "2 passed, 0 failed\n");
}

TEST_CASE("gatehouse test --verbose lists every case", "[cli][test]") {
  TempDir dir;
  const auto file = dir.write("ok.json", fixture_with_cases(kAllowedCase));
  const Run r = run({"--verbose", file.string()});
  CHECK(r.code == 0);
  CHECK(r.out == "PASS " + file.string() + ": invoke F\n1 passed, 0 failed\n");
}

TEST_CASE("gatehouse test reports a failing case with expected and got", "[cli][test]") {
  TempDir dir;
  const std::string wrong = R"({
    "name": "wrong expectation", "description": "expects a deny the policy does not give", "source": "test",
    "principal": "alice", "action": "lambda:InvokeFunction", "resource": "arn:aws:lambda:us-east-1:111111111111:function:F",
    "expect": {"decision": "implicitDeny"}
  })";
  const auto file = dir.write("fail.json", fixture_with_cases(std::string(kAllowedCase) + "," + wrong));
  const Run r = run({file.string()});
  CHECK(r.code == 1);
  CHECK(r.out.find("FAIL " + file.string() + ": wrong expectation: decision: expected implicitDeny, got allowed\n") !=
        std::string::npos);
  CHECK(last_line(r.out) == "1 passed, 1 failed");
}

TEST_CASE("gatehouse test compares matched statements, reason and message", "[cli][test]") {
  TempDir dir;
  const std::string wrong = R"({
    "name": "wrong details", "description": "right decision, wrong details", "source": "test",
    "principal": "alice", "action": "lambda:InvokeFunction", "resource": "arn:aws:lambda:us-east-1:111111111111:function:G",
    "expect": {"decision": "implicitDeny", "matched": [{"policy": "invoke-F", "statement": 0}],
               "reason": "because no permissions boundary allows the lambda:InvokeFunction action",
               "missingKeys": ["aws:SourceIp"]}
  })";
  const auto file = dir.write("details.json", fixture_with_cases(wrong));
  const Run r = run({file.string()});
  CHECK(r.code == 1);
  CHECK(r.out.find("matched: expected [invoke-F#0], got []") != std::string::npos);
  CHECK(r.out.find("reason: expected `because no permissions boundary allows") != std::string::npos);
  CHECK(r.out.find("missingKeys: expected [`aws:SourceIp`], got []") != std::string::npos);
  CHECK(last_line(r.out) == "0 passed, 1 failed");
}

TEST_CASE("gatehouse test runs validation cases", "[cli][test]") {
  TempDir dir;
  const std::string cases = R"({"name": "not json", "description": "V1", "source": "test", "validate": "broken",
                                "expect": {"error": "Syntax errors in policy."}},
                               {"name": "valid", "description": "a valid policy", "source": "test", "validate": "invoke-F",
                                "expect": {"valid": true}},
                               {"name": "wrongly valid", "description": "expects an error that is not there", "source": "test",
                                "validate": "invoke-F", "expect": {"error": "Syntax errors in policy."}})";
  const auto file = dir.write("validation.json", fixture_with_cases(cases));
  const Run r = run({file.string()});
  CHECK(r.code == 1);
  CHECK(r.out.find("wrongly valid: validation: expected `Syntax errors in policy.`, got valid") != std::string::npos);
  CHECK(last_line(r.out) == "2 passed, 1 failed");
}

TEST_CASE("gatehouse test fails a decision case whose policy does not validate", "[cli][test]") {
  TempDir dir;
  const std::string c = R"({"name": "uses broken", "description": "the policy is not JSON", "source": "test",
    "principal": "alice", "action": "lambda:InvokeFunction", "resource": "*", "identity": ["broken"],
    "expect": {"decision": "implicitDeny"}})";
  const auto file = dir.write("broken.json", fixture_with_cases(c));
  const Run r = run({file.string()});
  CHECK(r.code == 1);
  CHECK(r.out.find("uses broken: policy `broken` does not validate: Syntax errors in policy.") != std::string::npos);
}

TEST_CASE("gatehouse test rejects unknown fields with the file and JSON path", "[cli][test]") {
  TempDir dir;
  const std::string typo = R"({"name": "typo", "description": "d", "source": "s", "principal": "alice",
    "action": "lambda:InvokeFunction", "resource": "*", "expect": {"decison": "allowed"}})";
  const auto file = dir.write("typo.json", fixture_with_cases(typo));
  const Run r = run({file.string()});
  CHECK(r.code == 2);
  CHECK(r.err.find("ERROR " + file.string() + ": $.cases[0].expect: unknown field `decison`") != std::string::npos);
  CHECK(last_line(r.out) == "0 passed, 0 failed");
}

TEST_CASE("gatehouse test rejects a case whose action or resource no request can have", "[cli][test]") {
  // Such a case "passes" as an implicit deny while testing nothing: the fixture is wrong instead.
  struct Row {
    std::string action, resource;
    std::string error;
  };
  const Row rows[] = {
      {"lambda:DeleteFuntion", "arn:aws:lambda:us-east-1:111111111111:function:F",
       "$.cases[0].action: Unknown Lambda action `lambda:DeleteFuntion`. (did you mean `lambda:DeleteFunction`?)"},
      {"lamda:InvokeFunction", "arn:aws:lambda:us-east-1:111111111111:function:F",
       "$.cases[0].action: Action `lamda:InvokeFunction` can never match: `lamda` is not an AWS service prefix."},
      {"lambda:Invoke*", "arn:aws:lambda:us-east-1:111111111111:function:F",
       "$.cases[0].action: `lambda:Invoke*` is a pattern; a request names one action"},
      {"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111111111111:F",
       "$.cases[0].resource: `arn:aws:lambda:us-east-1:111111111111:F` cannot be the resource of lambda:InvokeFunction, "
       "which is authorized on arn:aws:lambda:{region}:{account}:function:{function} or "
       "arn:aws:lambda:{region}:{account}:function:{function}:{qualifier}"},
      {"lambda:GetFunction", "function:F",
       "$.cases[0].resource: Partition \"F\" is not valid for resource \"arn:F:*:*:*:*\"."},
      {"lambda:GetEventSourceMapping", "arn:aws:lambda:us-east-1:111111111111:function:F",
       "$.cases[0].resource: `arn:aws:lambda:us-east-1:111111111111:function:F` cannot be the resource of "
       "lambda:GetEventSourceMapping"},
      {"lambda:ListFunctions", "arn:aws:lambda:us-east-1:111111111111:function:F",
       "$.cases[0].resource: `lambda:ListFunctions` supports only \"Resource\": \"*\""},
      {"s3:GetObject", "arn:aws:lambda:us-east-1:111111111111:function:F",
       "$.cases[0].resource: `arn:aws:lambda:us-east-1:111111111111:function:F` is a resource of `lambda`, never of "
       "`s3:GetObject`"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.action << " on " << row.resource) {
      TempDir dir;
      const std::string c = R"({"name": "c", "description": "d", "source": "s", "principal": "alice", "action": ")" +
                            row.action + R"(", "resource": ")" + row.resource +
                            R"(", "expect": {"decision": "implicitDeny"}})";
      const auto file = dir.write("bad.json", fixture_with_cases(c));
      const Run r = run({file.string()});
      CHECK(r.code == 2);
      CHECK_THAT(r.err, Catch::Contains("ERROR " + file.string() + ": " + row.error));
    }
  }
  SECTION("a case may say its action is deliberately outside the catalog (pattern tests)") {
    TempDir dir;
    const std::string c = R"({"name": "c", "description": "d", "source": "s", "principal": "alice",
      "action": "lambda:GetFunctionPolicy", "actionOutsideCatalog": true,
      "resource": "arn:aws:lambda:us-east-1:111111111111:function:F", "expect": {"decision": "implicitDeny"}})";
    const Run r = run({dir.write("ok.json", fixture_with_cases(c)).string()});
    CHECK(r.code == 0);
    CHECK(r.out == "1 passed, 0 failed\n");
  }
}

TEST_CASE("gatehouse test rejects fixtures that do not follow the format", "[cli][test]") {
  struct Row {
    std::string text;
    std::string expected_error;
  };
  const Row rows[] = {
      {"{\"description\": \"d\", \"source\": \"s\", \"cases\": []}", "$.cases: expected a non-empty array of cases"},
      {"{\"description\": \"d\", \"source\": \"s\", \"cases\": [1], \"extra\": true}", "$: unknown field `extra`"},
      {"{\"source\": \"s\", \"cases\": [1]}", "$: missing required field `description`"},
      {"{\"description\": \"d\"", "invalid JSON at line 1"},
      {"{\"description\": \"d\", \"source\": \"s\", \"cases\": [1]} trailing", "invalid JSON at line 1"},
      {fixture_with_cases(R"({"name": "n", "description": "d", "source": "s", "principal": "nobody",
                              "action": "lambda:ListFunctions", "resource": "*", "expect": {"decision": "allowed"}})"),
       "$.cases[0].principal: no principal named `nobody`"},
      {fixture_with_cases(R"({"name": "n", "description": "d", "source": "s", "principal": "alice",
                              "action": "lambda:ListFunctions", "resource": "*", "expect": {"decision": "allowed", "reason": "x"}})"),
       "$.cases[0].expect.reason: an allowed decision has no AccessDenied reason"},
      {fixture_with_cases(R"({"name": "n", "description": "d", "source": "s", "principal": "alice",
                              "action": "lambda:ListFunctions", "resource": "*", "expect": {"decision": "denied"}})"),
       "$.cases[0].expect.decision: unknown decision `denied`"},
      {fixture_with_cases(R"({"name": "n", "description": "d", "source": "s", "principal": "alice",
                              "action": "lambda:ListFunctions", "resource": "*", "context": {"k:n": 5}, "expect": {"decision": "allowed"}})"),
       "$.cases[0].context.k:n: a context value is a string"},
      {fixture_with_cases(std::string(kAllowedCase) + "," + kAllowedCase), "$.cases[1].name: duplicate case name `invoke F`"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.expected_error) {
      TempDir dir;
      const auto file = dir.write("bad.json", row.text);
      const Run r = run({file.string()});
      CHECK(r.code == 2);
      CHECK(r.err.find(row.expected_error) != std::string::npos);
      CHECK(r.err.find(file.string()) != std::string::npos);
    }
  }
}

TEST_CASE("gatehouse test reports a missing file and still counts the others", "[cli][test]") {
  TempDir dir;
  const auto file = dir.write("ok.json", fixture_with_cases(kAllowedCase));
  const auto missing = (dir.path() / "missing.json").string();
  const Run r = run({missing, file.string()});
  CHECK(r.code == 2);
  CHECK(r.err == "ERROR " + missing + ": no such file or directory\n");
  CHECK(r.out == "1 passed, 0 failed\n");
}

TEST_CASE("gatehouse test searches directories for *.json, skipping README and demo/", "[cli][test]") {
  TempDir dir;
  dir.write("a/one.json", fixture_with_cases(kAllowedCase));
  dir.write("a/b/two.json", fixture_with_cases(kDeniedCase));
  dir.write("README.md", "not a fixture");
  dir.write("README.json", "not a fixture");
  dir.write("notes.txt", "not a fixture");
  dir.write("demo/simulate-input.json", "{\"PolicyInputList\": []}");
  const Run r = run({dir.path().string()});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "2 passed, 0 failed\n");
}

TEST_CASE("gatehouse test arguments", "[cli][test]") {
  SECTION("--help prints the usage") {
    const Run r = run({"--help"});
    CHECK(r.code == 0);
    CHECK(r.out.find("usage: gatehouse test") != std::string::npos);
  }
  SECTION("no path is a usage error, one line") {
    const Run r = run({});
    CHECK(r.code == 2);
    CHECK(r.err.find("gatehouse test: give at least one fixture file or directory") == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  SECTION("an unknown option is a usage error, one line") {
    const Run r = run({"--frobnicate", "x"});
    CHECK(r.code == 2);
    CHECK(r.err.find("gatehouse test: ") == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.out.empty());
  }
}

TEST_CASE("every fixture of the repository follows the format", "[cli][test][fixtures]") {
  const auto found = gatehouse::cli::find_fixture_files({std::string(GATEHOUSE_SOURCE_DIR) + "/fixtures"});
  CHECK(found.errors.empty());
  CHECK(found.files.size() >= 10);
  for (const auto& file : found.files) {
    DYNAMIC_SECTION(file.string()) {
      auto fixture = gatehouse::cli::load_fixture(file);
      if (!fixture) FAIL(fixture.error().path + ": " + fixture.error().message);
      CHECK_FALSE(fixture.value().cases.empty());
    }
  }
}

// ---- The runner's reports, reason assertions, coverage, selection, tables and worlds (issue 16).

namespace {

// alice may invoke F from one address; a Deny refuses G; bob has no policy.
std::string reasons_fixture(const std::string& cases) {
  return R"({
  "description": "reason assertions",
  "source": "tests/cli/test_cmd_test.cc",
  "policies": {
    "invoke": {"type": "identity", "document": {"Version": "2012-10-17", "Statement": [
      {"Sid": "FromOffice", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*",
       "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
      {"Sid": "NoG", "Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:G"},
      {"Sid": "Never", "Effect": "Allow", "Action": "lambda:DeleteFunction", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:Z"}]}}
  },
  "principals": {
    "alice": {"arn": "arn:aws:iam::111111111111:user/alice", "identity": ["invoke"]},
    "bob": {"arn": "arn:aws:iam::111111111111:user/bob"}
  },
  "cases": [)" + cases + R"(]
})";
}

std::string decision_case(const std::string& name, const std::string& principal, const std::string& function,
                          const std::string& context, const std::string& expect) {
  return R"({"name": ")" + name + R"(", "description": "d", "source": "s", "principal": ")" + principal +
         R"(", "action": "lambda:InvokeFunction", "resource": "arn:aws:lambda:us-east-1:111111111111:function:)" +
         function + R"(", "context": )" + context + R"(, "expect": )" + expect + "}";
}

const std::string kFromOffice = R"({"aws:SourceIp": "203.0.113.9"})";
const std::string kFromHome = R"({"aws:SourceIp": "198.51.100.1"})";

// `text` as a fixture file of `dir` is refused: exit 2, one line naming the file and `error`.
Run check_rejected(const TempDir& dir, const std::string& text, const std::string& error) {
  const auto file = dir.write("bad.json", text);
  const Run r = run({file.string()});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("ERROR " + file.string() + ": " + error));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  return r;
}

// A case that passes and one that fails (no address given), named as the test wants.
std::string passing_and_failing(const std::string& passing, const std::string& failing) {
  return decision_case(passing, "alice", "F", kFromOffice, R"({"decision": "allowed"})") + "," +
         decision_case(failing, "alice", "F", "{}", R"({"decision": "allowed"})");
}

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

}  // namespace

TEST_CASE("gatehouse test checks the statement that must decide a case", "[cli][test][reasons]") {
  TempDir dir;
  const std::string cases =
      decision_case("allowed from office", "alice", "F", kFromOffice,
                    R"({"decision": "allowed", "decidedBy": {"policy": "invoke", "sid": "FromOffice"}})") +
      "," +
      decision_case("denied for G", "alice", "G", kFromOffice,
                    R"({"decision": "explicitDeny", "decidedBy": [{"policy": "invoke", "statement": 1}]})") +
      "," +
      decision_case("wrong statement", "alice", "G", kFromOffice,
                    R"({"decision": "explicitDeny", "decidedBy": {"policy": "invoke", "sid": "FromOffice"}})");
  const auto file = dir.write("reasons.json", reasons_fixture(cases));
  const Run r = run({file.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("FAIL " + file.string() +
                                    ": wrong statement: decidedBy: expected invoke(FromOffice) among the deciding "
                                    "statements, got [invoke#1(NoG)]"));
  CHECK(last_line(r.out) == "2 passed, 1 failed");
}

TEST_CASE("gatehouse test checks the condition that must fail for a deny", "[cli][test][reasons]") {
  TempDir dir;
  const std::string cases =
      decision_case("from home", "alice", "F", kFromHome,
                    R"({"decision": "implicitDeny", "failedCondition": {"operator": "IpAddress", "key": "aws:sourceip",
                        "policy": "invoke", "sid": "FromOffice"}})") +
      "," +
      decision_case("wrong operator", "alice", "F", kFromHome,
                    R"({"decision": "implicitDeny", "failedCondition": {"operator": "NotIpAddress", "key": "aws:SourceIp"}})") +
      "," +
      decision_case("no condition fails", "bob", "F", kFromHome,
                    R"({"decision": "implicitDeny", "failedCondition": {"operator": "IpAddress", "key": "aws:SourceIp"}})");
  const auto file = dir.write("conditions.json", reasons_fixture(cases));
  const Run r = run({file.string()});
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("wrong operator: failedCondition: expected NotIpAddress aws:SourceIp to fail, got "
                                    "[invoke#0(FromOffice): IpAddress aws:SourceIp]"));
  CHECK_THAT(r.out, Catch::Contains("no condition fails: failedCondition: expected IpAddress aws:SourceIp to fail, "
                                    "got no failed condition"));
  CHECK(last_line(r.out) == "1 passed, 2 failed");
}

TEST_CASE("gatehouse test shows the decision, deciding statements and missing keys of a failure",
          "[cli][test][reasons]") {
  TempDir dir;
  const auto file = dir.write("diff.json", reasons_fixture(decision_case("no address", "alice", "F", "{}",
                                                                          R"({"decision": "allowed"})")));
  const Run r = run({file.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("FAIL " + file.string() +
                                    ": no address: decision: expected allowed, got implicitDeny\n"
                                    "    expected decision: allowed\n"
                                    "    actual decision:   implicitDeny\n"
                                    "    deciding statements: none\n"
                                    "    failed conditions: invoke#0(FromOffice): IpAddress aws:SourceIp\n"
                                    "    missing context keys: aws:SourceIp\n"));
}

TEST_CASE("gatehouse test rejects malformed reason assertions", "[cli][test][reasons]") {
  const std::pair<std::string, std::string> rows[] = {
      {R"({"decision": "implicitDeny", "decidedBy": {"policy": "invoke", "statement": 0}})",
       "$.cases[0].expect.decidedBy: an implicit deny is decided by no statement"},
      {R"({"decision": "allowed", "decidedBy": {"policy": "nope", "statement": 0}})",
       "$.cases[0].expect.decidedBy.policy: no policy named `nope`"},
      {R"({"decision": "allowed", "decidedBy": []})", "$.cases[0].expect.decidedBy: expected a statement or a non-empty"},
      {R"({"decision": "allowed", "decidedBy": {"policy": "invoke"}})",
       "$.cases[0].expect.decidedBy: give exactly one of `statement` and `sid`"},
      {R"({"decision": "allowed", "decidedBy": "invoke"})", "$.cases[0].expect.decidedBy: expected an object"},
      {R"({"decision": "allowed", "failedCondition": {"operator": "IpAddress", "key": "aws:SourceIp"}})",
       "$.cases[0].expect.failedCondition: an allowed decision has no failing condition"},
      {R"({"decision": "implicitDeny", "failedCondition": {"operator": "IpAdress", "key": "aws:SourceIp"}})",
       "$.cases[0].expect.failedCondition.operator: `IpAdress` is not a condition operator"},
      {R"({"decision": "implicitDeny", "failedCondition": {"operator": "IpAddress"}})",
       "$.cases[0].expect.failedCondition: missing required field `key`"},
      {R"({"decision": "implicitDeny", "failedCondition": {"operator": "IpAddress", "key": "k", "sid": "S"}})",
       "$.cases[0].expect.failedCondition: `statement` and `sid` need `policy`"},
      {R"({"decision": "implicitDeny", "failedCondition": {"operator": "IpAddress", "key": "k", "op": "x"}})",
       "$.cases[0].expect.failedCondition: unknown field `op`"},
  };
  for (const auto& [expect, error] : rows) {
    DYNAMIC_SECTION(error) {
      check_rejected(TempDir(), reasons_fixture(decision_case("c", "alice", "F", "{}", expect)), error);
    }
  }
}

TEST_CASE("gatehouse test --json prints one document with every case and the totals", "[cli][test][json]") {
  TempDir dir;
  const auto file = dir.write("j.json", reasons_fixture(passing_and_failing("ok", "bad")));
  const auto broken = dir.write("z-broken.json", "{\"description\": 1}");
  const Run r = run({"--json", file.string(), broken.string()});
  CHECK(r.code == 2);
  const auto doc = parse_json(r.out);
  REQUIRE(doc["cases"].Size() == 2);
  const auto& ok = doc["cases"][0];
  CHECK(std::string(ok["name"].GetString()) == "ok");
  CHECK(std::string(ok["file"].GetString()) == file.string());
  CHECK(std::string(ok["status"].GetString()) == "passed");
  CHECK(std::string(ok["expected"].GetString()) == "allowed");
  CHECK(std::string(ok["actual"].GetString()) == "allowed");
  REQUIRE(ok["decidingStatements"].Size() == 1);
  CHECK(std::string(ok["decidingStatements"][0]["policy"].GetString()) == "invoke");
  CHECK(ok["decidingStatements"][0]["statement"].GetUint() == 0);
  CHECK(std::string(ok["decidingStatements"][0]["sid"].GetString()) == "FromOffice");
  CHECK(ok["durationMs"].IsNumber());
  const auto& bad = doc["cases"][1];
  CHECK(std::string(bad["status"].GetString()) == "failed");
  CHECK(std::string(bad["actual"].GetString()) == "implicitDeny");
  CHECK(std::string(bad["missingKeys"][0].GetString()) == "aws:SourceIp");
  CHECK(std::string(bad["mismatches"][0].GetString()) == "decision: expected allowed, got implicitDeny");
  CHECK(doc["totals"]["passed"].GetUint() == 1);
  CHECK(doc["totals"]["failed"].GetUint() == 1);
  CHECK(doc["totals"]["errors"].GetUint() == 1);
  CHECK(std::string(doc["errors"][0]["path"].GetString()) == "$");
  CHECK_FALSE(doc.HasMember("coverage"));
  CHECK_THAT(r.err, Catch::Contains("ERROR " + broken.string()));
}

TEST_CASE("gatehouse test --junit writes JUnit XML with failures and file errors", "[cli][test][junit]") {
  TempDir dir;
  const auto file =
      dir.write("j.json", reasons_fixture(passing_and_failing("ok <&>", "bad \\\"quoted\\\" \\u0001")));
  const auto broken = dir.write("z-broken.json", "{\"description\": 1}");
  const auto xml = dir.path() / "out.xml";
  const Run r = run({"--junit", xml.string(), file.string(), broken.string()});
  CHECK(r.code == 2);
  std::ifstream in(xml);
  std::stringstream text;
  text << in.rdbuf();
  const std::string x = text.str();
  CHECK(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gatehouse test\" tests=\"3\" "
                      "failures=\"1\" errors=\"1\""));
  CHECK_THAT(x, Catch::Contains("<testcase name=\"ok &lt;&amp;&gt;\" classname=\"" + file.string() + "\""));
  CHECK_THAT(x, Catch::Contains("<testcase name=\"bad &quot;quoted&quot; \xEF\xBF\xBD\""));
  CHECK_THAT(x, Catch::Contains("<failure message=\"decision: expected allowed, got implicitDeny\" type=\"mismatch\">"
                                "decision: expected allowed, got implicitDeny\n"
                                "expected decision: allowed\nactual decision:   implicitDeny\n"));
  CHECK_THAT(x, Catch::Contains("<error message=\"$: missing required field"));
  SECTION("an unwritable FILE is exit 2 with one line") {
    const Run w = run({"--junit", (dir.path() / "no" / "such" / "dir.xml").string(), file.string()});
    CHECK(w.code == 2);
    CHECK_THAT(w.err, Catch::Contains("gatehouse test: --junit: cannot write"));
  }
}

TEST_CASE("gatehouse test --coverage lists the statements no case matched", "[cli][test][coverage]") {
  TempDir dir;
  const std::string cases =
      decision_case("ok", "alice", "F", kFromOffice, R"({"decision": "allowed"})") + "," +
      decision_case("g", "alice", "G", kFromOffice, R"({"decision": "explicitDeny"})");
  const auto file = dir.write("c.json", reasons_fixture(cases));
  SECTION("text") {
    const Run r = run({"--coverage", file.string()});
    CHECK(r.code == 0);
    CHECK(r.out == "NOT MATCHED " + file.string() + ": policy invoke: statement #2 (Sid Never)\n"
                   "coverage: 2 of 3 statements matched (66.7%)\n2 passed, 0 failed\n");
  }
  SECTION("JSON") {
    const Run r = run({"--json", "--coverage", file.string()});
    const auto doc = parse_json(r.out);
    CHECK(doc["coverage"]["statements"].GetUint() == 3);
    CHECK(doc["coverage"]["matched"].GetUint() == 2);
    CHECK(std::string(doc["coverage"]["notMatched"][0]["sid"].GetString()) == "Never");
  }
  SECTION("--coverage-min below is a failure, at or above passes") {
    const Run low = run({"--coverage-min", "70", file.string()});
    CHECK(low.code == 1);
    CHECK_THAT(low.out, Catch::Contains("FAIL coverage: 66.7% of the statements matched, below --coverage-min 70\n"));
    CHECK(last_line(low.out) == "2 passed, 0 failed");
    CHECK(run({"--coverage-min", "66", file.string()}).code == 0);
  }
  SECTION("--run narrows coverage to the cases that ran") {
    const Run r = run({"--coverage", "--run", "^ok$", file.string()});
    CHECK_THAT(r.out, Catch::Contains("coverage: 1 of 3 statements matched (33.3%)"));
  }
  SECTION("a bad percentage is a usage error") {
    for (const char* bad : {"abc", "101", "-1", "50%", "nan", ""}) {
      const Run r = run({"--coverage-min", bad, file.string()});
      CHECK(r.code == 2);
      CHECK_THAT(r.err, Catch::Contains("--coverage-min: `" + std::string(bad) + "` is not a percentage"));
    }
  }
}

TEST_CASE("gatehouse test --run picks cases by name", "[cli][test][run]") {
  TempDir dir;
  const auto file = dir.write("r.json", reasons_fixture(passing_and_failing("invoke ok", "invoke wrong")));
  CHECK(run({"--run", "ok$", file.string()}).out == "1 passed, 0 failed\n");
  CHECK(run({"--run", "wrong", file.string()}).code == 1);
  const Run none = run({"--run", "nothing", file.string()});
  CHECK(none.code == 0);
  CHECK(none.out == "0 passed, 0 failed\n");
  CHECK(none.err == "gatehouse test: --run selected no case\n");
  const Run bad = run({"--run", "(", file.string()});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("gatehouse test: --run: `(` is not a regular expression"));
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
}

TEST_CASE("gatehouse test runs each row of a parameterized case under its own name", "[cli][test][where]") {
  TempDir dir;
  const std::string table = R"X({"name": "invoke", "description": "d", "source": "s",
    "action": "lambda:InvokeFunction", "resource": "arn:aws:lambda:us-east-1:111111111111:function:F",
    "context": {"aws:SourceIp": "203.0.113.9"}, "expect": {"decision": "allowed"},
    "where": [
      {"principal": "alice"},
      {"principal": "bob", "expect": {"decision": "implicitDeny"}},
      {"principal": "bob", "context": {"aws:TagKeys": ["a", "b"], "aws:SourceIp": null}, "expect": {"decision": "implicitDeny"}},
      {"principal": "alice", "context": {"aws:SourceIp": "198.51.100.1"}},
      {"name": "G", "principal": "alice", "resource": "arn:aws:lambda:us-east-1:111111111111:function:G"}
    ]},
    {"name": "{principal} on {resource} ({row})", "description": "d", "source": "s",
     "action": "lambda:InvokeFunction", "resource": "arn:aws:lambda:us-east-1:111111111111:function:F",
     "expect": {"decision": "implicitDeny"}, "where": [{"principal": "bob"}, {"name": "two", "principal": "alice"}]})X";
  const auto file = dir.write("t.json", reasons_fixture(table));
  const Run r = run({"--verbose", file.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("PASS " + file.string() + ": invoke[alice]\n"));
  CHECK_THAT(r.out, Catch::Contains("PASS " + file.string() + ": invoke[bob]\n"));
  CHECK_THAT(r.out, Catch::Contains("PASS " + file.string() + ": invoke[bob,aws:TagKeys=[a,b],aws:SourceIp=null]\n"));
  CHECK_THAT(r.out, Catch::Contains("FAIL " + file.string() +
                                    ": invoke[alice,aws:SourceIp=198.51.100.1]: decision: expected allowed, got "
                                    "implicitDeny"));
  CHECK_THAT(r.out, Catch::Contains("FAIL " + file.string() + ": invoke[G]: decision: expected allowed, got explicitDeny"));
  CHECK_THAT(r.out, Catch::Contains("PASS " + file.string() +
                                    ": bob on arn:aws:lambda:us-east-1:111111111111:function:F (0)\n"));
  CHECK_THAT(r.out, Catch::Contains("PASS " + file.string() +
                                    ": alice on arn:aws:lambda:us-east-1:111111111111:function:F (two)\n"));
  CHECK(last_line(r.out) == "5 passed, 2 failed");
  SECTION("--run selects rows by their names") {
    const Run one = run({"--run", R"(\[bob\])", file.string()});
    CHECK(one.out == "1 passed, 0 failed\n");
  }
}

TEST_CASE("gatehouse test rejects malformed parameterized cases", "[cli][test][where]") {
  const std::string head = R"({"name": "t", "description": "d", "source": "s", "action": "lambda:InvokeFunction",
    "resource": "arn:aws:lambda:us-east-1:111111111111:function:F", )";
  const std::pair<std::string, std::string> rows[] = {
      {head + R"("expect": {"decision": "allowed"}, "where": []})", "$.cases[0].where: expected a non-empty array"},
      {head + R"("expect": {"decision": "allowed"}, "where": {"principal": "alice"}})",
       "$.cases[0].where: expected a non-empty array"},
      {head + R"("expect": {"decision": "allowed"}, "where": [{"principle": "alice"}]})",
       "$.cases[0].where[0]: unknown field `principle`"},
      {head + R"("expect": {"decision": "allowed"}, "where": [{"action": "lambda:GetFunction"}]})",
       "$.cases[0].where[0]: missing `principal` (give it in the row or in the case)"},
      {head + R"("where": [{"principal": "alice"}]})", "$.cases[0].where[0]: missing `expect`"},
      {head + R"("expect": {"decision": "allowed"}, "where": [{"principal": "alice"}, {"principal": "alice"}]})",
       "$.cases[0].where[1]: duplicate case name `t[alice]`"},
      {head + R"("expect": {"decision": "allowed"}, "where": [{"principal": "nobody"}]})",
       "$.cases[0].where[0].principal: no principal named `nobody`"},
      {head + R"("expect": {"decision": "allowed"}, "where": [{"principal": "alice", "action": "lambda:Invoke"}]})",
       "$.cases[0].where[0].action: Unknown Lambda action"},
      {head + R"("expect": {"decision": "allowed"}, "where": [{"principal": "alice", "name": 3}]})",
       "$.cases[0].where[0].name: expected a string"},
      {head + R"("expect": {"decision": "allowed"}, "where": [{"principal": "alice"}], "bogus": 1})",
       "$.cases[0]: unknown field `bogus`"},
      {R"({"name": "{who}", "description": "d", "source": "s", "action": "lambda:InvokeFunction",
          "resource": "*", "expect": {"decision": "allowed"}, "where": [{"principal": "alice"}]})",
       "$.cases[0].name: unknown placeholder `{who}`"},
      {R"({"name": "{principal", "description": "d", "source": "s", "action": "lambda:InvokeFunction",
          "resource": "*", "expect": {"decision": "allowed"}, "where": [{"principal": "alice"}]})",
       "$.cases[0].name: unclosed `{`"},
  };
  for (const auto& [c, error] : rows) {
    DYNAMIC_SECTION(error) { check_rejected(TempDir(), reasons_fixture(c), error); }
  }
}

namespace {

// A world in the bootstrap format: alice (inline policy, a group's policy, a boundary), a role,
// and a user named like the role of another account.
constexpr const char* kWorld = R"({
  "region": "us-east-1",
  "accounts": [
    {"id": "111111111111",
     "rootAccessKeys": [{"accessKeyId": "AKIAEXAMPLEROOT11111", "secretAccessKey": "rootSecretEXAMPLErootSecretEXAMPLEroot00"}],
     "policies": [{"name": "lambda-boundary", "document": {"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyLambda", "Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}}],
     "groups": [{"name": "readers", "inlinePolicies": {"read": {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]}}}],
     "users": [{"name": "alice", "groups": ["readers"],
                "permissionsBoundary": "arn:aws:iam::111111111111:policy/lambda-boundary",
                "inlinePolicies": {"own": {"Version": "2012-10-17", "Statement": [
                  {"Sid": "Invoke", "Effect": "Allow", "Action": ["lambda:InvokeFunction", "s3:GetObject"], "Resource": "*"},
                  {"Sid": "NoDelete", "Effect": "Deny", "Action": "lambda:DeleteFunction", "Resource": "*"}]}}}],
     "roles": [{"name": "worker", "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "inlinePolicies": {"logs": {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}]}}}]},
    {"id": "222222222222",
     "rootAccessKeys": [{"accessKeyId": "AKIAEXAMPLEROOT22222", "secretAccessKey": "rootSecretEXAMPLErootSecretEXAMPLEroot22"}],
     "users": [{"name": "worker"}]}
  ]
})";

std::string world_fixture(const std::string& world, const std::string& cases) {
  return R"({"description": "world", "source": "tests/cli/test_cmd_test.cc", "world": ")" + world +
         R"(", "cases": [)" + cases + "]}";
}

std::string world_case(const std::string& name, const std::string& principal, const std::string& action,
                       const std::string& resource, const std::string& expect) {
  return R"({"name": ")" + name + R"(", "description": "d", "source": "s", "principal": ")" + principal +
         R"(", "action": ")" + action + R"(", "resource": ")" + resource + R"(", "expect": )" + expect + "}";
}

const std::string kF = "arn:aws:lambda:us-east-1:111111111111:function:F";

}  // namespace

TEST_CASE("gatehouse test takes principals and their policies from a world file", "[cli][test][world]") {
  TempDir dir;
  dir.write("worlds/team.world.json", kWorld);
  const std::string cases =
      world_case("alice invokes", "alice", "lambda:InvokeFunction", kF,
                 R"({"decision": "allowed", "decidedBy": {"policy": "own", "sid": "Invoke"}})") + "," +
      world_case("alice reads through her group", "arn:aws:iam::111111111111:user/alice", "lambda:GetFunction", kF,
                 R"({"decision": "allowed", "decidedBy": {"policy": "read", "sid": "Read"}})") + "," +
      world_case("alice may not delete", "alice", "lambda:DeleteFunction", kF,
                 R"({"decision": "explicitDeny", "decidedBy": {"policy": "own", "sid": "NoDelete"}})") + "," +
      world_case("the boundary stops s3", "alice", "s3:GetObject", "arn:aws:s3:::bucket/key",
                 R"({"decision": "implicitDeny", "allowedByPermissionsBoundary": false,
                     "reason": "because no permissions boundary allows the s3:GetObject action"})") + "," +
      world_case("the role's session", "arn:aws:sts::111111111111:assumed-role/worker/job", "logs:CreateLogGroup",
                 "*", R"({"decision": "allowed"})") + "," +
      world_case("the other account's worker", "arn:aws:iam::222222222222:user/worker", "logs:CreateLogGroup", "*",
                 R"({"decision": "implicitDeny"})");
  const auto file = dir.write("cases/team.json", world_fixture("../worlds/team.world.json", cases));
  const Run r = run({"--coverage", dir.path().string()});
  CHECK(r.err.empty());
  CHECK(r.code == 0);
  const std::string world = (dir.path() / "cases" / ".." / "worlds" / "team.world.json").string();
  // The boundary's Allow only limits: the engine never names it, so it is not counted.
  CHECK(r.out.find("NOT MATCHED") == std::string::npos);
  CHECK_THAT(r.out, Catch::Contains("coverage: 4 of 4 statements matched (100.0%)"));
  CHECK(last_line(r.out) == "6 passed, 0 failed");

  SECTION("coverage names world policies by owner") {
    const Run one = run({"--coverage", "--run", "^alice invokes$", file.string()});
    CHECK_THAT(one.out, Catch::Contains("NOT MATCHED " + world + ": policy user alice: inline own: statement #1 "
                                        "(Sid NoDelete)\n"));
    CHECK_THAT(one.out, Catch::Contains("NOT MATCHED " + world + ": policy group readers: inline read: statement #0"));
  }
}

TEST_CASE("gatehouse test rejects a bad world reference", "[cli][test][world]") {
  const std::pair<std::string, std::string> rows[] = {
      {world_fixture("missing.world.json", world_case("c", "alice", "lambda:GetFunction", kF, R"({"decision": "allowed"})")),
       "$.world: `"},
      {world_fixture(".", world_case("c", "alice", "lambda:GetFunction", kF, R"({"decision": "allowed"})")),
       "$.world: `"},
      {world_fixture("bad.world.json", world_case("c", "alice", "lambda:GetFunction", kF, R"({"decision": "allowed"})")),
       "$.world: bad world file: "},
      {R"({"description": "w", "source": "s", "world": 5, "cases": [1]})", "$.world: expected a string"},
      {R"({"description": "w", "source": "s", "world": "", "cases": [1]})", "$.world: must not be empty"},
      {world_fixture("ok.world.json", world_case("c", "carol", "lambda:GetFunction", kF, R"({"decision": "allowed"})")),
       "$.cases[0].principal: no principal named `carol` in `principals` or in the world"},
      {world_fixture("ok.world.json", world_case("c", "worker", "lambda:GetFunction", kF, R"({"decision": "allowed"})")),
       "$.cases[0].principal: `worker` names several principals of the world; name it by its ARN"},
      {world_fixture("ok.world.json", world_case("c", "arn:aws:iam::111111111111:user/zed", "lambda:GetFunction", kF,
                                                 R"({"decision": "allowed"})")),
       "$.cases[0].principal: no principal named `arn:aws:iam::111111111111:user/zed`"},
      {world_fixture("ok.world.json", world_case("c", "alice", "lambda:GetFunction", kF,
                                                 R"({"decision": "allowed", "decidedBy": {"policy": "owm", "sid": "S"}})")),
       "$.cases[0].expect.decidedBy.policy: no policy named `owm` in `policies` or among the world principals' policies"},
  };
  for (const auto& [text, error] : rows) {
    DYNAMIC_SECTION(error) {
      TempDir dir;
      dir.write("ok.world.json", kWorld);
      dir.write("bad.world.json", R"({"accounts": [{"id": "111111111111", "users": [{"nam": "x"}]}]})");
      const Run r = check_rejected(dir, text, error);
      if (error == "$.world: `") CHECK_THAT(r.err, Catch::EndsWith("` is not a readable file\n"));
    }
  }
}

TEST_CASE("gatehouse test takes a world role's trust policy for sts:AssumeRole", "[cli][test][world]") {
  TempDir dir;
  dir.write("team.world.json", kWorld);
  const std::string worker = "arn:aws:iam::111111111111:role/worker";
  const std::string cases =
      world_case("lambda assumes worker", "lambda", "sts:AssumeRole", worker,
                 R"({"decision": "allowed", "decidedBy": {"policy": "AssumeRolePolicyDocument", "statement": 0}})") +
      "," + world_case("alice may not", "alice", "sts:AssumeRole", worker, R"({"decision": "implicitDeny"})") + "," +
      world_case("no such role", "lambda", "sts:AssumeRole", "arn:aws:iam::111111111111:role/nobody",
                 R"({"decision": "implicitDeny"})");
  const std::string text = R"({"description": "trust", "source": "s", "world": "team.world.json",
    "principals": {"lambda": {"arn": "lambda.amazonaws.com"}}, "cases": [)" + cases + "]}";
  const auto file = dir.write("trust.json", text);
  const Run r = run({"--coverage", "--run", "lambda assumes", file.string()});
  CHECK(r.err.empty());
  CHECK(r.code == 0);
  CHECK(r.out.find("role worker: trust policy") == std::string::npos);  // matched
  CHECK(run({file.string()}).out == "3 passed, 0 failed\n");
  const Run other = run({"--coverage", "--run", "alice", file.string()});
  CHECK_THAT(other.out, Catch::Contains(": policy role worker: trust policy: statement #0\n"));
}

namespace {

// A world file with functions (the fixture server's format, docs/testing.md): greeter's function
// policy lets bob (no identity policy) invoke it; quiet has no function policy.
constexpr const char* kFunctionWorld = R"({
  "region": "us-east-1",
  "accounts": [
    {"id": "111111111111",
     "rootAccessKeys": [{"accessKeyId": "AKIAEXAMPLEROOT11111", "secretAccessKey": "rootSecretEXAMPLErootSecretEXAMPLEroot00"}],
     "users": [{"name": "bob"}],
     "roles": [{"name": "app", "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}],
     "functions": [
       {"name": "greeter", "runtime": "python3.12", "handler": "index.handler",
        "role": "arn:aws:iam::111111111111:role/app", "code": {"inline": {"index.py": "def handler(e, c): return 1"}},
        "permissions": [{"statementId": "BobInvokes", "action": "lambda:InvokeFunction",
                         "principal": "arn:aws:iam::111111111111:user/bob"}]},
       {"name": "quiet", "runtime": "python3.12", "handler": "index.handler",
        "role": "arn:aws:iam::111111111111:role/app", "code": {"inline": {"index.py": "def handler(e, c): return 1"}}}]}
  ]
})";

}  // namespace

TEST_CASE("gatehouse test loads world functions and takes their function policies", "[cli][test][world]") {
  TempDir dir;
  dir.write("fn.world.json", kFunctionWorld);
  const std::string greeter = "arn:aws:lambda:us-east-1:111111111111:function:greeter";
  const std::string cases =
      world_case("bob invokes greeter", "bob", "lambda:InvokeFunction", greeter,
                 R"({"decision": "allowed", "decidedBy": {"policy": "FunctionPolicy", "sid": "BobInvokes"}})") + "," +
      world_case("bob may not read greeter", "bob", "lambda:GetFunction", greeter, R"({"decision": "implicitDeny"})") +
      "," +
      world_case("quiet has no policy", "bob", "lambda:InvokeFunction",
                 "arn:aws:lambda:us-east-1:111111111111:function:quiet", R"({"decision": "implicitDeny"})") + "," +
      world_case("not a world function", "bob", "lambda:InvokeFunction", kF, R"({"decision": "implicitDeny"})") +
      "," +
      world_case("another region's greeter", "bob", "lambda:InvokeFunction",
                 "arn:aws:lambda:eu-west-1:111111111111:function:greeter", R"({"decision": "implicitDeny"})");
  const auto file = dir.write("fn.json", world_fixture("fn.world.json", cases));
  const Run r = run({"--verbose", file.string()});
  CHECK(r.err.empty());
  CHECK(r.code == 0);
  CHECK(last_line(r.out) == "5 passed, 0 failed");

  SECTION("a case's resourcePolicy still overrides the function's") {
    const std::string text = R"({"description": "w", "source": "s", "world": "fn.world.json", "cases": [)" +
                             world_case("none", "bob", "lambda:InvokeFunction", greeter, R"({"decision": "implicitDeny"})")
                                 .insert(1, R"("resourcePolicy": null, )") +
                             "]}";
    const auto overridden = dir.write("none.json", text);
    const Run o = run({overridden.string()});
    CHECK(o.err.empty());
    CHECK(o.out == "1 passed, 0 failed\n");
  }
  SECTION("coverage names the function policy") {
    const Run one = run({"--coverage", "--run", "^bob may not", file.string()});
    CHECK_THAT(one.out, Catch::Contains(": policy function greeter: function policy: statement #0 (Sid BobInvokes)"));
  }
  SECTION("a bad permission is the world file's fault") {
    std::string bad = kFunctionWorld;
    bad.replace(bad.find("\"statementId\""), 13, "\"statementid\"");
    dir.write("fn.world.json", bad);
    const Run b = run({file.string()});
    CHECK(b.code != 0);
    CHECK_THAT(b.err, Catch::Contains("$.world: bad world file: "));
    CHECK_THAT(b.err, Catch::Contains("$.accounts[0].functions[0].permissions[0].statementid"));
  }
}

TEST_CASE("gatehouse test runs a case for every combination of a matrix", "[cli][test][where]") {
  TempDir dir;
  const std::string c = R"({"name": "c", "description": "d", "source": "s",
    "resource": "arn:aws:lambda:us-east-1:111111111111:function:F", "expect": {"decision": "allowed"},
    "matrix": {"principal": ["alice", "bob"], "action": ["lambda:InvokeFunction"],
               "context": [{"aws:SourceIp": "203.0.113.9"}, {"aws:SourceIp": "198.51.100.1"}]}})";
  const auto file = dir.write("m.json", reasons_fixture(c));
  const Run r = run({"--verbose", file.string()});
  CHECK(r.code == 1);
  CHECK(r.out.find("PASS " + file.string() + ": c[alice,lambda:InvokeFunction,aws:SourceIp=203.0.113.9]\n") == 0);
  for (const char* failing : {"c[alice,lambda:InvokeFunction,aws:SourceIp=198.51.100.1]: decision",
                              "c[bob,lambda:InvokeFunction,aws:SourceIp=203.0.113.9]: decision",
                              "c[bob,lambda:InvokeFunction,aws:SourceIp=198.51.100.1]: decision"}) {
    CHECK_THAT(r.out, Catch::Contains("FAIL " + file.string() + ": " + failing));
  }
  CHECK(last_line(r.out) == "1 passed, 3 failed");
}

TEST_CASE("gatehouse test rejects a malformed matrix", "[cli][test][where]") {
  const std::string head = R"({"name": "t", "description": "d", "source": "s", "action": "lambda:InvokeFunction",
    "resource": "arn:aws:lambda:us-east-1:111111111111:function:F", "expect": {"decision": "allowed"}, )";
  const std::pair<std::string, std::string> rows[] = {
      {head + R"("matrix": []})", "$.cases[0].matrix: expected an object"},
      {head + R"("matrix": {}})", "$.cases[0].matrix: expected at least one of"},
      {head + R"("matrix": {"principal": []}})", "$.cases[0].matrix.principal: expected a non-empty array of strings"},
      {head + R"("matrix": {"principal": ["alice", 3]}})", "$.cases[0].matrix.principal[1]: expected a string"},
      {head + R"("matrix": {"context": ["x"]}})", "$.cases[0].matrix.context[0]: expected an object"},
      {head + R"("matrix": {"expect": [1]}})", "$.cases[0].matrix: unknown field `expect`"},
      {head + R"("matrix": {"principal": ["alice"]}, "where": [{"principal": "bob"}]})",
       "$.cases[0]: give one of `where` and `matrix`"},
      {head + R"("matrix": {"principal": ["nobody"]}})", "$.cases[0].matrix[0].principal: no principal named `nobody`"},
      {head + R"("matrix": {"context": [{"aws:SourceIp": 5}]}, "principal": "alice"})",
       "$.cases[0].matrix[0].context.aws:SourceIp: a context value is a string"},
  };
  for (const auto& [c, error] : rows) {
    DYNAMIC_SECTION(error) { check_rejected(TempDir(), reasons_fixture(c), error); }
  }
  SECTION("too many combinations") {
    std::string many = "[";
    for (int i = 0; i < 101; ++i) many += std::string(i ? "," : "") + "\"lambda:InvokeFunction\"";
    many += "]";
    TempDir dir;
    const auto file = dir.write(
        "big.json", reasons_fixture(head + R"("matrix": {"principal": )" + many + R"(, "action": )" + many +
                                    R"(, "resource": )" + many + "}}"));
    const Run r = run({file.string()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("$.cases[0].matrix: more than 10000 combinations"));
  }
}
