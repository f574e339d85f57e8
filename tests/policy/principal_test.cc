// Every principal form of "AWS JSON policy elements: Principal" (policy
// semantics 2.5) against every kind of caller, through a function policy and no
// identity policies: a direct or wildcard match allows in the same account, an
// account-level match does not (5.4).
#include <catch2/catch.hpp>

#include "policy_test_support.h"

using namespace gatehouse::policy;
using namespace gatehouse::policy::testing;

namespace {

const std::string kF = "arn:aws:lambda:us-east-1:111111111111:function:F";

Decision decide_with(const std::string& principal, const Caller& who, bool not_principal = false,
                     const std::string& effect = "Allow", bool identity_allows = false) {
  World world;
  world.resource_policy(doc(R"({"Effect":")" + effect + R"(",")" + (not_principal ? "NotPrincipal" : "Principal") +
                            R"(":)" + principal + R"(,"Action":"lambda:InvokeFunction","Resource":"*"})"));
  if (identity_allows) world.identity_policy(doc(R"({"Effect":"Allow","Action":"lambda:*","Resource":"*"})"));
  RequestContext context;
  add_principal_keys(who, context);
  Request request{"lambda:InvokeFunction", kF, {}, &who, &context};
  return decide(world.policies(), request).decision;
}

}  // namespace

