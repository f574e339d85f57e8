// AWS's error codes and exact messages for the rules the store enforces
// (iam-sts-api.md 1.4-1.5, lambda-api.md 2.2 and 11).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "store/error.h"
#include "store/model.h"

namespace gatehouse::store::aws {

// IAM codes.
inline constexpr std::string_view kNoSuchEntity = "NoSuchEntity";
inline constexpr std::string_view kEntityAlreadyExists = "EntityAlreadyExists";
inline constexpr std::string_view kDeleteConflict = "DeleteConflict";
inline constexpr std::string_view kLimitExceeded = "LimitExceeded";
inline constexpr std::string_view kMalformedPolicyDocument = "MalformedPolicyDocument";
inline constexpr std::string_view kInvalidInput = "InvalidInput";
inline constexpr std::string_view kValidationError = "ValidationError";
inline constexpr std::string_view kPolicyNotAttachable = "PolicyNotAttachable";
// IAM's answer when another request changed the same entities at the same time (a write that
// kept losing its etcd transaction's compare).
inline constexpr std::string_view kConcurrentModification = "ConcurrentModification";
// Lambda codes.
inline constexpr std::string_view kResourceNotFound = "ResourceNotFoundException";
inline constexpr std::string_view kResourceConflict = "ResourceConflictException";
inline constexpr std::string_view kInvalidParameterValue = "InvalidParameterValueException";
inline constexpr std::string_view kPreconditionFailed = "PreconditionFailedException";
inline constexpr std::string_view kPolicyLengthExceeded = "PolicyLengthExceededException";

Error make(std::string_view code, std::string message);

// Which entity kind a message names ("user", "group", "role").
using Kind = EntityKind;
std::string_view kind_word(Kind kind) noexcept;  // user | group | role
std::string_view kind_title(Kind kind) noexcept;  // User | Group | Role

// NoSuchEntity
Error no_such_entity(Kind kind, std::string_view name);           // The user with name N cannot be found.
Error no_such_inline_policy(Kind kind, std::string_view policy);  // The user policy with name P cannot be found.
Error policy_not_found(std::string_view arn);                     // Policy ARN was not found.
Error policy_not_attachable(std::string_view arn);               // Policy ARN does not exist or is not attachable.
Error policy_version_not_found(std::string_view arn, std::string_view version);
Error no_such_access_key(std::string_view id);
// EntityAlreadyExists
Error entity_exists(Kind kind, std::string_view name);  // User with name N already exists.
Error policy_exists(std::string_view name);
// DeleteConflict
Error must_delete_access_keys();
Error must_delete_policies();
Error must_detach_policies();
Error must_remove_from_groups();
Error must_remove_references();
Error policy_attached();
Error policy_has_versions();
Error cannot_delete_default_version();
// LimitExceeded
Error quota(std::string_view name, std::size_t limit);  // Cannot exceed quota for NAME: N
Error policy_versions_limit();
Error inline_size(Kind kind, std::string_view name, std::size_t limit);
// ValidationError: "1 validation error detected: Value 'V' at 'member' failed to satisfy constraint: ..."
Error validation(std::string_view value, std::string_view member, std::string_view constraint);
Error validation_null(std::string_view member);
Error invalid_input(std::string message);
Error unmodifiable_aws_policy(std::string_view arn);

// Lambda
Error function_not_found(std::string_view arn);          // Function not found: ARN
Error function_exists(std::string_view name);            // Function already exist: NAME
Error alias_not_found_for_get(std::string_view arn);     // Cannot find alias arn: ARN
Error alias_not_found_for_update(std::string_view arn);  // Alias not found: ARN
Error alias_exists(std::string_view arn);
Error resource_not_found();                              // The resource you requested does not exist.
Error no_policy_for_resource();                          // No policy is associated with the given resource.
Error statement_not_found(std::string_view sid);
Error no_policy_found_for(std::string_view arn);
Error statement_exists(std::string_view sid);
Error revision_mismatch(std::string_view api);           // GetFunction | GetAlias | GetPolicy
Error version_in_use(const std::vector<std::string>& aliases);
Error invalid_parameter(std::string message);
Error lambda_validation(std::string message);            // ValidationException

}  // namespace gatehouse::store::aws
