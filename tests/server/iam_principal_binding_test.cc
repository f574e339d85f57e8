// Principals of trust policies are bound to the unique id of the user or role they name when the
// policy is saved (policy-semantics 1.8, issue 10 finding 7): a deleted entity re-created under the
// same name (or a role of the same name at another path) is another principal, and GetRole shows
// the id of a principal that is gone.
#include <catch2/catch.hpp>

#include "tests/server/query_test_world.h"

using namespace gatehouse;
using namespace gatehouse::query_test;

namespace {

const Keys kCarol{"AKIACAROLEXAMPLE0001", "carolSecretKeyEXAMPLEcarolSecretKeyEXAMP", std::nullopt};
const Keys kCarolAgain{"AKIACAROLEXAMPLE0002", "carolSecretKeyEXAMPLEcarolSecretKeyEXAM2", std::nullopt};

void make_carol(World& w, const Keys& key) {
  require_ok(w.store().write([&](store::Mutation& m) -> store::Result<void> {
    if (auto r = m.create_user({std::string(kA), "carol", "/", "", {}}); !r) return r.error();
    if (auto r = m.import_access_key({std::string(kA), "carol", key.id, key.secret}); !r) return r.error();
    return store::success();
  }));
}

std::string trust_naming(const std::string& principal) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":")" + principal +
         R"("},"Action":"sts:AssumeRole"}]})";
}

std::string call(std::string_view action, std::initializer_list<std::pair<std::string_view, std::string_view>> params,
                 std::string_view version = "2010-05-08") {
  std::string body = form({{"Action", action}, {"Version", version}});
  for (const auto& [n, v] : params) body += "&" + form({{n, v}});
  return body;
}

std::string assume(std::string_view role) {
  return call("AssumeRole", {{"RoleArn", role}, {"RoleSessionName", "s1"}}, "2011-06-15");
}

}  // namespace

TEST_CASE("Finding 7: a user re-created under a trusted name does not inherit the trust", "[iam][sts][issue10]") {
  World w;
  make_carol(w, kCarol);
  const std::string carol = "arn:aws:iam::111111111111:user/carol";
  REQUIRE(w.iam(call("CreateRole", {{"RoleName", "break-glass"}, {"AssumeRolePolicyDocument", trust_naming(carol)}}),
                kRootA)
              .status == 200);
  const std::string role = "arn:aws:iam::111111111111:role/break-glass";
  CHECK(w.sts(assume(role), kCarol).status == 200);
  std::string carol_id;
  require_ok(w.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    carol_id = s.find_user(kA, "carol")->id;
    return store::success();
  }));

  require_ok(w.store().write([&](store::Mutation& m) -> store::Result<void> {
    if (auto r = m.delete_access_key(kA, "carol", kCarol.id); !r) return r.error();
    return m.delete_user(kA, "carol");
  }));
  make_carol(w, kCarolAgain);
  const Response refused = w.sts(assume(role), kCarolAgain);
  CHECK(refused.status == 403);
  CHECK(refused.code() == "AccessDenied");

  // The trust policy shows the id of the carol that is gone.
  const Response shown = w.iam(call("GetRole", {{"RoleName", "break-glass"}}), kRootA);
  REQUIRE(shown.status == 200);
  CHECK(shown.body.find(carol_id) != std::string::npos);
  CHECK(shown.body.find("user%2Fcarol") == std::string::npos);
}

TEST_CASE("Finding 7: a role principal is the role at its path, not any role of that name", "[iam][sts][issue10]") {
  World w;
  const std::string alice_trust = trust_naming("arn:aws:iam::111111111111:user/alice");
  REQUIRE(w.iam(call("CreateRole", {{"RoleName", "deployer"}, {"Path", "/ci/"}, {"AssumeRolePolicyDocument", alice_trust}}),
                kRootA)
              .status == 200);
  REQUIRE(w.iam(call("CreateRole", {{"RoleName", "prod"},
                                    {"AssumeRolePolicyDocument", trust_naming("arn:aws:iam::111111111111:role/ci/deployer")}}),
                kRootA)
              .status == 200);
  const std::string prod = "arn:aws:iam::111111111111:role/prod";
  const Response first = w.sts(assume("arn:aws:iam::111111111111:role/ci/deployer"), kAlice);
  REQUIRE(first.status == 200);
  CHECK(w.sts(assume(prod), World::credentials_of(first)).status == 200);

  // A trust policy naming the role at a path where it is not is refused when saved.
  const Response wrong_path = w.iam(
      call("CreateRole", {{"RoleName", "other"},
                          {"AssumeRolePolicyDocument", trust_naming("arn:aws:iam::111111111111:role/x/deployer")}}),
      kRootA);
  CHECK(wrong_path.code() == "MalformedPolicyDocument");

  // ci/deployer goes; x/deployer comes: prod's trust does not follow the name.
  REQUIRE(w.iam(call("DeleteRole", {{"RoleName", "deployer"}}), kRootA).status == 200);
  REQUIRE(w.iam(call("CreateRole", {{"RoleName", "deployer"}, {"Path", "/x/"}, {"AssumeRolePolicyDocument", alice_trust}}),
                kRootA)
              .status == 200);
  const Response second = w.sts(assume("arn:aws:iam::111111111111:role/x/deployer"), kAlice);
  REQUIRE(second.status == 200);
  CHECK(w.sts(assume(prod), World::credentials_of(second)).status == 403);
}

TEST_CASE("Principal ARNs are case-sensitive: user/CAROL names no entity when the user is carol", "[iam][sts][issue10]") {
  // IAM finds names without regard to case, but a principal ARN matches only its exact spelling
  // (policy-semantics 2.5): binding CAROL to carol's unique id would let carol in. A trust policy
  // must name an existing entity exactly (1.8), so it is refused like a wrong path; a function
  // policy naming user/CAROL is kept as written and matches nobody (fixture_replay replays that).
  World w;
  make_carol(w, kCarol);
  const Response upper = w.iam(
      call("CreateRole", {{"RoleName", "upper"},
                          {"AssumeRolePolicyDocument", trust_naming("arn:aws:iam::111111111111:user/CAROL")}}),
      kRootA);
  CHECK(upper.status == 400);
  CHECK(upper.code() == "MalformedPolicyDocument");
  CHECK(upper.body.find("Invalid principal in policy") != std::string::npos);
  REQUIRE(w.iam(call("CreateRole", {{"RoleName", "exact"},
                                    {"AssumeRolePolicyDocument", trust_naming("arn:aws:iam::111111111111:user/carol")}}),
                kRootA)
              .status == 200);
  CHECK(w.sts(assume("arn:aws:iam::111111111111:role/exact"), kCarol).status == 200);
}
