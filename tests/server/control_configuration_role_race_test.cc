// UpdateFunctionConfiguration without RevisionId: the role its dead-letter and VPC checks
// accepted is the role of the configuration it writes, also when another request changes the
// role between the check and the write (review 4).
#include "server/control/handlers.h"
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

TEST_CASE("UpdateFunctionConfiguration checks again the role a concurrent update gave the function",
          "[server][control][role][review4]") {
  World world;
  world.seed_function("f");
  world.add_role("Other", kLambdaTrust);
  const std::string other = "arn:aws:iam::111111111111:role/app/Other";
  const store::FunctionRef ref{std::string(kA), "us-east-1", "f"};
  const auto role_of_f = [&] {
    auto view = world.store().read([&](const store::Snapshot& s) { return s.get_function(ref); });
    REQUIRE(view);
    return view.value().config;
  };
  store::FunctionConfigUpdate update;
  update.dead_letter_target = "arn:aws:sqs:us-east-1:111111111111:dlq";

  // The check stands for the dead-letter check: R may send to the queue, Other may not. While
  // the first check runs, another request gives f the role Other.
  std::vector<std::string> checked;
  const server::control::RoleCheck check = [&](std::string_view role) -> policy::Result<void, server::lambda::LambdaError> {
    checked.emplace_back(role);
    if (checked.size() == 1) {
      require_ok(world.store().write([&](store::Mutation& m) {
        store::FunctionConfigUpdate change;
        change.role = other;
        return m.update_function_configuration(ref, change);
      }));
    }
    if (role == other) {
      return server::lambda::make_error("InvalidParameterValueException", 400,
                                        "The provided execution role does not have permissions to call SendMessage on SQS");
    }
    return policy::success();
  };

  SECTION("no RevisionId: the new role is checked, and refused") {
    auto updated = server::control::update_configuration_checked(world.store(), ref, update, "", check);
    REQUIRE_FALSE(updated);
    CHECK(updated.error().type == "InvalidParameterValueException");
    CHECK(checked == std::vector<std::string>{kRoleR, other});
    CHECK(role_of_f().role == other);
    CHECK(role_of_f().dead_letter_target.empty());  // Other never got a target it cannot send to
  }
  SECTION("with the RevisionId the caller read: refused as changed meanwhile") {
    const std::string revision = role_of_f().revision_id;
    auto updated = server::control::update_configuration_checked(world.store(), ref, update, revision, check);
    REQUIRE_FALSE(updated);
    CHECK(updated.error().type == "PreconditionFailedException");
    CHECK(checked == std::vector<std::string>{kRoleR});
    CHECK(role_of_f().dead_letter_target.empty());
  }
  SECTION("a role sent with the update is the one checked, and written") {
    update.role = kRoleR;
    auto updated = server::control::update_configuration_checked(world.store(), ref, update, "", check);
    REQUIRE(updated);
    CHECK(checked == std::vector<std::string>{kRoleR});
    CHECK(role_of_f().role == kRoleR);
    CHECK(role_of_f().dead_letter_target == *update.dead_letter_target);
  }
}
