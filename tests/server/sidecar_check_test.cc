// Check and the HTTP front end give the same decision and the same message: each of the 25
// Lambda operations sent once through the sidecar's Check and once through LambdaApi::handle,
// allowed, denied by no policy, denied explicitly, and with a bad signature.
#include <catch2/catch.hpp>
#include <map>

#include "server/http/errors.h"
#include "server/lambda/route_table.h"
#include "tests/server/sidecar_test_support.h"

using namespace gatehouse;
using namespace gatehouse::control_test;
using namespace gatehouse::sidecar_test;
using server::lambda::Operation;

namespace {

const std::string kQueue = "arn:aws:sqs:us-east-1:111111111111:queue";
const std::string kMappings = "/2015-03-31/event-source-mappings";

struct Request {
  std::string method, target, body;
};

// One request per operation, on function f of account A (seeded with its family).
Request request_for(Operation operation, const std::string& uuid) {
  const std::string f = kFunctionsPath + "/f";
  switch (operation) {
    case Operation::AddPermission:
      return {"POST", f + "/policy",
              R"({"StatementId":"n","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"})"};
    case Operation::CreateAlias:
      return {"POST", f + "/aliases", R"({"Name":"fresh","FunctionVersion":"1"})"};
    case Operation::CreateEventSourceMapping:
      return {"POST", kMappings + "/", R"({"EventSourceArn":")" + kQueue + R"(2","FunctionName":"f"})"};
    case Operation::CreateFunction:
      return {"POST", kFunctionsPath, create_body("g", kRoleR)};
    case Operation::DeleteAlias:
      return {"DELETE", f + "/aliases/live", ""};
    case Operation::DeleteEventSourceMapping:
      return {"DELETE", kMappings + "/" + uuid, ""};
    case Operation::DeleteFunction:
      return {"DELETE", f, ""};
    case Operation::GetAccountSettings:
      return {"GET", "/2016-08-19/account-settings/", ""};
    case Operation::GetAlias:
      return {"GET", f + "/aliases/live", ""};
    case Operation::GetEventSourceMapping:
      return {"GET", kMappings + "/" + uuid, ""};
    case Operation::GetFunction:
      return {"GET", f + "?Qualifier=live", ""};
    case Operation::GetFunctionConfiguration:
      return {"GET", f + "/configuration", ""};
    case Operation::GetPolicy:
      return {"GET", f + "/policy", ""};
    case Operation::Invoke:
      return {"POST", f + "/invocations", R"({"k":"v"})"};
    case Operation::InvokeAsync:
      return {"POST", "/2014-11-13/functions/f/invoke-async/", "{}"};
    case Operation::ListAliases:
      return {"GET", f + "/aliases?MaxItems=5", ""};
    case Operation::ListEventSourceMappings:
      return {"GET", kMappings + "/?FunctionName=f", ""};
    case Operation::ListFunctions:
      return {"GET", kFunctionsPath + "/", ""};
    case Operation::ListVersionsByFunction:
      return {"GET", f + "/versions", ""};
    case Operation::PublishVersion:
      return {"POST", f + "/versions", "{}"};
    case Operation::RemovePermission:
      return {"DELETE", f + "/policy/s1", ""};
    case Operation::UpdateAlias:
      return {"PUT", f + "/aliases/live", R"({"Description":"d"})"};
    case Operation::UpdateEventSourceMapping:
      return {"PUT", kMappings + "/" + uuid, R"({"BatchSize":3})"};
    case Operation::UpdateFunctionCode:
      return {"PUT", f + "/code", R"({"ZipFile":")" + kChangedZip + "\"}"};
    case Operation::UpdateFunctionConfiguration:
      return {"PUT", f + "/configuration", R"({"Description":"d"})"};
  }
  FAIL("no request");
  return {};
}

enum class Policy { None, AllowAll, DenyAction };

struct Case {
  Operation operation;
  Policy policy;
};

}  // namespace

