// Snapshot::checkpoint and Mutation::restore: the fixture server's reset (docs/testing.md).
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

const EntityRef kAlice{EntityKind::User, kAccount, "alice"};
const char* const kTwoStatements =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:Get*","Resource":"*"},)"
    R"({"Effect":"Deny","Action":"lambda:Delete*","Resource":"*"}]})";

std::vector<gatehouse::policy::Effect> effects_of(const Store& store, const char* user) {
  auto principal = store.resolve_user(kAccount, user);
  REQUIRE(principal);
  REQUIRE(principal.value());
  std::vector<gatehouse::policy::Effect> out;
  for (const auto& applied : principal.value()->policies.identity) {
    for (const auto& statement : applied.compiled->statements) out.push_back(statement.effect);
  }
  return out;
}

}  // namespace

TEST_CASE("restore: what was written since a checkpoint is undone, caches follow", "[store][checkpoint]") {
  using gatehouse::policy::Effect;
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    if (auto u = m.create_user({kAccount, "alice", "/", "", {}}); !u) return u.error();
    return m.put_inline_policy(kAlice, "own", kAllowInvoke);
  }));
  auto key = store->write([](Mutation& m) { return m.create_access_key(kAccount, "alice"); });
  REQUIRE(key);
  const std::string alice_id = store->read([](const Snapshot& s) { return s.get_user(kAccount, "alice"); }).value().id;
  auto checkpoint = store->read([](const Snapshot& s) -> Result<Checkpoint> { return s.checkpoint(); });
  REQUIRE(checkpoint);
  CHECK(effects_of(*store, "alice") == std::vector{Effect::Allow});

  // The first write after the checkpoint changes the policy (and the cache compiles it).
  REQUIRE(store->write([](Mutation& m) { return m.put_inline_policy(kAlice, "own", kDenyInvoke); }));
  CHECK(effects_of(*store, "alice") == std::vector{Effect::Deny});
  REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "bob", "/", "", {}}); }));
  const std::string old_key = key.value().metadata.access_key_id;
  REQUIRE(store->write([&](Mutation& m) { return m.delete_access_key(kAccount, "alice", old_key); }));
  auto new_key = store->write([](Mutation& m) { return m.create_access_key(kAccount, "alice"); });
  REQUIRE(new_key);
  CHECK(store->find_credential(old_key).value() == nullptr);

  REQUIRE(store->write([&](Mutation& m) { return m.restore(checkpoint.value()); }));
  CHECK(effects_of(*store, "alice") == std::vector{Effect::Allow});
  CHECK(error_of(store->read([](const Snapshot& s) { return s.get_user(kAccount, "bob"); })).code == "NoSuchEntity");
  CHECK(store->read([](const Snapshot& s) { return s.get_user(kAccount, "alice"); }).value().id == alice_id);
  auto restored_key = store->find_credential(old_key);
  REQUIRE(restored_key.value());
  CHECK(restored_key.value()->secret_access_key == key.value().secret_access_key);
  CHECK(store->find_credential(new_key.value().metadata.access_key_id).value() == nullptr);
  CHECK(store->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); })
            .value() == std::nullopt);

  // Revisions keep counting up: a policy written now is compiled anew, never taken for the one
  // the cache kept from before the restore.
  REQUIRE(store->write([](Mutation& m) { return m.put_inline_policy(kAlice, "own", kTwoStatements); }));
  CHECK(effects_of(*store, "alice") == std::vector{Effect::Allow, Effect::Deny});
  // And the same checkpoint restores again.
  REQUIRE(store->write([&](Mutation& m) { return m.restore(checkpoint.value()); }));
  CHECK(effects_of(*store, "alice") == std::vector{Effect::Allow});
}

TEST_CASE("restore refuses a checkpoint of another shape", "[store][checkpoint]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  Checkpoint wrong;
  wrong.tables.resize(3);
  CHECK(error_of(store->write([&](Mutation& m) { return m.restore(wrong); })).http_status == 500);
  CHECK(store->read([](const Snapshot& s) -> Result<bool> { return s.find_account(kAccount).has_value(); }).value());
}
