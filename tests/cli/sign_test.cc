// `gatehouse sign` driven through run_sign with string streams: it reproduces what botocore
// signed (testdata/sigv4-clients), its output verifies, and bad arguments exit 2 with one line.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <rapidjson/document.h>

#include "cli/commands.h"
#include "sigv4/clock.h"
#include "sigv4/credential_store.h"
#include "sigv4/signing_key_cache.h"
#include "sigv4/verifier.h"

namespace gatehouse::cli {
namespace {

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run sign(const Args& args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out;
  std::ostringstream err;
  const int status = run_sign(args, Io{in, out, err});
  return {status, out.str(), err.str()};
}

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

rapidjson::Document client_file(const char* name) {
  std::ifstream in(std::filesystem::path(GATEHOUSE_SOURCE_DIR) / "tests/data/sigv4-clients" / name);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json(text.str());
}

const Args kExampleCredentials = {"--access-key-id", "AKIDEXAMPLE", "--secret-access-key",
                                  "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};

Args with(Args args, const Args& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

}  // namespace

TEST_CASE("sign --help prints the usage", "[cli][sign]") {
  const Run run = sign({"--help"});
  CHECK(run.status == 0);
  CHECK(run.out.rfind("usage: gatehouse sign --method M --url URL", 0) == 0);
  CHECK(run.err.empty());
}

TEST_CASE("sign reproduces a botocore Invoke of a function ARN (JSON output)", "[cli][sign]") {
  const auto file = client_file("02-lambda-invoke-arn.json");
  const Run run = sign(with({"--method", "POST", "--url",
                             std::string("https://lambda.us-east-1.amazonaws.com") + file["path"].GetString(),
                             "--region", "us-east-1", "--service", "lambda", "--time", "20240501T120000Z", "--body",
                             "-", "--output", "json"},
                            kExampleCredentials),
                       file["body"].GetString());
  REQUIRE(run.status == 0);
  CHECK(run.err.empty());
  const auto json = parse_json(run.out);
  const auto& expected = file["expected"];
  CHECK(std::string(json["canonicalRequest"].GetString()) == expected["canonical_request"].GetString());
  CHECK(std::string(json["stringToSign"].GetString()) == expected["string_to_sign"].GetString());
  CHECK(std::string(json["signature"].GetString()) == expected["signature"].GetString());
  const auto& headers = json["headers"];
  CHECK(std::string(headers["Host"].GetString()) == "lambda.us-east-1.amazonaws.com");
  CHECK(std::string(headers["X-Amz-Date"].GetString()) == "20240501T120000Z");
  for (const auto& header : file["headers"].GetArray()) {
    if (header[0].GetString() == std::string("Authorization")) {
      CHECK(std::string(headers["Authorization"].GetString()) == header[1].GetString());
    }
  }
  CHECK_FALSE(json.HasMember("url"));
}

TEST_CASE("sign --presign reproduces a botocore presigned URL byte for byte", "[cli][sign]") {
  const auto file = client_file("09-lambda-presigned-get-function.json");
  const std::string path = file["path"].GetString();
  const Run run = sign(with({"--method", "GET", "--url",
                             "https://lambda.us-east-1.amazonaws.com" + path.substr(0, path.find('?')), "--region",
                             "us-east-1", "--service", "lambda", "--time", "20240501T120000Z", "--presign", "--expires",
                             "300", "--output", "json"},
                            kExampleCredentials));
  REQUIRE(run.status == 0);
  const auto json = parse_json(run.out);
  CHECK(std::string(json["url"].GetString()) == "https://lambda.us-east-1.amazonaws.com" + path);
  CHECK(std::string(json["signature"].GetString()) == file["expected"]["signature"].GetString());
  CHECK_FALSE(json.HasMember("headers"));
}

TEST_CASE("sign takes credentials and the session token from the environment", "[cli][sign]") {
  const auto file = client_file("07-lambda-invoke-session-token.json");
  const ScopedEnv key("AWS_ACCESS_KEY_ID", "ASIAEXAMPLETEMPKEY01");
  const ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTEMPORARY");
  const ScopedEnv token("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLE-SESSION-TOKEN/abc+def==");
  const Run run = sign({"--method", "POST", "--url",
                        "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/my-func/invocations", "--region",
                        "eu-west-1", "--service", "lambda", "--time", "20240501T120000Z", "--body", "-", "--output",
                        "json"},
                       file["body"].GetString());
  REQUIRE(run.status == 0);
  const auto json = parse_json(run.out);
  CHECK(std::string(json["signature"].GetString()) == file["expected"]["signature"].GetString());
  CHECK(std::string(json["headers"]["X-Amz-Security-Token"].GetString()) ==
        "IQoJb3JpZ2luX2VjEXAMPLE-SESSION-TOKEN/abc+def==");
}

TEST_CASE("sign reads the body from a file and sends extra headers (text output)", "[cli][sign]") {
  const std::filesystem::path body = std::filesystem::temp_directory_path() / "gatehouse_sign_test_body.json";
  std::ofstream(body, std::ios::binary) << "{\"key\":\"value\"}";
  const Run run = sign(with({"--method", "POST", "--url",
                             "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my-func/invocations",
                             "--header", "X-Amz-Invocation-Type: RequestResponse", "--header", "User-Agent: test/1",
                             "--body", body.string(), "--region", "us-east-1", "--service", "lambda", "--time",
                             "20240501T120000Z"},
                            kExampleCredentials));
  std::filesystem::remove(body);
  REQUIRE(run.status == 0);
  // The signature is the one of A01 in cases.json (same request, reference implementation).
  CHECK(run.out ==
        "Canonical request:\n"
        "POST\n/2015-03-31/functions/my-func/invocations\n\n"
        "host:lambda.us-east-1.amazonaws.com\nx-amz-date:20240501T120000Z\nx-amz-invocation-type:RequestResponse\n\n"
        "host;x-amz-date;x-amz-invocation-type\n"
        "e43abcf3375244839c012f9633f95862d232a95b00d5bc7348b3098b9fed7f32\n\n"
        "String to sign:\n"
        "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/us-east-1/lambda/aws4_request\n"
        "4238ec5adba17d1033eacf635f5ddd4e12a90002ff14feface5ab07648bac758\n\n"
        "Signature: cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013\n\n"
        "Headers:\n"
        "Host: lambda.us-east-1.amazonaws.com\n"
        "X-Amz-Invocation-Type: RequestResponse\n"
        "User-Agent: test/1\n"
        "X-Amz-Date: 20240501T120000Z\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-invocation-type, "
        "Signature=cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013\n");
}

TEST_CASE("sign at the current time produces a request the verifier accepts", "[cli][sign]") {
  const Run run = sign(with({"--method", "GET", "--url", "https://sts.amazonaws.com:443/?Action=GetCallerIdentity&Version=2011-06-15",
                             "--region", "us-east-1", "--service", "sts", "--output", "json"},
                            kExampleCredentials));
  REQUIRE(run.status == 0);
  const auto json = parse_json(run.out);
  std::vector<sigv4::Header> headers;
  for (auto it = json["headers"].MemberBegin(); it != json["headers"].MemberEnd(); ++it) {
    headers.push_back({it->name.GetString(), it->value.GetString()});
  }
  CHECK(std::string(json["headers"]["Host"].GetString()) == "sts.amazonaws.com");  // default port dropped

  sigv4::InMemoryCredentialStore store;
  sigv4::Credential credential;
  credential.access_key_id = "AKIDEXAMPLE";
  credential.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  store.put(std::move(credential));
  const sigv4::SystemClock clock;
  sigv4::SigningKeyCache cache;
  const sigv4::Verifier verifier(store, clock, cache);
  const sigv4::RequestView request{"GET", "/", "Action=GetCallerIdentity&Version=2011-06-15", headers,
                                   sigv4::PayloadHash::of_body("")};
  CHECK(verifier.verify(request, sigv4::Endpoint::sts("us-east-1")).has_value());
}

TEST_CASE("sign: bad arguments give one line on stderr and exit 2", "[cli][sign]") {
  const Args base = with({"--method", "GET", "--url", "https://lambda.us-east-1.amazonaws.com/", "--region",
                          "us-east-1", "--service", "lambda"},
                         kExampleCredentials);
  struct Row {
    Args args;
    std::string_view reason;
  };
  const Row rows[] = {
      {{"--url", "https://x/", "--region", "r", "--service", "s"}, "missing --method"},
      {with(base, {"--bogus"}), "unrecognised option '--bogus'"},
      {with(base, {"--time", "2024-05-01T12:00:00Z"}), "--time must look like 20240501T120000Z"},
      {with(base, {"--presign"}), "--presign and --expires go together"},
      {with(base, {"--expires", "60"}), "--presign and --expires go together"},
      {with(base, {"--presign", "--expires", "604801"}), "--expires must be 1 to 604800 seconds"},
      {with(base, {"--presign", "--expires", "0"}), "--expires must be 1 to 604800 seconds"},
      {with(base, {"--presign", "--expires", "5m"}), "--expires must be 1 to 604800 seconds"},
      {with(base, {"--header", "NoColon"}), "bad --header `NoColon`"},
      {with(base, {"--output", "yaml"}), "--output must be text or json"},
      {with(base, {"--body", "/nonexistent/gatehouse-body"}), "cannot read --body"},
      {{"--method", "GET", "--url", "ftp://x/", "--region", "r", "--service", "s"}, "--url must start with http://"},
      {{"--method", "GET", "--url", "https:///path", "--region", "r", "--service", "s"}, "--url needs a host"},
      {{"--method", "GET", "--url", "https://x/?a=%zz", "--region", "r", "--service", "s", "--access-key-id", "A",
        "--secret-access-key", "S"},
       "malformed percent-encoding"},
  };
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  for (const Row& row : rows) {
    INFO("expected: " << row.reason);
    const Run run = sign(row.args);
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(run.err.find(row.reason) != std::string::npos);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  }
  const Run no_credentials = sign({"--method", "GET", "--url", "https://x/", "--region", "r", "--service", "s"});
  CHECK(no_credentials.status == 2);
  CHECK(no_credentials.err.find("no credentials") != std::string::npos);
}

}  // namespace gatehouse::cli
