// Readers never wait for a writer; many threads may read while one writes.
#include <atomic>
#include <future>
#include <sys/stat.h>
#include <thread>

#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

TEST_CASE("concurrency: a reader finishes while a write transaction is open", "[store][concurrency]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  auto key = store->write([](Mutation& m) -> Result<std::string> {
    if (auto u = m.create_user({kAccount, "alice", "/", "", {}}); !u) return u.error();
    auto k = m.create_access_key(kAccount, "alice");
    if (!k) return k.error();
    return k.value().metadata.access_key_id;
  });
  REQUIRE(key);
  std::promise<void> write_open;
  std::promise<void> release_write;
  auto writer = std::async(std::launch::async, [&] {
    return store->write([&](Mutation& m) -> Result<void> {
      if (auto u = m.create_user({kAccount, "bob", "/", "", {}}); !u) return u.error();
      write_open.set_value();
      release_write.get_future().wait();  // the write transaction stays open until the reader is done
      return success();
    });
  });
  write_open.get_future().wait();
  // Both reads complete while the writer holds its transaction; neither sees bob yet.
  auto reads = std::async(std::launch::async, [&] {
    auto users = store->read([](const Snapshot& s) -> Result<std::size_t> { return s.list_users(kAccount).size(); });
    return std::make_pair(users, store->find_credential(key.value()));
  });
  // A generous bound that only a blocked reader misses (instead of hanging the suite).
  const bool finished = reads.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  release_write.set_value();
  REQUIRE(finished);
  auto [users, credential] = reads.get();
  REQUIRE(writer.get());
  CHECK(users.value() == 1);
  REQUIRE(credential.value());
  CHECK(credential.value()->principal.caller.name == "alice");
  CHECK(store->read([](const Snapshot& s) -> Result<std::size_t> { return s.list_users(kAccount).size(); }).value() == 2);
}

TEST_CASE("concurrency: lookups from many threads during policy changes see whole states", "[store][concurrency]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const EntityRef alice{EntityKind::User, kAccount, "alice"};
  auto key = store->write([&](Mutation& m) -> Result<std::string> {
    if (auto u = m.create_user({kAccount, "alice", "/", "", {}}); !u) return u.error();
    if (auto r = m.put_inline_policy(alice, "p", kAllowAll); !r) return r.error();
    auto k = m.create_access_key(kAccount, "alice");
    if (!k) return k.error();
    return k.value().metadata.access_key_id;
  });
  REQUIRE(key);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto c = store->find_credential(key.value());
        // Every state has exactly one or two inline policies, never a half-written one.
        if (!c || !c.value() || c.value()->principal.policies.identity.empty() ||
            c.value()->principal.policies.identity.size() > 2) {
          ++bad;
        }
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    REQUIRE(store->write([&](Mutation& m) {
      return i % 2 == 0 ? m.put_inline_policy(alice, "q", kDenyInvoke) : m.delete_inline_policy(alice, "q");
    }));
  }
  done = true;
  for (auto& r : readers) r.join();
  CHECK(bad.load() == 0);
}

TEST_CASE("a new data directory is private to its owner", "[store][secrets]") {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  struct stat st {};
  REQUIRE(::stat(store->data_dir().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}
