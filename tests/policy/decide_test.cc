// The decision algorithm (policy semantics 5.3-5.5), one row per rule, from the
// worked cases of section 5.9. Each row names the case it reproduces.
#include <catch2/catch.hpp>

#include "policy_test_support.h"

using namespace gatehouse::policy;
using namespace gatehouse::policy::testing;

namespace {

const std::string kF = "arn:aws:lambda:us-east-1:111111111111:function:F";
const std::string kAlice = "arn:aws:iam::111111111111:user/alice";
const std::string kBob = "arn:aws:iam::222222222222:user/bob";
const std::string kSession = "arn:aws:sts::111111111111:assumed-role/R/s1";
const std::string kRoleArn = "arn:aws:iam::111111111111:role/app/R";

const std::string kAllowInvokeF =
    R"({"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:F"})";
const std::string kAllowLambda = R"({"Effect":"Allow","Action":"lambda:*","Resource":"*"})";
const std::string kAllowS3 = R"({"Effect":"Allow","Action":"s3:*","Resource":"*"})";

std::string rp_allow(const std::string& principal, const std::string& action = "lambda:InvokeFunction") {
  return R"({"Effect":"Allow","Principal":)" + principal + R"(,"Action":")" + action + R"(","Resource":"*"})";
}
std::string rp_deny(const std::string& principal, const std::string& action = "lambda:InvokeFunction") {
  return R"({"Effect":"Deny","Principal":)" + principal + R"(,"Action":")" + action + R"(","Resource":"*"})";
}

Caller session_caller() {
  Caller c = caller(kSession);
  c.path = "/app/";
  return c;
}

struct Row {
  const char* id;
  Caller who;
  std::vector<std::string> identity;
  std::string boundary;
  std::string session;
  std::string resource;  // statements of the function policy
  std::string action;
  std::string target;
  Decision expected;
  std::string reason;  // suffix of the AccessDenied message
};

}  // namespace

