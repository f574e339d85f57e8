// Users, groups and roles: names, paths, uniqueness, ids, membership and
// referential integrity, with the errors IAM gives (iam-sts-api.md 1.5, 2).
#include "../shapes.h"

#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

const EntityRef kAlice{EntityKind::User, kAccount, "alice"};
const EntityRef kDevs{EntityKind::Group, kAccount, "devs"};
const EntityRef kExec{EntityKind::Role, kAccount, "exec"};

template <class F>
auto run(Store& store, F&& fn) {
  return store.write(std::forward<F>(fn));
}

void require_ok(const Result<void>& r) {
  if (!r) FAIL(r.error());
}

}  // namespace

TEST_CASE("iam: users, groups and roles are unique by name, case-insensitively", "[store][iam]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  REQUIRE(run(*store, [](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  REQUIRE(run(*store, [](Mutation& m) { return m.create_group({kAccount, "devs", "/"}); }));
  REQUIRE(run(*store, [](Mutation& m) { return m.create_role({kAccount, "exec", "/", kLambdaTrust, "", {}, "", {}}); }));
  check_error_cases(*store, {
      {"user", [](Mutation& m) { return discard(m.create_user({kAccount, "Alice", "/x/", "", {}})); },
       {"EntityAlreadyExists", 409, "User with name Alice already exists."}},
      {"group", [](Mutation& m) { return discard(m.create_group({kAccount, "DEVS", "/"})); },
       {"EntityAlreadyExists", 409, "Group with name DEVS already exists."}},
      {"role", [](Mutation& m) { return discard(m.create_role({kAccount, "Exec", "/", kLambdaTrust, "", {}, "", {}})); },
       {"EntityAlreadyExists", 409, "Role with name Exec already exists."}},
  });
  // Another account may use the same names.
  CHECK(run(*store, [](Mutation& m) { return m.create_user({kOtherAccount, "alice", "/", "", {}}); }));
}

TEST_CASE("iam: ARNs carry the path, ids are AWS-shaped and never reused", "[store][iam]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  auto user = run(*store, [](Mutation& m) { return m.create_user({kAccount, "alice", "/division/dev/", "", {}}); });
  REQUIRE(user);
  CHECK(user.value().arn == "arn:aws:iam::111111111111:user/division/dev/alice");
  CHECK(gatehouse::testing::has_shape(user.value().id, "AIDA", gatehouse::testing::kBase32Upper, 17));
  auto group = run(*store, [](Mutation& m) { return m.create_group({kAccount, "devs", "/"}); });
  CHECK(group.value().arn == "arn:aws:iam::111111111111:group/devs");
  CHECK(gatehouse::testing::has_shape(group.value().id, "AGPA", gatehouse::testing::kBase32Upper, 17));
  auto role = run(*store, [](Mutation& m) {
    return m.create_role({kAccount, "exec", "/service-role/", kLambdaTrust, "", {}, "", {}});
  });
  CHECK(role.value().arn == "arn:aws:iam::111111111111:role/service-role/exec");
  CHECK(gatehouse::testing::has_shape(role.value().id, "AROA", gatehouse::testing::kBase32Upper, 17));
  CHECK(role.value().max_session_duration == 3600);
  // A re-created alice gets a new AIDA.
  REQUIRE(run(*store, [](Mutation& m) { return m.delete_user(kAccount, "alice"); }));
  auto again = run(*store, [](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); });
  REQUIRE(again);
  CHECK(again.value().id != user.value().id);
}

