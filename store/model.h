// What the store keeps: IAM entities (iam-sts-api.md 2) and Lambda resources
// (lambda-api.md 4). Plain values; times are milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/codec.h"

namespace gatehouse::store {

using Millis = std::int64_t;
using Tags = std::map<std::string, std::string>;

inline constexpr std::string_view kAwsAccount = "aws";  // account field of AWS-managed policy ARNs

enum class EntityKind : std::uint8_t { User, Group, Role };

// A user, group or role of an account, by name.
struct EntityRef {
  EntityKind kind = EntityKind::User;
  std::string account;
  std::string name;
};

struct Account {
  std::string id;  // 12 digits
  Millis created = 0;
  std::vector<std::string> root_access_keys;  // AKIA... of the root
  GATEHOUSE_STORE_FIELDS(id, created, root_access_keys)
};

// An inline policy, or a role's trust policy: the document exactly as received.
struct InlinePolicy {
  std::string name;
  std::string document;
  std::uint64_t revision = 0;  // changes with every write: keys the compiled-policy cache
  GATEHOUSE_STORE_FIELDS(name, document, revision)
};

struct User {
  std::string account, name, path = "/", id, arn;
  Millis created = 0;
  Tags tags;
  std::string boundary;                       // managed policy ARN; empty: none
  std::vector<InlinePolicy> inline_policies;  // in creation order
  std::vector<std::string> attached;          // managed policy ARNs, in attach order
  std::vector<std::string> groups;            // group names, in join order
  std::vector<std::string> access_keys;       // AKIA... (long-term keys only)
  GATEHOUSE_STORE_FIELDS(account, name, path, id, arn, created, tags, boundary, inline_policies, attached, groups,
                         access_keys)
};

struct Group {
  std::string account, name, path = "/", id, arn;
  Millis created = 0;
  std::vector<InlinePolicy> inline_policies;
  std::vector<std::string> attached;
  std::vector<std::string> members;  // user names, in join order
  GATEHOUSE_STORE_FIELDS(account, name, path, id, arn, created, inline_policies, attached, members)
};

struct Role {
  std::string account, name, path = "/", id, arn;
  Millis created = 0;
  std::string description;
  std::int32_t max_session_duration = 3600;  // seconds
  InlinePolicy trust;                        // name "AssumeRolePolicyDocument"
  std::string boundary;
  Tags tags;
  std::vector<InlinePolicy> inline_policies;
  std::vector<std::string> attached;
  // The users and roles the trust policy names, bound to their unique ids when it was saved
  // (principal ARN as written -> AIDA.../AROA...): a re-created entity of the same name is
  // another principal (policy-semantics 1.8).
  std::map<std::string, std::string> trust_principal_ids;

  template <class V>
  void fields(V& v) {
    v(account, name, path, id, arn, created, description, max_session_duration, trust, boundary, tags,
      inline_policies, attached);
    v.trailing(trust_principal_ids);  // added later: records written before have none
  }
  template <class V>
  void fields(V& v) const {
    v(account, name, path, id, arn, created, description, max_session_duration, trust, boundary, tags,
      inline_policies, attached);
    v.trailing(trust_principal_ids);
  }
};

struct PolicyVersion {
  std::string id;  // v1, v2, ...
  std::string document;
  Millis created = 0;
  std::uint64_t revision = 0;
  GATEHOUSE_STORE_FIELDS(id, document, created, revision)
};

struct ManagedPolicy {
  std::string arn, account, name, path = "/", id, description;
  Millis created = 0, updated = 0;
  std::string default_version;     // v1, ...
  std::uint32_t next_version = 2;  // version ids are never reused
  std::vector<PolicyVersion> versions;
  Tags tags;
  bool aws_managed = false;
  bool deprecated = false;  // AWS no longer attaches it anew; the store keeps it attachable (seed fidelity)