TEST_CASE("decision table of the policy semantics", "[policy][decide]") {
  const Caller alice = caller(kAlice);
  const Caller bob = caller(kBob);
  const Caller s1 = session_caller();
  const Caller root_a = caller("arn:aws:iam::111111111111:root");
  const Caller root_b = caller("arn:aws:iam::222222222222:root");
  const std::string invoke = "lambda:InvokeFunction";
  const std::string no_identity = "because no identity-based policy allows the lambda:InvokeFunction action";
  const std::string no_resource = "because no resource-based policy allows the lambda:InvokeFunction action";
  const std::string no_boundary = "because no permissions boundary allows the lambda:InvokeFunction action";
  const std::string no_session = "because no session policy allows the lambda:InvokeFunction action";

  const std::vector<Row> rows = {
      {"D1", alice, {}, "", "", "", invoke, kF, Decision::ImplicitDeny, no_identity},
      {"D2", alice, {kAllowInvokeF}, "", "", "", invoke, kF, Decision::Allowed, ""},
      {"D3", alice, {kAllowLambda + R"(,{"Effect":"Deny","Action":"lambda:InvokeFunction","Resource":")" + kF + "\"}"},
       "", "", "", invoke, kF, Decision::ExplicitDeny, "with an explicit deny in an identity-based policy"},
      {"D4", alice, {}, "", "", rp_allow(R"({"AWS":")" + kAlice + "\"}"), invoke, kF, Decision::Allowed, ""},
      {"D5", alice, {}, "", "", rp_allow(R"({"AWS":"arn:aws:iam::111111111111:root"})"), invoke, kF,
       Decision::ImplicitDeny, no_identity},
      {"D6", alice, {kAllowLambda}, "", "", rp_allow(R"({"AWS":"arn:aws:iam::111111111111:root"})"), invoke, kF,
       Decision::Allowed, ""},
      {"D7", alice, {}, "", "", rp_allow(R"("*")"), invoke, kF, Decision::Allowed, ""},
      {"D8", alice, {kAllowLambda}, "", "", rp_deny(R"("*")"), invoke, kF, Decision::ExplicitDeny,
       "with an explicit deny in a resource-based policy"},
      {"D9", alice, {kAllowLambda}, kAllowS3, "", "", invoke, kF, Decision::ImplicitDeny, no_boundary},
      {"D10", alice, {}, kAllowS3, "", rp_allow(R"({"AWS":")" + kAlice + "\"}"), invoke, kF, Decision::Allowed, ""},
      {"D11", alice, {}, R"({"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"lambda:*","Resource":"*"})",
       "", rp_allow(R"({"AWS":")" + kAlice + "\"}"), invoke, kF, Decision::ExplicitDeny,
       "with an explicit deny in a permissions boundary"},
      {"D12", s1, {kAllowInvokeF}, "", "", "", invoke, kF, Decision::Allowed, ""},
      {"D13", s1, {}, "", "", rp_allow(R"({"AWS":")" + kRoleArn + "\"}"), invoke, kF, Decision::Allowed, ""},
      {"D14", s1, {}, kAllowS3, "", rp_allow(R"({"AWS":")" + kRoleArn + "\"}"), invoke, kF, Decision::ImplicitDeny,
       no_boundary},
      {"D15", s1, {}, kAllowS3, "", rp_allow(R"({"AWS":")" + kSession + "\"}"), invoke, kF, Decision::Allowed, ""},
      {"D16", s1, {}, kAllowS3, "", rp_allow(R"("*")"), invoke, kF, Decision::Allowed, ""},
      {"D17", s1, {kAllowLambda}, "", kAllowS3, "", invoke, kF, Decision::ImplicitDeny, no_session},
      {"D18", s1, {}, "", kAllowS3, rp_allow(R"({"AWS":")" + kRoleArn + "\"}"), invoke, kF, Decision::ImplicitDeny,
       no_session},
      {"D19", s1, {}, "", kAllowS3, rp_allow(R"({"AWS":")" + kSession + "\"}"), invoke, kF, Decision::Allowed, ""},
      {"D20", s1, {}, "", R"({"Effect":"Deny","Action":"lambda:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"})",
       rp_allow(R"({"AWS":")" + kSession + "\"}"), invoke, kF, Decision::ExplicitDeny,
       "with an explicit deny in a session policy"},
      {"D21", bob, {kAllowInvokeF}, "", "", "", invoke, kF, Decision::ImplicitDeny, no_resource},
      {"D22", bob, {}, "", "", rp_allow(R"({"AWS":"222222222222"})"), invoke, kF, Decision::ImplicitDeny, no_identity},
      {"D23", bob, {kAllowInvokeF}, "", "", rp_allow(R"({"AWS":"222222222222"})"), invoke, kF, Decision::Allowed, ""},
      {"D24", bob, {kAllowInvokeF}, "", "", rp_allow(R"({"AWS":")" + kBob + "\"}"), invoke, kF, Decision::Allowed, ""},
      {"D25", bob, {}, "", "", rp_allow(R"({"AWS":")" + kBob + "\"}"), invoke, kF, Decision::ImplicitDeny, no_identity},
      {"D26", bob, {kAllowInvokeF}, kAllowS3, "", rp_allow(R"({"AWS":")" + kBob + "\"}"), invoke, kF,
       Decision::ImplicitDeny, no_boundary},
      {"D27", bob, {kAllowInvokeF}, "", "",
       rp_allow(R"({"AWS":"222222222222"})") + "," + rp_deny(R"({"AWS":")" + kBob + "\"}"), invoke, kF,
       Decision::ExplicitDeny, "with an explicit deny in a resource-based policy"},
      {"D28", bob, {kAllowLambda}, "", "", rp_allow(R"({"AWS":"222222222222"})", "lambda:*"), "lambda:AddPermission",
       kF, Decision::ImplicitDeny, "because no resource-based policy allows the lambda:AddPermission action"},
      {"D29", root_a, {}, "", "", "", invoke, kF, Decision::Allowed, ""},
      {"D30", root_a, {}, "", "", rp_deny(R"("*")"), invoke, kF, Decision::ExplicitDeny,
       "with an explicit deny in a resource-based policy"},
      {"D31", root_b, {}, "", "", rp_allow(R"({"AWS":"222222222222"})"), invoke, kF, Decision::Allowed, ""},
      {"D31 without RP", root_b, {}, "", "", "", invoke, kF, Decision::ImplicitDeny, no_resource},
      {"D33", alice, {kAllowInvokeF}, "", "", "", invoke, kF + ":PROD", Decision::ImplicitDeny, no_identity},
      {"D34 alias", alice, {R"({"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":")" + kF + "*\"}"}, "", "",
       "", invoke, kF + ":PROD", Decision::Allowed, ""},
      {"D34 other function", alice, {R"({"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":")" + kF + "*\"}"},
       "", "", "", invoke, kF + "2", Decision::Allowed, ""},
      {"D35", alice, {R"({"Effect":"Allow","Action":"lambda:ListFunctions","Resource":"arn:aws:lambda:*:*:function:*"})"},
       "", "", "", "lambda:ListFunctions", "*", Decision::ImplicitDeny,
       "because no identity-based policy allows the lambda:ListFunctions action"},
      {"D36", alice, {R"({"Effect":"Allow","NotAction":"iam:*","Resource":"*"})"}, "", "", "", invoke, kF,
       Decision::Allowed, ""},
      {"D37 F", alice, {kAllowLambda + R"(,{"Effect":"Deny","Action":"lambda:*","NotResource":")" + kF + "\"}"}, "", "",
       "", invoke, kF, Decision::Allowed, ""},
      {"D37 G", alice, {kAllowLambda + R"(,{"Effect":"Deny","Action":"lambda:*","NotResource":")" + kF + "\"}"}, "", "",
       "", invoke, "arn:aws:lambda:us-east-1:111111111111:function:G", Decision::ExplicitDeny,
       "with an explicit deny in an identity-based policy"},
      {"D41", alice, {R"({"Effect":"Deny","Action":"*","Resource":"*"})"}, "", "", "", "sts:GetCallerIdentity", "*",
       Decision::Allowed, ""},
      {"D42", s1, {kAllowInvokeF}, R"({"Effect":"Allow","Action":"*","Resource":"*"})", "",
       R"({"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::111111111111:role/app/R","arn:aws:sts::111111111111:assumed-role/R/s1"]},"Action":"lambda:*","Resource":"*"})",
       invoke, kF, Decision::ExplicitDeny, "with an explicit deny in a resource-based policy"},
      {"D42 without boundary", s1, {kAllowInvokeF}, "", "",
       R"({"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::111111111111:role/app/R","arn:aws:sts::111111111111:assumed-role/R/s1"]},"Action":"lambda:*","Resource":"*"})",
       invoke, kF, Decision::Allowed, ""},
      {"D47", alice, {R"({"Effect":"Allow","Action":"LAMBDA:invokefunction","Resource":")" + kF + "\"}"}, "", "", "",
       invoke, kF, Decision::Allowed, ""},
      {"D48", alice, {R"({"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:f"})"},
       "", "", "", invoke, kF, Decision::ImplicitDeny, no_identity},
  };

  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.id) {
      World world;
      for (const auto& s : row.identity) world.identity_policy(doc(s));
      if (!row.boundary.empty()) world.boundary(doc(row.boundary));
      if (!row.session.empty()) world.session_policy(doc(row.session));
      if (!row.resource.empty()) world.resource_policy(doc(row.resource));
      RequestContext context;
      add_principal_keys(row.who, context);
      Request request{row.action, row.target, {}, &row.who, &context};
      Trace trace;
      const Outcome with_trace = decide(world.policies(), request, &trace);
      const Outcome without_trace = decide(world.policies(), request);
      CHECK(with_trace.decision == row.expected);
      CHECK(without_trace.decision == with_trace.decision);
      CHECK(without_trace.source == with_trace.source);
      CHECK(reason_clause(with_trace, row.action) == row.reason);
      if (row.expected == Decision::ImplicitDeny) CHECK(trace.matched.empty());
      // Root's implicit allow and sts:GetCallerIdentity are decided by no statement.
      const bool by_statement = row.who.type != PrincipalType::Root && row.action != "sts:GetCallerIdentity";
      if (row.expected != Decision::ImplicitDeny && by_statement) CHECK_FALSE(trace.matched.empty());
    }
  }
}