TEST_CASE("sidecar: Check and the HTTP front end decide the 25 operations alike", "[sidecar]") {
  REQUIRE(server::lambda::kOperationCount == 25);
  for (std::size_t i = 0; i < server::lambda::kOperationCount; ++i) {
    const auto operation = static_cast<Operation>(i);
    const std::string name(server::lambda::operation_name(operation));
    for (const Policy policy : {Policy::None, Policy::AllowAll, Policy::DenyAction}) {
      DYNAMIC_SECTION(name << " policy " << static_cast<int>(policy)) {
        World world;
        world.seed_function("f");
        const std::string uuid = seed_family(world, "f", kQueue);
        const std::string action = std::string(server::lambda::operation_info(operation).iam_action);
        if (policy == Policy::AllowAll) world.alice_policy(allow("*", "*"));
        if (policy == Policy::DenyAction) {
          world.alice_policy(allow("*", "*") + R"(,{"Effect":"Deny","Action":")" + action + R"(","Resource":"*"})");
        }
        const Sidecar sidecar(world.store());
        const Request req = request_for(operation, uuid);
        const auto signed_request = sidecar.sign(req.method, req.target, req.body);

        // Check first: it decides without running the operation, so the front end then sees
        // the same world.
        const auto answer = sidecar.ask(to_check(signed_request));
        REQUIRE(answer.rpc.ok());
        const auto http = World::call_api(sidecar.api, signed_request);
        INFO(name << " -> " << http.status << " " << http.body);

        if (policy == Policy::AllowAll) {
          CHECK(answer.response.status().code() == 0);
          REQUIRE(answer.response.has_ok_response());
          const auto& headers = answer.response.ok_response().headers();
          CHECK(header_of(headers, "x-gatehouse-principal-arn") == "arn:aws:iam::111111111111:user/alice");
          CHECK(header_of(headers, "x-gatehouse-account") == kA);
          CHECK(header_of(headers, "x-gatehouse-decision-id").size() == 36);
          for (const auto& option : headers) CHECK(option.append_action() == 2);
          // The front end got past authorization (a handler may still refuse: Invoke does not run
          // code here, a mapping's execution role needs SQS rights).
          CHECK(http.status != 403);
          CHECK(http.error_type != "AccessDeniedException");
        } else {
          CHECK(http.status == 403);
          CHECK(http.error_type == "AccessDeniedException");
          CHECK(answer.response.status().code() == grpc::StatusCode::PERMISSION_DENIED);
          REQUIRE(answer.response.has_denied_response());
          const auto& denied = answer.response.denied_response();
          CHECK(denied.status().code() == 403);
          CHECK(denied.body() == http.body);
          CHECK(header_of(denied.headers(), "x-amzn-errortype") == "AccessDeniedException");
          CHECK(header_of(denied.headers(), "content-type") == "application/json");
          CHECK(http.message().find(action) != std::string::npos);
          CHECK(http.message().find(policy == Policy::None ? "because no identity-based policy allows"
                                                           : "with an explicit deny") != std::string::npos);
        }
      }
    }
  }
}

