#include "server/iam/resources.h"

#include <algorithm>
#include <array>
#include <optional>

#include "policy/arn.h"
#include "policy/document.h"
#include "server/iam/common.h"

namespace gatehouse::server::iam {
namespace {

using store::TouchedKind;
using D = Declared;
using F = From;
using V = Via;

// The rows' resource lists, shared where operations act alike.
constexpr std::array<D, 0> kNothing{};
constexpr std::array<D, 1> kUser{{{F::UserName}}};
constexpr std::array<D, 1> kGroup{{{F::GroupName}}};
constexpr std::array<D, 1> kRole{{{F::RoleName}}};
constexpr std::array<D, 1> kPolicy{{{F::PolicyArn}}};
constexpr std::array<D, 1> kUserOrCaller{{{F::UserOrCaller}}};
// Creating a user: the permissions boundary is read (attachable?) and counted.
constexpr std::array<D, 2> kCreateUser{{{F::UserName}, {F::PermissionsBoundary}}};
// Setting a boundary: the new one is read and counted, the one it replaces counted down.
constexpr std::array<D, 3> kUserBoundary{{{F::UserName}, {F::PermissionsBoundary}, {F::UserName, V::Boundary}}};
constexpr std::array<D, 3> kRoleBoundary{{{F::RoleName}, {F::PermissionsBoundary}, {F::RoleName, V::Boundary}}};
// Removing a boundary, or the user or role it bounds: the boundary is counted down.
constexpr std::array<D, 2> kUserUnbound{{{F::UserName}, {F::UserName, V::Boundary}}};
constexpr std::array<D, 2> kRoleUnbound{{{F::RoleName}, {F::RoleName, V::Boundary}}};
// Attaching or detaching: the policy is read and counted.
constexpr std::array<D, 2> kUserAttach{{{F::UserName}, {F::PolicyArn}}};
constexpr std::array<D, 2> kGroupAttach{{{F::GroupName}, {F::PolicyArn}}};
constexpr std::array<D, 2> kRoleAttach{{{F::RoleName}, {F::PolicyArn}}};
// Listing the attached policies reads each (its name).
constexpr std::array<D, 2> kUserAttached{{{F::UserName}, {F::UserName, V::Attached}}};
constexpr std::array<D, 2> kGroupAttached{{{F::GroupName}, {F::GroupName, V::Attached}}};
constexpr std::array<D, 2> kRoleAttached{{{F::RoleName}, {F::RoleName, V::Attached}}};
// A group's members (GetGroup lists them) and a user's groups.
constexpr std::array<D, 2> kGroupMembers{{{F::GroupName}, {F::GroupName, V::Members}}};
constexpr std::array<D, 2> kUserGroups{{{F::UserName}, {F::UserName, V::Groups}}};
// Membership changes: authorized on the group, the user is written too.
constexpr std::array<D, 2> kMembership{{{F::GroupName}, {F::UserName}}};
// A role as shown: the principals of its trust policy, checked for being the entity bound.
constexpr std::array<D, 2> kRoleShown{{{F::RoleName}, {F::RoleName, V::TrustPrincipals}}};
// A new trust policy: its user and role principals must exist and are bound to their ids.
constexpr std::array<D, 3> kCreateRole{{{F::RoleName}, {F::PermissionsBoundary}, {F::TrustDocument}}};
constexpr std::array<D, 2> kTrustUpdate{{{F::RoleName}, {F::TrustDocument}}};
constexpr std::array<D, 1> kAllUsers{{{F::AllUsers}}};
constexpr std::array<D, 1> kAllGroups{{{F::AllGroups}}};
constexpr std::array<D, 2> kAllRoles{{{F::AllRoles}, {F::AllRoles, V::TrustPrincipals}}};
constexpr std::array<D, 1> kAllPolicies{{{F::AllPolicies}}};
// Who uses a policy: every user, group and role of the account is looked at.
constexpr std::array<D, 4> kPolicyEntities{{{F::PolicyArn}, {F::AllUsers}, {F::AllGroups}, {F::AllRoles}}};
// A principal's policies as AWS evaluates them: its own, its groups' and its boundary.
constexpr std::array<D, 5> kPrincipalPolicies{{{F::PolicySourceArn},
                                               {F::PolicySourceArn, V::Attached},
                                               {F::PolicySourceArn, V::Groups},
                                               {F::PolicySourceArn, V::GroupsAttached},
                                               {F::PolicySourceArn, V::Boundary}}};
// AssumeRole: the role (its trust) and the session's managed policies.
constexpr std::array<D, 2> kAssumeRole{{{F::RoleArn}, {F::SessionPolicyArns}}};
constexpr std::array<D, 1> kCaller{{{F::Caller}}};

constexpr auto kTable = std::to_array<OperationResources>({
    {"iam:CreateUser", kCreateUser},
    {"iam:GetUser", kUserOrCaller},
    {"iam:DeleteUser", kUserUnbound},
    {"iam:ListUsers", kAllUsers},
    {"iam:CreateAccessKey", kUserOrCaller},
    {"iam:UpdateAccessKey", kUserOrCaller},
    {"iam:DeleteAccessKey", kUserOrCaller},
    {"iam:ListAccessKeys", kUserOrCaller},
    {"iam:TagUser", kUser},
    {"iam:UntagUser", kUser},
    {"iam:ListUserTags", kUser},
    {"iam:PutUserPermissionsBoundary", kUserBoundary},
    {"iam:DeleteUserPermissionsBoundary", kUserUnbound},
    {"iam:CreateGroup", kGroup},
    {"iam:GetGroup", kGroupMembers},
    {"iam:DeleteGroup", kGroup},
    {"iam:ListGroups", kAllGroups},
    {"iam:ListGroupsForUser", kUserGroups},
    {"iam:AddUserToGroup", kMembership},
    {"iam:RemoveUserFromGroup", kMembership},
    {"iam:PutUserPolicy", kUser},
    {"iam:GetUserPolicy", kUser},
    {"iam:DeleteUserPolicy", kUser},
    {"iam:ListUserPolicies", kUser},
    {"iam:AttachUserPolicy", kUserAttach},
    {"iam:DetachUserPolicy", kUserAttach},
    {"iam:ListAttachedUserPolicies", kUserAttached},
    {"iam:PutGroupPolicy", kGroup},
    {"iam:GetGroupPolicy", kGroup},
    {"iam:DeleteGroupPolicy", kGroup},
    {"iam:ListGroupPolicies", kGroup},
    {"iam:AttachGroupPolicy", kGroupAttach},
    {"iam:DetachGroupPolicy", kGroupAttach},
    {"iam:ListAttachedGroupPolicies", kGroupAttached},
    {"iam:PutRolePolicy", kRole},
    {"iam:GetRolePolicy", kRole},
    {"iam:DeleteRolePolicy", kRole},
    {"iam:ListRolePolicies", kRole},
    {"iam:AttachRolePolicy", kRoleAttach},
    {"iam:DetachRolePolicy", kRoleAttach},
    {"iam:ListAttachedRolePolicies", kRoleAttached},
    {"iam:CreateRole", kCreateRole},
    {"iam:GetRole", kRoleShown},
    {"iam:DeleteRole", kRoleUnbound},
    {"iam:UpdateRole", kRoleShown},
    {"iam:UpdateRoleDescription", kRoleShown},
    {"iam:UpdateAssumeRolePolicy", kTrustUpdate},
    {"iam:ListRoles", kAllRoles},
    {"iam:ListInstanceProfilesForRole", kRole},
    {"iam:TagRole", kRole},
    {"iam:UntagRole", kRole},
    {"iam:ListRoleTags", kRole},
    {"iam:PutRolePermissionsBoundary", kRoleBoundary},
    {"iam:DeleteRolePermissionsBoundary", kRoleUnbound},
    {"iam:CreatePolicy", kNothing},  // the new policy is the authorized resource
    {"iam:GetPolicy", kPolicy},
    {"iam:DeletePolicy", kPolicy},
    {"iam:ListPolicies", kAllPolicies},
    {"iam:CreatePolicyVersion", kPolicy},
    {"iam:GetPolicyVersion", kPolicy},
    {"iam:DeletePolicyVersion", kPolicy},
    {"iam:ListPolicyVersions", kPolicy},
    {"iam:SetDefaultPolicyVersion", kPolicy},
    {"iam:ListEntitiesForPolicy", kPolicyEntities},
    {"iam:SimulateCustomPolicy", kNothing},
    {"iam:SimulatePrincipalPolicy", kPrincipalPolicies},
    {"iam:GetContextKeysForCustomPolicy", kNothing},
    {"iam:GetContextKeysForPrincipalPolicy", kPrincipalPolicies},
    {"sts:GetCallerIdentity", kNothing},
    {"sts:AssumeRole", kAssumeRole},
    {"sts:GetSessionToken", kCaller},
});

// Resolves one request's rows into keys of the caller's account (and AWS's managed policies).
class Resolver {
 public:
  Resolver(const query::Call& call, const store::Snapshot& snapshot) : call_(call), s_(snapshot) {}

