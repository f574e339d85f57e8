// What each IAM and STS operation acts on beyond the resource it authorizes: one table, beside
// the action table of context_keys.h. AddUserToGroup is authorized on the group and writes the
// user; AttachUserPolicy is authorized on the user and counts the policy's attachments; GetRole
// shows the principals of the role's trust policy; ListUsers reads every user of the account.
// A row's resources are resolved from the request once, canonically (kind, account, name or
// policy ARN, query::EntityKey), always in the caller's own account (or AWS's managed policies):
// the touch check (server/query/touch_check.h) accepts what the request was authorized on and
// exactly these, nothing else.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "server/query/operation.h"
#include "server/query/touch_check.h"

namespace gatehouse::server::iam {

// Where a declared resource comes from.
enum class From : std::uint8_t {
  UserName,             // the user, group or role a name parameter names
  GroupName,
  RoleName,
  UserOrCaller,         // UserName, or the calling user when it is omitted (GetUser, access keys)
  Caller,               // the calling user (GetSessionToken)
  PolicyArn,            // a managed policy ARN parameter
  PermissionsBoundary,
  SessionPolicyArns,    // STS AssumeRole's PolicyArns.member.N.arn
  RoleArn,              // STS AssumeRole's RoleArn
  PolicySourceArn,      // the user, group or role of SimulatePrincipalPolicy
  TrustDocument,        // the users and roles AssumeRolePolicyDocument / PolicyDocument names
  AllUsers,             // every user, group, role or managed policy of the account (lists)
  AllGroups,
  AllRoles,
  AllPolicies,          // the account's and AWS's
};

// Which resources of the entity `From` names.
enum class Via : std::uint8_t {
  Itself,
  Boundary,         // a user's or role's permissions boundary
  Attached,         // the managed policies attached to it
  Groups,           // a user's groups
  GroupsAttached,   // the managed policies attached to a user's groups
  Members,          // a group's users
  TrustPrincipals,  // the users and roles a role's stored trust policy names
};

struct Declared {
  From from;
  Via via = Via::Itself;
};

struct OperationResources {
  std::string_view action;  // iam:AddUserToGroup, sts:AssumeRole
  // What the operation may read or write beyond what it authorizes; the first row member is the
  // resource it authorizes (resolved the same way), when it names one.
  std::span<const Declared> resources;
};

// The table: one row per operation of the IAM and STS operation tables.
std::span<const OperationResources> operation_resources();
const OperationResources* find_operation_resources(std::string_view action) noexcept;

// The row of `action` resolved for this request: the entities it names in the caller's account
// (and AWS's managed policies); none for an action without a row. Reads the store; parameters
// the operation will refuse resolve to nothing.
std::vector<query::EntityKey> declared_resources(const query::Call& call, std::string_view action);

}  // namespace gatehouse::server::iam