TEST_CASE("iam: names, paths and other parameters are validated", "[store][iam]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  struct Row {
    const char* what;
    CreateUserInput input;
    std::string code, message;
  };
  const Row rows[] = {
      {"bad character", {kAccount, "a b", "/", "", {}}, "ValidationError",
       "1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy "
       "regular expression pattern: [\\w+=,.@-]+"},
      {"too long", {kAccount, std::string(65, 'a'), "/", "", {}}, "ValidationError",
       "1 validation error detected: Value '" + std::string(65, 'a') +
           "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
      {"empty", {kAccount, "", "/", "", {}}, "ValidationError",
       "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
      {"path without trailing slash", {kAccount, "bob", "/a", "", {}}, "ValidationError",
       "1 validation error detected: Value '/a' at 'path' failed to satisfy constraint: Member must satisfy regular "
       "expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"},
      {"unknown boundary", {kAccount, "bob", "/", customer_policy_arn("nope"), {}}, "NoSuchEntity",
       "Policy arn:aws:iam::111111111111:policy/nope does not exist or is not attachable."},
      {"unknown account", {"333333333333", "bob", "/", "", {}}, "NoSuchEntity",
       "The account with id 333333333333 cannot be found."},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      const Error e = error_of(run(*store, [&](Mutation& m) { return m.create_user(row.input); }));
      CHECK(e.code == row.code);
      CHECK(e.message == row.message);
    }
  }
  Tags too_many;
  for (int i = 0; i < 51; ++i) too_many["k" + std::to_string(i)] = "v";
  CHECK(error_of(run(*store, [&](Mutation& m) { return m.create_user({kAccount, "bob", "/", "", too_many}); })).message ==
        "Cannot exceed quota for TagsPerUser: 50");
  auto max_session = error_of(run(*store, [](Mutation& m) {
    return m.create_role({kAccount, "r", "/", kLambdaTrust, "", 43201, "", {}});
  }));
  CHECK(max_session.message ==
        "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must "
        "have value less than or equal to 43200");
}

TEST_CASE("iam: deleting a user, group or role with dependents is a DeleteConflict", "[store][iam]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  require_ok(run(*store, [](Mutation& m) -> Result<void> {
    if (auto r = m.create_policy({kAccount, "p", "/", kAllowAll, "", {}}); !r) return r.error();
    if (auto r = m.create_user({kAccount, "alice", "/", "", {}}); !r) return r.error();
    if (auto r = m.create_group({kAccount, "devs", "/"}); !r) return r.error();
    if (auto r = m.create_role({kAccount, "exec", "/", kLambdaTrust, "", {}, "", {}}); !r) return r.error();
    return success();
  }));
  struct Row {
    const char* what;
    std::function<Result<void>(Mutation&)> add;     // makes the dependent
    std::function<Result<void>(Mutation&)> remove;  // removes it again
    std::function<Result<void>(Mutation&)> del;     // the delete that must conflict
    std::string message;
  };
  std::string key_id;
  const auto del_user = [](Mutation& m) { return m.delete_user(kAccount, "alice"); };
  const auto del_group = [](Mutation& m) { return m.delete_group(kAccount, "devs"); };
  const auto del_role = [](Mutation& m) { return m.delete_role(kAccount, "exec"); };
  const std::string arn = customer_policy_arn("p");
  const Row rows[] = {
      {"user with an access key",
       [&](Mutation& m) -> Result<void> {
         auto k = m.create_access_key(kAccount, "alice");
         if (!k) return k.error();
         key_id = k.value().metadata.access_key_id;
         return success();
       },
       [&](Mutation& m) { return m.delete_access_key(kAccount, "alice", key_id); }, del_user,
       "Cannot delete entity, must delete access keys first."},
      {"user with an inline policy", [](Mutation& m) { return m.put_inline_policy(kAlice, "i", kAllowAll); },
       [](Mutation& m) { return m.delete_inline_policy(kAlice, "i"); }, del_user,
       "Cannot delete entity, must delete policies first."},
      {"user with an attached policy", [&](Mutation& m) { return m.attach_policy(kAlice, arn); },
       [&](Mutation& m) { return m.detach_policy(kAlice, arn); }, del_user,
       "Cannot delete entity, must detach all policies first."},
      {"user in a group", [](Mutation& m) { return m.add_user_to_group(kAccount, "devs", "alice"); },
       [](Mutation& m) { return m.remove_user_from_group(kAccount, "devs", "alice"); }, del_user,
       "Cannot delete entity, must remove users from group first."},
      {"group with members", [](Mutation& m) { return m.add_user_to_group(kAccount, "devs", "alice"); },
       [](Mutation& m) { return m.remove_user_from_group(kAccount, "devs", "alice"); }, del_group,
       "Cannot delete entity, must remove users from group first."},
      {"group with an inline policy", [](Mutation& m) { return m.put_inline_policy(kDevs, "i", kAllowAll); },
       [](Mutation& m) { return m.delete_inline_policy(kDevs, "i"); }, del_group,
       "Cannot delete entity, must delete policies first."},
      {"group with an attached policy", [&](Mutation& m) { return m.attach_policy(kDevs, arn); },
       [&](Mutation& m) { return m.detach_policy(kDevs, arn); }, del_group,
       "Cannot delete entity, must detach all policies first."},
      {"role with an inline policy", [](Mutation& m) { return m.put_inline_policy(kExec, "i", kAllowAll); },
       [](Mutation& m) { return m.delete_inline_policy(kExec, "i"); }, del_role,
       "Cannot delete entity, must delete policies first."},
      {"role in use by an attached policy", [&](Mutation& m) { return m.attach_policy(kExec, arn); },
       [&](Mutation& m) { return m.detach_policy(kExec, arn); }, del_role,
       "Cannot delete entity, must detach all policies first."},
      {"policy attached to a user", [&](Mutation& m) { return m.attach_policy(kAlice, arn); },
       [&](Mutation& m) { return m.detach_policy(kAlice, arn); },
       [&](Mutation& m) { return m.delete_policy(kAccount, arn); }, "Cannot delete a policy attached to entities."},
      {"policy used as a boundary", [&](Mutation& m) { return m.put_permissions_boundary(kExec, arn); },
       [&](Mutation& m) { return m.delete_permissions_boundary(kExec); },
       [&](Mutation& m) { return m.delete_policy(kAccount, arn); }, "Cannot delete a policy attached to entities."},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      require_ok(run(*store, row.add));
      const Error e = error_of(run(*store, row.del));
      CHECK(e.code == "DeleteConflict");
      CHECK(e.http_status == 409);
      CHECK(e.message == row.message);
      require_ok(run(*store, row.remove));
    }
  }
  // With every dependent gone, each delete succeeds.
  require_ok(run(*store, del_user));
  require_ok(run(*store, del_group));
  require_ok(run(*store, del_role));
  require_ok(run(*store, [&](Mutation& m) { return m.delete_policy(kAccount, arn); }));
  auto invariants = store->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); });
  CHECK(invariants.value() == std::nullopt);
}

