// The fixture server's two numbers (issue 16, docs/testing.md "How fast"): exec -> ready line of
// `gatehouse serve --ephemeral` with bench/data/fixture-world.json (50 users, 50 roles, 50
// managed policies, 20 functions), target < 100 ms; and POST /_gatehouse/reset after a test's
// worth of writes (new access keys, role sessions), target < 10 ms. Medians of the runs, through
// the C++ helper (clients/cpp/gatehouse/testing.h) as a test suite would use it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "gatehouse/testing.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void report(const char* what, const std::vector<double>& runs, double target) {
  const double m = median(runs);
  std::printf("%-34s median %7.2f ms  min %7.2f  max %7.2f  (%zu runs; target < %.0f ms: %s)\n", what, m,
              *std::min_element(runs.begin(), runs.end()), *std::max_element(runs.begin(), runs.end()), runs.size(),
              target, m < target ? "met" : "NOT MET");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string binary = argc > 1 ? argv[1] : GATEHOUSE_BINARY;
  const std::string world = argc > 2 ? argv[2] : GATEHOUSE_BENCH_WORLD;
  gatehouse::testing::Server::Options options;
  options.binary = binary;
  options.world = world;

  std::vector<double> ready;
  for (int run = 0; run < 7; ++run) {
    const auto start = Clock::now();
    gatehouse::testing::Server server(options);
    ready.push_back(ms_since(start));
  }
  report("exec -> ready line (--ephemeral)", ready, 100);

  gatehouse::testing::Server server(options);
  const std::string account = server.accounts().at(0);
  std::vector<double> reset;
  for (int run = 0; run < 21; ++run) {
    // A test's worth of writes: keys for users the world gave none, sessions of roles.
    for (int i = 0; i < 5; ++i) {
      server.credentials("arn:aws:iam::" + account + ":user/user-" + std::to_string(30 + i));
      server.credentials("arn:aws:iam::" + account + ":role/role-0" + std::to_string(i));
    }
    const auto start = Clock::now();
    server.reset();
    reset.push_back(ms_since(start));
  }
  report("POST /_gatehouse/reset", reset, 10);
  return 0;
}
