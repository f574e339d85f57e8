// Crash consistency: a child process performs writes (default durability:
// fsync on commit) and reports each acknowledged one through a pipe; the
// parent kills it with SIGKILL at seeded random moments, reopens the store
// and checks that every acknowledged write is there and every invariant holds.
// GATEHOUSE_STORE_CRASH_KILLS (default 60) and GATEHOUSE_STORE_CRASH_SEED change the run.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

constexpr std::uint64_t kChildFailed = ~std::uint64_t{0};

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string user_name(std::uint64_t n) { return "u" + std::to_string(n); }

// Write n: one transaction that touches many records at once (user, group,
// key, inline and managed policies, unique ids; every 4th a function with a
// version and an alias; every 6th deletes the user of write n-5).
Result<void> perform(Mutation& m, std::uint64_t n) {
  const std::string name = user_name(n);
  const EntityRef user{EntityKind::User, kAccount, name};
  if (auto r = m.create_user({kAccount, name, "/", "", {{"n", std::to_string(n)}}}); !r) return r.error();
  if (auto r = m.add_user_to_group(kAccount, "g" + std::to_string(n % 3), name); !r) return r;
  if (auto r = m.put_inline_policy(user, "p", kAllowInvoke); !r) return r;
  if (auto r = m.attach_policy(user, customer_policy_arn("shared")); !r) return r;
  if (auto r = m.create_access_key(kAccount, name); !r) return r.error();
  if (n % 4 == 3) {
    const FunctionRef fn{kAccount, "us-east-1", "f" + std::to_string(n)};
    CreateFunctionInput in;
    in.function = fn;
    in.config.runtime = "python3.11";
    in.zip = "code-" + std::to_string(n % 5);  // shared packages: reference counts
    in.publish = true;
    if (auto r = m.create_function(in); !r) return r.error();
    if (auto r = m.create_alias(fn, {"LIVE", "1", "", std::nullopt}); !r) return r.error();
  }
  if (n % 6 == 5) {
    const std::string old = user_name(n - 5);
    const EntityRef victim{EntityKind::User, kAccount, old};
    auto keys = m.list_access_keys(kAccount, old);
    if (!keys) return keys.error();
    for (const auto& k : keys.value()) {
      if (auto r = m.delete_access_key(kAccount, old, k.access_key_id); !r) return r;
    }
    if (auto r = m.remove_user_from_group(kAccount, "g" + std::to_string((n - 5) % 3), old); !r) return r;
    if (auto r = m.delete_inline_policy(victim, "p"); !r) return r;
    if (auto r = m.detach_policy(victim, customer_policy_arn("shared")); !r) return r;
    if (auto r = m.delete_user(kAccount, old); !r) return r;
  }
  return success();
}

[[noreturn]] void child(const Options& options, std::uint64_t start, int out) {
  auto report = [out](std::uint64_t n) {
    if (::write(out, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) ::_exit(2);
  };
  auto store = Store::open(options);
  if (!store) {
    report(kChildFailed);
    ::_exit(1);
  }
  for (std::uint64_t n = start;; ++n) {
    if (!store.value()->write([n](Mutation& m) { return perform(m, n); })) {
      report(kChildFailed);
      ::_exit(1);
    }
    report(n);  // acknowledged: the commit returned
  }
}

}  // namespace

TEST_CASE("crash consistency: every acknowledged write survives SIGKILL", "[store][crash]") {
  TempDir dir;
  Options options;
  options.data_dir = dir.path() / "data";  // default durability (sync), system clock
  {
    auto store = open_with_accounts(options);
    REQUIRE(store->write([](Mutation& m) -> Result<void> {
      if (auto r = m.create_policy({kAccount, "shared", "/", kAllowAll, "", {}}); !r) return r.error();
      for (int g = 0; g < 3; ++g) {
        if (auto r = m.create_group({kAccount, "g" + std::to_string(g), "/"}); !r) return r.error();
      }
      return success();
    }));
  }
  const std::uint64_t kills = env_number("GATEHOUSE_STORE_CRASH_KILLS", 60);
  const std::uint64_t seed = env_number("GATEHOUSE_STORE_CRASH_SEED", 20240501);
  std::mt19937_64 random(seed);
  std::set<std::uint64_t> acknowledged;
  std::uint64_t next = 0;
  std::uint64_t total_acknowledged = 0;
  for (std::uint64_t round = 0; round < kills; ++round) {
    INFO("round " << round << " (seed " << seed << ")");
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      child(options, next, fds[1]);
    }
    ::close(fds[1]);
    // The moment of the kill: anywhere from during open to a few writes in.
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 80000));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    std::uint64_t n = 0;
    std::uint64_t last = next == 0 ? 0 : next - 1;
    bool any = false;
    while (::read(fds[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
      REQUIRE(n != kChildFailed);
      acknowledged.insert(n);
      last = n;
      any = true;
      ++total_acknowledged;
    }
    ::close(fds[0]);
    REQUIRE(WIFSIGNALED(status));

    auto store = open_store(options);
    auto checked = store->read([&](const Snapshot& s) -> Result<std::uint64_t> {
      if (auto broken = s.check_invariants()) return Error{"Invariant", 500, *broken};
      std::uint64_t highest = next == 0 ? 0 : next - 1;
      for (const auto& u : s.list_users(kAccount)) highest = std::max<std::uint64_t>(highest, std::stoull(u.name.substr(1)));
      for (std::uint64_t k : acknowledged) {
        const bool present = s.find_user(kAccount, user_name(k)).has_value();
        const bool deleter_acknowledged = k % 6 == 0 && acknowledged.contains(k + 5);
        const bool deleter_committed = k % 6 == 0 && k + 5 <= highest;
        if (deleter_acknowledged && present) return Error{"Lost", 500, "the deletion by write " + std::to_string(k + 5) + " is lost"};
        if (!deleter_committed && !present) return Error{"Lost", 500, "acknowledged write " + std::to_string(k) + " is lost"};
        if (k % 4 == 3 && !s.find_function({kAccount, "us-east-1", "f" + std::to_string(k)})) {
          return Error{"Lost", 500, "the function of write " + std::to_string(k) + " is lost"};
        }
      }
      return highest;
    });
    if (!checked) FAIL(checked.error().message);
    // A write that committed but was killed before its acknowledgement is kept; go on after it.
    next = std::max(any ? last + 1 : next, checked.value() + 1);
  }
  // The children did work: writes were acknowledged across the kills.
  CHECK(total_acknowledged >= kills / 2);
  WARN(total_acknowledged << " writes acknowledged across " << kills << " kills");
}
