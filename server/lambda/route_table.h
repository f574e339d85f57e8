// The Lambda route table: the 25 operations of the 2015-03-31 API with their REST routes
// and authorization data, built once from the embedded lambda-actions.json (the one data
// source; policy/action_catalog.h) — nothing here repeats that table.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/result.h"
#include "server/lambda/error.h"

namespace gatehouse::server::lambda {

// The operations, in the order of lambda-actions.json; handlers switch on these.
enum class Operation : std::uint8_t {
  AddPermission,
  CreateAlias,
  CreateEventSourceMapping,
  CreateFunction,
  DeleteAlias,
  DeleteEventSourceMapping,
  DeleteFunction,
  GetAccountSettings,
  GetAlias,
  GetEventSourceMapping,
  GetFunction,
  GetFunctionConfiguration,
  GetPolicy,
  Invoke,
  InvokeAsync,
  ListAliases,
  ListEventSourceMappings,
  ListFunctions,
  ListVersionsByFunction,
  PublishVersion,
  RemovePermission,
  UpdateAlias,
  UpdateEventSourceMapping,
  UpdateFunctionCode,
  UpdateFunctionConfiguration,
};
inline constexpr std::size_t kOperationCount = 25;

// The URI labels a route can carry ({FunctionName}, {Name}, {StatementId}, {UUID}).
enum class Label : std::uint8_t { FunctionName, Name, StatementId, UUID };
inline constexpr std::size_t kLabelCount = 4;

struct PathSegment {
  std::string literal;          // when !label
  std::optional<Label> label;   // a {Label} segment
};

// One row of lambda-actions.json as the server uses it.
struct OperationInfo {
  Operation operation{};
  std::string name;                  // "GetFunction"
  std::string method;                // "GET"
  std::vector<std::string> paths;    // path, then pathAliases (seed trailing-slash forms)
  int success_status = 200;          // Invoke: the RequestResponse status (202 Event, 204 DryRun)
  std::string iam_action;            // "lambda:InvokeFunction"
  std::string resource;              // template with {region} {account} {function} {uuid}, or "*"
  std::optional<std::string> resource_when_qualified;  // template with {qualifier}
  bool resource_level = false;
  std::vector<std::string> condition_keys;
  std::vector<std::string> also_requires;  // prose, for documentation
  bool cross_account = false;              // crossAccountViaResourcePolicy
  bool read_only = false;
  std::string audit_event_name;
};

// Every operation, indexed by Operation.
std::span<const OperationInfo> operations();
const OperationInfo& operation_info(Operation operation) noexcept;
std::string_view operation_name(Operation operation) noexcept;
std::optional<Operation> find_operation(std::string_view name) noexcept;

// A matched route: labels are percent-decoded.
struct RouteMatch {
  Operation operation{};
  std::array<std::optional<std::string>, kLabelCount> labels;

  const std::optional<std::string>& label(Label which) const noexcept {
    return labels[static_cast<std::size_t>(which)];
  }
};

// Routes on the raw path (no query), then decodes each label (lambda-api 1.1).
// Unknown method/path -> UnknownOperationException 404; bad percent-encoding in a label ->
// ValidationException 400.
policy::Result<RouteMatch, LambdaError> match_route(std::string_view method, std::string_view raw_path);

// The values a resource template of lambda-actions.json refers to.
struct TemplateValues {
  std::string_view region = {};
  std::string_view account = {};
  std::string_view function = {};
  std::string_view qualifier = {};
  std::string_view uuid = {};
};

// Fills {region} {account} {function} {qualifier} {uuid} in a resource template.
std::string expand_template(std::string_view resource_template, const TemplateValues& values);

// Percent-decodes one URI component; nullopt on a '%' not followed by two hex digits.
// `plus_is_space` is for query components ("Create a canonical request": '+' in a query).
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace gatehouse::server::lambda
