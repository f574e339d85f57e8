// What the authorization pipeline gets from the store in one lookup: the
// credential (secret, status, session token, expiry), the principal as a
// policy::Caller, and every policy that applies to it, compiled
// (policy-semantics 5.1: identity, permissions boundary, session policies).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/compiled.h"
#include "policy/decide.h"
#include "policy/principal.h"
#include "store/model.h"

namespace gatehouse::store {

using CompiledPolicyPtr = std::shared_ptr<const policy::CompiledPolicy>;

enum class PolicySource : std::uint8_t {
  UserInline,
  GroupInline,
  RoleInline,
  Managed,        // attached managed policy (user's, a group's or the role's)
  Boundary,       // permissions boundary
  SessionInline,  // AssumeRole `Policy`
  SessionManaged  // AssumeRole `PolicyArns`
};

// One policy that applies, and where it comes from (for traces and the simulator).
struct AppliedPolicy {
  CompiledPolicyPtr compiled;
  PolicySource source = PolicySource::Managed;
  std::string name;   // inline policy name, or managed policy name
  std::string arn;    // managed policies
  std::string owner;  // the user, group or role that holds it
  bool aws_managed = false;
};

struct PrincipalPolicies {
  std::vector<AppliedPolicy> identity;  // inline, then attached, then each group's
  std::optional<AppliedPolicy> boundary;
  std::vector<AppliedPolicy> session;
  // Views for policy::PolicySet (point into the compiled policies above).
  std::vector<const policy::CompiledPolicy*> identity_view, session_view;

  // identity, boundary and session filled in; the resource policy is the caller's to add.
  policy::PolicySet policy_set() const;
  void build_views();
};

// A principal with its policies: a user, a role session, or an account root.
struct ResolvedPrincipal {
  CredentialKind kind = CredentialKind::User;
  policy::Caller caller;
  // GetCallerIdentity's UserId: the account (root), AIDA... (user), AROA...:session (role session).
  std::string user_id;
  PrincipalPolicies policies;
};

struct ResolvedCredential {
  std::string access_key_id;
  std::string secret_access_key;
  std::uint64_t secret_version = 1;  // changes when the secret does
  KeyStatus status = KeyStatus::Active;
  std::optional<std::string> session_token;  // exactly for temporary credentials
  std::optional<Millis> expiration;
  // Temporary credentials: when they were issued (aws:TokenIssueTime).
  std::optional<Millis> issued;
  // The session's source identity (aws:SourceIdentity), set once and carried along a role chain;
  // empty: none.
  std::string source_identity;
  // Role sessions: the session tags that pass on to a session this one assumes.
  Tags transitive_tags;
  // A function's execution-role session: the unqualified function ARN (lambda:SourceFunctionArn);
  // empty: any other credential.
  std::string source_function_arn;
  ResolvedPrincipal principal;
};

// A role's trust policy, for sts:AssumeRole and Lambda's "can Lambda assume it".
struct RoleTrust {
  std::string account, name, path, arn, id;
  std::int32_t max_session_duration = 3600;
  Tags tags;  // the role's (aws:ResourceTag/* of sts:AssumeRole)
  CompiledPolicyPtr trust;
};

}  // namespace gatehouse::store
