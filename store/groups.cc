// IAM groups: CreateGroup, DeleteGroup, AddUserToGroup, RemoveUserFromGroup.
#include <algorithm>

#include "store/iam_common.h"
#include "store/ids.h"
#include "store/touch.h"

namespace gatehouse::store {

using namespace detail;

namespace {

bool contains_ignore_case(const std::vector<std::string>& names, std::string_view name) {
  const std::string lower = keys::lower_ascii(name);
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return keys::lower_ascii(n) == lower; });
}

void erase_ignore_case(std::vector<std::string>& names, std::string_view name) {
  const std::string lower = keys::lower_ascii(name);
  std::erase_if(names, [&](const std::string& n) { return keys::lower_ascii(n) == lower; });
}

// The group and the user of a membership call, both of which must exist.
Result<std::pair<Group, User>> membership(const Snapshot& s, std::string_view account, std::string_view group,
                                          std::string_view user) {
  auto g = s.get_group(account, group);
  if (!g) return g.error();
  auto u = s.get_user(account, user);
  if (!u) return u.error();
  return std::make_pair(std::move(g.value()), std::move(u.value()));
}

void save_membership(Mutation& m, std::string_view account, const Group& g, const User& u) {
  save(m.transaction(), m.state().db.users, keys::entity(account, u.name), u);
  save(m.transaction(), m.state().db.groups, keys::entity(account, g.name), g);
  m.effects().iam = true;
}

}  // namespace

std::optional<Group> Snapshot::find_group(std::string_view account, std::string_view name) const {
  note_touch(TouchedKind::Group, account, {}, name);
  return load<Group>(txn_, state_.db.groups, keys::entity(account, name));
}

Result<Group> Snapshot::get_group(std::string_view account, std::string_view name) const {
  auto group = find_group(account, name);
  if (!group) return aws::no_such_entity(EntityKind::Group, name);
  return std::move(*group);
}

std::vector<Group> Snapshot::list_groups(std::string_view account, std::string_view path_prefix) const {
  auto groups = list_entities<Group>(txn_, state_.db.groups, account, path_prefix);
  for (const Group& g : groups) note_touch(TouchedKind::Group, account, {}, g.name);
  return groups;
}

Result<std::vector<Group>> Snapshot::list_groups_for_user(std::string_view account, std::string_view user) const {
  auto u = get_user(account, user);
  if (!u) return u.error();
  std::vector<Group> out;
  for (const auto& name : u.value().groups) {
    if (auto g = find_group(account, name)) out.push_back(std::move(*g));
  }
  return out;
}

Result<Group> Mutation::create_group(const CreateGroupInput& input) {
  if (auto ok = check_name(input.name, "groupName", 128); !ok) return ok.error();
  if (auto ok = check_path(input.path); !ok) return ok.error();
  if (auto ok = require_account(*this, input.account); !ok) return ok.error();
  if (find_group(input.account, input.name)) return aws::entity_exists(EntityKind::Group, input.name);
  Group group;
  group.account = input.account;
  group.name = input.name;
  group.path = input.path;
  group.arn = iam_arn(input.account, "group", input.path, input.name);
  group.id = issue_unique_id(*this, ids::kGroupPrefix, input.account, group.arn);
  group.created = now();
  save(txn_, state_.db.groups, keys::entity(group.account, group.name), group);
  effects_.iam = true;
  return group;
}

Result<void> Mutation::delete_group(std::string_view account, std::string_view name) {
  auto group = get_group(account, name);
  if (!group) return group.error();
  if (!group.value().members.empty()) return aws::must_remove_from_groups();
  if (!group.value().inline_policies.empty()) return aws::must_delete_policies();
  if (!group.value().attached.empty()) return aws::must_detach_policies();
  state_.db.groups.del(txn_, keys::entity(account, name));
  effects_.iam = true;
  return success();
}

Result<void> Mutation::add_user_to_group(std::string_view account, std::string_view group_name,
                                         std::string_view user_name) {
  auto pair = membership(*this, account, group_name, user_name);
  if (!pair) return pair.error();
  auto& [g, u] = pair.value();
  if (contains_ignore_case(u.groups, g.name)) return success();  // already a member: AWS answers 200
  if (u.groups.size() >= kMaxGroupsPerUser) return aws::quota("GroupsPerUser", kMaxGroupsPerUser);
  u.groups.push_back(g.name);
  g.members.push_back(u.name);
  save_membership(*this, account, g, u);
  return success();
}

Result<void> Mutation::remove_user_from_group(std::string_view account, std::string_view group_name,
                                              std::string_view user_name) {
  auto pair = membership(*this, account, group_name, user_name);
  if (!pair) return pair.error();
  auto& [g, u] = pair.value();
  if (!contains_ignore_case(u.groups, g.name)) return aws::no_such_entity(EntityKind::User, user_name);
  erase_ignore_case(u.groups, g.name);
  erase_ignore_case(g.members, u.name);
  save_membership(*this, account, g, u);
  return success();
}

}  // namespace gatehouse::store