  void add(const Declared& d) {
    for (const query::EntityKey& base : bases(d.from)) {
      if (d.via == Via::Itself) {
        push(base);
      } else {
        related(base, d.via);
      }
    }
  }

  std::vector<query::EntityKey> take() { return std::move(out_); }

 private:
  const std::string& account() const { return call_.account(); }

  void push(query::EntityKey key) {
    if (std::find(out_.begin(), out_.end(), key) == out_.end()) out_.push_back(std::move(key));
  }
  std::optional<query::EntityKey> entity(TouchedKind kind, std::string_view name) const {
    if (name.empty()) return std::nullopt;
    return query::EntityKey{kind, account(), std::string(name)};
  }
  // A managed policy ARN of the caller's account or of AWS's; nothing for another account's.
  std::optional<query::EntityKey> policy_key(std::string_view arn) const {
    const auto parsed = policy::parse_arn(arn);
    if (!parsed || parsed->service != "iam" || !parsed->resource.starts_with("policy/")) return std::nullopt;
    if (parsed->account != account() && parsed->account != store::kAwsAccount) return std::nullopt;
    return query::EntityKey{TouchedKind::Policy, std::string(parsed->account), std::string(arn)};
  }
  // A user or role principal ARN of the caller's account.
  std::optional<query::EntityKey> principal(std::string_view arn) const {
    const auto p = policy::parse_principal_arn(arn);
    if (!p || p->account != account()) return std::nullopt;
    if (p->kind == policy::PrincipalArnKind::User) return entity(TouchedKind::User, p->name);
    if (p->kind == policy::PrincipalArnKind::Role) return entity(TouchedKind::Role, p->name);
    return std::nullopt;
  }
  // An entity ARN of the caller's account (RoleArn, PolicySourceArn).
  std::optional<query::EntityKey> entity_arn(std::string_view arn) const {
    const auto parsed = policy::parse_arn(arn);
    if (!parsed || parsed->service != "iam" || parsed->account != account()) return std::nullopt;
    const std::string_view resource = parsed->resource;
    const std::string_view name = resource.substr(resource.rfind('/') + 1);
    if (resource.starts_with("user/")) return entity(TouchedKind::User, name);
    if (resource.starts_with("group/")) return entity(TouchedKind::Group, name);
    if (resource.starts_with("role/")) return entity(TouchedKind::Role, name);
    return std::nullopt;
  }
  std::optional<std::string> param(std::string_view name) const { return call_.optional(name); }