  const PolicyVersion* find_version(std::string_view version_id) const;
  const PolicyVersion& default_document() const;  // INVARIANT: the default version exists
  GATEHOUSE_STORE_FIELDS(arn, account, name, path, id, description, created, updated, default_version, next_version,
                         versions, tags, aws_managed, deprecated)
};

// How often a managed policy is used in one account (GetPolicy's counts, DeletePolicy's check).
struct PolicyUsage {
  std::uint32_t attachments = 0;  // users, groups and roles it is attached to
  std::uint32_t boundaries = 0;   // users and roles it bounds
  GATEHOUSE_STORE_FIELDS(attachments, boundaries)
};

enum class KeyStatus : std::uint8_t { Active, Inactive };
std::string_view key_status_name(KeyStatus status) noexcept;  // Active | Inactive

enum class CredentialKind : std::uint8_t {
  Root,          // AKIA..., the account's root
  User,          // AKIA..., an IAM user
  RoleSession,   // ASIA..., AssumeRole
  UserSession,   // ASIA..., GetSessionToken by an IAM user
  RootSession,   // ASIA..., GetSessionToken by the root
};
bool is_temporary(CredentialKind kind) noexcept;

// One access key as stored: the secret and session token are sealed (AES-256-GCM).
struct AccessKeyRecord {
  std::string id, account;
  CredentialKind kind = CredentialKind::User;
  std::string user_name;  // User and UserSession keys
  std::string user_id;    // the AIDA... of that user: a re-created user is another user
  KeyStatus status = KeyStatus::Active;
  std::string sealed_secret;
  std::uint64_t secret_version = 1;
  Millis created = 0;
  // Temporary credentials only.
  std::string sealed_token;
  Millis expiration = 0;
  std::string role_name, role_id, session_name, source_identity;
  std::string session_policy;                    // inline `Policy` text; empty: none
  std::uint64_t session_policy_revision = 0;
  std::vector<std::string> session_policy_arns;  // `PolicyArns`
  Tags session_tags;
  // Keys of session_tags that pass on to sessions this one assumes (role chaining).
  std::vector<std::string> transitive_tag_keys;
  // A function's execution-role session: the unqualified function ARN (lambda:SourceFunctionArn).
  std::string source_function_arn;

  template <class V>
  void fields(V& v) {
    v(id, account, kind, user_name, user_id, status, sealed_secret, secret_version, created, sealed_token, expiration,
      role_name, role_id, session_name, source_identity, session_policy, session_policy_revision, session_policy_arns,
      session_tags);
    v.trailing(transitive_tag_keys);  // added later: records written before have none
    v.trailing(source_function_arn);  // likewise
  }
  template <class V>
  void fields(V& v) const {
    v(id, account, kind, user_name, user_id, status, sealed_secret, secret_version, created, sealed_token, expiration,
      role_name, role_id, session_name, source_identity, session_policy, session_policy_revision, session_policy_arns,
      session_tags);
    v.trailing(transitive_tag_keys);
    v.trailing(source_function_arn);
  }
};

// ListAccessKeys' view of a key (never the secret).
struct AccessKeyMetadata {
  std::string user_name;  // empty for root keys
  std::string access_key_id;
  KeyStatus status = KeyStatus::Active;
  Millis created = 0;
};

// CreateAccessKey's answer: the only time the secret is returned.
struct NewAccessKey {
  AccessKeyMetadata metadata;
  std::string secret_access_key;
};

// AssumeRole / GetSessionToken's answer.
struct TemporaryCredentials {
  std::string access_key_id, secret_access_key, session_token;
  Millis expiration = 0;
  std::string assumed_role_id;  // AROA...:session (AssumeRole only)
  std::string arn;              // assumed-role session ARN (AssumeRole) or the user's / root's ARN
  std::size_t packed_policy_size = 0;  // percent of the session policy budget used; 0 when none given
};

// ---------------------------------------------------------------------------
// Lambda

inline constexpr std::string_view kLatest = "$LATEST";

struct VpcConfig {
  std::vector<std::string> subnet_ids, security_group_ids;
  std::string vpc_id;
  GATEHOUSE_STORE_FIELDS(subnet_ids, security_group_ids, vpc_id)
};

// One version's configuration: $LATEST (mutable) or a published snapshot.
struct FunctionConfig {
  std::string version = std::string(kLatest);  // "$LATEST" or "1", "2", ...
  std::string runtime, role, handler, description;
  std::int32_t timeout = 3;        // seconds
  std::int32_t memory_size = 128;  // MB
  std::string code_sha256;         // base64 SHA-256 of the package, as Lambda reports it
  std::int64_t code_size = 0;
  Millis last_modified = 0;
  std::string revision_id;
  std::optional<std::vector<std::pair<std::string, std::string>>> environment;  // Variables, as given
  std::optional<VpcConfig> vpc;
  std::string dead_letter_target;  // TargetArn; empty: none
  std::string kms_key_arn;
  std::string tracing_mode = "PassThrough";
  std::string package_type = "Zip";
  std::vector<std::string> architectures = {"x86_64"};
  std::int32_t ephemeral_storage = 512;  // MB
  std::string state = "Active";
  std::string last_update_status = "Successful";
  GATEHOUSE_STORE_FIELDS(version, runtime, role, handler, description, timeout, memory_size, code_sha256, code_size,
                         last_modified, revision_id, environment, vpc, dead_letter_target, kms_key_arn, tracing_mode,
                         package_type, architectures, ephemeral_storage, state, last_update_status)
};

// What publishing compares: code and configuration (not the version label,
// its description, revision or time).
bool same_published_content(const FunctionConfig& a, const FunctionConfig& b);

struct Function {
  std::string account, region, name, arn;  // unqualified ARN
  Millis created = 0;
  std::uint64_t next_version = 1;  // numbers are never reused within the function's life
  std::uint64_t last_published = 0;  // 0: none
  FunctionConfig latest;
  Tags tags;
  // Unique to this creation (a UUID): a function deleted and created again under its name is
  // another function (an Event queued for the first does not run the second). Empty for
  // functions created before it was recorded: `created` tells them apart then.
  std::string id;

