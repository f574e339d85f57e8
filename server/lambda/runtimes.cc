#include "server/lambda/runtimes.h"

#include <algorithm>
#include <array>
#include <span>
#include <string>

#include "executor/executor.h"
#include "server/lambda/validation.h"

namespace gatehouse::server::lambda {
namespace {

constexpr std::array<std::string_view, 46> kRuntimes = {
    "nodejs",        "nodejs4.3",      "nodejs6.10",    "nodejs8.10",    "nodejs10.x",   "nodejs12.x",
    "nodejs14.x",    "nodejs16.x",     "java8",         "java8.al2",     "java11",       "python2.7",
    "python3.6",     "python3.7",      "python3.8",     "python3.9",     "dotnetcore1.0", "dotnetcore2.0",
    "dotnetcore2.1", "dotnetcore3.1",  "dotnet6",       "dotnet8",       "nodejs4.3-edge", "go1.x",
    "ruby2.5",       "ruby2.7",        "provided",      "provided.al2",  "nodejs18.x",   "python3.10",
    "java17",        "ruby3.2",        "ruby3.3",       "ruby3.4",       "python3.11",   "nodejs20.x",
    "provided.al2023", "python3.12",   "java21",        "python3.13",    "nodejs22.x",   "nodejs24.x",
    "python3.14",    "java25",         "dotnet10",      "ruby4.0"};

// Runtimes whose function creation and update AWS blocks: the seed's 2016 runtimes (seed-notes
// 10.1) and every runtime AWS retired before 2025 (Lambda's runtime deprecation table).
constexpr std::array<std::string_view, 23> kDeprecated = {
    "nodejs",        "nodejs4.3",     "nodejs6.10",    "nodejs8.10",    "nodejs10.x", "nodejs12.x",
    "nodejs14.x",    "nodejs16.x",    "nodejs4.3-edge", "java8",        "python2.7",  "python3.6",
    "python3.7",     "python3.8",     "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
    "dotnet6",       "go1.x",         "ruby2.5",       "ruby2.7",       "provided"};

bool contains(std::span<const std::string_view> values, std::string_view value) noexcept {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// "or be a valid ARN": the enum's alternative, a runtime given by ARN.
bool is_arn(std::string_view value) noexcept { return value.starts_with("arn:"); }

}  // namespace

std::optional<LambdaError> check_runtime_value(std::string_view runtime) {
  if (contains(kRuntimes, runtime) || is_arn(runtime)) return std::nullopt;
  return make_error(error_type::kInvalidParameterValue, 400,
                    "Value " + std::string(runtime) + " at 'runtime' failed to satisfy constraint: " +
                        enum_constraint(kRuntimes) + " or be a valid ARN");
}

std::optional<LambdaError> check_runtime_supported(std::string_view runtime) {
  if (contains(kDeprecated, runtime) || is_arn(runtime)) {
    return make_error(error_type::kInvalidParameterValue, 400,
                      "The runtime parameter of " + std::string(runtime) +
                          " is no longer supported for creating or updating AWS Lambda functions. We recommend you "
                          "use a supported runtime while creating or updating functions.");
  }
  // A valid identifier the executor cannot run (java21, ruby3.3, ...) is refused here, naming what
  // is served (executor.md 4), never accepted and then failed at Invoke.
  if (executor::runtime_kind(runtime)) return std::nullopt;
  std::string served;
  for (std::string_view id : kRuntimes) {
    if (!executor::runtime_kind(id)) continue;
    served += served.empty() ? "" : ", ";
    served += id;
  }
  return make_error(error_type::kInvalidParameterValue, 400,
                    "The runtime parameter of " + std::string(runtime) + " is not served by this service, which runs " +
                        served + ".");
}

}  // namespace gatehouse::server::lambda