TEST_CASE("iam: missing entities are NoSuchEntity with IAM's messages", "[store][iam]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  REQUIRE(run(*store, [](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  struct Row {
    const char* what;
    std::function<Result<void>(Mutation&)> call;
    std::string message;
  };
  const Row rows[] = {
      {"user", [](Mutation& m) { return m.delete_user(kAccount, "bob"); }, "The user with name bob cannot be found."},
      {"role", [](Mutation& m) { return m.delete_role(kAccount, "r"); }, "The role with name r cannot be found."},
      {"group", [](Mutation& m) { return m.add_user_to_group(kAccount, "g", "alice"); },
       "The group with name g cannot be found."},
      {"user policy", [](Mutation& m) { return m.delete_inline_policy(kAlice, "p"); },
       "The user policy with name p cannot be found."},
      {"access key", [](Mutation& m) { return m.delete_access_key(kAccount, "alice", "AKIAEXAMPLEEXAMPLE12"); },
       "The Access Key with id AKIAEXAMPLEEXAMPLE12 cannot be found."},
      {"policy not attached", [](Mutation& m) { return m.detach_policy(kAlice, customer_policy_arn("p")); },
       "Policy arn:aws:iam::111111111111:policy/p was not found."},
      {"policy to attach", [](Mutation& m) { return m.attach_policy(kAlice, "arn:aws:iam::aws:policy/AWSLambdaBasicExecute"); },
       "Policy arn:aws:iam::aws:policy/AWSLambdaBasicExecute does not exist or is not attachable."},
      {"another account's policy",
       [](Mutation& m) -> Result<void> {
         if (auto p = m.create_policy({kOtherAccount, "theirs", "/", kAllowAll, "", {}}); !p) return p.error();
         return m.attach_policy(kAlice, customer_policy_arn("theirs", kOtherAccount));
       },
       "Policy arn:aws:iam::222222222222:policy/theirs does not exist or is not attachable."},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      const Error e = error_of(run(*store, row.call));
      CHECK(e.code == "NoSuchEntity");
      CHECK(e.http_status == 404);
      CHECK(e.message == row.message);
    }
  }
}

