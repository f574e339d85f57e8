// gatehouse.v1.Authorizer: Authorize on principals of the store (by ARN and by access key),
// with matched statements, missing keys, the reason clause and the function policy of a Lambda
// ARN; the batch form; Simulate as SimulateCustomPolicy.
#include <catch2/catch.hpp>

#include "server/sidecar/authorizer.h"
#include "tests/server/sidecar_test_support.h"

using namespace gatehouse;
using namespace gatehouse::control_test;
namespace native = ::gatehouse::v1;

namespace {

struct Native {
  explicit Native(store::Store& store)
      : clock(std::chrono::system_clock::now()),
        pipeline(store, clock),
        authorizer(store, pipeline, clock, "us-east-1") {}

  native::AuthorizeResponse ask(native::AuthorizeRequest request, grpc::StatusCode expected = grpc::StatusCode::OK) {
    native::AuthorizeResponse response;
    const grpc::Status status = authorizer.authorize(request, response);
    INFO(status.error_message());
    CHECK(status.error_code() == expected);
    return response;
  }

  sigv4::FixedClock clock;
  server::authz::Pipeline pipeline;
  server::sidecar::Authorizer authorizer;
};

native::AuthorizeRequest by_arn(const std::string& arn, const std::string& action, const std::string& resource) {
  native::AuthorizeRequest request;
  request.set_principal_arn(arn);
  request.set_action(action);
  request.set_resource(resource);
  return request;
}

const std::string kAlice = "arn:aws:iam::111111111111:user/alice";

}  // namespace

