// Roles (iam-sts-api.md 3.4): CreateRole, GetRole, DeleteRole, UpdateRole, UpdateRoleDescription,
// UpdateAssumeRolePolicy, ListRoles, ListInstanceProfilesForRole.
#include "server/iam/operations.h"

namespace gatehouse::server::iam {
namespace {

using store::EntityKind;

constexpr std::int64_t kMinSession = 3600, kMaxSession = 43200;
constexpr std::size_t kMaxDescription = 1000;

// [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]* over UTF-8 text (a role's description is
// Latin-1 only, unlike a managed policy's).
bool description_characters(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c < 0x7F)) continue;
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if ((c == 0xC2 && next >= 0xA1 && next <= 0xBF) || (c == 0xC3 && next >= 0x80 && next <= 0xBF)) {
      ++i;
      continue;
    }
    return false;
  }
  return true;
}

Outcome<std::optional<std::string>> description_parameter(const Call& call) {
  auto description = call.optional("Description");
  if (description && store::text_length(*description) > kMaxDescription) {
    return query::invalid(*description, "description", "Member must have length less than or equal to 1000");
  }
  if (description && !description_characters(*description)) {
    return query::invalid(*description, "description",
                          "Member must satisfy regular expression pattern: "
                          "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*");
  }
  return description;
}

Outcome<std::optional<std::int32_t>> max_session_parameter(const Call& call) {
  auto seconds = int_parameter(call, "MaxSessionDuration", "maxSessionDuration", kMinSession, kMaxSession);
  if (!seconds) return seconds.error();
  if (!seconds.value()) return std::optional<std::int32_t>();
  return std::optional<std::int32_t>(static_cast<std::int32_t>(*seconds.value()));
}

// The role as IAM shows it: principals of its trust policy that are gone read as their ids.
store::Result<store::Role> shown(const store::Snapshot& s, store::Result<store::Role> role) {
  if (role) role.value().trust.document = s.shown_trust(role.value());
  return role;
}

// <Role> with everything GetRole shows; audited for a change.
Reply answer_role(const Outcome<store::Role>& role, bool changed) {
  if (!role) return role.error();
  Xml xml;
  xml.open("Role");
  write_role(xml, role.value(), true);
  xml.close("Role");
  return changed ? audited(std::move(xml)) : query::answer(std::move(xml));
}

}  // namespace

Reply create_role(const Call& call) {
  auto name = entity_name_parameter(call, EntityKind::Role);
  if (!name) return name.error();
  auto trust = document_parameter(call, "AssumeRolePolicyDocument", "assumeRolePolicyDocument");
  if (!trust) return trust.error();
  auto path = path_parameter(call);
  if (!path) return path.error();
  auto description = description_parameter(call);
  if (!description) return description.error();
  auto max_session = max_session_parameter(call);
  if (!max_session) return max_session.error();
  auto tags = tags_parameter(call);
  if (!tags) return tags.error();
  auto boundary_arn = optional_boundary_parameter(call);
  if (!boundary_arn) return boundary_arn.error();
  const std::string& boundary = boundary_arn.value();

  const std::string arn = store::iam_arn(call.account(), "role", path.value(), name.value());
  // On creation the request's tags are the resource's too (policy-semantics.md 4.4).
  Facts facts = request_tag_facts(call, tags.value(), true);
  if (!boundary.empty()) facts.set("iam:PermissionsBoundary", boundary);
  if (auto ok = authorize(call, "iam:CreateRole", arn, facts); !ok) return ok.error();
  if (!tags.value().empty()) {
    if (auto ok = authorize(call, "iam:TagRole", arn, facts); !ok) return ok.error();
  }

  store::CreateRoleInput input{.account = call.account(),
                               .name = name.value(),
                               .path = path.value(),
                               .assume_role_policy = trust.value(),
                               .description = description.value().value_or(""),
                               .max_session_duration = max_session.value(),
                               .permissions_boundary = boundary,
                               .tags = tags.value()};
  Xml xml;
  auto status = write(call, [&](store::Mutation& m) -> Outcome<void> {
    auto role = lift(m.create_role(input));
    if (!role) return role.error();
    // CreateRole answers the role without RoleLastUsed.
    xml = Xml();
    xml.open("Role");
    write_role(xml, role.value(), false);
    write_boundary(xml, role.value().boundary);
    write_tags(xml, role.value().tags);
    xml.close("Role");
    return policy::success();
  });
  if (!status) return status.error();
  return audited(std::move(xml));
}

