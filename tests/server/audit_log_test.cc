// The audit log: CloudTrail records per Lambda call (spec/audit-log.md), whole lines under
// concurrency, and the decision and authentication-failure metrics of the dispatch.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/audit/audit_log.h"
#include "server/metrics/metrics.h"
#include "tests/server/control_test_world.h"

namespace gatehouse {
namespace {

using namespace control_test;

std::filesystem::path temp_file(const char* stem) {
  std::random_device rd;
  const auto dir = std::filesystem::temp_directory_path() / ("gatehouse-audit-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir / stem;
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

rapidjson::Document parse(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::unique_ptr<server::audit::AuditLog> open_log(const std::filesystem::path& path) {
  auto opened = server::audit::AuditLog::open(path);
  if (!opened) FAIL(opened.error());
  return std::move(opened.value());
}

// A world whose API writes to an audit log and records metrics.
struct Audited {
  std::filesystem::path path = temp_file("audit.jsonl");
  std::unique_ptr<server::audit::AuditLog> log = open_log(path);
  server::metrics::Registry registry;
  server::metrics::ServiceMetrics metrics{registry};
  World world;  // the store and its principals; calls go through `api` below
  sigv4::FixedClock clock{std::chrono::system_clock::now()};
  server::authz::Pipeline pipeline{world.store(), clock};
  server::control::LambdaApi api{world.store(), pipeline, clock, {"us-east-1", log.get(), &metrics}};
  ~Audited() { std::filesystem::remove_all(path.parent_path()); }

  // As World::call, through the audited API, with a User-Agent for the record.
  Response call(std::string_view method, const std::string& target, const std::string& body = "",
                std::string_view key = kAliceKey, std::string_view secret = kAliceSecret) {
    auto request = World::signed_request(method, target, body, key, secret, clock.now(),
                                         {{"User-Agent", "Boto3/1.34.0 test"}});
    request.request_id = "5c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f";
    return World::call_api(api, request);
  }
};

}  // namespace

TEST_CASE("an allowed CreateFunction is one record with redacted parameters", "[server][audit]") {
  Audited a;
  // Tags at CreateFunction also need lambda:TagResource (Lambda permissions reference).
  a.world.alice_policy(allow("lambda:CreateFunction", "*") + "," + allow("lambda:TagResource", "*") + "," +
                       allow("iam:PassRole", kRoleR));
  const auto body = create_body("hello", kRoleR, R"(,"Environment":{"Variables":{"SECRET":"s3cr3t"}},"Tags":{"Team":"a"})");
  const auto response = a.call("POST", kFunctionsPath, body);
  REQUIRE(response.status == 201);

  const auto lines = lines_of(a.path);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("s3cr3t") == std::string::npos);
  CHECK(lines[0].find(kZip) == std::string::npos);
  const auto doc = parse(lines[0]);
  CHECK(std::string(doc["eventVersion"].GetString()) == "1.11");
  CHECK(std::string(doc["eventName"].GetString()) == "CreateFunction20150331");
  CHECK(std::string(doc["eventSource"].GetString()) == "lambda.amazonaws.com");
  CHECK(std::string(doc["eventType"].GetString()) == "AwsApiCall");
  CHECK(std::string(doc["eventCategory"].GetString()) == "Management");
  CHECK(doc["readOnly"].GetBool() == false);
  CHECK(doc["managementEvent"].GetBool() == true);
  CHECK(std::string(doc["recipientAccountId"].GetString()) == kA);
  CHECK_FALSE(doc.HasMember("errorCode"));
  const auto& who = doc["userIdentity"];
  CHECK(std::string(who["type"].GetString()) == "IAMUser");
  CHECK(std::string(who["arn"].GetString()) == "arn:aws:iam::111111111111:user/alice");
  CHECK(std::string(who["accessKeyId"].GetString()) == kAliceKey);
  CHECK(std::string(who["userName"].GetString()) == "alice");
  const auto& params = doc["requestParameters"];
  CHECK(std::string(params["functionName"].GetString()) == "hello");
  CHECK(std::string(params["runtime"].GetString()) == "python3.12");
  REQUIRE(params["code"].IsObject());
  CHECK(params["code"].ObjectEmpty());
  CHECK_FALSE(params.HasMember("environment"));
  CHECK(params["tags"].HasMember("Team"));  // tag keys are user data, kept as sent
  const auto& out = doc["responseElements"];
  REQUIRE(out.IsObject());
  CHECK(std::string(out["functionArn"].GetString()) == fn_arn("hello"));
  CHECK_FALSE(out.HasMember("environment"));
  CHECK(a.metrics.decisions.with({"allowed"}).value() == 1);
}

TEST_CASE("a denied call is recorded with AccessDenied and the message", "[server][audit]") {
  Audited a;
  a.world.seed_function("hello");
  const auto response = a.call("GET", kFunctionsPath + "/hello");
  REQUIRE(response.status == 403);

  const auto lines = lines_of(a.path);
  REQUIRE(lines.size() == 1);
  const auto doc = parse(lines[0]);
  CHECK(std::string(doc["eventName"].GetString()) == "GetFunction20150331v2");
  CHECK(std::string(doc["errorCode"].GetString()) == "AccessDenied");
  CHECK(std::string(doc["errorMessage"].GetString()) == response.message());
  CHECK(std::string(doc["errorMessage"].GetString()).find("is not authorized to perform: lambda:GetFunction") !=
        std::string::npos);
  CHECK(doc["responseElements"].IsNull());
  CHECK(std::string(doc["requestParameters"]["functionName"].GetString()) == "hello");
  CHECK(doc["readOnly"].GetBool() == true);
  CHECK(a.metrics.decisions.with({"implicitDeny"}).value() == 1);
  CHECK(a.metrics.decisions.with({"allowed"}).value() == 0);
}

TEST_CASE("each call appends exactly one line", "[server][audit]") {
  Audited a;
  a.world.seed_function("hello");
  a.world.alice_policy(allow("lambda:GetFunctionConfiguration", "*"));
  for (int i = 0; i < 3; ++i) REQUIRE(a.call("GET", kFunctionsPath + "/hello/configuration").status == 200);
  REQUIRE(a.call("DELETE", kFunctionsPath + "/hello").status == 403);
  const auto lines = lines_of(a.path);
  REQUIRE(lines.size() == 4);
  std::set<std::string> event_ids;
  for (const auto& line : lines) event_ids.insert(parse(line)["eventID"].GetString());
  CHECK(event_ids.size() == 4);
  CHECK(parse(lines[0])["responseElements"].IsNull());  // reads carry no response
}

TEST_CASE("a bad signature counts an authentication failure and is recorded as Unknown", "[server][audit]") {
  Audited a;
  const auto response = a.call("GET", kFunctionsPath + "/", "", kAliceKey, kBobSecret);
  REQUIRE(response.status == 403);
  std::uint64_t failures = 0;
  a.metrics.authentication_failures.for_each([&](const auto&, const auto& counter) { failures += counter.value(); });
  CHECK(failures == 1);
  CHECK(a.metrics.authentication_failures.with({"signature-mismatch"}).value() == 1);
  const auto lines = lines_of(a.path);
  REQUIRE(lines.size() == 1);
  const auto doc = parse(lines[0]);
  CHECK(std::string(doc["userIdentity"]["type"].GetString()) == "Unknown");
  CHECK(doc["errorCode"].GetString() == response.error_type);
  std::uint64_t decisions = 0;
  a.metrics.decisions.for_each([&](const auto&, const auto& counter) { decisions += counter.value(); });
  CHECK(decisions == 0);
}

TEST_CASE("concurrent appends give whole lines", "[server][audit]") {
  const auto path = temp_file("concurrent.jsonl");
  auto opened = server::audit::AuditLog::open(path);
  REQUIRE(opened);
  auto& log = *opened.value();
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      const std::string record = R"({"thread":)" + std::to_string(t) + R"(,"pad":")" + std::string(3000, 'a' + t) + "\"}";
      for (int i = 0; i < kEach; ++i) log.append(record, server::audit::Durability::Written);
    });
  }
  for (auto& thread : threads) thread.join();
  const auto lines = lines_of(path);
  CHECK(lines.size() == kThreads * kEach);
  for (const auto& line : lines) {
    const auto doc = parse(line);
    const int t = doc["thread"].GetInt();
    CHECK(std::string(doc["pad"].GetString()) == std::string(3000, 'a' + t));
  }
  CHECK(log.failures() == 0);
  std::filesystem::remove_all(path.parent_path());
}

