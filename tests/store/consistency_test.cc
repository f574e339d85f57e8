// Store::consistency, wait_applied and last_write_revision: the consistency token of a write.
#include <chrono>
#include <thread>

#include "tests/store/store_test_support.h"

namespace gatehouse::store::test {

using namespace std::chrono_literals;

TEST_CASE("every committed write bumps the applied revision; a refused one does not", "[store][consistency][lmdb]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const Consistency start = store->consistency();
  CHECK(start.fresh);
  CHECK_FALSE(start.distributed);
  CHECK(start.applied_revision > 0);
  CHECK(Store::last_write_revision() == start.applied_revision);  // open_with_accounts wrote on this thread

  REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  const std::uint64_t alice = Store::last_write_revision();
  CHECK(alice > start.applied_revision);
  CHECK(store->consistency().applied_revision == alice);

  // Refused: nothing commits, nothing moves.
  CHECK_FALSE(store->write([](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  CHECK(Store::last_write_revision() == alice);
  CHECK(store->consistency().applied_revision == alice);

  // A write that changes nothing still commits, and orders after the last.
  REQUIRE(store->write([](Mutation&) -> Result<void> { return success(); }));
  CHECK(Store::last_write_revision() == alice + 1);
}

TEST_CASE("the revision survives a reopen", "[store][consistency]") {
  TempDir dir;
  std::uint64_t before = 0;
  {
    auto store = open_with_accounts(test_options(dir.path()));
    REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
    before = store->consistency().applied_revision;
  }
  auto store = open_store(test_options(dir.path()));
  // Opening seeds the AWS-managed policies in a write of its own.
  CHECK(store->consistency().applied_revision > before);
}

TEST_CASE("wait_applied returns at once for an applied revision and waits for a later one", "[store][consistency]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::uint64_t now = store->consistency().applied_revision;
  CHECK(store->wait_applied(now, 0ms));
  CHECK(store->wait_applied(0, 0ms));

  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(store->wait_applied(now + 1, 50ms));
  CHECK(std::chrono::steady_clock::now() - t0 >= 50ms);

  // Another thread's write releases the waiter, and that thread's token is its own.
  std::uint64_t written = 0;
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "bob", "/", "", {}}); }));
    written = Store::last_write_revision();
  });
  CHECK(store->wait_applied(now + 1, 5s));
  writer.join();
  CHECK(written == now + 1);
}

}  // namespace gatehouse::store::test
