// Shared helpers for the store tests: temporary data directories (removed
// afterwards), a store with a fixed clock, and a few documents.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "store/store.h"

namespace gatehouse::store::test {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("gatehouse-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline constexpr Millis kEpoch = 1714564800000;  // 2024-05-01T12:00:00Z
inline constexpr const char* kAccount = "111111111111";
inline constexpr const char* kOtherAccount = "222222222222";

struct Clock {
  std::shared_ptr<Millis> now = std::make_shared<Millis>(kEpoch);
  std::function<Millis()> function() const {
    auto n = now;
    return [n] { return *n; };
  }
};

// GATEHOUSE_STORE_TEST_ETCD=etcd://host:port runs the tests that use test_options on that etcd
// instead of LMDB (tests/store/run_on_etcd.sh): each directory gets a prefix of its own.
inline Options test_options(const std::filesystem::path& dir, const Clock& clock = Clock{}) {
  Options o;
  o.data_dir = dir / "data";
  o.sync = false;  // a killed process loses nothing either way; the crash test uses sync
  o.clock = clock.function();
  if (const char* url = std::getenv("GATEHOUSE_STORE_TEST_ETCD")) {
    auto etcd = parse_etcd_url(std::string(url) + "/gatehouse-test" + (dir / "data").string());
    REQUIRE(etcd);
    o.etcd = etcd.value();
  }
  return o;
}

inline std::unique_ptr<Store> open_store(const Options& options) {
  auto store = Store::open(options);
  if (!store) FAIL("open failed: " << store.error().message);
  return std::move(store.value());
}

// A store with the two test accounts.
inline std::unique_ptr<Store> open_with_accounts(const Options& options) {
  auto store = open_store(options);
  auto ok = store->write([](Mutation& m) -> Result<void> {
    for (const char* id : {kAccount, kOtherAccount}) {
      if (auto a = m.create_account(id); !a) return a.error();
    }
    return success();
  });
  REQUIRE(ok);
  return store;
}

inline const char* const kAllowAll =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";
inline const char* const kAllowInvoke =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}]})";
inline const char* const kDenyInvoke =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"lambda:InvokeFunction","Resource":"*"}]})";
inline const char* const kLambdaTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

inline std::string customer_policy_arn(const std::string& name, const std::string& account = kAccount) {
  return "arn:aws:iam::" + account + ":policy/" + name;
}

// The error of a failed result (test fails when it succeeded).
template <class R>
Error error_of(const R& result) {
  REQUIRE_FALSE(result.has_value());
  return result.error();
}

// A call's result without its value (for tables of calls).
template <class T>
Result<void> discard(const Result<T>& r) {
  if (!r) return r.error();
  return success();
}
inline Result<void> discard(const Result<void>& r) { return r; }

// One write that must fail with exactly this error.
struct ErrorCase {
  const char* what;
  std::function<Result<void>(Mutation&)> call;
  Error expected;
};

inline void check_error_cases(Store& store, const std::vector<ErrorCase>& cases) {
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) { CHECK(error_of(store.write(c.call)) == c.expected); }
  }
}

}  // namespace gatehouse::store::test