TEST_CASE("authorizer: Authorize decides with the principal's stored policies", "[sidecar][authorizer]") {
  World world;
  world.alice_policy(allow("lambda:GetFunction", fn_arn("f"), R"({"StringEquals":{"aws:RequestTag/team":"red"}})") +
                     "," + allow("lambda:ListFunctions", "*") +
                     R"(,{"Sid":"NoDelete","Effect":"Deny","Action":"lambda:DeleteFunction","Resource":"*"})");
  Native api(world.store());

  SECTION("allowed, by ARN, with the matched statement's position") {
    auto response = api.ask(by_arn(kAlice, "lambda:ListFunctions", "*"));
    CHECK(response.decision() == native::ALLOWED);
    REQUIRE(response.matched_statements_size() == 1);
    CHECK(response.matched_statements(0).source_policy_type() == "identity");
    CHECK(response.matched_statements(0).statement_index() == 1);
    CHECK(response.matched_statements(0).start_position().line() == 1);
    CHECK(response.matched_statements(0).start_position().column() > 1);
    CHECK(response.reason().empty());
    CHECK(response.decision_id().size() == 36);
    CHECK(response.principal_arn() == kAlice);
    CHECK(response.account() == kA);
  }
  SECTION("allowed by access key id, with the condition's key given") {
    native::AuthorizeRequest request = by_arn("", "lambda:GetFunction", fn_arn("f"));
    request.set_access_key_id(std::string(kAliceKey));
    auto* entry = request.add_context();
    entry->set_key("aws:RequestTag/team");
    entry->add_values("red");
    CHECK(api.ask(request).decision() == native::ALLOWED);
  }
  SECTION("implicit deny names the missing key and AWS's reason") {
    auto response = api.ask(by_arn(kAlice, "lambda:GetFunction", fn_arn("f")));
    CHECK(response.decision() == native::IMPLICIT_DENY);
    REQUIRE(response.missing_context_values_size() == 1);
    CHECK(response.missing_context_values(0) == "aws:RequestTag/team");
    CHECK(response.reason() == "because no identity-based policy allows the lambda:GetFunction action");
    CHECK(response.message() == "User: " + kAlice +
                                    " is not authorized to perform: lambda:GetFunction on resource: " + fn_arn("f") +
                                    " because no identity-based policy allows the lambda:GetFunction action");
  }
  SECTION("explicit deny names the denying statement") {
    auto response = api.ask(by_arn(kAlice, "lambda:DeleteFunction", fn_arn("f")));
    CHECK(response.decision() == native::EXPLICIT_DENY);
    REQUIRE(response.matched_statements_size() == 1);
    CHECK(response.matched_statements(0).sid() == "NoDelete");
    CHECK(response.reason() == "with an explicit deny in an identity-based policy");
  }
  SECTION("unknown principals and bad input are INVALID_ARGUMENT") {
    api.ask(by_arn("arn:aws:iam::111111111111:user/nobody", "lambda:ListFunctions", "*"),
            grpc::StatusCode::INVALID_ARGUMENT);
    api.ask(by_arn("arn:aws:iam::111111111111:user/app/alice", "lambda:ListFunctions", "*"),
            grpc::StatusCode::INVALID_ARGUMENT);
    api.ask(by_arn(kAlice, "ListFunctions", "*"), grpc::StatusCode::INVALID_ARGUMENT);
    native::AuthorizeRequest none;
    none.set_action("lambda:ListFunctions");
    api.ask(none, grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_CASE("authorizer: a Lambda ARN reads the store's function policy", "[sidecar][authorizer]") {
  World world;
  world.seed_function("f");
  seed_family(world, "f", "arn:aws:sqs:us-east-1:111111111111:queue");  // s1: s3.amazonaws.com may invoke
  Native api(world.store());
  // bob (account B) has no identity policy for it; a grant to bob's account in the function policy decides.
  const std::string bob = "arn:aws:iam::222222222222:user/bob";
  world.bob_policy(allow("lambda:InvokeFunction", fn_arn("f")));
  CHECK(api.ask(by_arn(bob, "lambda:InvokeFunction", fn_arn("f"))).decision() == native::IMPLICIT_DENY);
  require_ok(world.store().write([](store::Mutation& m) -> store::Result<void> {
    store::PermissionInput grant;
    grant.statement_id = "b";
    grant.action = "lambda:InvokeFunction";
    grant.principal = "222222222222";
    if (auto r = m.add_permission({std::string(kA), "us-east-1", "f"}, "", grant); !r) return r.error();
    return store::success();
  }));
  const auto response = api.ask(by_arn(bob, "lambda:InvokeFunction", fn_arn("f")));
  CHECK(response.decision() == native::ALLOWED);
  bool resource_matched = false;
  for (const auto& m : response.matched_statements())
    resource_matched = resource_matched || m.source_policy_type() == "resource";
  CHECK(resource_matched);
}

TEST_CASE("authorizer: AuthorizeBatch answers each request in order", "[sidecar][authorizer]") {
  World world;
  world.alice_policy(allow("lambda:GetFunction", fn_arn("a")));
  Native api(world.store());
  native::AuthorizeBatchRequest batch;
  for (const char* name : {"a", "b", "a"}) *batch.add_requests() = by_arn(kAlice, "lambda:GetFunction", fn_arn(name));
  native::AuthorizeBatchResponse out;
  REQUIRE(api.authorizer.AuthorizeBatch(nullptr, &batch, &out).ok());
  REQUIRE(out.responses_size() == 3);
  CHECK(out.responses(0).decision() == native::ALLOWED);
  CHECK(out.responses(1).decision() == native::IMPLICIT_DENY);
  CHECK(out.responses(2).decision() == native::ALLOWED);
  CHECK(out.responses(0).decision_id() != out.responses(2).decision_id());
}

TEST_CASE("authorizer: Simulate is SimulateCustomPolicy", "[sidecar][authorizer]") {
  World world;
  Native api(world.store());
  native::SimulateRequest request;
  request.add_policy_input_list(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]})");
  request.add_action_names("s3:GetObject");
  request.add_action_names("s3:PutObject");
  native::SimulateResponse response;
  REQUIRE(api.authorizer.simulate(request, response).ok());
  REQUIRE(response.evaluation_results_size() == 2);
  CHECK(response.evaluation_results(0).eval_action_name() == "s3:GetObject");
  CHECK(response.evaluation_results(0).eval_decision() == native::IMPLICIT_DENY);
  REQUIRE(response.evaluation_results(0).missing_context_values_size() == 1);
  CHECK(response.evaluation_results(0).missing_context_values(0) == "aws:SecureTransport");
  auto* entry = request.add_context_entries();
  entry->set_key("aws:SecureTransport");
  entry->add_values("true");
  entry->set_type("boolean");
  response.Clear();
  REQUIRE(api.authorizer.simulate(request, response).ok());
  CHECK(response.evaluation_results(0).eval_decision() == native::ALLOWED);
  CHECK(response.evaluation_results(0).matched_statements(0).source_policy_id() == "PolicyInputList.1");
  CHECK(response.evaluation_results(1).eval_decision() == native::IMPLICIT_DENY);

  native::SimulateRequest bad;
  bad.add_policy_input_list("{");
  bad.add_action_names("s3:GetObject");
  const grpc::Status status = api.authorizer.simulate(bad, response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), Catch::StartsWith("MalformedPolicyDocument"));
}

