// Model-driven member validation with AWS's messages: "1 validation error detected: Value
// '…' at '…' failed to satisfy constraint: …" (spec/lambda-api.md sections 3.1 and 9).
#pragma once

#include <rapidjson/document.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/lambda/error.h"
#include "server/lambda/patterns.h"

namespace gatehouse::server::lambda {

enum class JsonType : std::uint8_t { String, Integer, Boolean, Number, Object, StringList, StringMap, Any };

// One member of a request shape as the model declares it. Lengths count characters for
// strings and entries for lists and maps.
struct MemberSpec {
  std::string_view name;  // as on the wire, e.g. "FunctionName"
  JsonType type = JsonType::String;
  bool required = false;
  std::size_t min_length = 0;
  std::size_t max_length = SIZE_MAX;
  const Pattern* pattern = nullptr;  // strings, list items, map keys
  long long min_value = LLONG_MIN;
  long long max_value = LLONG_MAX;
  std::span<const std::string_view> enum_values = {};  // strings and list items
  std::span<const MemberSpec> members = {};             // Object
  std::size_t item_max_length = SIZE_MAX;               // list items
};

// Collects constraint failures in order and renders them as one ValidationException.
class Violations {
 public:
  // `path` is the member path AWS prints ('functionName', 'vpcConfig.subnetIds');
  // `value` is already rendered, or nullopt for null.
  void add(std::string_view path, std::optional<std::string_view> value, std::string_view constraint);
  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }
  // "N validation error(s) detected: a; b" with the given error type.
  LambdaError error(std::string_view type = error_type::kValidation, int status = 400) const;

 private:
  std::vector<std::string> items_;
};

// 'FunctionName' -> 'functionName'; nested paths join with '.'.
std::string member_path(std::string_view prefix, std::string_view name);

// "Member must satisfy enum value set: [a, b, c]".
std::string enum_constraint(std::span<const std::string_view> values);

// Constraint checks on one string value (pattern, then length, then enum).
void check_string(std::string_view path, std::string_view value, const MemberSpec& spec, Violations& out);

// Checks `object` against `members`: unknown members are tolerated (lambda-api 1.1). A
// member of the wrong JSON type is not a constraint failure but unreadable content:
// InvalidRequestContentException, returned at once.
std::optional<LambdaError> validate_members(const rapidjson::Value& object, std::span<const MemberSpec> members,
                                            std::string_view path_prefix, Violations& out);

// The "Could not parse request body into json: …" error (lambda-api 2.2, 6).
LambdaError invalid_request_content(std::string_view detail);

}  // namespace gatehouse::server::lambda
