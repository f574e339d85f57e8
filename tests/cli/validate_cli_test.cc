// `gatehouse validate`: output lines, JSON output, exit codes 0/1/2.
#include <rapidjson/document.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/commands.h"

using gatehouse::cli::Args;
using gatehouse::cli::Io;
using gatehouse::cli::run_validate;

namespace {

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run validate(const Args& args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int status = run_validate(args, Io{in, out, err});
  return {status, out.str(), err.str()};
}

// A scratch directory for the policy files of one test run.
class Scratch {
 public:
  Scratch() : dir_(std::filesystem::temp_directory_path() / ("gatehouse-validate-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string file(const std::string& name, const std::string& text) const {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::string dir() const { return dir_.string(); }

 private:
  std::filesystem::path dir_;
};

const std::string kValid =
    R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:GetFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:F"}})";
const std::string kDuplicate = R"({"Statement":{"Effect":"Allow","Effect":"Deny"}})";
const std::string kWarning =
    "{\"Version\":\"2012-10-17\",\n \"Statement\":{\"Effect\":\"Allow\",\"Action\":\"lambda:InvokeFuntion\","
    "\"Resource\":\"arn:aws:lambda:us-east-1:111111111111:function:F\"}}";

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST_CASE("validate prints one line per finding and a summary per file", "[cli][validate]") {
  Scratch scratch;
  SECTION("a valid policy exits 0") {
    const std::string f = scratch.file("ok.json", kValid);
    const Run r = validate({f});
    CHECK(r.status == 0);
    CHECK(r.out == f + ": 0 errors, 0 warnings, 0 suggestions; size " + std::to_string(kValid.size()) + " of 6144\n");
    CHECK(r.err.empty());
  }
  SECTION("an error exits 1 and names path, position and detail") {
    const std::string f = scratch.file("dup.json", kDuplicate);
    const Run r = validate({f});
    CHECK(r.status == 1);
    CHECK(r.out == f +
                       ":1:32: error: MalformedPolicyDocument: Syntax errors in policy. (Statement.Effect: duplicate "
                       "key `Effect`)\n" +
                       f + ": 1 error, 0 warnings, 0 suggestions\n");
  }
  SECTION("warnings alone exit 0") {
    const std::string f = scratch.file("warn.json", kWarning);
    const Run r = validate({f});
    CHECK(r.status == 0);
    CHECK(r.out == f +
                       ":2:41: warning: W12: Unknown Lambda action `lambda:InvokeFuntion`. (Statement.Action: did you "
                       "mean `lambda:InvokeFunction`?)\n" +
                       f + ": 0 errors, 1 warning, 0 suggestions; size " + std::to_string(kWarning.size() - 2) +
                       " of 6144\n");
  }
  SECTION("several files: any error makes the exit status 1") {
    const Run r = validate({scratch.file("a.json", kValid), scratch.file("b.json", kDuplicate)});
    CHECK(r.status == 1);
    CHECK(lines(r.out) == 3);
  }
  SECTION("`-` reads standard input") {
    const Run r = validate({"-"}, kDuplicate);
    CHECK(r.status == 1);
    CHECK(r.out.starts_with("-:1:32: error: MalformedPolicyDocument: Syntax errors in policy."));
  }
}

TEST_CASE("validate --type selects the rules of each policy type", "[cli][validate]") {
  Scratch scratch;
  struct Row {
    std::string type;
    std::string text;
    int status;
    std::string expected;  // part of the output
  };
  const std::string no_version =
      R"({"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b"}})";
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}})";
  const Row rows[] = {
      {"identity", no_version, 1, "Policy document must be version 2012-10-17 or greater."},
      {"boundary", no_version, 1, "Policy document must be version 2012-10-17 or greater."},
      {"inline-user", no_version, 0, "of 2048"},
      {"inline-group", no_version, 0, "of 5120"},
      {"inline-role", no_version, 0, "of 10240"},
      {"trust", trust, 0, "of 2048"},
      {"trust", "not json", 1, "This policy contains invalid Json"},
      {"trust", no_version, 1, "Has prohibited field Resource."},
      {"resource", trust, 1, "ValidationException: 1 validation error detected: Value null at 'statementId'"},
      {"resource",
       R"({"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:F"}]})",
       0, "of 20480"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.type << " " << row.expected) {
      const Run r = validate({"--type", row.type, scratch.file("p.json", row.text)});
      CHECK(r.status == row.status);
      CHECK(r.out.find(row.expected) != std::string::npos);
    }
  }
}

