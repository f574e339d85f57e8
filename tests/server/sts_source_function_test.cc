// lambda:SourceFunctionArn (policy-semantics 4.5, 6.2): every request signed with the session the
// service mints for a function's code carries the unqualified function ARN; no other credential
// does — not a user's AssumeRole session named like the function, and not a session the function's
// code assumes in turn (role chaining).
#include <catch2/catch.hpp>

#include "tests/server/query_test_world.h"

using namespace gatehouse;
using namespace gatehouse::query_test;

namespace {

constexpr std::string_view kTrusted = "arn:aws:lambda:us-east-1:111111111111:function:trusted";
constexpr std::string_view kUntrusted = "arn:aws:lambda:us-east-1:111111111111:function:untrusted";

std::string doc(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

std::string when_source(std::string_view op, std::string_view arn) {
  return R"("Condition":{")" + std::string(op) + R"(":{"lambda:SourceFunctionArn":")" + std::string(arn) + R"("}})";
}

void make_role(World& w, std::string_view name, const std::string& trust, const std::string& permissions) {
  require_ok(w.store().write([&](store::Mutation& m) -> store::Result<void> {
    store::CreateRoleInput input;
    input.account = std::string(kA);
    input.name = std::string(name);
    input.assume_role_policy = trust;
    if (auto r = m.create_role(input); !r) return r.error();
    return m.put_inline_policy({store::EntityKind::Role, std::string(kA), std::string(name)}, "p", permissions);
  }));
}

// The session the service mints for a function's code (server/invoke/execution.cc): session name
// the function name, the function's unqualified ARN recorded with it.
Keys function_session(World& w, std::string_view role, std::string_view function_arn) {
  store::AssumeRoleInput input;
  input.account = std::string(kA);
  input.role_name = std::string(role);
  input.session_name = std::string(function_arn.substr(function_arn.rfind(':') + 1));
  input.source_function_arn = std::string(function_arn);
  auto issued = w.store().write([&](store::Mutation& m) { return m.assume_role(input); });
  if (!issued) FAIL(issued.error().message);
  return Keys{issued.value().access_key_id, issued.value().secret_access_key, issued.value().session_token};
}

std::string assume(std::string_view role, std::string_view session) {
  return form({{"Action", "AssumeRole"},
               {"Version", "2011-06-15"},
               {"RoleArn", "arn:aws:iam::111111111111:role/" + std::string(role)},
               {"RoleSessionName", session}});
}

std::string iam_call(std::string_view action, std::string_view name_parameter, std::string_view name) {
  return form({{"Action", action}, {"Version", "2010-05-08"}, {name_parameter, name}});
}

// lambda:SourceFunctionArn in the context the pipeline builds for a request signed with `keys`;
// nullopt: absent.
std::optional<std::vector<std::string>> source_function_of(World& w, const Keys& keys) {
  auto credential = w.store().find_credential(keys.id);
  if (!credential || !credential.value()) FAIL("no credential " << keys.id);
  const server::authz::Pipeline pipeline(w.store(), w.clock());
  const server::authz::Principal principal{credential.value(), false};
  const server::authz::Transport transport{"127.0.0.1", false, std::nullopt, std::nullopt};
  const server::authz::Query query{"iam:GetUser", "arn:aws:iam::111111111111:user/alice", {}, "us-east-1", nullptr,
                                   policy::ResourcePolicyKind::Function, {}, {}};
  const policy::RequestContext context = pipeline.build_context(principal, transport, query);
  const policy::ContextValues found = context.find("lambda:SourceFunctionArn");
  if (!found) return std::nullopt;
  return std::vector<std::string>(found.values.begin(), found.values.end());
}

const std::string kSharedTrust =
    doc(R"({"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},)"
        R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"sts:AssumeRole"})");

const std::string kNextTrust = doc(
    R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/shared"},"Action":"sts:AssumeRole"})");

}  // namespace

TEST_CASE("a function's session has lambda:SourceFunctionArn in its request context, other sessions do not",
          "[sts][source-function]") {
  World w;
  make_role(w, "shared", kSharedTrust, doc(R"({"Effect":"Allow","Action":"*","Resource":"*"})"));
  make_role(w, "next", kNextTrust, doc(R"({"Effect":"Allow","Action":"*","Resource":"*"})"));

  const Keys trusted = function_session(w, "shared", kTrusted);
  CHECK(source_function_of(w, trusted) == std::vector<std::string>{std::string(kTrusted)});

  // A user's own AssumeRole of the same role, even named like the function, has no such key.
  const Response named_like = w.sts(assume("shared", "trusted"), kAlice);
  REQUIRE(named_like.status == 200);
  CHECK_FALSE(source_function_of(w, World::credentials_of(named_like)));
  // Nor has a long-term key.
  CHECK_FALSE(source_function_of(w, kAlice));

  // Role chaining from the function's session: the new session is STS's, not Lambda's, so it
  // carries no source function (the AssumeRole call itself does, so it can be denied).
  const Response chained = w.sts(assume("next", "onward"), trusted);
  REQUIRE(chained.status == 200);
  CHECK_FALSE(source_function_of(w, World::credentials_of(chained)));
}

TEST_CASE("policies on lambda:SourceFunctionArn tell apart two functions sharing one role, deny and allow",
          "[sts][source-function]") {
  World w;
  make_role(w, "shared", kSharedTrust,
            doc(R"({"Effect":"Allow","Action":["iam:GetUser","sts:AssumeRole"],"Resource":"*"},)"
                R"({"Effect":"Deny","Action":["iam:GetUser","sts:AssumeRole"],"Resource":"*",)" +
                when_source("ArnEquals", kUntrusted) + "}," +
                R"({"Effect":"Allow","Action":"iam:GetRole","Resource":"*",)" + when_source("ArnEquals", kTrusted) +
                "}"));
  make_role(w, "next", kNextTrust, doc(R"({"Effect":"Allow","Action":"*","Resource":"*"})"));
  const Keys trusted = function_session(w, "shared", kTrusted);
  const Keys untrusted = function_session(w, "shared", kUntrusted);
  const Response ordinary = w.sts(assume("shared", "trusted"), kAlice);
  REQUIRE(ordinary.status == 200);
  const Keys user_session = World::credentials_of(ordinary);
  const std::string get_user = iam_call("GetUser", "UserName", "alice");
  const std::string get_role = iam_call("GetRole", "RoleName", "shared");

  // The deny on the untrusted function holds for its code only.
  CHECK(w.iam(get_user, trusted).status == 200);
  const Response denied = w.iam(get_user, untrusted);
  CHECK(denied.status == 403);
  CHECK(denied.message().find("explicit deny") != std::string::npos);
  CHECK(w.iam(get_user, user_session).status == 200);

  // The allow conditioned on the trusted function works for that function only.
  CHECK(w.iam(get_role, trusted).status == 200);
  CHECK(w.iam(get_role, untrusted).status == 403);
  CHECK(w.iam(get_role, user_session).status == 403);

  // STS requests carry it too: the untrusted function cannot chain out of the deny.
  CHECK(w.sts(assume("next", "onward"), untrusted).status == 403);
  CHECK(w.sts(assume("next", "onward"), trusted).status == 200);
}
