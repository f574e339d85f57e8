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
    {"DeleteUser", false, on_entity<kUser, delete_user>},
    {"ListUsers", true, list_users},
    {"CreateAccessKey", false, create_access_key},
    {"UpdateAccessKey", false, update_access_key},
    {"DeleteAccessKey", false, delete_access_key},
    {"ListAccessKeys", true, list_access_keys},
    {"TagUser", false, on_entity<kUser, tag_entity<kUser>>},
    {"UntagUser", false, on_entity<kUser, untag_entity<kUser>>},
    {"ListUserTags", true, on_entity<kUser, list_entity_tags<kUser>>},
    {"PutUserPermissionsBoundary", false, on_entity<kUser, put_permissions_boundary<kUser>>},
    {"DeleteUserPermissionsBoundary", false, on_entity<kUser, delete_permissions_boundary<kUser>>},
    // Groups.
    {"CreateGroup", false, create_group},
    {"GetGroup", true, on_entity<kGroup, get_group>},
    {"DeleteGroup", false, on_entity<kGroup, delete_group>},
    {"ListGroups", true, list_groups},
    {"ListGroupsForUser", true, on_entity<kUser, list_groups_for_user>},
    {"AddUserToGroup", false, on_entity<kGroup, add_user_to_group>},
    {"RemoveUserFromGroup", false, on_entity<kGroup, remove_user_from_group>},
    // Inline and attached policies.
    {"PutUserPolicy", false, on_entity<kUser, put_entity_policy<kUser>>},
    {"GetUserPolicy", true, on_entity<kUser, get_entity_policy<kUser>>},
    {"DeleteUserPolicy", false, on_entity<kUser, delete_entity_policy<kUser>>},
    {"ListUserPolicies", true, on_entity<kUser, list_entity_policies<kUser>>},
    {"AttachUserPolicy", false, on_entity<kUser, attach_entity_policy<kUser>>},
    {"DetachUserPolicy", false, on_entity<kUser, detach_entity_policy<kUser>>},
    {"ListAttachedUserPolicies", true, on_entity<kUser, list_attached_entity_policies<kUser>>},
    {"PutGroupPolicy", false, on_entity<kGroup, put_entity_policy<kGroup>>},
    {"GetGroupPolicy", true, on_entity<kGroup, get_entity_policy<kGroup>>},
    {"DeleteGroupPolicy", false, on_entity<kGroup, delete_entity_policy<kGroup>>},
    {"ListGroupPolicies", true, on_entity<kGroup, list_entity_policies<kGroup>>},
    {"AttachGroupPolicy", false, on_entity<kGroup, attach_entity_policy<kGroup>>},
    {"DetachGroupPolicy", false, on_entity<kGroup, detach_entity_policy<kGroup>>},
    {"ListAttachedGroupPolicies", true, on_entity<kGroup, list_attached_entity_policies<kGroup>>},
    {"PutRolePolicy", false, on_entity<kRole, put_entity_policy<kRole>>},
    {"GetRolePolicy", true, on_entity<kRole, get_entity_policy<kRole>>},
    {"DeleteRolePolicy", false, on_entity<kRole, delete_entity_policy<kRole>>},
    {"ListRolePolicies", true, on_entity<kRole, list_entity_policies<kRole>>},
    {"AttachRolePolicy", false, on_entity<kRole, attach_entity_policy<kRole>>},
    {"DetachRolePolicy", false, on_entity<kRole, detach_entity_policy<kRole>>},
    {"ListAttachedRolePolicies", true, on_entity<kRole, list_attached_entity_policies<kRole>>},
    // Roles.
    {"CreateRole", false, create_role},
    {"GetRole", true, on_entity<kRole, get_role>},
    {"DeleteRole", false, on_entity<kRole, delete_role>},
    {"UpdateRole", false, on_entity<kRole, update_role>},
    {"UpdateRoleDescription", false, on_entity<kRole, update_role_description>},
    {"UpdateAssumeRolePolicy", false, on_entity<kRole, update_assume_role_policy>},
    {"ListRoles", true, list_roles},
    {"ListInstanceProfilesForRole", true, on_entity<kRole, list_instance_profiles_for_role>},
    {"TagRole", false, on_entity<kRole, tag_entity<kRole>>},
    {"UntagRole", false, on_entity<kRole, untag_entity<kRole>>},
    {"ListRoleTags", true, on_entity<kRole, list_entity_tags<kRole>>},
    {"PutRolePermissionsBoundary", false, on_entity<kRole, put_permissions_boundary<kRole>>},
    {"DeleteRolePermissionsBoundary", false, on_entity<kRole, delete_permissions_boundary<kRole>>},
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
