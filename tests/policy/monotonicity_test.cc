// Monotonicity of the decision function, on seeded random worlds: adding a Deny statement
// anywhere, or removing an Allow statement from the identity policy, never turns a refusal into an allow;
// and adding an Allow to the identity policy never turns an allow into a refusal. Properties any
// correct IAM evaluator has, whatever else it gets wrong, so they catch a class of bugs the
// worked cases cannot enumerate.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "policy/context.h"
#include "policy_test_support.h"

using namespace gatehouse::policy;
using namespace gatehouse::policy::testing;

namespace {

const std::vector<std::string> kActions = {"lambda:InvokeFunction", "lambda:GetFunction", "lambda:DeleteFunction",
                                           "lambda:*", "lambda:Get*", "*", "s3:GetObject"};
const std::vector<std::string> kResources = {"*", "arn:aws:lambda:us-east-1:111111111111:function:F",
                                             "arn:aws:lambda:us-east-1:111111111111:function:F*",
                                             "arn:aws:lambda:us-east-1:111111111111:function:G",
                                             "arn:aws:lambda:us-east-1:222222222222:function:*"};
const std::vector<std::string> kConditions = {
    "", R"({"StringEquals":{"aws:PrincipalTag/team":"red"}})", R"({"Bool":{"aws:SecureTransport":"true"}})",
    R"({"StringLike":{"aws:username":"al*"}})", R"({"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}})"};
const std::vector<std::string> kPrincipals = {R"("*")", R"({"AWS":"arn:aws:iam::111111111111:root"})",
                                              R"({"AWS":"arn:aws:iam::222222222222:user/bob"})",
                                              R"({"AWS":"arn:aws:iam::111111111111:user/alice"})"};

struct RandomStatement {
  bool allow = true;
  std::string action, resource, condition, principal;  // principal: resource policies only

  std::string text() const {
    std::string out = std::string(R"({"Effect":")") + (allow ? "Allow" : "Deny") + "\"";
    if (!principal.empty()) out += R"(,"Principal":)" + principal;
    out += R"(,"Action":")" + action + R"(","Resource":")" + resource + "\"";
    if (!condition.empty()) out += R"(,"Condition":)" + condition;
    return out + "}";
  }
};

struct Scenario {
  std::vector<RandomStatement> identity, boundary, resource;  // boundary/resource empty: none
  std::string caller, target, action;
};

template <class R>
const std::string& pick(R& random, const std::vector<std::string>& from) {
  return from[random() % from.size()];
}

RandomStatement random_statement(std::mt19937& random, bool with_principal) {
  RandomStatement s;
  s.allow = random() % 3 != 0;
  s.action = pick(random, kActions);
  s.resource = pick(random, kResources);
  s.condition = pick(random, kConditions);
  if (with_principal) s.principal = pick(random, kPrincipals);
  return s;
}

std::string document_of(const std::vector<RandomStatement>& statements) {
  std::string body;
  for (const auto& s : statements) body += (body.empty() ? "" : ",") + s.text();
  return doc(body);
}

Decision decide_scenario(const Scenario& sc) {
  World world;
  if (!sc.identity.empty()) world.identity_policy(document_of(sc.identity));
  if (!sc.boundary.empty()) world.boundary(document_of(sc.boundary));
  if (!sc.resource.empty()) world.resource_policy(document_of(sc.resource));
  const Caller who = caller(sc.caller);
  RequestContext context;
  context.set("aws:SecureTransport", "true");
  context.set("aws:RequestedRegion", "us-east-1");
  context.set("aws:username", who.name);
  context.set("aws:PrincipalTag/team", "red");
  Request request;
  request.action = sc.action;
  request.resource = sc.target;
  request.caller = &who;
  request.context = &context;
  return decide(world.policies(), request).decision;
}

Scenario random_scenario(std::mt19937& random) {
  Scenario sc;
  for (std::size_t i = 0, n = 1 + random() % 4; i < n; ++i) sc.identity.push_back(random_statement(random, false));
  if (random() % 3 == 0) {
    for (std::size_t i = 0, n = 1 + random() % 2; i < n; ++i) sc.boundary.push_back(random_statement(random, false));
  }
  if (random() % 2 == 0) {
    for (std::size_t i = 0, n = 1 + random() % 3; i < n; ++i) sc.resource.push_back(random_statement(random, true));
  }
  sc.caller = random() % 2 ? "arn:aws:iam::111111111111:user/alice" : "arn:aws:iam::222222222222:user/bob";
  sc.target = random() % 2 ? "arn:aws:lambda:us-east-1:111111111111:function:F"
                           : "arn:aws:lambda:us-east-1:111111111111:function:G";
  sc.action = random() % 2 ? "lambda:InvokeFunction" : "lambda:GetFunction";
  return sc;
}

}  // namespace

TEST_CASE("decision monotonicity: a Deny added or an Allow removed never allows more", "[policy][random]") {
  std::mt19937 random(20261207);
  int allowed_seen = 0, refused_seen = 0;
  for (int round = 0; round < 400; ++round) {
    const Scenario sc = random_scenario(random);
    const Decision base = decide_scenario(sc);
    (base == Decision::Allowed ? allowed_seen : refused_seen)++;
    INFO("round " << round << "\nidentity " << document_of(sc.identity) << "\nboundary "
                  << (sc.boundary.empty() ? "-" : document_of(sc.boundary)) << "\nresource "
                  << (sc.resource.empty() ? "-" : document_of(sc.resource)) << "\n"
                  << sc.caller << " " << sc.action << " " << sc.target);

    // A Deny added to any policy that exists: never from refused to allowed, and an explicit
    // deny stays one.
    Scenario more = sc;
    RandomStatement deny = random_statement(random, false);
    deny.allow = false;
    const int where = static_cast<int>(random() % 3);
    if (where == 1 && !more.boundary.empty()) {
      more.boundary.push_back(deny);
    } else if (where == 2 && !more.resource.empty()) {
      deny.principal = pick(random, kPrincipals);
      more.resource.push_back(deny);
    } else {
      more.identity.push_back(deny);
    }
    const Decision with_deny = decide_scenario(more);
    if (base != Decision::Allowed) CHECK(with_deny != Decision::Allowed);
    if (base == Decision::ExplicitDeny) CHECK(with_deny == Decision::ExplicitDeny);

    // An Allow removed from the identity policy (keeping at least one statement): never more.
    Scenario fewer = sc;
    for (std::size_t i = 0; i < fewer.identity.size(); ++i) {
      if (fewer.identity[i].allow && fewer.identity.size() > 1) {
        fewer.identity.erase(fewer.identity.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    if (base != Decision::Allowed) CHECK(decide_scenario(fewer) != Decision::Allowed);

    // An Allow of everything added to the identity policy: an allow stays an allow.
    Scenario wider = sc;
    wider.identity.push_back({true, "*", "*", "", ""});
    if (base == Decision::Allowed) CHECK(decide_scenario(wider) == Decision::Allowed);
  }
  // The generator reaches both outcomes, so the properties were exercised both ways.
  CHECK(allowed_seen > 20);
  CHECK(refused_seen > 20);
}