TEST_CASE("validate --output json prints one object with every finding", "[cli][validate]") {
  Scratch scratch;
  const std::string ok = scratch.file("ok.json", kValid);
  const std::string dup = scratch.file("dup.json", kDuplicate);
  const Run r = validate({"--output", "json", ok, dup});
  CHECK(r.status == 1);
  rapidjson::Document doc;
  doc.Parse(r.out.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  const auto& files = doc["files"];
  REQUIRE(files.Size() == 2);
  CHECK(std::string(files[0]["file"].GetString()) == ok);
  CHECK(std::string(files[0]["type"].GetString()) == "identity");
  CHECK(files[0]["size"].GetUint64() == kValid.size());
  CHECK(files[0]["limit"].GetUint64() == 6144);
  CHECK(files[0]["errors"].GetUint64() == 0);
  CHECK(files[0]["findings"].Size() == 0);
  CHECK_FALSE(files[1].HasMember("size"));
  CHECK(files[1]["errors"].GetUint64() == 1);
  const auto& f = files[1]["findings"][0];
  CHECK(std::string(f["severity"].GetString()) == "error");
  CHECK(std::string(f["code"].GetString()) == "MalformedPolicyDocument");
  CHECK(std::string(f["message"].GetString()) == "Syntax errors in policy.");
  CHECK(std::string(f["path"].GetString()) == "Statement.Effect");
  CHECK(f["line"].GetUint64() == 1);
  CHECK(f["column"].GetUint64() == 32);
  CHECK(std::string(f["detail"].GetString()) == "duplicate key `Effect`");
}

TEST_CASE("validate: help, bad arguments and unreadable files", "[cli][validate]") {
  Scratch scratch;
  SECTION("--help") {
    const Run r = validate({"--help"});
    CHECK(r.status == 0);
    CHECK(r.out.starts_with("usage: gatehouse validate"));
    CHECK(r.err.empty());
  }
  struct Row {
    Args args;
    std::string reason;
  };
  const Row rows[] = {
      {{"--frobnicate", "x.json"}, "unrecognised option '--frobnicate'"},
      {{"--type", "managed", "x.json"}, "unknown --type `managed`"},
      {{"--type"}, "the required argument for option '--type' is missing"},
      {{"--output", "xml", "x.json"}, "--output must be text or json, not `xml`"},
      {{}, "no FILE given"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.reason) {
      const Run r = validate(row.args);
      CHECK(r.status == 2);
      CHECK(r.out.empty());
      CHECK(lines(r.err) == 1);
      CHECK(r.err.find(row.reason) != std::string::npos);
    }
  }
  SECTION("a missing file: the others are still checked, exit 2") {
    const std::string ok = scratch.file("ok.json", kValid);
    const Run r = validate({scratch.dir() + "/absent.json", ok});
    CHECK(r.status == 2);
    CHECK(r.err == "gatehouse validate: cannot read `" + scratch.dir() + "/absent.json`: No such file or directory\n");
    CHECK(r.out.starts_with(ok + ": 0 errors"));
  }
  SECTION("a directory") {
    const Run r = validate({scratch.dir()});
    CHECK(r.status == 2);
    CHECK(r.err == "gatehouse validate: cannot read `" + scratch.dir() + "`: is a directory\n");
  }
}
