// The server's AssumeRole and the policy simulator decide sts:AssumeRole by one rule
// (policy-semantics 5.3 trust branch, 5.4, 6.1): seeded random (caller, role, identity policy,
// trust policy) quadruples are fed to both — a signed STS AssumeRole against a store world, and
// SimulateCustomPolicy with the identity policy as PolicyInputList and the trust policy as
// ResourcePolicy — and both must give the same decision and, for a denial, the same reason.
#include <catch2/catch.hpp>

#include <random>

#include "policy/simulate.h"
#include "tests/server/query_test_world.h"

using namespace gatehouse;
using namespace gatehouse::query_test;

namespace {

const std::string kAliceArn = "arn:aws:iam::111111111111:user/alice";
const std::string kBobArn = "arn:aws:iam::222222222222:user/bob";
const std::string kRoleXArn = "arn:aws:iam::111111111111:role/X";
const std::string kSessionArn = "arn:aws:sts::111111111111:assumed-role/X/sx";

std::string doc(const std::string& statements) { return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}"; }

template <class T>
const T& pick(std::mt19937& rng, const std::vector<T>& items) {
  return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng)];
}

std::string trust_statement(std::mt19937& rng) {
  static const std::vector<std::string> principals = {
      R"({"AWS":")" + kAliceArn + R"("})", R"({"AWS":")" + kBobArn + R"("})",
      R"({"AWS":"111111111111"})",        R"({"AWS":"arn:aws:iam::111111111111:root"})",
      R"({"AWS":"222222222222"})",        R"({"AWS":"arn:aws:iam::222222222222:root"})",
      R"("*")",                           R"({"AWS":")" + kRoleXArn + R"("})",
      R"({"AWS":")" + kSessionArn + R"("})", R"({"Service":"lambda.amazonaws.com"})",
      R"({"AWS":[")" + kAliceArn + R"(",")" + kBobArn + R"("]})"};
  static const std::vector<std::string> conditions = {
      "", "", "", R"(,"Condition":{"StringEquals":{"aws:PrincipalAccount":"111111111111"}})",
      R"(,"Condition":{"StringEquals":{"aws:PrincipalAccount":"222222222222"}})",
      R"(,"Condition":{"StringEquals":{"aws:PrincipalType":"User"}})"};
  const bool deny = std::uniform_int_distribution<int>(0, 4)(rng) == 0;
  return std::string(R"({"Effect":")") + (deny ? "Deny" : "Allow") + R"(","Principal":)" + pick(rng, principals) +
         R"(,"Action":"sts:AssumeRole")" + pick(rng, conditions) + "}";
}

std::string identity_policy(std::mt19937& rng, const std::string& role_arn) {
  const std::vector<std::string> statements = {
      R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"*"})",
      R"({"Effect":"Allow","Action":"sts:AssumeRole","Resource":")" + role_arn + R"("})",
      R"({"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"})",
      R"({"Effect":"Allow","Action":"sts:*","Resource":"arn:aws:iam::*:role/r*"})",
      R"({"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/other"})",
      R"({"Effect":"Deny","Action":"sts:AssumeRole","Resource":")" + role_arn + R"("})",
      R"({"Effect":"Allow","NotAction":"iam:*","Resource":"*"})"};
  std::string out = pick(rng, statements);
  if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) out += "," + pick(rng, statements);
  return doc(out);
}

struct CallerChoice {
  std::string arn;
  Keys keys;
  store::EntityKind kind;
  std::string account, name;  // whose inline policy is the caller's identity policy
};

}  // namespace

TEST_CASE("AssumeRole and the simulator give the same decision on random trust worlds", "[sts][simulate]") {
  World w;
  // Role X trusts alice by name; her session of X is the third kind of caller.
  require_ok(w.store().write([&](store::Mutation& m) {
    store::CreateRoleInput input;
    input.account = std::string(kA);
    input.name = "X";
    input.assume_role_policy = doc(R"({"Effect":"Allow","Principal":{"AWS":")" + kAliceArn +
                                   R"("},"Action":"sts:AssumeRole"})");
    return m.create_role(input);
  }));
  const auto assumed = w.sts(form({{"Action", "AssumeRole"}, {"Version", "2011-06-15"}, {"RoleArn", kRoleXArn},
                                   {"RoleSessionName", "sx"}}),
                             kAlice);
  REQUIRE(assumed.status == 200);
  const std::vector<CallerChoice> callers = {
      {kAliceArn, kAlice, store::EntityKind::User, std::string(kA), "alice"},
      {kBobArn, kBob, store::EntityKind::User, std::string(kB), "bob"},
      {kSessionArn, World::credentials_of(assumed), store::EntityKind::Role, std::string(kA), "X"}};

  const std::uint32_t seed = 20261207;
  std::mt19937 rng(seed);
  int allowed = 0, denied = 0;
  for (int i = 0; i < 150; ++i) {
    const CallerChoice& caller = pick(rng, callers);
    const std::string account = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? std::string(kB) : std::string(kA);
    const std::string role_name = "r" + std::to_string(i);
    const std::string role_arn = "arn:aws:iam::" + account + ":role/" + role_name;
    std::string statements = trust_statement(rng);
    if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) statements += "," + trust_statement(rng);
    const std::string trust = doc(statements);
    const std::string identity = identity_policy(rng, role_arn);

    INFO("seed " << seed << ", scenario " << i << ": " << caller.arn << " assumes " << role_arn << "\ntrust "
                 << trust << "\nidentity " << identity);
    require_ok(w.store().write([&](store::Mutation& m) {
      store::CreateRoleInput input;
      input.account = account;
      input.name = role_name;
      input.assume_role_policy = trust;
      return m.create_role(input);
    }));
    require_ok(w.store().write([&](store::Mutation& m) {
      return m.put_inline_policy({caller.kind, caller.account, caller.name}, "p", identity);
    }));

    // The STS path: the server's AssumeRole through the one pipeline.
    const auto sts = w.sts(form({{"Action", "AssumeRole"}, {"Version", "2011-06-15"}, {"RoleArn", role_arn},
                                 {"RoleSessionName", "s" + std::to_string(i)}}),
                           caller.keys);
    // The simulator path: SimulateCustomPolicy's engine, the trust policy as ResourcePolicy.
    policy::SimulationInput in;
    in.policy_input_list = {identity};
    in.resource_policy = trust;
    in.caller_arn = caller.arn;
    in.action_names = {"sts:AssumeRole"};
    in.resource_arns = {role_arn};
    const auto simulated = policy::simulate_custom_policy(in);
    REQUIRE(simulated);
    REQUIRE(simulated.value().size() == 1);
    const auto& result = simulated.value().front();

    if (result.eval_decision == policy::Decision::Allowed) {
      ++allowed;
      CHECK(sts.status == 200);
    } else {
      ++denied;
      CHECK(sts.status == 403);
      CHECK(sts.message() == "User: " + caller.arn + " is not authorized to perform: sts:AssumeRole on resource: " +
                                 role_arn + " " + result.explanation.reason);
    }
  }
  // The generator reaches both answers often enough to mean something.
  CHECK(allowed >= 20);
  CHECK(denied >= 20);
}