TEST_CASE("matched statements: only denies on explicit deny, contributing allows otherwise", "[policy][decide]") {
  World world;
  world.identity_policy(doc(kAllowLambda + R"(,{"Sid":"NoInvoke","Effect":"Deny","Action":"lambda:InvokeFunction","Resource":")" + kF + "\"}"));
  const Caller alice = caller(kAlice);
  RequestContext context;
  Request request{"lambda:InvokeFunction", kF, {}, &alice, &context};
  Trace trace;
  REQUIRE(decide(world.policies(), request, &trace).decision == Decision::ExplicitDeny);
  REQUIRE(trace.matched.size() == 1);
  CHECK(trace.matched[0].statement->sid == "NoInvoke");
  CHECK(trace.matched[0].statement->index == 1);
}

TEST_CASE("policy variables in resources (D43, D44)", "[policy][decide][variables]") {
  const std::string resource = "arn:aws:lambda:us-east-1:111111111111:function:${aws:username}-*";
  const std::string statement = R"({"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":")" + resource + "\"}";
  const std::string target = "arn:aws:lambda:us-east-1:111111111111:function:alice-fn";
  const Caller alice = caller(kAlice);
  const Caller s1 = session_caller();

  SECTION("2012-10-17: the variable is substituted") {
    World world;
    world.identity_policy(doc(statement));
    RequestContext context;
    add_principal_keys(alice, context);
    Request request{"lambda:InvokeFunction", target, {}, &alice, &context};
    CHECK(decide(world.policies(), request).decision == Decision::Allowed);
  }
  SECTION("a session has no aws:username: the value matches nothing and the key is reported missing") {
    World world;
    world.identity_policy(doc(statement));
    RequestContext context;
    add_principal_keys(s1, context);
    Request request{"lambda:InvokeFunction", target, {}, &s1, &context};
    Trace trace;
    CHECK(decide(world.policies(), request, &trace).decision == Decision::ImplicitDeny);
    REQUIRE(trace.missing_keys.size() == 1);
    CHECK(trace.missing_keys[0] == "aws:username");
  }
  SECTION("without Version the text is literal") {
    World world;
    world.identity_policy(R"({"Statement":[)" + statement + "]}");
    RequestContext context;
    add_principal_keys(alice, context);
    Request request{"lambda:InvokeFunction", target, {}, &alice, &context};
    CHECK(decide(world.policies(), request).decision == Decision::ImplicitDeny);
    const std::string literal = "arn:aws:lambda:us-east-1:111111111111:function:${aws:username}-x";
    Request literal_request{"lambda:InvokeFunction", literal, {}, &alice, &context};
    CHECK(decide(world.policies(), literal_request).decision == Decision::Allowed);
  }
}