  template <class V>
  void fields(V& v) {
    v(account, region, name, arn, created, next_version, last_published, latest, tags);
    v.trailing(id);  // added later: records written before have none
  }
  template <class V>
  void fields(V& v) const {
    v(account, region, name, arn, created, next_version, last_published, latest, tags);
    v.trailing(id);
  }
};

struct Alias {
  std::string name, arn, function_version, description, revision_id;
  std::optional<std::pair<std::string, double>> routing;  // AdditionalVersionWeights: one version
  GATEHOUSE_STORE_FIELDS(name, arn, function_version, description, revision_id, routing)
};

// One statement of a function policy: its Sid and its JSON text (AWS's key order).
struct PolicyStatement {
  std::string sid, json;
  GATEHOUSE_STORE_FIELDS(sid, json)
};

// The resource policy of one (function, qualifier): "" is the unqualified function.
struct FunctionPolicy {
  std::string qualifier;
  std::vector<PolicyStatement> statements;  // in insertion order
  std::string revision_id;
  std::uint64_t revision = 0;
  // {"Version":"2012-10-17","Id":"default","Statement":[...]}: what GetPolicy returns.
  std::string document() const;
  // Users and roles named as principals, bound to their unique ids when added (as Role's).
  std::map<std::string, std::string> principal_ids;

  template <class V>
  void fields(V& v) {
    v(qualifier, statements, revision_id, revision);
    v.trailing(principal_ids);  // added later: records written before have none
  }
  template <class V>
  void fields(V& v) const {
    v(qualifier, statements, revision_id, revision);
    v.trailing(principal_ids);
  }
};

struct EventSourceMapping {
  std::string uuid, account, region;
  std::string event_source_arn;
  std::string function_arn;  // as resolved at creation: unqualified, or qualified by version/alias
  std::string state = "Enabled";
  std::string state_transition_reason = "User action";
  std::string last_processing_result = "No records processed";
  std::int32_t batch_size = 100;
  std::int32_t maximum_batching_window = 0;
  std::string starting_position;  // TRIM_HORIZON | LATEST | AT_TIMESTAMP; empty for queues
  std::optional<double> starting_position_timestamp;
  Millis last_modified = 0;
  Tags tags;  // as given on create: the mapping's aws:ResourceTag/*

  template <class V>
  void fields(V& v) {
    v(uuid, account, region, event_source_arn, function_arn, state, state_transition_reason, last_processing_result,
      batch_size, maximum_batching_window, starting_position, starting_position_timestamp, last_modified);
    v.trailing(tags);  // added later: mappings written before have none
  }
  template <class V>
  void fields(V& v) const {
    v(uuid, account, region, event_source_arn, function_arn, state, state_transition_reason, last_processing_result,
      batch_size, maximum_batching_window, starting_position, starting_position_timestamp, last_modified);
    v.trailing(tags);
  }
};

// A deployment package, stored once per SHA-256 however many versions use it.
// (The bytes live apart, so counting a reference does not rewrite the package.)
struct CodePackage {
  std::string sha256;            // base64
  std::uint64_t references = 0;  // $LATEST and published versions that use it
  std::int64_t size = 0;
  GATEHOUSE_STORE_FIELDS(sha256, references, size)
};

}  // namespace gatehouse::store
