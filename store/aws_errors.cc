#include "store/aws_errors.h"

#include <map>

namespace gatehouse::store {

std::ostream& operator<<(std::ostream& out, const Error& error) {
  return out << error.code << " (" << error.http_status << "): " << error.message;
}

Error service_failure(std::string_view what) {
  return Error{"ServiceFailure", 500, "The store failed: " + std::string(what)};
}

namespace aws {

namespace {

int status_of(std::string_view code) {
  static const std::map<std::string_view, int> kStatus = {
      {kNoSuchEntity, 404},          {kEntityAlreadyExists, 409},      {kDeleteConflict, 409},
      {kLimitExceeded, 409},         {kMalformedPolicyDocument, 400},  {kInvalidInput, 400},
      {kValidationError, 400},       {kPolicyNotAttachable, 400},      {kResourceNotFound, 404},
      {kResourceConflict, 409},      {kInvalidParameterValue, 400},    {kPreconditionFailed, 412},
      {kPolicyLengthExceeded, 400},  {"ValidationException", 400},     {"PackedPolicyTooLarge", 400},
      {"AccessDenied", 403},         {"UnmodifiableEntity", 400},      {"InvalidParameterValue", 400},
      {kConcurrentModification, 409},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? 500 : it->second;
}

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

Error make(std::string_view code, std::string message) {
  return Error{std::string(code), status_of(code), std::move(message)};
}

std::string_view kind_word(Kind kind) noexcept {
  switch (kind) {
    case Kind::User: return "user";
    case Kind::Group: return "group";
    case Kind::Role: return "role";
  }
  return "user";
}

std::string_view kind_title(Kind kind) noexcept {
  switch (kind) {
    case Kind::User: return "User";
    case Kind::Group: return "Group";
    case Kind::Role: return "Role";
  }
  return "User";
}

Error no_such_entity(Kind kind, std::string_view name) {
  return make(kNoSuchEntity, "The " + str(kind_word(kind)) + " with name " + str(name) + " cannot be found.");
}
Error no_such_inline_policy(Kind kind, std::string_view policy) {
  return make(kNoSuchEntity, "The " + str(kind_word(kind)) + " policy with name " + str(policy) + " cannot be found.");
}
Error policy_not_found(std::string_view arn) { return make(kNoSuchEntity, "Policy " + str(arn) + " was not found."); }
Error policy_not_attachable(std::string_view arn) {
  return make(kNoSuchEntity, "Policy " + str(arn) + " does not exist or is not attachable.");
}
Error policy_version_not_found(std::string_view arn, std::string_view version) {
  return make(kNoSuchEntity, "Policy " + str(arn) + " version " + str(version) + " does not exist or is not attachable.");
}
Error no_such_access_key(std::string_view id) {
  return make(kNoSuchEntity, "The Access Key with id " + str(id) + " cannot be found.");
}
Error entity_exists(Kind kind, std::string_view name) {
  return make(kEntityAlreadyExists, str(kind_title(kind)) + " with name " + str(name) + " already exists.");
}
Error policy_exists(std::string_view name) {
  return make(kEntityAlreadyExists, "A policy called " + str(name) + " already exists. Duplicate names are not allowed.");
}
Error must_delete_access_keys() { return make(kDeleteConflict, "Cannot delete entity, must delete access keys first."); }
Error must_delete_policies() { return make(kDeleteConflict, "Cannot delete entity, must delete policies first."); }
Error must_detach_policies() { return make(kDeleteConflict, "Cannot delete entity, must detach all policies first."); }
Error must_remove_from_groups() {
  return make(kDeleteConflict, "Cannot delete entity, must remove users from group first.");
}
Error must_remove_references() {
  return make(kDeleteConflict, "Cannot delete entity, must remove referenced objects first.");
}
Error policy_attached() { return make(kDeleteConflict, "Cannot delete a policy attached to entities."); }
Error policy_has_versions() {
  return make(kDeleteConflict,
              "This policy has more than one version. Before you delete a policy, you must delete the policy's "
              "versions. The default version is deleted with the policy.");
}
Error cannot_delete_default_version() {
  return make(kDeleteConflict, "Cannot delete the default version of a policy.");
}
Error quota(std::string_view name, std::size_t limit) {
  return make(kLimitExceeded, "Cannot exceed quota for " + str(name) + ": " + std::to_string(limit));
}
Error policy_versions_limit() {
  return make(kLimitExceeded,
              "A managed policy can have up to 5 versions. Before you create a new version, you must delete an "
              "existing version.");
}
Error inline_size(Kind kind, std::string_view name, std::size_t limit) {
  return make(kLimitExceeded, "Maximum policy size of " + std::to_string(limit) + " bytes exceeded for " +
                                  str(kind_word(kind)) + " " + str(name));
}
Error validation(std::string_view value, std::string_view member, std::string_view constraint) {
  return make(kValidationError, "1 validation error detected: Value '" + str(value) + "' at '" + str(member) +
                                    "' failed to satisfy constraint: " + str(constraint));
}
Error validation_null(std::string_view member) {
  return make(kValidationError, "1 validation error detected: Value null at '" + str(member) +
                                    "' failed to satisfy constraint: Member must not be null");
}
Error invalid_input(std::string message) { return make(kInvalidInput, std::move(message)); }
Error unmodifiable_aws_policy(std::string_view arn) {
  return make(kInvalidInput, "Policy " + str(arn) + " is an AWS managed policy and cannot be modified.");
}

Error function_not_found(std::string_view arn) { return make(kResourceNotFound, "Function not found: " + str(arn)); }
Error function_exists(std::string_view name) { return make(kResourceConflict, "Function already exist: " + str(name)); }
Error alias_not_found_for_get(std::string_view arn) {
  return make(kResourceNotFound, "Cannot find alias arn: " + str(arn));
}
Error alias_not_found_for_update(std::string_view arn) {
  return make(kResourceNotFound, "Alias not found: " + str(arn));
}
Error alias_exists(std::string_view arn) { return make(kResourceConflict, "Alias already exists: " + str(arn)); }
Error resource_not_found() { return make(kResourceNotFound, "The resource you requested does not exist."); }
Error no_policy_for_resource() { return make(kResourceNotFound, "No policy is associated with the given resource."); }
Error statement_not_found(std::string_view sid) {
  return make(kResourceNotFound, "Statement " + str(sid) + " is not found in resource policy.");
}
Error no_policy_found_for(std::string_view arn) { return make(kResourceNotFound, "No policy found for: " + str(arn)); }
Error statement_exists(std::string_view sid) {
  return make(kResourceConflict, "The statement id (" + str(sid) +
                                     ") provided already exists. Please provide a new statement id, or remove the "
                                     "existing statement.");
}
Error revision_mismatch(std::string_view api) {
  return make(kPreconditionFailed,
              "The Revision Id provided does not match the latest Revision Id. Call the " + str(api) +
                  " API to retrieve the latest Revision Id");
}
Error version_in_use(const std::vector<std::string>& aliases) {
  std::string list;
  for (const auto& a : aliases) list += (list.empty() ? "" : ", ") + a;
  return make(kResourceConflict, "Unable to delete version because the following aliases reference it: [" + list + "]");
}
Error invalid_parameter(std::string message) { return make(kInvalidParameterValue, std::move(message)); }
Error lambda_validation(std::string message) { return make("ValidationException", std::move(message)); }

}  // namespace aws
}  // namespace gatehouse::store