  std::vector<query::EntityKey> bases(From from) const {
    std::vector<query::EntityKey> out;
    const auto keep = [&](std::optional<query::EntityKey> key) {
      if (key) out.push_back(std::move(*key));
    };
    switch (from) {
      case From::UserName: keep(entity(TouchedKind::User, param("UserName").value_or(""))); break;
      case From::GroupName: keep(entity(TouchedKind::Group, param("GroupName").value_or(""))); break;
      case From::RoleName: keep(entity(TouchedKind::Role, param("RoleName").value_or(""))); break;
      case From::UserOrCaller:
        if (call_.params().has("UserName")) {
          keep(entity(TouchedKind::User, param("UserName").value_or("")));
          break;
        }
        [[fallthrough]];
      case From::Caller: {
        const store::CredentialKind kind = call_.principal().credential->principal.kind;
        if (kind == store::CredentialKind::User || kind == store::CredentialKind::UserSession) {
          keep(entity(TouchedKind::User, call_.caller().name));
        }
        break;
      }
      case From::PolicyArn: keep(policy_key(param("PolicyArn").value_or(""))); break;
      case From::PermissionsBoundary: keep(policy_key(param("PermissionsBoundary").value_or(""))); break;
      case From::SessionPolicyArns:
        for (const std::string& prefix : call_.params().member_prefixes("PolicyArns")) {
          keep(policy_key(param(prefix + ".arn").value_or("")));
        }
        break;
      case From::RoleArn: keep(entity_arn(param("RoleArn").value_or(""))); break;
      case From::PolicySourceArn: keep(entity_arn(param("PolicySourceArn").value_or(""))); break;
      case From::TrustDocument: {
        // CreateRole's AssumeRolePolicyDocument, UpdateAssumeRolePolicy's PolicyDocument.
        auto text = param("AssumeRolePolicyDocument");
        if (!text) text = param("PolicyDocument");
        if (!text) break;
        const auto parsed = policy::parse_document(*text);
        if (!parsed) break;
        for (const policy::Statement& statement : parsed.value().statements) {
          for (const policy::PrincipalElement* element : {&statement.principal, &statement.not_principal}) {
            for (const policy::PrincipalValue& value : element->values) {
              if (value.type == "AWS") keep(principal(value.value.value));
            }
          }
        }
        break;
      }
      case From::AllUsers: out.push_back({TouchedKind::User, account(), {}, true}); break;
      case From::AllGroups: out.push_back({TouchedKind::Group, account(), {}, true}); break;
      case From::AllRoles: out.push_back({TouchedKind::Role, account(), {}, true}); break;
      case From::AllPolicies:
        out.push_back({TouchedKind::Policy, account(), {}, true});
        out.push_back({TouchedKind::Policy, std::string(store::kAwsAccount), {}, true});
        break;
    }
    return out;
  }

