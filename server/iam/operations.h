// The IAM operations, one function each, grouped by file: users.cc, access_keys.cc,
// groups.cc, roles.cc, tags_boundaries.cc, entity_policies.cc (inline and attached),
// managed_policies.cc, simulation.cc. The table in operations.cc maps each Action to its function.
#pragma once

#include "server/iam/common.h"

namespace gatehouse::server::iam {

// Shared lookups.
// UserName, or the calling user when omitted; empty for an account root; ValidationError for
// a role session without UserName.
Outcome<std::string> named_user_or_caller(const Call& call);
std::string user_arn(const Call& call, std::string_view path, std::string_view name);

// The user, group or role a call names (UserName / GroupName / RoleName), as far as
// authorization needs it. An entity that does not exist is authorized as the path-less ARN it
// would have (AWS answers a caller without permission AccessDenied, not NoSuchEntity); the
// operation's store call then answers NoSuchEntity.
struct Target {
  store::EntityRef ref;   // the name as stored when the entity exists (names are case-insensitive)
  std::string requested;  // the name as the caller sent it
  std::string arn;
  std::string boundary;  // users and roles: the current permissions boundary
  store::Tags tags;      // users and roles: aws:ResourceTag/*
};
Outcome<Target> target(const Call& call, store::EntityKind kind);
// The same for a name already read.
Outcome<Target> target_named(const Call& call, store::EntityKind kind, std::string name);
// UserName / GroupName / RoleName, checked (64 / 128 / 64 characters).
Outcome<std::string> entity_name_parameter(const Call& call, store::EntityKind kind);
std::string_view name_parameter_of(store::EntityKind kind) noexcept;  // UserName | GroupName | RoleName
// What the target contributes to the context: its tags and its current permissions boundary
// (iam:PermissionsBoundary); the table picks the keys the action carries.
Facts target_facts(const Target& target);
// Authorizes `action` on the target (its real ARN, path included) with `facts`; a denial names
// it as IAM does, by kind and the name as requested (`role NAME`, iam-sts-api.md 1.4).
policy::Result<void, ApiError> authorize_target(const Call& call, std::string_view action, const Target& target,
                                                const Facts& facts);
policy::Result<void, ApiError> authorize_target(const Call& call, std::string_view action, const Target& target);
// `action` on the managed policy `arn`, with its tags when it exists, owned by the ARN's
// account (AWS's own policies are readable from every account: the caller's). `facts` adds
// what the request says.
policy::Result<void, ApiError> authorize_policy(const Call& call, std::string_view action, std::string_view arn,
                                                Facts facts = {});
// "iam:" + verb + User|Group|Role + suffix, e.g. iam:PutRolePolicy.
std::string entity_action(std::string_view verb, store::EntityKind kind, std::string_view suffix);

// A managed policy ARN parameter (PolicyArn, PermissionsBoundary): 20-2048 characters, an IAM
// policy ARN.
Outcome<std::string> policy_arn_parameter(const Call& call, std::string_view name = "PolicyArn",
                                          std::string_view member = "policyArn");
// PermissionsBoundary of CreateUser / CreateRole: a policy ARN, or "" when absent.
Outcome<std::string> optional_boundary_parameter(const Call& call);
// A policy document parameter: 1-131072 characters of [\u0009\u000A\u000D\u0020-\u00FF].
Outcome<std::string> document_parameter(const Call& call, std::string_view name = "PolicyDocument",
                                        std::string_view member = "policyDocument");
// The answer of an operation without output.
Reply done(const Outcome<void>& status);

// The operations on the user, group or role their name parameter names (UserName, GroupName,
// RoleName) get it resolved (target()) before they run, and act on that entity only: the table
// in operations.cc wires each as on_entity<kind, handler>.
using EntityHandler = Reply (*)(const Call& call, const Target& target);
template <store::EntityKind K, EntityHandler Handler>
Reply on_entity(const Call& call) {
  auto found = target(call, K);
  if (!found) return found.error();
  return Handler(call, found.value());
}

// users.cc
Reply create_user(const Call& call);
Reply get_user(const Call& call);
Reply delete_user(const Call& call, const Target& target);
Reply list_users(const Call& call);

// access_keys.cc
Reply create_access_key(const Call& call);
Reply delete_access_key(const Call& call);
Reply update_access_key(const Call& call);
Reply list_access_keys(const Call& call);

// tags_boundaries.cc (users and roles)
template <store::EntityKind K>
Reply tag_entity(const Call& call, const Target& target);
template <store::EntityKind K>
Reply untag_entity(const Call& call, const Target& target);
template <store::EntityKind K>
Reply list_entity_tags(const Call& call, const Target& target);
template <store::EntityKind K>
Reply put_permissions_boundary(const Call& call, const Target& target);
template <store::EntityKind K>
Reply delete_permissions_boundary(const Call& call, const Target& target);

// groups.cc
Reply create_group(const Call& call);
Reply get_group(const Call& call, const Target& target);
Reply delete_group(const Call& call, const Target& target);
Reply list_groups(const Call& call);
Reply list_groups_for_user(const Call& call, const Target& target);
Reply add_user_to_group(const Call& call, const Target& target);
Reply remove_user_from_group(const Call& call, const Target& target);

// roles.cc
Reply create_role(const Call& call);
Reply get_role(const Call& call, const Target& target);
Reply delete_role(const Call& call, const Target& target);
Reply update_role(const Call& call, const Target& target);
Reply update_role_description(const Call& call, const Target& target);
Reply update_assume_role_policy(const Call& call, const Target& target);
Reply list_roles(const Call& call);
Reply list_instance_profiles_for_role(const Call& call, const Target& target);

// entity_policies.cc (users, groups and roles)
template <store::EntityKind K>
Reply put_entity_policy(const Call& call, const Target& target);
template <store::EntityKind K>
Reply get_entity_policy(const Call& call, const Target& target);
template <store::EntityKind K>
Reply delete_entity_policy(const Call& call, const Target& target);
template <store::EntityKind K>
Reply list_entity_policies(const Call& call, const Target& target);
template <store::EntityKind K>
Reply attach_entity_policy(const Call& call, const Target& target);
template <store::EntityKind K>
Reply detach_entity_policy(const Call& call, const Target& target);
template <store::EntityKind K>
Reply list_attached_entity_policies(const Call& call, const Target& target);

// managed_policies.cc
Reply create_policy(const Call& call);
Reply get_policy(const Call& call);
Reply delete_policy(const Call& call);
Reply list_policies(const Call& call);
Reply create_policy_version(const Call& call);
Reply get_policy_version(const Call& call);
Reply delete_policy_version(const Call& call);
Reply list_policy_versions(const Call& call);
Reply set_default_policy_version(const Call& call);
Reply list_entities_for_policy(const Call& call);

}  // namespace gatehouse::server::iam
