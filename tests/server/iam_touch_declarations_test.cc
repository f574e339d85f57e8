// The strict IAM/STS touch check with the operations' declared resources (server/iam/resources.h):
// an operation may touch what it was authorized on and what its row declares for this request,
// in the caller's account; a handler wired to the wrong entity of the same account fails.
#include <array>
#include <set>

#include "server/iam/operations.h"
#include "server/iam/resources.h"
#include "server/sts/operations.h"
#include "tests/server/iam_test_world.h"

using namespace gatehouse;
using namespace gatehouse::iam_test;
using server::iam::Call;
using server::iam::Reply;
using server::iam::Xml;

namespace {

const std::string kPolicyA = "arn:aws:iam::111111111111:policy/pa";
const std::string kPolicyB = "arn:aws:iam::222222222222:policy/pb";

using server::iam::on_entity;
using server::iam::Target;
constexpr auto kUserKind = store::EntityKind::User;
constexpr auto kGroupKind = store::EntityKind::Group;

// GetUser as a mixed-up handler would write it: it is given the user the request names, resolved,
// and authorizes it, then reads the account's admin.
Reply get_user_reading_admin(const Call& call, const Target& found) {
  if (auto ok = server::iam::authorize_target(call, "iam:GetUser", found); !ok) return ok.error();
  auto user = server::iam::fetch(call, [&](const store::Snapshot& s) { return s.get_user(call.account(), "admin"); });
  if (!user) return user.error();
  return server::query::answer(Xml());
}

// AddUserToGroup authorized on the group as it should be, but adding the caller rather than the
// user the request names.
Reply add_caller_to_group(const Call& call, const Target& group) {
  if (auto ok = server::iam::authorize_target(call, "iam:AddUserToGroup", group); !ok) return ok.error();
  return server::iam::done(server::iam::write(call, [&](store::Mutation& m) {
    return server::iam::lift(m.add_user_to_group(call.account(), group.ref.name, call.caller().name));
  }));
}

// AttachUserPolicy's secondary read, of whatever policy PolicyArn names (another account's too).
Reply attach_reading_policy(const Call& call, const Target& found) {
  auto arn = server::iam::policy_arn_parameter(call);
  if (!arn) return arn.error();
  if (auto ok = server::iam::authorize_target(call, "iam:AttachUserPolicy", found); !ok) return ok.error();
  auto read = server::iam::read(call, [&](const store::Snapshot& s) -> server::iam::Outcome<void> {
    s.find_policy(arn.value());
    return policy::success();
  });
  if (!read) return read.error();
  return server::query::no_output();
}

constexpr auto kDoubles = std::to_array<server::query::Operation>({
    {"GetUser", true, on_entity<kUserKind, get_user_reading_admin>},
    {"AddUserToGroup", false, on_entity<kGroupKind, add_caller_to_group>},
    {"AttachUserPolicy", false, on_entity<kUserKind, attach_reading_policy>},
    // Wired right: reads only what the request names.
    {"GetGroup", true, on_entity<kGroupKind, server::iam::get_group>},
    {"ListGroupsForUser", true, on_entity<kUserKind, server::iam::list_groups_for_user>},
});

void seed(World& w) {
  require_ok(w.store().write([](store::Mutation& m) -> store::Result<void> {
    if (auto r = m.create_group({"111111111111", "devs", "/"}); !r) return r.error();
    if (auto r = m.create_user({"111111111111", "carol", "/", "", {}}); !r) return r.error();
    const std::string doc = document(allow("s3:GetObject", "*"));
    if (auto r = m.create_policy({"111111111111", "pa", "/", doc, "", {}}); !r) return r.error();
    if (auto r = m.create_policy({"222222222222", "pb", "/", doc, "", {}}); !r) return r.error();
    return store::success();
  }));
}

}  // namespace

TEST_CASE("strict touch check: a handler reading another user of the same account than it authorized fails",
          "[iam][touch]") {
  World w(kDoubles);
  seed(w);
  const Response r = w.admin("GetUser", {{"UserName", "carol"}});
  require_error(r, 500, "ServiceFailure",
                "The store was asked for user admin of account 111111111111, which the request was neither "
                "authorized for nor declares");
}

