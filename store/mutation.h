// The write API: each IAM, STS or Lambda call is one Store::write, which is
// one LMDB write transaction. A call that returns an error leaves no trace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/snapshot.h"

namespace gatehouse::store {

namespace detail {
struct Effects;
}

struct CreateUserInput {
  std::string account, name, path = "/";
  std::string permissions_boundary;  // managed policy ARN; empty: none
  Tags tags;
};

struct CreateGroupInput {
  std::string account, name, path = "/";
};

struct CreateRoleInput {
  std::string account, name, path = "/";
  std::string assume_role_policy;  // the document, exactly as received
  std::string description;
  std::optional<std::int32_t> max_session_duration;  // 3600-43200, default 3600
  std::string permissions_boundary;
  Tags tags;
};

struct UpdateRoleInput {
  std::optional<std::string> description;
  std::optional<std::int32_t> max_session_duration;
};

struct CreatePolicyInput {
  std::string account, name, path = "/";
  std::string document;
  std::string description;
  Tags tags;
};

// One access key given from outside (bootstrap): the id and secret as written.
struct ImportedAccessKey {
  std::string account;
  std::string user_name;  // empty: the account's root
  std::string access_key_id, secret_access_key;
};

struct AssumeRoleInput {
  std::string account, role_name, session_name;
  std::int32_t duration_seconds = 3600;
  std::string session_policy;                    // `Policy`; empty: none
  std::vector<std::string> session_policy_arns;  // `PolicyArns`
  Tags session_tags;
  std::string source_identity;
  // Role chaining (the caller is itself a session) caps the duration at one hour.
  bool chained = false;
  std::vector<std::string> transitive_tag_keys;  // `TransitiveTagKeys`: keys of session_tags
  // The calling session's access key when chaining: its transitive tags pass on to the new
  // session, and may not be given again.
  std::string caller_access_key_id;
  // Set only by the service when it mints a function's execution-role session (never from a
  // request): the unqualified function ARN, lambda:SourceFunctionArn of the session's requests.
  std::string source_function_arn;
};

struct SessionTokenInput {
  std::string account;
  std::string user_name;  // empty: the account's root
  std::optional<std::int32_t> duration_seconds;
};

// Lambda.
struct CreateFunctionInput {
  FunctionRef function;
  FunctionConfig config;  // runtime, role, handler and the other settings; code fields are computed
  std::string zip;        // the deployment package bytes (decoded ZipFile)
  bool publish = false;
  Tags tags;
};

struct FunctionConfigUpdate {
  std::optional<std::string> runtime, role, handler, description, dead_letter_target, kms_key_arn, tracing_mode;
  std::optional<std::int32_t> timeout, memory_size, ephemeral_storage;
  std::optional<std::vector<std::pair<std::string, std::string>>> environment;  // replaces the whole map
  std::optional<VpcConfig> vpc;
  std::optional<std::vector<std::string>> architectures;
};

struct AliasInput {
  std::string name, function_version, description;
  std::optional<std::pair<std::string, double>> routing;
};

struct AliasUpdate {
  std::optional<std::string> function_version, description;
  std::optional<std::optional<std::pair<std::string, double>>> routing;  // set, or clear with nullopt inside
};

// AddPermission's parameters (lambda-api.md 7.2); the store builds the statement.
struct PermissionInput {
  std::string statement_id, action, principal;
  std::string source_arn, source_account, event_source_token, principal_org_id, function_url_auth_type;
  bool invoked_via_function_url = false;  // the grant holds only through a function URL
};

struct MappingInput {
  std::string account, region;
  std::string event_source_arn;
  FunctionRef function;
  std::string qualifier;  // the mapping's function ARN is qualified by it when given
  bool enabled = true;
  std::optional<std::int32_t> batch_size;
  std::optional<std::int32_t> maximum_batching_window;
  std::string starting_position;
  std::optional<double> starting_position_timestamp;
  Tags tags;
};

struct MappingUpdate {
  std::optional<FunctionRef> function;
  std::optional<std::string> qualifier;
  std::optional<bool> enabled;
  std::optional<std::int32_t> batch_size, maximum_batching_window;
};

class Mutation : public Snapshot {
 public:
  Mutation(const detail::StoreState& state, kv::Transaction& txn, detail::Effects& effects)
      : Snapshot(state, txn), effects_(effects) {}

  Millis now() const;

  // Accounts and keys given from outside.
  Result<Account> create_account(std::string_view id);
  Result<AccessKeyMetadata> import_access_key(const ImportedAccessKey& key);

  // Users.
  Result<User> create_user(const CreateUserInput& input);
  Result<void> delete_user(std::string_view account, std::string_view name);
  // Users and roles.
  Result<void> tag_entity(const EntityRef& entity, const Tags& tags);
  Result<void> untag_entity(const EntityRef& entity, const std::vector<std::string>& keys);
  Result<void> put_permissions_boundary(const EntityRef& entity, std::string_view policy_arn);
  Result<void> delete_permissions_boundary(const EntityRef& entity);

