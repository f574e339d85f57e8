// IAM users: CreateUser, DeleteUser, GetUser, ListUsers, tags and boundaries.
#include <algorithm>

#include "policy/text.h"
#include "store/iam_common.h"
#include "store/ids.h"
#include "store/touch.h"

namespace gatehouse::store {

using namespace detail;

std::optional<User> Snapshot::find_user(std::string_view account, std::string_view name) const {
  note_touch(TouchedKind::User, account, {}, name);
  return load<User>(txn_, state_.db.users, keys::entity(account, name));
}

Result<User> Snapshot::get_user(std::string_view account, std::string_view name) const {
  auto user = find_user(account, name);
  if (!user) return aws::no_such_entity(EntityKind::User, name);
  return std::move(*user);
}

std::vector<User> Snapshot::list_users(std::string_view account, std::string_view path_prefix) const {
  auto users = list_entities<User>(txn_, state_.db.users, account, path_prefix);
  for (const User& u : users) note_touch(TouchedKind::User, account, {}, u.name);
  return users;
}

Result<User> Mutation::create_user(const CreateUserInput& input) {
  if (auto ok = check_name(input.name, "userName", 64); !ok) return ok.error();
  if (auto ok = check_path(input.path); !ok) return ok.error();
  if (auto ok = check_tags(input.tags, "TagsPerUser"); !ok) return ok.error();
  if (auto ok = require_account(*this, input.account); !ok) return ok.error();
  if (find_user(input.account, input.name)) return aws::entity_exists(EntityKind::User, input.name);
  if (!input.permissions_boundary.empty()) {
    auto boundary = attachable_policy(*this, input.account, input.permissions_boundary);
    if (!boundary) return boundary.error();
    count_usage(*this, input.permissions_boundary, input.account, 0, 1);
  }
  User user;
  user.account = input.account;
  user.name = input.name;
  user.path = input.path;
  user.arn = iam_arn(input.account, "user", input.path, input.name);
  user.id = issue_unique_id(*this, ids::kUserPrefix, input.account, user.arn);
  user.created = now();
  user.tags = input.tags;
  user.boundary = input.permissions_boundary;
  save(txn_, state_.db.users, keys::entity(user.account, user.name), user);
  effects_.iam = true;
  return user;
}

Result<void> Mutation::delete_user(std::string_view account, std::string_view name) {
  auto user = get_user(account, name);
  if (!user) return user.error();
  const User& u = user.value();
  // DeleteUser: "you must delete the items attached to the user manually".
  if (!u.access_keys.empty()) return aws::must_delete_access_keys();
  if (!u.inline_policies.empty()) return aws::must_delete_policies();
  if (!u.attached.empty()) return aws::must_detach_policies();
  if (!u.groups.empty()) return aws::must_remove_from_groups();
  if (!u.boundary.empty()) count_usage(*this, u.boundary, account, 0, -1);
  state_.db.users.del(txn_, keys::entity(account, name));
  effects_.iam = true;
  return success();
}

namespace {

// Loads the user or role an entity names, lets fn change it, and saves it.
template <class F>
Result<void> update_tagged(Mutation& m, const EntityRef& entity, F&& fn) {
  const auto& db = m.state().db;
  const std::string key = keys::entity(entity.account, entity.name);
  if (entity.kind == EntityKind::User) {
    auto user = m.get_user(entity.account, entity.name);
    if (!user) return user.error();
    if (auto ok = fn(user.value().tags, user.value().boundary); !ok) return ok.error();
    save(m.transaction(), db.users, key, user.value());
  } else if (entity.kind == EntityKind::Role) {
    auto role = m.get_role(entity.account, entity.name);
    if (!role) return role.error();
    if (auto ok = fn(role.value().tags, role.value().boundary); !ok) return ok.error();
    save(m.transaction(), db.roles, key, role.value());
  } else {
    return aws::invalid_input("Groups have neither tags nor permissions boundaries.");
  }
  m.effects().iam = true;
  return success();
}

}  // namespace

Result<void> Mutation::tag_entity(const EntityRef& entity, const Tags& tags) {
  const std::string quota = entity.kind == EntityKind::Role ? "TagsPerRole" : "TagsPerUser";
  return update_tagged(*this, entity, [&](Tags& current, std::string&) -> Result<void> {
    // Tag keys are case-insensitive: a key that differs only in case replaces the tag, and the
    // request's spelling is kept ("Department and department are not saved as separate tags").
    Tags merged = current;
    for (const auto& given : tags) {
      std::erase_if(merged, [&](const auto& tag) { return policy::equals_ignore_case(tag.first, given.first); });
      merged[given.first] = given.second;
    }
    if (auto ok = check_tags(merged, quota); !ok) return ok.error();
    current = std::move(merged);
    return success();
  });
}

Result<void> Mutation::untag_entity(const EntityRef& entity, const std::vector<std::string>& tag_keys) {
  return update_tagged(*this, entity, [&](Tags& current, std::string&) -> Result<void> {
    for (const auto& k : tag_keys) {
      std::erase_if(current, [&](const auto& tag) { return policy::equals_ignore_case(tag.first, k); });
    }
    return success();
  });
}

Result<void> Mutation::put_permissions_boundary(const EntityRef& entity, std::string_view policy_arn) {
  auto policy = attachable_policy(*this, entity.account, policy_arn);
  if (!policy) return policy.error();
  return update_tagged(*this, entity, [&](Tags&, std::string& boundary) -> Result<void> {
    if (boundary == policy_arn) return success();
    if (!boundary.empty()) count_usage(*this, boundary, entity.account, 0, -1);
    count_usage(*this, policy_arn, entity.account, 0, 1);
    boundary = std::string(policy_arn);
    return success();
  });
}

Result<void> Mutation::delete_permissions_boundary(const EntityRef& entity) {
  return update_tagged(*this, entity, [&](Tags&, std::string& boundary) -> Result<void> {
    if (boundary.empty()) {
      return aws::make(aws::kNoSuchEntity, "The " + std::string(aws::kind_word(entity.kind)) + " with name " +
                                               entity.name + " has no permissions boundary.");
    }
    count_usage(*this, boundary, entity.account, 0, -1);
    boundary.clear();
    return success();
  });
}

}  // namespace gatehouse::store