TEST_CASE("authorizer: Simulate runs at most as many evaluations as the Query API's (review 3)",
          "[sidecar][authorizer]") {
  World world;
  Native api(world.store());
  native::SimulateRequest request;
  request.add_policy_input_list(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})");
  for (int i = 0; i < 101; ++i) request.add_action_names("s3:GetObject" + std::to_string(i));
  for (int i = 0; i < 100; ++i) request.add_resource_arns("arn:aws:s3:::bucket/k" + std::to_string(i));
  native::SimulateResponse response;
  const grpc::Status status = api.authorizer.simulate(request, response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), Catch::StartsWith("InvalidInput: ") && Catch::Contains("10100 evaluations"));
  CHECK(response.evaluation_results_size() == 0);

  request.mutable_action_names()->RemoveLast();  // 100 x 100 is within the bound
  REQUIRE(api.authorizer.simulate(request, response).ok());
  CHECK(response.evaluation_results_size() == 100 * 100);  // one per action and resource
}

TEST_CASE("authorizer: a role ARN is evaluated as a session named after the role", "[sidecar][authorizer]") {
  World world;
  world.role_policy(allow("sqs:ReceiveMessage", "*"));
  Native api(world.store());
  const auto response = api.ask(by_arn(kRoleR, "sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:111111111111:q"));
  CHECK(response.decision() == native::ALLOWED);
  CHECK(response.principal_arn() == "arn:aws:sts::111111111111:assumed-role/R/R");
  CHECK(api.ask(by_arn(kRoleR, "sqs:DeleteQueue", "*")).decision() == native::IMPLICIT_DENY);
  const auto session = api.ask(by_arn("arn:aws:sts::111111111111:assumed-role/R/worker", "sqs:ReceiveMessage", "*"));
  CHECK(session.decision() == native::ALLOWED);
  CHECK(session.principal_arn() == "arn:aws:sts::111111111111:assumed-role/R/worker");
}

TEST_CASE("authorizer: a key that no longer authenticates is not a principal (adversarial review 3)",
          "[sidecar][authorizer][bypass]") {
  World world;
  world.alice_policy(allow("lambda:ListFunctions", "*"));
  world.role_policy(allow("lambda:ListFunctions", "*"));
  Native api(world.store());
  native::AuthorizeRequest by_key = by_arn("", "lambda:ListFunctions", "*");
  by_key.set_access_key_id(std::string(kAliceKey));
  CHECK(api.ask(by_key).decision() == native::ALLOWED);

  SECTION("an access key made Inactive") {
    require_ok(world.store().write(
        [](store::Mutation& m) { return m.update_access_key(kA, "alice", kAliceKey, store::KeyStatus::Inactive); }));
    const auto refused = api.ask(by_key, grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(refused.decision() != native::ALLOWED);
  }
  SECTION("temporary credentials past their expiration") {
    store::AssumeRoleInput input;
    input.account = std::string(kA);
    input.role_name = "R";
    input.session_name = "sidecar";
    input.duration_seconds = 900;
    auto issued = world.store().write([&](store::Mutation& m) { return m.assume_role(input); });
    require_ok(issued);
    native::AuthorizeRequest by_session = by_arn("", "lambda:ListFunctions", "*");
    by_session.set_access_key_id(issued.value().access_key_id);
    CHECK(api.ask(by_session).decision() == native::ALLOWED);
    // The same store, an hour later.
    const sigv4::FixedClock later(api.clock.now() + std::chrono::hours(1));
    const server::authz::Pipeline pipeline(world.store(), later);
    const server::sidecar::Authorizer authorizer(world.store(), pipeline, later, "us-east-1");
    native::AuthorizeResponse response;
    const grpc::Status status = authorizer.authorize(by_session, response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(response.decision() != native::ALLOWED);
  }
}
