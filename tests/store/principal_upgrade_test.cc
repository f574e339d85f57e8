// A store written before principal binding existed: its trust and function policies carry no
// bound ids, so they matched principals by name (issue 10 finding 7). Opening such a store binds
// them once, to the entities their ARNs name at that moment; an entity re-created afterwards is
// another principal.
#include "store/codec.h"
#include "store/schema.h"
#include "store/state.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

const std::string kCarol = "arn:aws:iam::111111111111:user/carol";
const std::string kTrustCarol = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":")" +
                                kCarol + R"("},"Action":"sts:AssumeRole"}]})";

// What an older gatehouse left: the role's and the function policy's bindings gone, and no
// record that the store was ever bound.
void forget_bindings(Store& store) {
  REQUIRE(store.write([](Mutation& m) -> Result<void> {
    const detail::StoreState& state = m.state();
    const std::string role_key = keys::entity(kAccount, "break-glass");
    auto role = detail::load<Role>(m.transaction(), state.db.roles, role_key);
    REQUIRE(role);
    REQUIRE_FALSE(role->trust_principal_ids.empty());
    role->trust_principal_ids.clear();
    detail::save(m.transaction(), state.db.roles, role_key, *role);
    std::vector<std::pair<std::string, FunctionPolicy>> policies;
    detail::scan_prefix(m.transaction(), state.db.function_policies, "", [&](std::string_view k, std::string_view v) {
      policies.emplace_back(std::string(k), decode<FunctionPolicy>(v));
      return true;
    });
    REQUIRE(policies.size() == 1);
    REQUIRE_FALSE(policies[0].second.principal_ids.empty());
    policies[0].second.principal_ids.clear();
    detail::save(m.transaction(), state.db.function_policies, policies[0].first, policies[0].second);
    state.db.meta.del(m.transaction(), "principals-bound");
    return success();
  }));
}

}  // namespace

TEST_CASE("Opening a store saved before principal binding binds its trust and function policies",
          "[store][issue10]") {
  TempDir dir;
  const Options options = test_options(dir.path());
  std::string carol_id;
  {
    auto store = open_with_accounts(options);
    REQUIRE(store->write([&](Mutation& m) -> Result<void> {
      auto carol = m.create_user({kAccount, "carol", "/", "", {}});
      if (!carol) return carol.error();
      carol_id = carol.value().id;
      if (auto r = m.create_role({kAccount, "break-glass", "/", kTrustCarol, "", std::nullopt, "", {}}); !r) {
        return r.error();
      }
      if (auto r = m.create_role({kAccount, "exec", "/", kLambdaTrust, "", std::nullopt, "", {}}); !r) return r.error();
      CreateFunctionInput f;
      f.function = {kAccount, "us-east-1", "hello"};
      f.config.runtime = "python3.11";
      f.config.role = "arn:aws:iam::111111111111:role/exec";
      f.zip = "PK-zip-bytes";
      if (auto r = m.create_function(f); !r) return r.error();
      PermissionInput p;
      p.statement_id = "carol";
      p.action = "lambda:InvokeFunction";
      p.principal = kCarol;
      if (auto r = m.add_permission(f.function, "", p); !r) return r.error();
      return success();
    }));
    forget_bindings(*store);
  }
  // The upgrade runs at open: carol as she is now is bound.
  auto store = open_store(options);
  REQUIRE(store->read([&](const Snapshot& s) -> Result<void> {
    auto role = s.get_role(kAccount, "break-glass");
    REQUIRE(role);
    CHECK(role.value().trust_principal_ids == std::map<std::string, std::string>{{kCarol, carol_id}});
    return success();
  }));
  // carol deleted and re-created: the role's trust and the function policy show the old id and
  // no longer name the new carol.
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    if (auto r = m.delete_user(kAccount, "carol"); !r) return r.error();
    return discard(m.create_user({kAccount, "carol", "/", "", {}}));
  }));
  REQUIRE(store->read([&](const Snapshot& s) -> Result<void> {
    auto role = s.get_role(kAccount, "break-glass");
    REQUIRE(role);
    const std::string shown = s.shown_trust(role.value());
    CHECK(shown.find(carol_id) != std::string::npos);
    CHECK(shown.find(kCarol) == std::string::npos);
    auto policy = s.get_function_policy({kAccount, "us-east-1", "hello"});
    REQUIRE(policy);
    REQUIRE(policy.value().statements.size() == 1);
    CHECK(policy.value().statements[0].json.find(carol_id) != std::string::npos);
    return success();
  }));
}
