#include "server/iam/operations.h"

#include <array>

#include "server/iam/simulation.h"

namespace gatehouse::server::iam {
namespace {

using store::EntityKind;
constexpr EntityKind kUser = EntityKind::User, kGroup = EntityKind::Group, kRole = EntityKind::Role;

constexpr auto kOperations = std::to_array<query::Operation>({
    // Users and access keys.
    {"CreateUser", false, create_user},
    {"GetUser", true, get_user},
    {"DeleteUser", false, delete_user},
    {"ListUsers", true, list_users},
    {"CreateAccessKey", false, create_access_key},
    {"UpdateAccessKey", false, update_access_key},
    {"DeleteAccessKey", false, delete_access_key},
    {"ListAccessKeys", true, list_access_keys},
    {"TagUser", false, tag_entity<kUser>},
    {"UntagUser", false, untag_entity<kUser>},
    {"ListUserTags", true, list_entity_tags<kUser>},
    {"PutUserPermissionsBoundary", false, put_permissions_boundary<kUser>},
    {"DeleteUserPermissionsBoundary", false, delete_permissions_boundary<kUser>},
    // Groups.
    {"CreateGroup", false, create_group},
    {"GetGroup", true, get_group},
    {"DeleteGroup", false, delete_group},
    {"ListGroups", true, list_groups},
    {"ListGroupsForUser", true, list_groups_for_user},
    {"AddUserToGroup", false, add_user_to_group},
    {"RemoveUserFromGroup", false, remove_user_from_group},
    // Inline and attached policies.
    {"PutUserPolicy", false, put_entity_policy<kUser>},
    {"GetUserPolicy", true, get_entity_policy<kUser>},
    {"DeleteUserPolicy", false, delete_entity_policy<kUser>},
    {"ListUserPolicies", true, list_entity_policies<kUser>},
    {"AttachUserPolicy", false, attach_entity_policy<kUser>},
    {"DetachUserPolicy", false, detach_entity_policy<kUser>},
    {"ListAttachedUserPolicies", true, list_attached_entity_policies<kUser>},
    {"PutGroupPolicy", false, put_entity_policy<kGroup>},
    {"GetGroupPolicy", true, get_entity_policy<kGroup>},
    {"DeleteGroupPolicy", false, delete_entity_policy<kGroup>},
    {"ListGroupPolicies", true, list_entity_policies<kGroup>},
    {"AttachGroupPolicy", false, attach_entity_policy<kGroup>},
    {"DetachGroupPolicy", false, detach_entity_policy<kGroup>},
    {"ListAttachedGroupPolicies", true, list_attached_entity_policies<kGroup>},
    {"PutRolePolicy", false, put_entity_policy<kRole>},
    {"GetRolePolicy", true, get_entity_policy<kRole>},
    {"DeleteRolePolicy", false, delete_entity_policy<kRole>},
    {"ListRolePolicies", true, list_entity_policies<kRole>},
    {"AttachRolePolicy", false, attach_entity_policy<kRole>},
    {"DetachRolePolicy", false, detach_entity_policy<kRole>},
    {"ListAttachedRolePolicies", true, list_attached_entity_policies<kRole>},
    // Roles.
    {"CreateRole", false, create_role},
    {"GetRole", true, get_role},
    {"DeleteRole", false, delete_role},
    {"UpdateRole", false, update_role},
    {"UpdateRoleDescription", false, update_role_description},
    {"UpdateAssumeRolePolicy", false, update_assume_role_policy},
    {"ListRoles", true, list_roles},
    {"ListInstanceProfilesForRole", true, list_instance_profiles_for_role},
    {"TagRole", false, tag_entity<kRole>},
    {"UntagRole", false, untag_entity<kRole>},
    {"ListRoleTags", true, list_entity_tags<kRole>},
    {"PutRolePermissionsBoundary", false, put_permissions_boundary<kRole>},
    {"DeleteRolePermissionsBoundary", false, delete_permissions_boundary<kRole>},
    // Managed policies.
    {"CreatePolicy", false, create_policy},
    {"GetPolicy", true, get_policy},
    {"DeletePolicy", false, delete_policy},
    {"ListPolicies", true, list_policies},
    {"CreatePolicyVersion", false, create_policy_version},
    {"GetPolicyVersion", true, get_policy_version},
    {"DeletePolicyVersion", false, delete_policy_version},
    {"ListPolicyVersions", true, list_policy_versions},
    {"SetDefaultPolicyVersion", false, set_default_policy_version},
    {"ListEntitiesForPolicy", true, list_entities_for_policy},
    // Simulation: the engine of `gatehouse simulate`.
    {"SimulateCustomPolicy", true, simulate_custom_policy},
    {"SimulatePrincipalPolicy", true, simulate_principal_policy},
    {"GetContextKeysForCustomPolicy", true, get_context_keys_for_custom_policy},
    {"GetContextKeysForPrincipalPolicy", true, get_context_keys_for_principal_policy},
});

}  // namespace

std::span<const query::Operation> operations() { return kOperations; }

}  // namespace gatehouse::server::iam
