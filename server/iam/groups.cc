// Groups (iam-sts-api.md 3.2): CreateGroup, GetGroup (with its users), DeleteGroup, ListGroups,
// ListGroupsForUser, AddUserToGroup, RemoveUserFromGroup.
#include "server/iam/operations.h"

namespace gatehouse::server::iam {
namespace {

using store::EntityKind;

constexpr auto kGroupName = [](const store::Group& g) { return g.name; };
constexpr auto kWriteGroup = [](Xml& xml, const store::Group& g) { write_group(xml, g); };

// AddUserToGroup / RemoveUserFromGroup: authorized on the group; the user the request names is
// resolved as the group is (its stored name when it exists) and is the only one written.
Reply membership(const Call& call, const Target& group, std::string_view action,
                 store::Result<void> (store::Mutation::*change)(std::string_view, std::string_view, std::string_view)) {
  auto name = entity_name_parameter(call, EntityKind::User);
  if (!name) return name.error();
  if (auto ok = authorize_target(call, action, group); !ok) return ok.error();
  auto user = target_named(call, EntityKind::User, std::move(name).value());
  if (!user) return user.error();
  return done(write(call, [&](store::Mutation& m) {
    return lift((m.*change)(call.account(), group.ref.name, user.value().ref.name));
  }));
}

}  // namespace

Reply create_group(const Call& call) {
  auto name = entity_name_parameter(call, EntityKind::Group);
  if (!name) return name.error();
  auto path = path_parameter(call);
  if (!path) return path.error();
  if (auto ok =
          authorize(call, "iam:CreateGroup", store::iam_arn(call.account(), "group", path.value(), name.value()), {});
      !ok) {
    return ok.error();
  }
  Xml xml;
  auto status = write(call, [&](store::Mutation& m) -> Outcome<void> {
    auto group = lift(m.create_group({call.account(), name.value(), path.value()}));
    if (!group) return group.error();
    xml = Xml();
    xml.open("Group");
    write_group(xml, group.value());
    xml.close("Group");
    return policy::success();
  });
  if (!status) return status.error();
  return audited(std::move(xml));
}

Reply get_group(const Call& call, const Target& found) {
  if (auto ok = authorize_target(call, "iam:GetGroup", found); !ok) return ok.error();
  store::Group group;
  std::vector<store::User> users;
  auto status = read(call, [&](const store::Snapshot& s) -> Outcome<void> {
    auto g = lift(s.get_group(call.account(), found.ref.name));
    if (!g) return g.error();
    group = std::move(g).value();
    for (const auto& member : group.members) {
      if (auto user = s.find_user(call.account(), member)) users.push_back(std::move(*user));
    }
    return policy::success();
  });
  if (!status) return status.error();
  Xml head;
  head.open("Group");
  write_group(head, group);
  head.close("Group");
  return list_page(
      call, "Users", std::move(users), [](const store::User& u) { return u.name; },
      [](Xml& xml, const store::User& u) { write_user(xml, u, false); }, std::move(head));
}

Reply delete_group(const Call& call, const Target& group) {
  if (auto ok = authorize_target(call, "iam:DeleteGroup", group); !ok) return ok.error();
  return done(write(call, [&](store::Mutation& m) { return lift(m.delete_group(call.account(), group.ref.name)); }));
}

Reply list_groups(const Call& call) {
  auto prefix = path_prefix_parameter(call);
  if (!prefix) return prefix.error();
  if (auto ok = authorize(call, "iam:ListGroups", "*", {}); !ok) return ok.error();
  auto groups = fetch(call, [&](const store::Snapshot& s) -> store::Result<std::vector<store::Group>> {
    return s.list_groups(call.account(), prefix.value());
  });
  if (!groups) return groups.error();
  return list_page(call, "Groups", std::move(groups).value(), kGroupName, kWriteGroup);
}

Reply list_groups_for_user(const Call& call, const Target& user) {
  if (auto ok = authorize_target(call, "iam:ListGroupsForUser", user); !ok) return ok.error();
  auto groups =
      fetch(call, [&](const store::Snapshot& s) { return s.list_groups_for_user(call.account(), user.ref.name); });
  if (!groups) return groups.error();
  return list_page(call, "Groups", std::move(groups).value(), kGroupName, kWriteGroup);
}

Reply add_user_to_group(const Call& call, const Target& group) {
  return membership(call, group, "iam:AddUserToGroup", &store::Mutation::add_user_to_group);
}

Reply remove_user_from_group(const Call& call, const Target& group) {
  return membership(call, group, "iam:RemoveUserFromGroup", &store::Mutation::remove_user_from_group);
}

}  // namespace gatehouse::server::iam
