// policy-semantics 6.6, the PassRole and trust cases P5, P6, P8, P9, P13 and P14, end to end
// through the Lambda dispatch: signed CreateFunction calls, the store's roles and policies.
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

constexpr std::string_view kRootKey = "AKIAROOTAEXAMPLE0001";
constexpr std::string_view kRootSecret = "rootSecretKeyEXAMPLErootSecretKeyEXAMPLE";
const std::string kRoleT = "arn:aws:iam::111111111111:role/app/T";

std::string lambda_trust_statement(const std::string& extra = "") {
  return R"({"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole")" + extra + "}";
}

// alice's CreateFunction of `name` with role R is refused for iam:PassRole, with `reason`; nothing is created.
void check_pass_role_denied(World& world, std::string_view name, const std::string& reason) {
  const Response r = world.call("POST", kFunctionsPath, create_body(name, kRoleR));
  CHECK(r.status == 403);
  CHECK(r.error_type == "AccessDeniedException");
  CHECK(r.message() ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:PassRole on resource: "
        "arn:aws:iam::111111111111:role/app/R " + reason);
  CHECK(world.call("GET", kFunctionsPath + "/" + std::string(name)).status == 404);
}

const std::string kNotAssumable = "The role defined for the function cannot be assumed by Lambda.";

}  // namespace

TEST_CASE("P5: PassRole scoped by iam:AssociatedResourceArn to team-* functions", "[server][control][passrole]") {
  World world;
  world.alice_policy(allow("lambda:*", "*") + "," +
                     allow("iam:PassRole", "*",
                           R"({"ArnLike":{"iam:AssociatedResourceArn":"arn:aws:lambda:us-east-1:111111111111:function:team-*"}})"));
  CHECK(world.call("POST", kFunctionsPath, create_body("team-a", kRoleR)).status == 201);
  check_pass_role_denied(world, "other", "because no identity-based policy allows the iam:PassRole action");
}

TEST_CASE("P6: PassRole on role/R does not cover role/app/R", "[server][control][passrole]") {
  World world;
  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "arn:aws:iam::111111111111:role/R"));
  const Response r = world.call("POST", kFunctionsPath, create_body("F", kRoleR));
  CHECK(r.status == 403);
  CHECK_THAT(r.message(), Catch::Contains("iam:PassRole on resource: arn:aws:iam::111111111111:role/app/R"));
  // With the path the same grant shape works.
  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "arn:aws:iam::111111111111:role/app/R"));
  CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleR)).status == 201);
}

TEST_CASE("P8: a Deny for lambda.amazonaws.com in the trust policy wins over its Allow", "[server][control][passrole]") {
  World world;
  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
  world.add_role("T", document(lambda_trust_statement() + "," +
                              R"({"Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"})"));
  const Response r = world.call("POST", kFunctionsPath, create_body("F", kRoleT));
  CHECK(r.status == 400);
  CHECK(r.error_type == "InvalidParameterValueException");
  CHECK(r.message() == kNotAssumable);
  CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleR)).status == 201);  // the plain trust of R
}

TEST_CASE("P9: the trust statement's aws:SourceAccount is the function's account", "[server][control][passrole]") {
  World world;
  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
  SECTION("111111111111: success") {
    world.add_role("T", document(lambda_trust_statement(R"(,"Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}})")));
    CHECK(world.call("POST", kFunctionsPath, create_body("F", kRoleT)).status == 201);
  }
  SECTION("222222222222: the role cannot be assumed by Lambda") {
    world.add_role("T", document(lambda_trust_statement(R"(,"Condition":{"StringEquals":{"aws:SourceAccount":"222222222222"}})")));
    const Response r = world.call("POST", kFunctionsPath, create_body("F", kRoleT));
    CHECK(r.status == 400);
    CHECK(r.message() == kNotAssumable);
  }
  SECTION("aws:SourceArn is the unqualified function ARN") {
    world.add_role("T", document(lambda_trust_statement(R"(,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:111111111111:function:team-*"}})")));
    CHECK(world.call("POST", kFunctionsPath, create_body("team-a", kRoleT)).status == 201);
    CHECK(world.call("POST", kFunctionsPath, create_body("other", kRoleT)).message() == kNotAssumable);
  }
}

TEST_CASE("P13: a permissions boundary without PassRole denies it", "[server][control][passrole]") {
  World world;
  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", kRoleR));
  require_ok(world.store().write([&](store::Mutation& m) -> store::Result<void> {
    store::CreatePolicyInput boundary{.account = std::string(kA), .name = "lambda-only", .path = "/",
                                      .document = document(allow("lambda:*", "*")), .description = {}, .tags = {}};
    auto created = m.create_policy(boundary);
    if (!created) return created.error();
    return m.put_permissions_boundary({store::EntityKind::User, std::string(kA), "alice"}, created.value().arn);
  }));
  // The boundary allows lambda:*, so lambda:CreateFunction itself passed: the denial is PassRole's.
  check_pass_role_denied(world, "F", "because no permissions boundary allows the iam:PassRole action");
}

TEST_CASE("P14: the account root passes any role of its account; the trust is still required",
          "[server][control][passrole]") {
  World world;
  require_ok(world.store().write([&](store::Mutation& m) {
    return m.import_access_key({std::string(kA), "", std::string(kRootKey), std::string(kRootSecret)});
  }));
  const Response created = world.call("POST", kFunctionsPath, create_body("F", kRoleR), kRootKey, kRootSecret);
  CHECK(created.status == 201);
  const Response refused = world.call("POST", kFunctionsPath, create_body("G", kRoleEc2), kRootKey, kRootSecret);
  CHECK(refused.status == 400);
  CHECK(refused.error_type == "InvalidParameterValueException");
  CHECK(refused.message() == kNotAssumable);
  // alice, with no policies at all, is refused the same call root made.
  CHECK(world.call("POST", kFunctionsPath, create_body("H", kRoleR)).status == 403);
}