TEST_CASE("iam: group membership is kept on both sides and limited to 10 groups", "[store][iam]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  require_ok(run(*store, [](Mutation& m) -> Result<void> {
    if (auto u = m.create_user({kAccount, "alice", "/", "", {}}); !u) return u.error();
    for (int i = 0; i < 11; ++i) {
      if (auto g = m.create_group({kAccount, "g" + std::to_string(i), "/"}); !g) return g.error();
    }
    for (int i = 0; i < 10; ++i) {
      if (auto r = m.add_user_to_group(kAccount, "g" + std::to_string(i), "alice"); !r) return r.error();
    }
    return m.add_user_to_group(kAccount, "G0", "alice");  // already a member: a no-op
  }));
  CHECK(error_of(run(*store, [](Mutation& m) { return m.add_user_to_group(kAccount, "g10", "alice"); })).message ==
        "Cannot exceed quota for GroupsPerUser: 10");
  auto groups = store->read([](const Snapshot& s) { return s.list_groups_for_user(kAccount, "alice"); });
  CHECK(groups.value().size() == 10);
  CHECK(store->read([](const Snapshot& s) { return s.get_group(kAccount, "g0"); }).value().members ==
        std::vector<std::string>{"alice"});
  auto invariants = store->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); });
  CHECK(invariants.value() == std::nullopt);
}

TEST_CASE("iam: a trust policy naming a user or role needs it to exist", "[store][iam]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/nobody"},"Action":"sts:AssumeRole"}]})";
  const Error e = error_of(run(*store, [&](Mutation& m) { return m.create_role({kAccount, "r", "/", trust, "", {}, "", {}}); }));
  CHECK(e.code == "MalformedPolicyDocument");
  CHECK(e.message == R"(Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:user/nobody")");
  REQUIRE(run(*store, [](Mutation& m) { return m.create_user({kAccount, "nobody", "/", "", {}}); }));
  CHECK(run(*store, [&](Mutation& m) { return m.create_role({kAccount, "r", "/", trust, "", {}, "", {}}); }));
  const Error resource = error_of(run(*store, [](Mutation& m) {
    return m.update_assume_role_policy(
        kAccount, "r",
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]})");
  }));
  CHECK(resource.message == "Has prohibited field Resource.");  // policy-semantics 1.8
  CHECK(error_of(run(*store, [](Mutation& m) { return m.update_assume_role_policy(kAccount, "r", "{"); })).message ==
        "This policy contains invalid Json");
}

TEST_CASE("iam: tags and boundaries of users and roles", "[store][iam]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::string boundary = "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess";
  require_ok(run(*store, [&](Mutation& m) -> Result<void> {
    if (auto r = m.create_role({kAccount, "exec", "/", kLambdaTrust, "", {}, boundary, {{"a", "1"}}}); !r) return r.error();
    if (auto r = m.tag_entity(kExec, {{"b", "2"}, {"a", "3"}}); !r) return r;
    return m.untag_entity(kExec, {"b"});
  }));
  auto role = store->read([](const Snapshot& s) { return s.get_role(kAccount, "exec"); });
  CHECK(role.value().tags == Tags{{"a", "3"}});
  CHECK(role.value().boundary == boundary);
  auto usage = store->read([&](const Snapshot& s) { return s.get_policy(kAccount, boundary); });
  CHECK(usage.value().usage.boundaries == 1);
  require_ok(run(*store, [](Mutation& m) { return m.delete_permissions_boundary(kExec); }));
  CHECK(store->read([&](const Snapshot& s) { return s.get_policy(kAccount, boundary); }).value().usage.boundaries == 0);
  CHECK(error_of(run(*store, [](Mutation& m) { return m.tag_entity(kDevs, {{"a", "b"}}); })).code == "InvalidInput");
}
