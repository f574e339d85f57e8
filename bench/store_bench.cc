// Store fast paths (issue 4): access key -> principal with its compiled
// policies (user inline + attached + two groups' inline and managed +
// boundary), warm and right after a policy change; function + qualifier ->
// compiled resource policy. Targets: warm <= 2 us median, after a change
// <= 50 us median.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"

using namespace gatehouse::store;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kAccount = "111111111111";

// A policy of `statements` Lambda statements over distinct functions.
std::string policy(int statements, int variant, const char* effect = "Allow") {
  std::string doc = R"({"Version":"2012-10-17","Statement":[)";
  for (int i = 0; i < statements; ++i) {
    if (i > 0) doc += ",";
    doc += R"({"Sid":"S)" + std::to_string(i) + R"(","Effect":")" + effect +
           R"(","Action":["lambda:InvokeFunction","lambda:Get*"],"Resource":"arn:aws:lambda:us-east-1:111111111111:function:team-)" +
           std::to_string(variant) + "-" + std::to_string(i) +
           R"(*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}})";
  }
  return doc + "]}";
}

struct Stats {
  double median_us, p99_us;
};

Stats summarize(std::vector<double>& samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 99 / 100]};
}

template <class F>
double time_us(F&& fn) {
  const auto t0 = Clock::now();
  fn();
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "store_bench: %s failed\n", what);
    std::exit(1);
  }
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / ("gatehouse-store-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Options options;
  options.data_dir = dir;
  options.sync = false;  // commits are not what is measured
  auto opened = Store::open(options);
  require(opened.has_value(), "open");
  auto& store = *opened.value();
  const EntityRef alice{EntityKind::User, kAccount, "alice"};
  const FunctionRef fn{kAccount, "us-east-1", "hello"};
  std::string key_id;
  auto built = store.write([&](Mutation& m) -> Result<void> {
    if (auto r = m.create_account(kAccount); !r) return r.error();
    for (int i = 0; i < 2; ++i) {
      const std::string p = "managed-" + std::to_string(i);
      if (auto r = m.create_policy({kAccount, p, "/", policy(10, 10 + i), "", {}}); !r) return r.error();
    }
    for (int g = 0; g < 2; ++g) {
      const std::string group = "group-" + std::to_string(g);
      if (auto r = m.create_group({kAccount, group, "/"}); !r) return r.error();
      if (auto r = m.put_inline_policy({EntityKind::Group, kAccount, group}, "inline", policy(5, 20 + g)); !r) return r;
      if (auto r = m.attach_policy({EntityKind::Group, kAccount, group}, "arn:aws:iam::111111111111:policy/managed-" + std::to_string(g)); !r) {
        return r;
      }
    }
    if (auto r = m.create_user({kAccount, "alice", "/eng/", "arn:aws:iam::aws:policy/AWSLambda_FullAccess", {{"team", "blue"}}}); !r) {
      return r.error();
    }
    for (int g = 0; g < 2; ++g) {
      if (auto r = m.add_user_to_group(kAccount, "group-" + std::to_string(g), "alice"); !r) return r;
    }
    if (auto r = m.put_inline_policy(alice, "own", policy(5, 1)); !r) return r;
    if (auto r = m.attach_policy(alice, "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"); !r) return r;
    if (auto r = m.attach_policy(alice, "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"); !r) return r;
    auto key = m.create_access_key(kAccount, "alice");
    if (!key) return key.error();
    key_id = key.value().metadata.access_key_id;
    CreateFunctionInput in;
    in.function = fn;
    in.config.runtime = "python3.11";
    in.zip = "zip";
    if (auto r = m.create_function(in); !r) return r.error();
    for (int i = 0; i < 20; ++i) {
      PermissionInput p{"s" + std::to_string(i), "lambda:InvokeFunction", "arn:aws:iam::222222222222:user/u" + std::to_string(i),
                        "", "", "", "", ""};
      if (auto r = m.add_permission(fn, "", p); !r) return r.error();
    }
    return success();
  });
  require(built.has_value(), "building the world");
  auto first = store.find_credential(key_id);
  require(first && first.value() && first.value()->principal.policies.identity.size() == 7, "first lookup");

  // Warm: the same key, no writes in between.
  std::vector<double> warm;
  for (int i = 0; i < 200000; ++i) {
    warm.push_back(time_us([&] { require(store.find_credential(key_id).has_value(), "warm lookup"); }));
  }
  // Right after a change: alternate alice's inline policy, then one lookup.
  std::vector<double> after_change;
  for (int i = 0; i < 400; ++i) {
    require(store.write([&](Mutation& m) { return m.put_inline_policy(alice, "own", policy(5, i % 2 == 0 ? 2 : 1)); })
                .has_value(),
            "policy change");
    after_change.push_back(time_us([&] { require(store.find_credential(key_id).has_value(), "lookup after change"); }));
  }
  // An unrelated write (another user): the principal is rebuilt from cached compiled policies.
  std::vector<double> after_other;
  for (int i = 0; i < 400; ++i) {
    require(store.write([&](Mutation& m) { return m.tag_entity({EntityKind::User, kAccount, "alice"}, {{"n", std::to_string(i)}}); })
                .has_value(),
            "unrelated write");
    after_other.push_back(time_us([&] { require(store.find_credential(key_id).has_value(), "lookup after write"); }));
  }
  std::vector<double> function_warm;
  for (int i = 0; i < 200000; ++i) {
    function_warm.push_back(time_us([&] { require(store.find_function_policy(fn).has_value(), "function policy"); }));
  }

  const Stats w = summarize(warm);
  const Stats c = summarize(after_change);
  const Stats o = summarize(after_other);
  const Stats f = summarize(function_warm);
  std::printf("store fast paths (principal: 7 identity policies of 5-10 statements + boundary; 20-statement function policy)\n");
  std::printf("  access key -> principal + compiled policies, warm:          median %6.3f us  p99 %7.3f us  (target <= 2 us: %s)\n",
              w.median_us, w.p99_us, w.median_us <= 2.0 ? "met" : "MISSED");
  std::printf("  the same right after a policy change (one recompiled):     median %6.3f us  p99 %7.3f us  (target <= 50 us: %s)\n",
              c.median_us, c.p99_us, c.median_us <= 50.0 ? "met" : "MISSED");
  std::printf("  the same right after an unrelated write (nothing recompiled): median %6.3f us  p99 %7.3f us\n", o.median_us,
              o.p99_us);
  std::printf("  function + qualifier -> compiled resource policy, warm:    median %6.3f us  p99 %7.3f us\n", f.median_us,
              f.p99_us);
  const CacheStats stats = store.cache_stats();
  std::printf("  compiled-policy cache: %llu hits, %llu misses\n", static_cast<unsigned long long>(stats.compiled_hits),
              static_cast<unsigned long long>(stats.compiled_misses));
  opened.value().reset();
  std::filesystem::remove_all(dir);
  return 0;
}
