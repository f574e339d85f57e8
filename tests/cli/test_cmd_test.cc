// `gatehouse test`: the fixture runner on small fixtures written to a temporary
// directory, and every fixture of the repository loading cleanly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

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