TEST_CASE("principal forms against callers", "[policy][principal]") {
  const Caller alice = caller("arn:aws:iam::111111111111:user/alice");
  const Caller s1 = caller("arn:aws:sts::111111111111:assumed-role/R/s1");
  const Caller s2 = caller("arn:aws:sts::111111111111:assumed-role/R/s2");
  const Caller root = caller("arn:aws:iam::111111111111:root");
  const Caller s3 = caller("s3.amazonaws.com");
  const Caller anonymous = caller("anonymous");
  const auto A = Decision::Allowed;
  const auto I = Decision::ImplicitDeny;

  struct Row {
    const char* form;
    std::string principal;
    const Caller* who;
    Decision expected;
  };
  const Row rows[] = {
      {"* string, user", R"("*")", &alice, A},
      {"* string, anonymous", R"("*")", &anonymous, A},
      {"* string, service", R"("*")", &s3, A},
      {"AWS *, session", R"({"AWS":"*"})", &s1, A},
      {"account id, user (account-level only)", R"({"AWS":"111111111111"})", &alice, I},
      {"account root ARN, session (account-level only)", R"({"AWS":"arn:aws:iam::111111111111:root"})", &s1, I},
      {"account root ARN, root (root has implicit identity allow)", R"({"AWS":"arn:aws:iam::111111111111:root"})", &root, A},
      {"user ARN, that user", R"({"AWS":"arn:aws:iam::111111111111:user/alice"})", &alice, A},
      {"user ARN, other case", R"({"AWS":"arn:aws:iam::111111111111:user/Alice"})", &alice, I},
      {"role ARN with path, every session", R"({"AWS":"arn:aws:iam::111111111111:role/app/R"})", &s2, A},
      {"session ARN, that session", R"({"AWS":"arn:aws:sts::111111111111:assumed-role/R/s1"})", &s1, A},
      {"session ARN, another session", R"({"AWS":"arn:aws:sts::111111111111:assumed-role/R/s1"})", &s2, I},
      {"wildcard inside an ARN matches nothing", R"({"AWS":"arn:aws:iam::111111111111:user/*"})", &alice, I},
      {"service principal, that service", R"({"Service":"s3.amazonaws.com"})", &s3, A},
      {"service principal is exact", R"({"Service":"S3.amazonaws.com"})", &s3, I},
      {"service principal, a user", R"({"Service":"s3.amazonaws.com"})", &alice, I},
      {"Federated never matches a SigV4 caller", R"({"Federated":"cognito-identity.amazonaws.com"})", &alice, I},
      {"CanonicalUser never matches", R"({"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})", &alice, I},
      {"several keys are OR-ed", R"({"Service":"sns.amazonaws.com","AWS":["arn:aws:iam::111111111111:user/bob","arn:aws:iam::111111111111:user/alice"]})", &alice, A},
      {"anonymous is not an account member", R"({"AWS":"111111111111"})", &anonymous, I},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.form) { CHECK(decide_with(row.principal, *row.who) == row.expected); }
  }
}

TEST_CASE("an account principal names an account of one partition", "[policy][principal]") {
  // bob of account 222222222222 (aws partition), allowed by his identity policy, calls across
  // accounts: only a resource policy naming his account in his partition lets him in.
  const Caller bob = caller("arn:aws:iam::222222222222:user/bob");
  const auto decide_for = [&](const std::string& principal) {
    return decide_with(principal, bob, false, "Allow", true);
  };
  CHECK(decide_for(R"({"AWS":"arn:aws:iam::222222222222:root"})") == Decision::Allowed);
  CHECK(decide_for(R"({"AWS":"222222222222"})") == Decision::Allowed);
  CHECK(decide_for(R"({"AWS":"arn:aws-cn:iam::222222222222:root"})") == Decision::ImplicitDeny);
  CHECK(decide_for(R"({"AWS":"arn:aws-us-gov:iam::222222222222:root"})") == Decision::ImplicitDeny);
}

TEST_CASE("NotPrincipal excludes a caller only when its whole identity chain is listed", "[policy][principal]") {
  const Caller alice = caller("arn:aws:iam::111111111111:user/alice");
  const Caller s1 = caller("arn:aws:sts::111111111111:assumed-role/R/s1");
  const Caller anonymous = caller("anonymous");
  const auto D = Decision::ExplicitDeny;
  const auto A = Decision::Allowed;
  struct Row {
    const char* form;
    std::string listed;
    const Caller* who;
    Decision expected;  // with an identity policy allowing lambda:*
  };
  const Row rows[] = {
      {"user without its account is still denied", R"({"AWS":"arn:aws:iam::111111111111:user/alice"})", &alice, D},
      {"user with its account is excluded", R"({"AWS":["111111111111","arn:aws:iam::111111111111:user/alice"]})", &alice, A},
      {"session needs account, role and session", R"({"AWS":["111111111111","arn:aws:iam::111111111111:role/R"]})", &s1, D},
      {"session with all three is excluded",
       R"({"AWS":["111111111111","arn:aws:iam::111111111111:role/R","arn:aws:sts::111111111111:assumed-role/R/s1"]})", &s1, A},
      {"NotPrincipal * excludes everyone", R"("*")", &alice, A},
      {"anonymous is never excluded by a list", R"({"AWS":"111111111111"})", &anonymous, D},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.form) {
      CHECK(decide_with(row.listed, *row.who, true, "Deny", row.who->type != PrincipalType::Anonymous) == row.expected);
    }
  }
  SECTION("Allow with NotPrincipal grants to everyone not excluded, anonymous included") {
    CHECK(decide_with(R"({"AWS":"arn:aws:iam::111111111111:user/bob"})", anonymous, true) == Decision::Allowed);
  }
}

TEST_CASE("caller_from_arn understands every principal kind", "[policy][principal]") {
  struct Row {
    const char* text;
    PrincipalType type;
    const char* principal_arn;  // aws:PrincipalArn
  };
  const Row rows[] = {
      {"arn:aws:iam::111111111111:user/app/alice", PrincipalType::User, "arn:aws:iam::111111111111:user/app/alice"},
      {"arn:aws:sts::111111111111:assumed-role/R/s1", PrincipalType::AssumedRole, "arn:aws:iam::111111111111:role/R"},
      {"arn:aws:iam::111111111111:role/app/R", PrincipalType::AssumedRole, "arn:aws:iam::111111111111:role/app/R"},
      {"arn:aws:iam::111111111111:root", PrincipalType::Root, "arn:aws:iam::111111111111:root"},
      {"111111111111", PrincipalType::Root, "arn:aws:iam::111111111111:root"},
      {"s3.amazonaws.com", PrincipalType::Service, ""},
      {"anonymous", PrincipalType::Anonymous, ""},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.text) {
      auto c = caller_from_arn(row.text);
      REQUIRE(c);
      CHECK(c->type == row.type);
      CHECK(c->principal_arn() == row.principal_arn);
    }
  }
  CHECK_FALSE(caller_from_arn("not a principal"));
  CHECK_FALSE(caller_from_arn("arn:aws:s3:::bucket"));
}

TEST_CASE("principal context keys per caller kind (4.3)", "[policy][principal]") {
  RequestContext user;
  add_principal_keys(caller("arn:aws:iam::111111111111:user/alice"), user);
  CHECK(user.find("aws:username").values[0] == "alice");
  CHECK(user.find("aws:PrincipalType").values[0] == "User");
  CHECK(user.find("aws:userid").values[0].starts_with("AIDA"));

  RequestContext session;
  add_principal_keys(caller("arn:aws:sts::111111111111:assumed-role/R/s1"), session);
  CHECK_FALSE(session.find("aws:username"));
  CHECK(session.find("aws:PrincipalType").values[0] == "AssumedRole");
  CHECK(session.find("aws:userid").values[0].ends_with(":s1"));

  RequestContext root;
  add_principal_keys(caller("arn:aws:iam::111111111111:root"), root);
  CHECK(root.find("aws:userid").values[0] == "111111111111");
  CHECK(root.find("aws:PrincipalType").values[0] == "Account");

  RequestContext service;
  add_principal_keys(caller("s3.amazonaws.com"), service);
  CHECK_FALSE(service.find("aws:PrincipalType"));
  CHECK_FALSE(service.find("aws:PrincipalArn"));
  CHECK(service.find("aws:PrincipalServiceName").values[0] == "s3.amazonaws.com");
  CHECK(service.find("aws:PrincipalServiceNamesList").multi);
}