TEST_CASE("user agent and client text are bounded and valid UTF-8", "[server][audit]") {
  server::audit::ApiCall call;
  call.event_name = "ListFunctions20150331";
  const std::string agent = std::string(2000, 'x') + "\xff";
  call.user_agent = agent;
  call.error = server::audit::Failure{"ValidationException", std::string(5, '\xc3')};
  const auto doc = parse(server::audit::render(call));
  CHECK(std::string(doc["userAgent"].GetString()).size() == server::audit::kFieldLimit);
  CHECK(std::string(doc["errorMessage"].GetString()) == "?????");
  CHECK(std::string(doc["userIdentity"]["type"].GetString()) == "Unknown");
}

TEST_CASE("a Lambda call of a session with a source identity records it in sessionContext", "[server][audit]") {
  Audited a;
  a.world.seed_function("hello");
  store::TemporaryCredentials issued;
  require_ok(a.world.store().write([&](store::Mutation& m) -> store::Result<void> {
    store::AssumeRoleInput input;
    input.account = std::string(kA);
    input.role_name = "R";
    input.session_name = "s1";
    input.source_identity = "alice";
    auto session = m.assume_role(input);
    if (!session) return session.error();
    issued = session.value();
    return store::success();
  }));
  auto request = World::signed_request("GET", kFunctionsPath + "/hello", "", issued.access_key_id,
                                       issued.secret_access_key, a.clock.now(),
                                       {}, issued.session_token);
  const Response response = World::call_api(a.api, request);
  INFO(response.body);
  REQUIRE(response.error_type == "AccessDeniedException");  // R has no Lambda permissions
  const auto lines = lines_of(a.path);
  REQUIRE(lines.size() == 1);
  const auto doc = parse(lines[0]);
  const auto& context = doc["userIdentity"]["sessionContext"];
  REQUIRE(context.IsObject());
  REQUIRE(context.HasMember("sourceIdentity"));
  CHECK(std::string(context["sourceIdentity"].GetString()) == "alice");
}

}  // namespace gatehouse
