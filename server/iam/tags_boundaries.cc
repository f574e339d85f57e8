// Tags and permissions boundaries of users and roles (iam-sts-api.md 3.1, 3.4): TagUser,
// UntagUser, ListUserTags, PutUserPermissionsBoundary, DeleteUserPermissionsBoundary and their
// Role twins.
#include "server/iam/operations.h"

namespace gatehouse::server::iam {

using store::EntityKind;

template <EntityKind K>
Reply tag_entity(const Call& call, const Target& found) {
  if (!call.params().has_list("Tags")) return query::missing("tags");
  auto tags = tags_parameter(call);
  if (!tags) return tags.error();
  Facts facts = request_tag_facts(call, tags.value(), false);
  facts.resource_tags = found.tags;
  if (auto ok = authorize_target(call, entity_action("Tag", K, ""), found, facts); !ok) return ok.error();
  return done(write(call, [&](store::Mutation& m) { return lift(m.tag_entity(found.ref, tags.value())); }));
}

template <EntityKind K>
Reply untag_entity(const Call& call, const Target& found) {
  const std::vector<std::string> tag_keys = call.params().members("TagKeys");
  if (!call.params().has_list("TagKeys")) return query::missing("tagKeys");
  if (tag_keys.size() > store::kMaxTags) {
    return query::invalid("[...]", "tagKeys", "Member must have length less than or equal to 50");
  }
  Facts facts = target_facts(found);
  facts.tag_keys = tag_keys;
  if (auto ok = authorize_target(call, entity_action("Untag", K, ""), found, facts); !ok) return ok.error();
  return done(write(call, [&](store::Mutation& m) { return lift(m.untag_entity(found.ref, tag_keys)); }));
}

template <EntityKind K>
Reply list_entity_tags(const Call& call, const Target& found) {
  if (auto ok = authorize_target(call, entity_action("List", K, "Tags"), found); !ok) return ok.error();
  auto tags = fetch(call, [&](const store::Snapshot& s) -> store::Result<store::Tags> {
    const std::string& name = found.ref.name;
    if constexpr (K == EntityKind::User) {
      auto user = s.get_user(call.account(), name);
      if (!user) return user.error();
      return user.value().tags;
    } else {
      auto role = s.get_role(call.account(), name);
      if (!role) return role.error();
      return role.value().tags;
    }
  });
  if (!tags) return tags.error();
  using Tag = std::pair<std::string, std::string>;
  return list_page(
      call, "Tags", std::vector<Tag>(tags.value().begin(), tags.value().end()), [](const Tag& t) { return t.first; },
      [](Xml& xml, const Tag& t) { xml.element("Key", t.first).element("Value", t.second); });
}

template <EntityKind K>
Reply put_permissions_boundary(const Call& call, const Target& found) {
  auto boundary = policy_arn_parameter(call, "PermissionsBoundary", "permissionsBoundary");
  if (!boundary) return boundary.error();
  // iam:PermissionsBoundary is the boundary being set.
  Facts facts;
  facts.resource_tags = found.tags;
  facts.set("iam:PermissionsBoundary", boundary.value());
  if (auto ok = authorize_target(call, entity_action("Put", K, "PermissionsBoundary"), found, facts); !ok) {
    return ok.error();
  }
  return done(write(
      call, [&](store::Mutation& m) { return lift(m.put_permissions_boundary(found.ref, boundary.value())); }));
}

template <EntityKind K>
Reply delete_permissions_boundary(const Call& call, const Target& found) {
  if (auto ok = authorize_target(call, entity_action("Delete", K, "PermissionsBoundary"), found); !ok) {
    return ok.error();
  }
  return done(write(call, [&](store::Mutation& m) { return lift(m.delete_permissions_boundary(found.ref)); }));
}

#define GATEHOUSE_IAM_TAGGED(K)                            \
  template Reply tag_entity<K>(const Call&, const Target&);               \
  template Reply untag_entity<K>(const Call&, const Target&);             \
  template Reply list_entity_tags<K>(const Call&, const Target&);         \
  template Reply put_permissions_boundary<K>(const Call&, const Target&); \
  template Reply delete_permissions_boundary<K>(const Call&, const Target&);
GATEHOUSE_IAM_TAGGED(EntityKind::User)
GATEHOUSE_IAM_TAGGED(EntityKind::Role)
#undef GATEHOUSE_IAM_TAGGED

}  // namespace gatehouse::server::iam