TEST_CASE("service principals are granted only by the resource policy (D32)", "[policy][decide][principal]") {
  World world;
  world.identity_policy(doc(kAllowLambda));
  world.resource_policy(doc(
      R"({"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket-a"}}})"));
  const Caller s3 = caller("s3.amazonaws.com");
  for (const auto& [source, expected] : std::vector<std::pair<std::string, Decision>>{
           {"arn:aws:s3:::bucket-a", Decision::Allowed}, {"arn:aws:s3:::bucket-b", Decision::ImplicitDeny}}) {
    DYNAMIC_SECTION(source) {
      RequestContext context;
      add_principal_keys(s3, context);
      context.set("aws:SourceArn", source);
      Request request{"lambda:InvokeFunction", kF, {}, &s3, &context};
      const Outcome outcome = decide(world.policies(), request);
      CHECK(outcome.decision == expected);
      if (expected != Decision::Allowed) {
        CHECK(access_denied_message(s3, request.action, kF, outcome) ==
              "User: s3.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: " + kF +
                  " because no resource-based policy allows the lambda:InvokeFunction action");
      }
    }
  }
}

TEST_CASE("trust policies: sts:AssumeRole (6.1, A1-A8)", "[policy][decide][trust]") {
  const std::string role = kRoleArn;
  auto trust = [](const std::string& statements) { return doc(statements); };
  struct TrustRow {
    const char* id;
    Caller who;
    std::string trust_statements;
    std::vector<std::string> identity;
    Decision expected;
    std::string reason;
  };
  const std::string allow_assume = R"({"Effect":"Allow","Action":"sts:AssumeRole","Resource":")" + role + "\"}";
  const std::vector<TrustRow> rows = {
      {"A1", caller(kAlice), R"({"Effect":"Allow","Principal":{"AWS":")" + kAlice + R"("},"Action":"sts:AssumeRole"})", {},
       Decision::Allowed, ""},
      {"A2", caller(kAlice), R"({"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"})", {},
       Decision::ImplicitDeny, "because no identity-based policy allows the sts:AssumeRole action"},
      {"A3", caller(kAlice), R"({"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"})",
       {allow_assume}, Decision::Allowed, ""},
      {"A4", caller(kBob), R"({"Effect":"Allow","Principal":{"AWS":")" + kBob + R"("},"Action":"sts:AssumeRole"})", {},
       Decision::ImplicitDeny, "because no identity-based policy allows the sts:AssumeRole action"},
      {"A4 with identity", caller(kBob), R"({"Effect":"Allow","Principal":{"AWS":")" + kBob + R"("},"Action":"sts:AssumeRole"})",
       {allow_assume}, Decision::Allowed, ""},
      {"A8", caller(kBob),
       R"({"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":")" +
           kBob + R"("},"Action":"sts:AssumeRole"})",
       {allow_assume}, Decision::ExplicitDeny, "with an explicit deny in the role trust policy"},
      {"no matching trust", caller(kAlice), R"({"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"})",
       {allow_assume}, Decision::ImplicitDeny, "because no role trust policy allows the sts:AssumeRole action"},
      {"A10", caller("lambda.amazonaws.com"),
       R"({"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"})", {},
       Decision::Allowed, ""},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.id) {
      World world;
      for (const auto& s : row.identity) world.identity_policy(doc(s));
      world.resource_policy(trust(row.trust_statements), ResourcePolicyKind::Trust);
      RequestContext context;
      add_principal_keys(row.who, context);
      Request request{"sts:AssumeRole", role, {}, &row.who, &context};
      const Outcome outcome = decide(world.policies(), request);
      CHECK(outcome.decision == row.expected);
      CHECK(reason_clause(outcome, "sts:AssumeRole") == row.reason);
    }
  }
}