TEST_CASE("sidecar: a bad signature and an unknown key answer as the front end, UNAUTHENTICATED", "[sidecar]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("*", "*"));
  const Sidecar sidecar(world.store());
  for (const bool unknown_key : {false, true}) {
    const auto request = unknown_key
                             ? sidecar.sign("GET", kFunctionsPath + "/f", "", "AKIANOBODYEXAMPLE001", kAliceSecret)
                             : sidecar.sign("GET", kFunctionsPath + "/f", "", kAliceKey, kBobSecret);
    const auto answer = sidecar.ask(to_check(request));
    const auto http = World::call_api(sidecar.api, request);
    REQUIRE(answer.rpc.ok());
    CHECK(http.status == 403);
    CHECK(http.error_type == (unknown_key ? "UnrecognizedClientException" : "InvalidSignatureException"));
    CHECK(answer.response.status().code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(answer.response.denied_response().status().code() == http.status);
    CHECK(header_of(answer.response.denied_response().headers(), "x-amzn-errortype") == http.error_type);
    CHECK(answer.response.denied_response().body() == http.body);
  }
}

TEST_CASE("sidecar: the body the signature covers must come whole", "[sidecar]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("*", "*"));
  const Sidecar sidecar(world.store());
  const auto request = sidecar.sign("POST", kFunctionsPath + "/f/invocations", R"({"k":"v"})");

  SECTION("complete: allowed") { CHECK(sidecar.ask(to_check(request)).response.status().code() == 0); }
  SECTION("missing, content-length says there is one") {
    auto check = to_check(request);
    auto& http = *check.mutable_attributes()->mutable_request()->mutable_http();
    http.clear_raw_body();
    auto* headers = http.mutable_header_map()->mutable_headers();
    for (int i = headers->size() - 1; i >= 0; --i) {
      if (headers->Get(i).key() == "x-envoy-auth-partial-body") headers->DeleteSubrange(i, 1);
    }
    const auto answer = sidecar.ask(check);
    CHECK(answer.response.status().code() == grpc::StatusCode::UNAUTHENTICATED);
    const auto& denied = answer.response.denied_response();
    CHECK(denied.status().code() == 403);
    CHECK(header_of(denied.headers(), "x-amzn-errortype") == "InvalidSignatureException");
    CHECK_THAT(denied.body(), Catch::Contains("with_request_body") && Catch::Contains("pack_as_bytes: true"));
  }
  SECTION("partial") {
    auto check = to_check(request);
    auto& http = *check.mutable_attributes()->mutable_request()->mutable_http();
    http.set_raw_body(R"({"k")");
    for (auto& header : *http.mutable_header_map()->mutable_headers()) {
      if (header.key() == "x-envoy-auth-partial-body") header.set_raw_value("true");
    }
    const auto answer = sidecar.ask(check);
    CHECK(answer.response.status().code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK_THAT(answer.response.denied_response().body(), Catch::Contains("allow_partial_message to false"));
  }
  SECTION("sent in `body` (pack_as_bytes false) and changed by Envoy: the mismatch names pack_as_bytes") {
    auto check = to_check(request);
    auto& http = *check.mutable_attributes()->mutable_request()->mutable_http();
    http.clear_raw_body();
    http.set_body(R"({"k":"!"})");
    const auto answer = sidecar.ask(check);
    CHECK(answer.response.status().code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK_THAT(answer.response.denied_response().body(),
               Catch::Contains("does not match") && Catch::Contains("pack_as_bytes to true"));
  }
}

TEST_CASE("sidecar: a path no route knows is Lambda's 404, INVALID_ARGUMENT", "[sidecar]") {
  World world;
  const Sidecar sidecar(world.store());
  const auto request = sidecar.sign("GET", "/2015-03-31/nothing-here", "");
  const auto answer = sidecar.ask(to_check(request));
  const auto http = World::call_api(sidecar.api, request);
  CHECK(http.status == 404);
  CHECK(answer.response.status().code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(answer.response.denied_response().status().code() == 404);
  CHECK(answer.response.denied_response().body() == http.body);
  CHECK(header_of(answer.response.denied_response().headers(), "x-amzn-errortype") == "UnknownOperationException");
}

TEST_CASE("sidecar: client headers cannot forge the identity headers; headers map form works", "[sidecar]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("lambda:GetFunction", fn_arn("f")));
  const Sidecar sidecar(world.store());
  const auto request =
      sidecar.sign("GET", kFunctionsPath + "/f", "", kAliceKey, kAliceSecret, {{"x-gatehouse-principal-arn", "root"}});
  // The default `headers` map instead of header_map (encode_raw_headers false).
  auto check = to_check(request);
  auto& http = *check.mutable_attributes()->mutable_request()->mutable_http();
  for (const auto& header : http.header_map().headers()) {
    auto* entry = http.add_headers();
    entry->set_key(header.key());
    entry->set_value(header.raw_value());
  }
  http.clear_header_map();
  const auto answer = sidecar.ask(check);
  REQUIRE(answer.response.status().code() == 0);
  const auto& headers = answer.response.ok_response().headers();
  CHECK(header_of(headers, "x-gatehouse-principal-arn") == "arn:aws:iam::111111111111:user/alice");
  bool overwrite = true;
  for (const auto& option : headers) overwrite = overwrite && option.append_action() == 2;
  CHECK(overwrite);
  const auto& fields = answer.response.dynamic_metadata().fields();
  REQUIRE(fields.count("decision_id") == 1);
  CHECK(fields.at("decision_id").string_value() == header_of(headers, "x-gatehouse-decision-id"));
}

TEST_CASE("sidecar: a policy change takes effect on the next check", "[sidecar]") {
  World world;
  world.seed_function("f");
  const Sidecar sidecar(world.store());
  const auto request = sidecar.sign("GET", kFunctionsPath + "/f", "");
  CHECK(sidecar.ask(to_check(request)).response.status().code() == grpc::StatusCode::PERMISSION_DENIED);
  world.alice_policy(allow("lambda:GetFunction", fn_arn("f")));
  CHECK(sidecar.ask(to_check(request)).response.status().code() == 0);
  world.alice_policy(allow("lambda:GetFunction", fn_arn("other")));
  CHECK(sidecar.ask(to_check(request)).response.status().code() == grpc::StatusCode::PERMISSION_DENIED);
}

TEST_CASE("sidecar: reply text is valid UTF-8 whatever the input", "[sidecar]") {
  CHECK(server::sidecar::valid_utf8("abc") == "abc");
  CHECK(server::sidecar::valid_utf8("\xc3\xa9") == "\xc3\xa9");
  CHECK(server::sidecar::valid_utf8("a\xff"
                                    "b") ==
        "a\xef\xbf\xbd"
        "b");
  CHECK(server::sidecar::valid_utf8("\xe2\x82") == "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("sidecar: context_extensions are request-context keys envoy:ContextExtensions/<name>", "[sidecar]") {
  World world;
  world.seed_function("f");
  world.alice_policy(
      allow("lambda:GetFunction", fn_arn("f"), R"({"StringEquals":{"envoy:ContextExtensions/listener":"internal"}})"));
  const Sidecar sidecar(world.store());
  const auto request = sidecar.sign("GET", kFunctionsPath + "/f", "");
  auto check = to_check(request);
  CHECK(sidecar.ask(check).response.status().code() == grpc::StatusCode::PERMISSION_DENIED);
  auto* extension = check.mutable_attributes()->add_context_extensions();
  extension->set_key("listener");
  extension->set_value("public");
  CHECK(sidecar.ask(check).response.status().code() == grpc::StatusCode::PERMISSION_DENIED);
  extension->set_value("internal");
  CHECK(sidecar.ask(check).response.status().code() == 0);
}

TEST_CASE("sidecar: the Host comes from `host`, else from :authority", "[sidecar]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("lambda:GetFunction", fn_arn("f")));
  const Sidecar sidecar(world.store());
  auto check = to_check(sidecar.sign("GET", kFunctionsPath + "/f", ""));
  CHECK(sidecar.ask(check).response.status().code() == 0);
  check.mutable_attributes()->mutable_request()->mutable_http()->clear_host();
  CHECK(sidecar.ask(check).response.status().code() == 0);  // :authority is in header_map
  auto& headers =
      *check.mutable_attributes()->mutable_request()->mutable_http()->mutable_header_map()->mutable_headers();
  for (auto& header : headers) {
    if (header.key() == ":authority") header.set_raw_value("elsewhere:1");
  }
  CHECK(sidecar.ask(check).response.status().code() == grpc::StatusCode::UNAUTHENTICATED);
}

TEST_CASE("sidecar: an expired session answers as the front end, UNAUTHENTICATED", "[sidecar]") {
  World world;
  world.seed_function("f");
  world.alice_policy(allow("*", "*"));
  Sidecar sidecar(world.store());
  store::TemporaryCredentials session;
  require_ok(world.store().write([&](store::Mutation& m) -> store::Result<void> {
    auto issued = m.get_session_token({std::string(kA), "alice", 900});
    if (!issued) return issued.error();
    session = issued.value();
    return store::success();
  }));
  const auto fresh = sidecar.sign_session("GET", kFunctionsPath + "/f", session);
  const auto first = sidecar.ask(to_check(fresh));
  CHECK(first.response.status().code() == 0);
  // An hour later the session has expired; the request is signed at that time (no clock skew).
  sidecar.clock.set(sidecar.clock.now() + std::chrono::hours(1));
  const auto late = sidecar.sign_session("GET", kFunctionsPath + "/f", session);
  const auto answer = sidecar.ask(to_check(late));
  const auto http = World::call_api(sidecar.api, late);
  CHECK(http.status == 403);
  CHECK(http.error_type == "ExpiredTokenException");
  CHECK(answer.response.status().code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(header_of(answer.response.denied_response().headers(), "x-amzn-errortype") == http.error_type);
  CHECK(answer.response.denied_response().body() == http.body);
}

TEST_CASE("sidecar: gatehouse's own failure is a failed RPC, never an allowing answer", "[sidecar]") {
  server::sidecar::Decision failed;
  failed.kind = server::sidecar::Decision::Kind::Failed;
  failed.answer = server::http::lambda_error(500, "ServiceException", "The store could not be read.");
  failed.decision_id = "00000000-0000-4000-8000-000000000000";
  ext_authz::CheckResponse response;
  const grpc::Status status = server::sidecar::respond(failed, response);
  CHECK(status.error_code() == grpc::StatusCode::INTERNAL);
  CHECK_THAT(status.error_message(), Catch::Contains("ServiceException"));
  CHECK_FALSE(response.has_status());
  CHECK(response.http_response_case() == ext_authz::CheckResponse::HTTP_RESPONSE_NOT_SET);

  // Every other kind sets a status; only Allowed sets code 0.
  for (const auto kind : {server::sidecar::Decision::Kind::Denied, server::sidecar::Decision::Kind::Unauthenticated,
                          server::sidecar::Decision::Kind::Invalid}) {
    server::sidecar::Decision refused = failed;
    refused.kind = kind;
    refused.answer = server::http::lambda_error(403, "AccessDeniedException", "no");
    ext_authz::CheckResponse denied;
    REQUIRE(server::sidecar::respond(refused, denied).ok());
    CHECK(denied.has_status());
    CHECK(denied.status().code() != 0);
    CHECK(denied.has_denied_response());
  }
}

TEST_CASE("sidecar: a function's execution session carries lambda:SourceFunctionArn", "[sidecar][source-function]") {
  World world;
  world.seed_function("f");
  world.role_policy(allow("lambda:GetFunction", fn_arn("f"),
                          R"({"ArnEquals":{"lambda:SourceFunctionArn":")" + fn_arn("f") + R"("}})"));
  const Sidecar sidecar(world.store());
  // Sessions of role R as the service mints them for functions f and g, and one without a function.
  const auto session_of = [&](const std::string& name, const std::string& function_arn) {
    store::AssumeRoleInput input;
    input.account = std::string(kA);
    input.role_name = "R";
    input.session_name = name;
    input.source_function_arn = function_arn;
    auto issued = world.store().write([&](store::Mutation& m) { return m.assume_role(input); });
    if (!issued) FAIL(issued.error().message);
    return issued.value();
  };
  const auto code_of = [&](const store::TemporaryCredentials& session) {
    return sidecar.ask(to_check(sidecar.sign_session("GET", kFunctionsPath + "/f", session))).response.status().code();
  };
  CHECK(code_of(session_of("fn-f", fn_arn("f"))) == 0);
  CHECK(code_of(session_of("fn-g", fn_arn("g"))) == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(code_of(session_of("fn-f", "")) == grpc::StatusCode::PERMISSION_DENIED);
}
