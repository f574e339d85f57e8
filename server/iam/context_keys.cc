#include "server/iam/context_keys.h"

#include <algorithm>
#include <array>

namespace gatehouse::server::iam {
namespace {

constexpr std::string_view kResourceTag = "aws:ResourceTag/${TagKey}";
constexpr std::string_view kIamResourceTag = "iam:ResourceTag/${TagKey}";
constexpr std::string_view kRequestTag = "aws:RequestTag/${TagKey}";
constexpr std::string_view kTagKeys = "aws:TagKeys";
constexpr std::string_view kBoundary = "iam:PermissionsBoundary";
constexpr std::string_view kPolicyArn = "iam:PolicyARN";

// The condition keys of the resource types (Service Authorization Reference, "Resource types
// defined by AWS Identity and Access Management" and "... by AWS Security Token Service"): user,
// role and policy carry their tags; group has none.
constexpr std::array<std::string_view, 2> kTagged{kResourceTag, kIamResourceTag};
constexpr std::array<std::string_view, 0> kNone{};

// A resource type's keys followed by the action's own.
constexpr std::array<std::string_view, 3> kTaggedBoundary{kResourceTag, kIamResourceTag, kBoundary};
constexpr std::array<std::string_view, 4> kTaggedBoundaryPolicy{kResourceTag, kIamResourceTag, kBoundary,
                                                                kPolicyArn};
constexpr std::array<std::string_view, 1> kPolicyArnOnly{kPolicyArn};
// Creating a user or role: its tags are the request's, and the new resource's (policy-semantics 4.4).
constexpr std::array<std::string_view, 5> kCreateEntity{kResourceTag, kIamResourceTag, kRequestTag, kTagKeys,
                                                        kBoundary};
constexpr std::array<std::string_view, 4> kCreatePolicy{kResourceTag, kIamResourceTag, kRequestTag, kTagKeys};
constexpr std::array<std::string_view, 4> kTag{kResourceTag, kIamResourceTag, kRequestTag, kTagKeys};
constexpr std::array<std::string_view, 3> kUntag{kResourceTag, kIamResourceTag, kTagKeys};

using R = ResourceType;

constexpr auto kIam = std::to_array<ActionKeys>({
    {"iam:CreateUser", R::User, kCreateEntity},
    {"iam:GetUser", R::User, kTagged},
    {"iam:DeleteUser", R::User, kTagged},
    {"iam:ListUsers", R::None, kNone},
    {"iam:CreateAccessKey", R::User, kTagged},
    {"iam:UpdateAccessKey", R::User, kTagged},
    {"iam:DeleteAccessKey", R::User, kTagged},
    {"iam:ListAccessKeys", R::User, kTagged},
    {"iam:TagUser", R::User, kTag},
    {"iam:UntagUser", R::User, kUntag},
    {"iam:ListUserTags", R::User, kTagged},
    {"iam:PutUserPermissionsBoundary", R::User, kTaggedBoundary},
    {"iam:DeleteUserPermissionsBoundary", R::User, kTaggedBoundary},
    {"iam:CreateGroup", R::Group, kNone},
    {"iam:GetGroup", R::Group, kNone},
    {"iam:DeleteGroup", R::Group, kNone},
    {"iam:ListGroups", R::None, kNone},
    {"iam:ListGroupsForUser", R::User, kTagged},
    {"iam:AddUserToGroup", R::Group, kNone},
    {"iam:RemoveUserFromGroup", R::Group, kNone},
    {"iam:PutUserPolicy", R::User, kTaggedBoundary},
    {"iam:GetUserPolicy", R::User, kTagged},
    {"iam:DeleteUserPolicy", R::User, kTaggedBoundary},
    {"iam:ListUserPolicies", R::User, kTagged},
    {"iam:AttachUserPolicy", R::User, kTaggedBoundaryPolicy},
    {"iam:DetachUserPolicy", R::User, kTaggedBoundaryPolicy},
    {"iam:ListAttachedUserPolicies", R::User, kTagged},
    {"iam:PutGroupPolicy", R::Group, kNone},
    {"iam:GetGroupPolicy", R::Group, kNone},
    {"iam:DeleteGroupPolicy", R::Group, kNone},
    {"iam:ListGroupPolicies", R::Group, kNone},
    {"iam:AttachGroupPolicy", R::Group, kPolicyArnOnly},
    {"iam:DetachGroupPolicy", R::Group, kPolicyArnOnly},
    {"iam:ListAttachedGroupPolicies", R::Group, kNone},
    {"iam:PutRolePolicy", R::Role, kTaggedBoundary},
    {"iam:GetRolePolicy", R::Role, kTagged},
    {"iam:DeleteRolePolicy", R::Role, kTaggedBoundary},
    {"iam:ListRolePolicies", R::Role, kTagged},
    {"iam:AttachRolePolicy", R::Role, kTaggedBoundaryPolicy},
    {"iam:DetachRolePolicy", R::Role, kTaggedBoundaryPolicy},
    {"iam:ListAttachedRolePolicies", R::Role, kTagged},
    {"iam:CreateRole", R::Role, kCreateEntity},
    {"iam:GetRole", R::Role, kTagged},
    {"iam:DeleteRole", R::Role, kTaggedBoundary},
    {"iam:UpdateRole", R::Role, kTagged},
    {"iam:UpdateRoleDescription", R::Role, kTagged},
    {"iam:UpdateAssumeRolePolicy", R::Role, kTagged},
    {"iam:ListRoles", R::None, kNone},
    {"iam:ListInstanceProfilesForRole", R::Role, kTagged},
    {"iam:TagRole", R::Role, kTag},
    {"iam:UntagRole", R::Role, kUntag},
    {"iam:ListRoleTags", R::Role, kTagged},
    {"iam:PutRolePermissionsBoundary", R::Role, kTaggedBoundary},
    {"iam:DeleteRolePermissionsBoundary", R::Role, kTaggedBoundary},
    {"iam:CreatePolicy", R::Policy, kCreatePolicy},
    {"iam:TagPolicy", R::Policy, kTag},
    {"iam:GetPolicy", R::Policy, kTagged},
    {"iam:DeletePolicy", R::Policy, kTagged},
    {"iam:ListPolicies", R::None, kNone},
    {"iam:CreatePolicyVersion", R::Policy, kTagged},
    {"iam:GetPolicyVersion", R::Policy, kTagged},
    {"iam:DeletePolicyVersion", R::Policy, kTagged},
    {"iam:ListPolicyVersions", R::Policy, kTagged},
    {"iam:SetDefaultPolicyVersion", R::Policy, kTagged},
    {"iam:ListEntitiesForPolicy", R::Policy, kTagged},
});

constexpr std::array<std::string_view, 8> kAssumeRole{kResourceTag,         kIamResourceTag,     kRequestTag,
                                                      kTagKeys,             "sts:ExternalId",    "sts:RoleSessionName",
                                                      "sts:SourceIdentity", "sts:TransitiveTagKeys"};
constexpr std::array<std::string_view, 5> kTagSession{kResourceTag, kIamResourceTag, kRequestTag, kTagKeys,
                                                      "sts:TransitiveTagKeys"};
constexpr std::array<std::string_view, 3> kSetSourceIdentity{kResourceTag, kIamResourceTag, "sts:SourceIdentity"};

constexpr auto kSts = std::to_array<ActionKeys>({
    {"sts:AssumeRole", R::Role, kAssumeRole},
    {"sts:TagSession", R::Role, kTagSession},
    {"sts:SetSourceIdentity", R::Role, kSetSourceIdentity},
});

// "aws:ResourceTag/${TagKey}" -> "aws:ResourceTag/"; "" for a key without a tag part.
std::string_view tag_prefix(std::string_view key) {
  constexpr std::string_view kPart = "${TagKey}";
  return key.ends_with(kPart) ? key.substr(0, key.size() - kPart.size()) : std::string_view();
}

}  // namespace

std::string_view resource_type_name(ResourceType type) noexcept {
  switch (type) {
    case ResourceType::User: return "user";
    case ResourceType::Group: return "group";
    case ResourceType::Role: return "role";
    case ResourceType::Policy: return "policy";
    case ResourceType::None: break;
  }
  return "";
}

std::span<const ActionKeys> iam_action_keys() { return kIam; }
std::span<const ActionKeys> sts_action_keys() { return kSts; }

const ActionKeys* find_action_keys(std::string_view action) noexcept {
  for (std::span<const ActionKeys> table : {iam_action_keys(), sts_action_keys()}) {
    const auto it =
        std::find_if(table.begin(), table.end(), [&](const ActionKeys& row) { return row.action == action; });
    if (it != table.end()) return &*it;
  }
  return nullptr;
}

std::vector<authz::ContextKey> context_keys(std::string_view action, const Facts& facts) {
  std::vector<authz::ContextKey> out;
  const ActionKeys* row = find_action_keys(action);
  if (!row) return out;
  for (const std::string_view key : row->keys) {
    if (const std::string_view prefix = tag_prefix(key); !prefix.empty()) {
      const store::Tags& tags = prefix == "aws:RequestTag/" ? facts.request_tags : facts.resource_tags;
      for (const auto& [k, v] : tags) out.push_back({std::string(prefix) + k, {v}, false});
    } else if (key == kTagKeys) {
      if (!facts.tag_keys.empty()) out.push_back({std::string(kTagKeys), facts.tag_keys, true});
    } else {
      for (const authz::ContextKey& value : facts.values) {
        if (value.name == key) out.push_back(value);
      }
    }
  }
  return out;
}

std::string shown_entity(ResourceType type, std::string_view requested_name) {
  if (type != ResourceType::User && type != ResourceType::Group && type != ResourceType::Role) return {};
  return std::string(resource_type_name(type)) + " " + std::string(requested_name);
}

policy::Result<void, query::ApiError> authorize(const query::Call& call, std::string_view action,
                                                std::string_view resource, const Facts& facts,
                                                std::string_view shown_resource, std::string_view resource_account,
                                                const policy::CompiledPolicy* resource_policy,
                                                policy::ResourcePolicyKind kind) {
  const std::vector<authz::ContextKey> keys = context_keys(action, facts);
  return call.authorize(action, resource, keys, resource_account, resource_policy, kind, shown_resource);
}

}  // namespace gatehouse::server::iam
