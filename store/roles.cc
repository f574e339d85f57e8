// IAM roles: CreateRole, DeleteRole, UpdateAssumeRolePolicy, UpdateRole.
#include "store/iam_common.h"
#include "store/ids.h"
#include "store/touch.h"

namespace gatehouse::store {

using namespace detail;

namespace {

constexpr std::string_view kTrustName = "AssumeRolePolicyDocument";

Result<void> check_max_session(std::int32_t seconds) {
  if (seconds < 3600) {
    return aws::validation(std::to_string(seconds), "maxSessionDuration",
                           "Member must have value greater than or equal to 3600");
  }
  if (seconds > 43200) {
    return aws::validation(std::to_string(seconds), "maxSessionDuration",
                           "Member must have value less than or equal to 43200");
  }
  return success();
}

Result<void> check_description(std::string_view description) {
  if (text_length(description) > 1000) {
    return aws::validation(description, "description", "Member must have length less than or equal to 1000");
  }
  return success();
}

}  // namespace

std::optional<Role> Snapshot::find_role(std::string_view account, std::string_view name) const {
  note_touch(TouchedKind::Role, account, {}, name);
  return load<Role>(txn_, state_.db.roles, keys::entity(account, name));
}

Result<Role> Snapshot::get_role(std::string_view account, std::string_view name) const {
  auto role = find_role(account, name);
  if (!role) return aws::no_such_entity(EntityKind::Role, name);
  return std::move(*role);
}

std::vector<Role> Snapshot::list_roles(std::string_view account, std::string_view path_prefix) const {
  auto roles = list_entities<Role>(txn_, state_.db.roles, account, path_prefix);
  for (const Role& r : roles) note_touch(TouchedKind::Role, account, {}, r.name);
  return roles;
}

std::string Snapshot::shown_trust(const Role& role) const {
  return shown_document(*this, role.trust.document, role.trust_principal_ids);
}

Result<Role> Mutation::create_role(const CreateRoleInput& input) {
  if (auto ok = check_name(input.name, "roleName", 64); !ok) return ok.error();
  if (auto ok = check_path(input.path); !ok) return ok.error();
  if (auto ok = check_description(input.description); !ok) return ok.error();
  if (input.max_session_duration) {
    if (auto ok = check_max_session(*input.max_session_duration); !ok) return ok.error();
  }
  if (auto ok = check_tags(input.tags, "TagsPerRole"); !ok) return ok.error();
  if (auto ok = require_account(*this, input.account); !ok) return ok.error();
  if (find_role(input.account, input.name)) return aws::entity_exists(EntityKind::Role, input.name);
  if (auto ok = check_document(*this, input.assume_role_policy, policy::PolicyType::Trust); !ok) return ok.error();
  if (!input.permissions_boundary.empty()) {
    auto boundary = attachable_policy(*this, input.account, input.permissions_boundary);
    if (!boundary) return boundary.error();
    count_usage(*this, input.permissions_boundary, input.account, 0, 1);
  }
  Role role;
  role.account = input.account;
  role.name = input.name;
  role.path = input.path;
  role.arn = iam_arn(input.account, "role", input.path, input.name);
  role.id = issue_unique_id(*this, ids::kRolePrefix, input.account, role.arn);
  role.created = now();
  role.description = input.description;
  role.max_session_duration = input.max_session_duration.value_or(3600);
  role.trust = InlinePolicy{std::string(kTrustName), input.assume_role_policy, next_revision()};
  role.trust_principal_ids = bind_principals(*this, input.assume_role_policy);
  role.boundary = input.permissions_boundary;
  role.tags = input.tags;
  save(txn_, state_.db.roles, keys::entity(role.account, role.name), role);
  effects_.iam = true;
  return role;
}

Result<void> Mutation::delete_role(std::string_view account, std::string_view name) {
  auto role = get_role(account, name);
  if (!role) return role.error();
  const Role& r = role.value();
  if (!r.inline_policies.empty()) return aws::must_delete_policies();
  if (!r.attached.empty()) return aws::must_detach_policies();
  if (!r.boundary.empty()) count_usage(*this, r.boundary, account, 0, -1);
  state_.db.roles.del(txn_, keys::entity(account, name));
  effects_.forget.push_back(trust_policy_key(r.id));
  effects_.iam = true;
  return success();
}

Result<void> Mutation::update_assume_role_policy(std::string_view account, std::string_view name,
                                                 std::string_view document) {
  auto role = get_role(account, name);
  if (!role) return role.error();
  if (auto ok = check_document(*this, document, policy::PolicyType::Trust); !ok) return ok.error();
  Role& r = role.value();
  r.trust.document = std::string(document);
  r.trust.revision = next_revision();
  r.trust_principal_ids = bind_principals(*this, document);
  save(txn_, state_.db.roles, keys::entity(account, r.name), r);
  effects_.iam = true;
  return success();
}

Result<Role> Mutation::update_role(std::string_view account, std::string_view name, const UpdateRoleInput& input) {
  auto role = get_role(account, name);
  if (!role) return role.error();
  Role& r = role.value();
  if (input.description) {
    if (auto ok = check_description(*input.description); !ok) return ok.error();
    r.description = *input.description;
  }
  if (input.max_session_duration) {
    if (auto ok = check_max_session(*input.max_session_duration); !ok) return ok.error();
    r.max_session_duration = *input.max_session_duration;
  }
  save(txn_, state_.db.roles, keys::entity(account, r.name), r);
  effects_.iam = true;
  return std::move(r);
}

}  // namespace gatehouse::store