  // The resources `via` reaches from `base`, read from the store as it is now.
  void related(const query::EntityKey& base, Via via) {
    const auto policies = [&](const std::vector<std::string>& arns) {
      for (const std::string& arn : arns) {
        if (auto key = policy_key(arn)) push(std::move(*key));
      }
    };
    const auto boundary = [&](const std::string& arn) {
      if (!arn.empty()) policies({arn});
    };
    const auto trust = [&](const store::Role& role) {
      for (const auto& [arn, id] : role.trust_principal_ids) {
        if (auto key = principal(arn)) push(std::move(*key));
      }
    };
    if (base.every) {
      // Every role of the account (ListRoles shows each one's trust policy).
      if (base.kind == TouchedKind::Role && via == Via::TrustPrincipals) {
        for (const store::Role& role : s_.list_roles(account())) trust(role);
      }
      return;
    }
    switch (base.kind) {
      case TouchedKind::User:
        if (auto user = s_.find_user(account(), base.name)) {
          if (via == Via::Boundary) boundary(user->boundary);
          if (via == Via::Attached) policies(user->attached);
          for (const std::string& group_name : user->groups) {
            if (via == Via::Groups) push({TouchedKind::Group, account(), group_name});
            if (via == Via::GroupsAttached) {
              if (auto group = s_.find_group(account(), group_name)) policies(group->attached);
            }
          }
        }
        break;
      case TouchedKind::Group:
        if (auto group = s_.find_group(account(), base.name)) {
          if (via == Via::Attached) policies(group->attached);
          if (via == Via::Members) {
            for (const std::string& member : group->members) push({TouchedKind::User, account(), member});
          }
        }
        break;
      case TouchedKind::Role:
        if (auto role = s_.find_role(account(), base.name)) {
          if (via == Via::Boundary) boundary(role->boundary);
          if (via == Via::Attached) policies(role->attached);
          if (via == Via::TrustPrincipals) trust(*role);
        }
        break;
      default: break;
    }
  }

  const query::Call& call_;
  const store::Snapshot& s_;
  std::vector<query::EntityKey> out_;
};

}  // namespace

std::span<const OperationResources> operation_resources() { return kTable; }

const OperationResources* find_operation_resources(std::string_view action) noexcept {
  const auto it = std::find_if(kTable.begin(), kTable.end(),
                               [&](const OperationResources& row) { return row.action == action; });
  return it == kTable.end() ? nullptr : &*it;
}

std::vector<query::EntityKey> declared_resources(const query::Call& call, std::string_view action) {
  const OperationResources* row = find_operation_resources(action);
  if (!row) return {};
  std::vector<query::EntityKey> out;
  auto status = read(call, [&](const store::Snapshot& s) -> Outcome<void> {
    Resolver resolver(call, s);
    for (const Declared& d : row->resources) resolver.add(d);
    out = resolver.take();
    return policy::success();
  });
  if (!status) return {};
  return out;
}

}  // namespace gatehouse::server::iam
