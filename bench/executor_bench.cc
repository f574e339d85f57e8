// The executor without the HTTP front end (issue 13, `make bench`): cold starts (sandbox +
// runtime + init, to the first answer) and warm invokes of a no-op Python and Node.js
// function, one caller. "Outside the runtime" is the executor's own share: the whole call
// minus the time between handing the event out and the runtime's answer. Targets from the
// issue: cold start <= 150 ms median (Python); warm overhead <= 1 ms median, <= 5 ms p99.
// Needs what the sandbox needs (root, bubblewrap: docs/executor.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "executor/executor.h"
#include "tests/zip_writer.h"

using namespace gatehouse::executor;

namespace {

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main() {
  const Executor::Options options;
  Executor executor(options);
  if (executor.unavailable()) {
    std::printf("executor_bench: cannot sandbox here: %s\n", executor.unavailable()->c_str());
    return 1;
  }
  bool ok = true;
  for (const std::string runtime : {"python3.11", "nodejs20.x"}) {
    FunctionSpec f;
    f.name = "noop";
    f.unqualified_arn = "arn:aws:lambda:us-east-1:111111111111:function:noop";
    f.version = "$LATEST";
    f.runtime = runtime;
    f.code_sha256 = runtime;
    const bool python = runtime.starts_with("python");
    f.handler = python ? "app.handler" : "index.handler";
    const std::string zip = python ? testing::make_zip({{"app.py", "def handler(e, c):\n    return None\n"}})
                                   : testing::make_zip({{"index.mjs", "export const handler = async () => null;\n"}});
    const auto code = [&] { return std::optional<std::string>(zip); };
    const auto keys = [] { return std::variant<Credentials, Failure>(Credentials{"A", "S", "T", 4102444800000LL}); };
    Invocation invocation;
    invocation.request_id = "bench";
    invocation.payload = "{}";
    std::vector<double> cold, warm, outside;
    for (int i = 0; i < 10; ++i) {
      f.revision = "cold-" + std::to_string(i);  // a new revision: a new environment
      const auto t = std::chrono::steady_clock::now();
      executor.invoke(f, invocation, code, keys);
      cold.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    }
    double total = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto t = std::chrono::steady_clock::now();
      auto result = executor.invoke(f, invocation, code, keys);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
      if (!std::holds_alternative<InvokeOutput>(result)) return 1;
      warm.push_back(ms);
      outside.push_back(ms - std::get<InvokeOutput>(result).duration_ms);
      total += ms;
    }
    std::printf("%-11s cold start median %6.1f ms | warm invoke median %.3f ms, p99 %.3f ms | outside the runtime "
                "median %.3f ms, p99 %.3f ms | %.0f warm invokes/s (1 caller)\n",
                runtime.c_str(), percentile(cold, 0.5), percentile(warm, 0.5), percentile(warm, 0.99),
                percentile(outside, 0.5), percentile(outside, 0.99), 2000.0 / (total / 1000.0));
    if (python) {
      ok = ok && percentile(cold, 0.5) <= 150 && percentile(outside, 0.5) <= 1 && percentile(outside, 0.99) <= 5;
    }
  }
  std::printf("executor_bench: %s\n", ok ? "targets met" : "targets MISSED");
  return ok ? 0 : 1;
}
