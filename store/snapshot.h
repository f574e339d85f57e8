// The read API: a consistent view of the whole store (one read transaction
// of its backend). Obtained from Store::read; valid only inside that call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/error.h"
#include "store/model.h"

namespace gatehouse::store {

namespace detail {
struct StoreState;
}
namespace kv {
class Transaction;
}

// Every record of the store at one moment, held in memory: the fixture server's reset point
// (docs/testing.md). Taken by Snapshot::checkpoint, put back by Mutation::restore.
struct Checkpoint {
  std::vector<std::vector<std::pair<std::string, std::string>>> tables;  // per database, in key order
};

// A managed policy with its use in the asking account.
struct PolicyView {
  ManagedPolicy policy;
  PolicyUsage usage;
};

struct AttachedPolicy {
  std::string name, arn;
};

enum class PolicyScope { All, Aws, Local };

struct FunctionRef {
  std::string account, region, name;
};

// An event-source mapping as its owner names it: a UUID is unique, but a mapping is only ever
// found within its owner's account and region (another account's mapping is not found).
struct MappingRef {
  std::string account, region, uuid;
};

// A function read through a qualifier.
struct FunctionView {
  Function function;
  FunctionConfig config;        // $LATEST or the version (an alias's target version)
  std::optional<Alias> alias;   // when the qualifier named an alias
  // The alias's RoutingConfig version (AdditionalVersionWeights), when it has one: the
  // weighted share of invocations through the alias run it instead of `config`.
  std::optional<FunctionConfig> additional_version;
  std::string qualified_arn;    // ARN as the qualifier named it (unqualified when none)
};

struct AccountUsage {
  std::int64_t total_code_size = 0;
  std::int64_t function_count = 0;
};

class Snapshot {
 public:
  Snapshot(const detail::StoreState& state, kv::Transaction& txn) : state_(state), txn_(txn) {}
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // IAM: accounts, users, groups, roles.
  std::optional<Account> find_account(std::string_view id) const;
  std::vector<Account> list_accounts() const;
  std::optional<User> find_user(std::string_view account, std::string_view name) const;
  Result<User> get_user(std::string_view account, std::string_view name) const;
  std::vector<User> list_users(std::string_view account, std::string_view path_prefix = "/") const;
  std::optional<Group> find_group(std::string_view account, std::string_view name) const;
  Result<Group> get_group(std::string_view account, std::string_view name) const;
  std::vector<Group> list_groups(std::string_view account, std::string_view path_prefix = "/") const;
  Result<std::vector<Group>> list_groups_for_user(std::string_view account, std::string_view user) const;
  std::optional<Role> find_role(std::string_view account, std::string_view name) const;
  Result<Role> get_role(std::string_view account, std::string_view name) const;
  std::vector<Role> list_roles(std::string_view account, std::string_view path_prefix = "/") const;
  // The role's trust policy as IAM shows it: a principal bound to a user or role that is gone
  // reads as its unique id (policy-semantics 1.8).
  std::string shown_trust(const Role& role) const;

  // Inline and attached policies of a user, group or role.
  Result<InlinePolicy> get_inline_policy(const EntityRef& entity, std::string_view policy_name) const;
  Result<std::vector<std::string>> list_inline_policies(const EntityRef& entity) const;
  Result<std::vector<AttachedPolicy>> list_attached_policies(const EntityRef& entity) const;

  // Managed policies: the account's own and AWS's (arn:aws:iam::aws:policy/...).
  std::optional<ManagedPolicy> find_policy(std::string_view arn) const;
  Result<PolicyView> get_policy(std::string_view account, std::string_view arn) const;
  Result<PolicyVersion> get_policy_version(std::string_view account, std::string_view arn,
                                           std::string_view version_id) const;
  std::vector<PolicyView> list_policies(std::string_view account, PolicyScope scope = PolicyScope::All,
                                        bool only_attached = false, std::string_view path_prefix = "/") const;

  // Access keys (never their secrets).
  Result<std::vector<AccessKeyMetadata>> list_access_keys(std::string_view account, std::string_view user) const;
  std::optional<AccessKeyRecord> find_access_key(std::string_view id) const;

  // Lambda.
  std::optional<Function> find_function(const FunctionRef& ref) const;
  // qualifier: empty (unqualified: $LATEST), "$LATEST", a version number or an alias.
  Result<FunctionView> get_function(const FunctionRef& ref, std::string_view qualifier = {}) const;
  std::vector<Function> list_functions(std::string_view account, std::string_view region) const;
  // $LATEST first, then published versions ascending.
  Result<std::vector<FunctionConfig>> list_versions(const FunctionRef& ref) const;
  Result<Alias> get_alias(const FunctionRef& ref, std::string_view name) const;
  Result<std::vector<Alias>> list_aliases(const FunctionRef& ref, std::string_view function_version = {}) const;
  // The resource policy of (function, qualifier); "" is the unqualified function.
  Result<FunctionPolicy> get_function_policy(const FunctionRef& ref, std::string_view qualifier = {}) const;
  Result<EventSourceMapping> get_event_source_mapping(const MappingRef& ref) const;
  std::vector<EventSourceMapping> list_event_source_mappings(std::string_view account, std::string_view region,
                                                            std::string_view event_source_arn = {},
                                                            std::string_view function_arn = {}) const;
  std::optional<CodePackage> find_code(std::string_view sha256) const;
  std::optional<std::string> code_bytes(std::string_view sha256) const;
  AccountUsage account_usage(std::string_view account, std::string_view region) const;

  // Store-wide facts (crash-consistency checks and tools).
  std::uint32_t schema_version() const;
  // Every cross-record invariant; the first one broken, or nullopt when all hold.
  std::optional<std::string> check_invariants() const;
  // Every record, copied (store/checkpoint.cc).
  Checkpoint checkpoint() const;

  const detail::StoreState& state() const noexcept { return state_; }
  kv::Transaction& transaction() const noexcept { return txn_; }

 protected:
  const detail::StoreState& state_;
  kv::Transaction& txn_;
};

}  // namespace gatehouse::store
