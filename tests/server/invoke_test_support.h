// What the invocation tests share: a real executor (sandboxes: run as root) with the clock and
// authorization pipeline around a test World's store, and the logs a function's invocations
// left.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "executor/executor.h"
#include "server/authz/pipeline.h"
#include "server/invoke/execution.h"
#include "sigv4/clock.h"
#include "store/store.h"

namespace gatehouse::invoke_test {

struct Running {
  explicit Running(store::Store& store) : executor(options), clock(now), pipeline(store, clock) {
    INFO(executor.unavailable().value_or(""));  // why no code runs here (needs root and bubblewrap)
    REQUIRE_FALSE(executor.unavailable().has_value());
  }
  const executor::Executor::Options options;
  executor::Executor executor;
  const sigv4::TimePoint now = std::chrono::system_clock::now();
  const sigv4::FixedClock clock;
  const server::authz::Pipeline pipeline;
};

// Every log stream of function NAME of account 111111111111 in us-east-1, concatenated.
inline std::string function_logs(const store::Store& store, std::string_view name) {
  std::string text;
  std::error_code error;
  const auto dir = server::invoke::log_directory(store.data_dir(), "111111111111", "us-east-1", name);
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    std::ifstream in(it->path());
    text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return text;
}

}  // namespace gatehouse::invoke_test