TEST_CASE("AccessDenied message form (section 7)", "[policy][decide][message]") {
  const Caller s1 = session_caller();
  const Outcome outcome{Decision::ImplicitDeny, DecisionSource::PermissionsBoundary};
  CHECK(access_denied_message(s1, "lambda:getfunctionconfiguration", kF + ":$LATEST", outcome) ==
        "User: arn:aws:sts::111111111111:assumed-role/R/s1 is not authorized to perform: "
        "lambda:GetFunctionConfiguration on resource: arn:aws:lambda:us-east-1:111111111111:function:F:$LATEST "
        "because no permissions boundary allows the lambda:GetFunctionConfiguration action");
}

TEST_CASE("IAM and STS messages leave out `on resource: *`; Lambda's keep it", "[policy][decide][message]") {
  const Caller alice = caller(kAlice);
  const Outcome denied{Decision::ImplicitDeny, DecisionSource::IdentityPolicy};
  CHECK(access_denied_message(alice, "iam:ListUsers", "*", denied) ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:ListUsers because no "
        "identity-based policy allows the iam:ListUsers action");
  CHECK(access_denied_message(alice, "lambda:ListFunctions", "*", denied) ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:ListFunctions on resource: * "
        "because no identity-based policy allows the lambda:ListFunctions action");
  CHECK(access_denied_message(alice, "iam:CreateUser", "arn:aws:iam::111111111111:user/bob", denied) ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:CreateUser on resource: "
        "arn:aws:iam::111111111111:user/bob because no identity-based policy allows the iam:CreateUser action");
}