TEST_CASE("strict touch check: AddUserToGroup may write the user it names, not another one", "[iam][touch]") {
  World w(kDoubles);
  seed(w);
  // The row declares the user named by UserName; the double adds the caller (admin) instead.
  require_error(w.admin("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "carol"}}), 500, "ServiceFailure",
                "The store was asked for user admin of account 111111111111, which the request was neither "
                "authorized for nor declares");
  // Naming the caller, the same double writes exactly the declared user: accepted.
  const Response ok = w.admin("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "ADMIN"}});
  INFO(ok.body);
  CHECK(ok.status == 200);
  // The real GetGroup and ListGroupsForUser read the members and groups they declare.
  const Response group = w.admin("GetGroup", {{"GroupName", "devs"}});
  INFO(group.body);
  CHECK(group.status == 200);
  CHECK(group.text("UserName") == "admin");
  const Response groups = w.admin("ListGroupsForUser", {{"UserName", "admin"}});
  INFO(groups.body);
  CHECK(groups.status == 200);
  CHECK(groups.text("GroupName") == "devs");
}

TEST_CASE("strict touch check: a declared policy counts in the caller's account only", "[iam][touch]") {
  World w(kDoubles);
  seed(w);
  const Response own = w.admin("AttachUserPolicy", {{"UserName", "carol"}, {"PolicyArn", kPolicyA}});
  INFO(own.body);
  CHECK(own.status == 200);
  require_error(w.admin("AttachUserPolicy", {{"UserName", "carol"}, {"PolicyArn", kPolicyB}}), 500, "ServiceFailure",
                "The store was asked for policy " + kPolicyB +
                    " of account 222222222222, which the request was neither authorized for nor declares");
}

TEST_CASE("strict touch check: SimulatePrincipalPolicy reads the principal's groups, attached policies and boundary",
          "[iam][touch]") {
  World w;
  seed(w);
  require_success(w.admin("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "carol"}}), "AddUserToGroup", false);
  require_success(w.admin("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", kPolicyA}}), "AttachGroupPolicy",
                  false);
  require_success(w.admin("AttachUserPolicy", {{"UserName", "carol"}, {"PolicyArn", kBasicExecution}}),
                  "AttachUserPolicy", false);
  require_success(w.admin("PutUserPermissionsBoundary", {{"UserName", "carol"}, {"PermissionsBoundary", kPolicyA}}),
                  "PutUserPermissionsBoundary", false);
  const Form form{{"PolicySourceArn", "arn:aws:iam::111111111111:user/carol"},
                  {"ActionNames.member.1", "s3:GetObject"},
                  {"ResourceArns.member.1", "arn:aws:s3:::b/k"}};
  const Response simulated = w.admin("SimulatePrincipalPolicy", form);
  INFO(simulated.body);
  REQUIRE(simulated.status == 200);
  CHECK(simulated.text("EvalDecision") == "allowed");
  const Response keys = w.admin("GetContextKeysForPrincipalPolicy", {form[0]});
  INFO(keys.body);
  CHECK(keys.status == 200);
  // ListEntitiesForPolicy looks at every user, group and role of the account.
  const Response entities = w.admin("ListEntitiesForPolicy", {{"PolicyArn", kPolicyA}});
  INFO(entities.body);
  CHECK(entities.status == 200);
  CHECK(entities.text("GroupName") == "devs");
}

TEST_CASE("declared resources: every IAM and STS operation has a row, and every row an operation", "[iam][touch]") {
  std::set<std::string> actions;
  for (const auto& [prefix, operations] : {std::pair{std::string("iam:"), server::iam::operations()},
                                           std::pair{std::string("sts:"), server::sts::operations()}}) {
    for (const auto& operation : operations) {
      const std::string action = prefix + std::string(operation.name);
      INFO(action);
      CHECK(server::iam::find_operation_resources(action) != nullptr);
      actions.insert(action);
    }
  }
  for (const auto& row : server::iam::operation_resources()) {
    INFO(row.action);
    CHECK(actions.contains(std::string(row.action)));
  }
  CHECK(actions.size() == server::iam::operation_resources().size());
}

TEST_CASE("strict touch check: a boundary replaced or removed is counted down where it is declared", "[iam][touch]") {
  World w;
  seed(w);
  const std::string doc = document(allow("s3:*", "*"));
  require_success(w.admin("CreatePolicy", {{"PolicyName", "pb2"}, {"PolicyDocument", doc}}), "CreatePolicy", true);
  const std::string other = "arn:aws:iam::111111111111:policy/pb2";
  // A user: created bounded, its boundary replaced, removed, set again; the user deleted with it.
  require_success(w.admin("CreateUser", {{"UserName", "dave"}, {"PermissionsBoundary", kPolicyA}}), "CreateUser", true);
  require_success(w.admin("PutUserPermissionsBoundary", {{"UserName", "dave"}, {"PermissionsBoundary", other}}),
                  "PutUserPermissionsBoundary", false);
  require_success(w.admin("DeleteUserPermissionsBoundary", {{"UserName", "DAVE"}}), "DeleteUserPermissionsBoundary",
                  false);
  require_success(w.admin("PutUserPermissionsBoundary", {{"UserName", "dave"}, {"PermissionsBoundary", kPolicyA}}),
                  "PutUserPermissionsBoundary", false);
  require_success(w.admin("DeleteUser", {{"UserName", "dave"}}), "DeleteUser", false);
  // A role the same way.
  const Form role{{"RoleName", "r"}, {"AssumeRolePolicyDocument", kTrust}, {"PermissionsBoundary", kPolicyA}};
  require_success(w.admin("CreateRole", role), "CreateRole", true);
  require_success(w.admin("PutRolePermissionsBoundary", {{"RoleName", "r"}, {"PermissionsBoundary", other}}),
                  "PutRolePermissionsBoundary", false);
  require_success(w.admin("DeleteRolePermissionsBoundary", {{"RoleName", "r"}}), "DeleteRolePermissionsBoundary",
                  false);
  require_success(w.admin("PutRolePermissionsBoundary", {{"RoleName", "r"}, {"PermissionsBoundary", other}}),
                  "PutRolePermissionsBoundary", false);
  require_success(w.admin("DeleteRole", {{"RoleName", "r"}}), "DeleteRole", false);
  // Nothing uses either policy any more.
  for (const std::string& arn : {kPolicyA, other}) {
    const Response policy = w.admin("GetPolicy", {{"PolicyArn", arn}});
    INFO(policy.body);
    CHECK(policy.text("PermissionsBoundaryUsageCount") == "0");
  }
}
