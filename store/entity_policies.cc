// Inline and attached managed policies of users, groups and roles:
// Put/Get/Delete/List{User,Group,Role}Policy, Attach/Detach/ListAttached*.
#include <algorithm>

#include "store/iam_common.h"

namespace gatehouse::store {

using namespace detail;

namespace {

policy::PolicyType inline_type(EntityKind kind) {
  switch (kind) {
    case EntityKind::User: return policy::PolicyType::InlineUser;
    case EntityKind::Group: return policy::PolicyType::InlineGroup;
    case EntityKind::Role: return policy::PolicyType::InlineRole;
  }
  return policy::PolicyType::InlineUser;
}

std::string_view attached_quota(EntityKind kind) {
  switch (kind) {
    case EntityKind::User: return "PoliciesPerUser";
    case EntityKind::Group: return "PoliciesPerGroup";
    case EntityKind::Role: return "PoliciesPerRole";
  }
  return "PoliciesPerUser";
}

// Calls fn with the user, group or role an entity names (read-only).
template <class F>
auto visit_entity(const Snapshot& s, const EntityRef& entity, F&& fn) -> decltype(fn(std::declval<const User&>())) {
  switch (entity.kind) {
    case EntityKind::User: {
      auto user = s.get_user(entity.account, entity.name);
      if (!user) return user.error();
      return fn(user.value());
    }
    case EntityKind::Group: {
      auto group = s.get_group(entity.account, entity.name);
      if (!group) return group.error();
      return fn(group.value());
    }
    case EntityKind::Role: break;
  }
  auto role = s.get_role(entity.account, entity.name);
  if (!role) return role.error();
  return fn(role.value());
}

// Lets fn change the user, group or role an entity names; saves it when fn succeeds.
template <class F>
Result<void> update_entity(Mutation& m, const EntityRef& entity, F&& fn) {
  const auto& db = m.state().db;
  const std::string key = keys::entity(entity.account, entity.name);
  auto apply = [&](auto record, const kv::Database& table) -> Result<void> {
    if (auto ok = fn(record); !ok) return ok.error();
    save(m.transaction(), table, key, record);
    m.effects().iam = true;
    return success();
  };
  switch (entity.kind) {
    case EntityKind::User: {
      auto user = m.get_user(entity.account, entity.name);
      if (!user) return user.error();
      return apply(std::move(user.value()), db.users);
    }
    case EntityKind::Group: {
      auto group = m.get_group(entity.account, entity.name);
      if (!group) return group.error();
      return apply(std::move(group.value()), db.groups);
    }
    case EntityKind::Role: break;
  }
  auto role = m.get_role(entity.account, entity.name);
  if (!role) return role.error();
  return apply(std::move(role.value()), db.roles);
}

}  // namespace

Result<InlinePolicy> Snapshot::get_inline_policy(const EntityRef& entity, std::string_view policy_name) const {
  return visit_entity(*this, entity, [&](const auto& record) -> Result<InlinePolicy> {
    for (const auto& p : record.inline_policies) {
      if (p.name == policy_name) return p;
    }
    return aws::no_such_inline_policy(entity.kind, policy_name);
  });
}

Result<std::vector<std::string>> Snapshot::list_inline_policies(const EntityRef& entity) const {
  return visit_entity(*this, entity, [&](const auto& record) -> Result<std::vector<std::string>> {
    std::vector<std::string> names;
    for (const auto& p : record.inline_policies) names.push_back(p.name);
    std::sort(names.begin(), names.end());
    return names;
  });
}

Result<std::vector<AttachedPolicy>> Snapshot::list_attached_policies(const EntityRef& entity) const {
  return visit_entity(*this, entity, [&](const auto& record) -> Result<std::vector<AttachedPolicy>> {
    std::vector<AttachedPolicy> out;
    for (const auto& arn : record.attached) {
      auto policy = find_policy(arn);
      out.push_back(AttachedPolicy{policy ? policy->name : std::string(), arn});
    }
    return out;
  });
}

Result<void> Mutation::put_inline_policy(const EntityRef& entity, std::string_view policy_name,
                                         std::string_view document) {
  if (auto ok = check_name(policy_name, "policyName", 128); !ok) return ok.error();
  const policy::PolicyType type = inline_type(entity.kind);
  const std::size_t limit = policy::size_limit(type).value_or(0);
  return update_entity(*this, entity, [&](auto& record) -> Result<void> {
    if (auto ok = check_document(*this, document, type); !ok) {
      // The validator measures one document; IAM names the entity in the message.
      if (ok.error().code == aws::kLimitExceeded) return aws::inline_size(entity.kind, record.name, limit);
      return ok.error();
    }
    // The quota is the sum over the entity's inline policies after the change.
    std::size_t total = policy_size(document);
    for (const auto& p : record.inline_policies) {
      if (p.name != policy_name) total += policy_size(p.document);
    }
    if (total > limit) return aws::inline_size(entity.kind, record.name, limit);
    const std::uint64_t revision = next_revision();
    auto it = std::find_if(record.inline_policies.begin(), record.inline_policies.end(),
                           [&](const InlinePolicy& p) { return p.name == policy_name; });
    if (it == record.inline_policies.end()) {
      record.inline_policies.push_back(InlinePolicy{std::string(policy_name), std::string(document), revision});
    } else {
      it->document = std::string(document);
      it->revision = revision;
    }
    return success();
  });
}

Result<void> Mutation::delete_inline_policy(const EntityRef& entity, std::string_view policy_name) {
  return update_entity(*this, entity, [&](auto& record) -> Result<void> {
    auto it = std::find_if(record.inline_policies.begin(), record.inline_policies.end(),
                           [&](const InlinePolicy& p) { return p.name == policy_name; });
    if (it == record.inline_policies.end()) return aws::no_such_inline_policy(entity.kind, policy_name);
    record.inline_policies.erase(it);
    effects_.forget.push_back(inline_policy_key(entity.kind, record.id, policy_name));
    return success();
  });
}

Result<void> Mutation::attach_policy(const EntityRef& entity, std::string_view policy_arn) {
  auto policy = attachable_policy(*this, entity.account, policy_arn);
  if (!policy) return policy.error();
  return update_entity(*this, entity, [&](auto& record) -> Result<void> {
    if (std::find(record.attached.begin(), record.attached.end(), policy_arn) != record.attached.end()) {
      return success();  // attaching twice is a no-op
    }
    if (record.attached.size() >= kMaxAttachedPolicies) return aws::quota(attached_quota(entity.kind), kMaxAttachedPolicies);
    record.attached.emplace_back(policy_arn);
    count_usage(*this, policy_arn, entity.account, 1, 0);
    return success();
  });
}

Result<void> Mutation::detach_policy(const EntityRef& entity, std::string_view policy_arn) {
  return update_entity(*this, entity, [&](auto& record) -> Result<void> {
    auto it = std::find(record.attached.begin(), record.attached.end(), policy_arn);
    if (it == record.attached.end()) return aws::policy_not_found(policy_arn);
    record.attached.erase(it);
    count_usage(*this, policy_arn, entity.account, -1, 0);
    return success();
  });
}

}  // namespace gatehouse::store