Reply get_role(const Call& call, const Target& found) {
  if (auto ok = authorize_target(call, "iam:GetRole", found); !ok) return ok.error();
  auto role =
      fetch(call, [&](const store::Snapshot& s) { return shown(s, s.get_role(call.account(), found.ref.name)); });
  return answer_role(role, false);
}

Reply delete_role(const Call& call, const Target& found) {
  if (auto ok = authorize_target(call, "iam:DeleteRole", found); !ok) return ok.error();
  return done(write(call, [&](store::Mutation& m) { return lift(m.delete_role(call.account(), found.ref.name)); }));
}

namespace {

// UpdateRole / UpdateRoleDescription (Description required, no MaxSessionDuration member): the
// role as changed.
Outcome<store::Role> change_role(const Call& call, const Target& found, std::string_view action,
                                 bool description_only) {
  if (description_only && !call.params().has("Description")) return query::missing("description");
  auto description = description_parameter(call);
  if (!description) return description.error();
  Outcome<std::optional<std::int32_t>> max_session = std::optional<std::int32_t>();
  if (!description_only) max_session = max_session_parameter(call);
  if (!max_session) return max_session.error();
  if (auto ok = authorize_target(call, action, found); !ok) return ok.error();
  const store::UpdateRoleInput input{description.value(), max_session.value()};
  Outcome<store::Role> out = ApiError{};
  auto status = write(call, [&](store::Mutation& m) -> Outcome<void> {
    out = lift(shown(m, m.update_role(call.account(), found.ref.name, input)));
    if (!out) return out.error();
    return policy::success();
  });
  if (!status) return status.error();
  return out;
}

}  // namespace

Reply update_role(const Call& call, const Target& found) {
  auto role = change_role(call, found, "iam:UpdateRole", false);
  if (!role) return role.error();
  // UpdateRoleResponse is a structure without members: an empty <UpdateRoleResult/>.
  return query::answer(Xml());
}

Reply update_role_description(const Call& call, const Target& found) {
  auto role = change_role(call, found, "iam:UpdateRoleDescription", true);
  return answer_role(role, true);
}

Reply update_assume_role_policy(const Call& call, const Target& found) {
  auto document = document_parameter(call);
  if (!document) return document.error();
  if (auto ok = authorize_target(call, "iam:UpdateAssumeRolePolicy", found); !ok) return ok.error();
  return done(write(call, [&](store::Mutation& m) {
    return lift(m.update_assume_role_policy(call.account(), found.ref.name, document.value()));
  }));
}

Reply list_roles(const Call& call) {
  auto prefix = path_prefix_parameter(call);
  if (!prefix) return prefix.error();
  if (auto ok = authorize(call, "iam:ListRoles", "*", {}); !ok) return ok.error();
  auto roles = fetch(call, [&](const store::Snapshot& s) -> store::Result<std::vector<store::Role>> {
    std::vector<store::Role> roles = s.list_roles(call.account(), prefix.value());
    for (store::Role& role : roles) role.trust.document = s.shown_trust(role);
    return roles;
  });
  if (!roles) return roles.error();
  return list_page(
      call, "Roles", std::move(roles).value(), [](const store::Role& r) { return r.name; },
      [](Xml& xml, const store::Role& r) { write_role(xml, r, false); });
}

Reply list_instance_profiles_for_role(const Call& call, const Target& found) {
  // The service keeps no instance profiles: a role's list is empty (tools that delete a role,
  // such as Terraform, ask for it first).
  if (auto ok = authorize_target(call, "iam:ListInstanceProfilesForRole", found); !ok) return ok.error();
  auto role = fetch(call, [&](const store::Snapshot& s) { return s.get_role(call.account(), found.ref.name); });
  if (!role) return role.error();
  return list_page(
      call, "InstanceProfiles", std::vector<std::string>(), [](const std::string& s) { return s; },
      [](Xml&, const std::string&) {});
}

}  // namespace gatehouse::server::iam
