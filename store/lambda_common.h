// Internal: rules shared by the Lambda operations (lambda-api.md 3, 4, 8).
#pragma once

#include <string>
#include <string_view>

#include "store/aws_errors.h"
#include "store/mutation.h"
#include "store/state.h"

namespace gatehouse::store::detail {

std::string function_arn(std::string_view region, std::string_view account, std::string_view name);
std::string function_key(const FunctionRef& ref);
bool is_version_number(std::string_view qualifier);  // [0-9]+
// The number of a canonical version qualifier; 0 (never a version) for any other text, such as "01".
std::uint64_t version_number(std::string_view qualifier);

// The function, or Lambda's "Function not found: ARN".
Result<Function> get_function_record(const Snapshot& s, const FunctionRef& ref);
std::optional<FunctionConfig> find_version(const Snapshot& s, std::string_view fkey, std::uint64_t number);
std::optional<Alias> find_alias(const Snapshot& s, std::string_view fkey, std::string_view name);

// Code packages are stored once per SHA-256 and counted by the versions that use them.
void add_code_reference(Mutation& m, std::string_view sha256, std::string_view bytes);
void add_code_reference(Mutation& m, std::string_view sha256);  // the package exists
void release_code_reference(Mutation& m, std::string_view sha256);

// Lambda's RevisionId check; `api` names the call that reads the current id.
Result<void> check_revision(std::string_view given, std::string_view current, std::string_view api);

}  // namespace gatehouse::store::detail