  // Groups.
  Result<Group> create_group(const CreateGroupInput& input);
  Result<void> delete_group(std::string_view account, std::string_view name);
  Result<void> add_user_to_group(std::string_view account, std::string_view group, std::string_view user);
  Result<void> remove_user_from_group(std::string_view account, std::string_view group, std::string_view user);

  // Roles.
  Result<Role> create_role(const CreateRoleInput& input);
  Result<void> delete_role(std::string_view account, std::string_view name);
  Result<void> update_assume_role_policy(std::string_view account, std::string_view role, std::string_view document);
  Result<Role> update_role(std::string_view account, std::string_view role, const UpdateRoleInput& input);

  // Inline and attached policies of users, groups and roles.
  Result<void> put_inline_policy(const EntityRef& entity, std::string_view policy_name, std::string_view document);
  Result<void> delete_inline_policy(const EntityRef& entity, std::string_view policy_name);
  Result<void> attach_policy(const EntityRef& entity, std::string_view policy_arn);
  Result<void> detach_policy(const EntityRef& entity, std::string_view policy_arn);

  // Managed policies.
  Result<ManagedPolicy> create_policy(const CreatePolicyInput& input);
  Result<void> delete_policy(std::string_view account, std::string_view arn);
  Result<PolicyVersion> create_policy_version(std::string_view account, std::string_view arn,
                                              std::string_view document, bool set_as_default);
  Result<void> delete_policy_version(std::string_view account, std::string_view arn, std::string_view version_id);
  Result<void> set_default_policy_version(std::string_view account, std::string_view arn,
                                          std::string_view version_id);

  // Access keys and temporary credentials.
  Result<NewAccessKey> create_access_key(std::string_view account, std::string_view user);  // user empty: root
  Result<void> update_access_key(std::string_view account, std::string_view user, std::string_view id,
                                 KeyStatus status);
  Result<void> delete_access_key(std::string_view account, std::string_view user, std::string_view id);
  Result<TemporaryCredentials> assume_role(const AssumeRoleInput& input);
  Result<TemporaryCredentials> get_session_token(const SessionTokenInput& input);
  // Deletes temporary credentials that expired before now; returns how many.
  Result<std::size_t> purge_expired_credentials();

  // Functions, versions, aliases (lambda-api.md 5, 8).
  Result<FunctionConfig> create_function(const CreateFunctionInput& input);
  // Returns $LATEST, or the published version when publish is set.
  Result<FunctionConfig> update_function_code(const FunctionRef& ref, std::string_view zip, bool publish,
                                              std::string_view revision_id = {});
  Result<FunctionConfig> update_function_configuration(const FunctionRef& ref, const FunctionConfigUpdate& update,
                                                       std::string_view revision_id = {});
  Result<FunctionConfig> publish_version(const FunctionRef& ref, std::string_view code_sha256 = {},
                                         std::optional<std::string> description = std::nullopt,
                                         std::string_view revision_id = {});
  // qualifier empty: the whole function; else a version number.
  Result<void> delete_function(const FunctionRef& ref, std::string_view qualifier = {});
  Result<Alias> create_alias(const FunctionRef& ref, const AliasInput& input);
  Result<Alias> update_alias(const FunctionRef& ref, std::string_view name, const AliasUpdate& update,
                             std::string_view revision_id = {});
  Result<void> delete_alias(const FunctionRef& ref, std::string_view name);

  // Function policies: one per (function, qualifier) (lambda-api.md 7).
  Result<PolicyStatement> add_permission(const FunctionRef& ref, std::string_view qualifier,
                                         const PermissionInput& input, std::string_view revision_id = {});
  Result<void> remove_permission(const FunctionRef& ref, std::string_view qualifier, std::string_view statement_id,
                                 std::string_view revision_id = {});

  // Event-source mappings.
  Result<EventSourceMapping> create_event_source_mapping(const MappingInput& input);
  Result<EventSourceMapping> update_event_source_mapping(const MappingRef& ref, const MappingUpdate& update);
  // Returns the mapping as it was, in state Deleting.
  Result<EventSourceMapping> delete_event_source_mapping(const MappingRef& ref);

  // Every record back as it was at `checkpoint` (taken of this store): whatever was written
  // since is gone, whatever was deleted is back. The revision counter keeps counting up, so
  // nothing cached since is taken for a restored record.
  Result<void> restore(const Checkpoint& checkpoint);

  // A fresh revision number (keys of the compiled-policy cache); every committed write takes one
  // more, its consistency token (Store::consistency).
  std::uint64_t next_revision();
  detail::Effects& effects() noexcept { return effects_; }

 private:
  detail::Effects& effects_;
};

}  // namespace gatehouse::store
