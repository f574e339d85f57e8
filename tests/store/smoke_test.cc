#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

TEST_CASE("a new store has the AWS-managed Lambda policies and accepts a user", "[store]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  auto policies = store->read([](const Snapshot& s) -> Result<std::vector<PolicyView>> {
    return s.list_policies(kAccount, PolicyScope::Aws);
  });
  REQUIRE(policies);
  CHECK(policies.value().size() == 10);
  auto user = store->write([](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); });
  REQUIRE(user);
  CHECK(user.value().arn == "arn:aws:iam::111111111111:user/alice");
  CHECK(user.value().id.size() == 21);
}
