// Managed policies and their versions (iam-sts-api.md 3.5): CreatePolicy, GetPolicy,
// DeletePolicy, ListPolicies, CreatePolicyVersion, GetPolicyVersion, DeletePolicyVersion,
// ListPolicyVersions, SetDefaultPolicyVersion, ListEntitiesForPolicy. AWS's own policies are readable from every
// account; the store refuses to change them (InvalidInput).
#include <algorithm>
#include <cctype>
#include <iterator>

#include "policy/arn.h"
#include "server/iam/operations.h"
#include "store/aws_errors.h"

namespace gatehouse::server::iam {
namespace {

constexpr std::size_t kMaxDescription = 1000;

// A policy ARN parameter, authorized for `action`.
Outcome<std::string> authorized_policy(const Call& call, std::string_view action) {
  auto arn = policy_arn_parameter(call);
  if (!arn) return arn.error();
  if (auto ok = authorize_policy(call, action, arn.value()); !ok) return ok.error();
  return std::move(arn).value();
}

// PolicyArn and VersionId, authorized for `action`.
Outcome<std::pair<std::string, std::string>> authorized_version(const Call& call, std::string_view action) {
  auto arn = policy_arn_parameter(call);
  if (!arn) return arn.error();
  auto version_id = call.required("VersionId", "versionId");
  if (!version_id) return version_id.error();
  if (auto ok = authorize_policy(call, action, arn.value()); !ok) return ok.error();
  return std::make_pair(std::move(arn).value(), std::move(version_id).value());
}

// DeletePolicyVersion / SetDefaultPolicyVersion.
Reply change_version(const Call& call, std::string_view action,
                     store::Result<void> (store::Mutation::*change)(std::string_view, std::string_view,
                                                                    std::string_view)) {
  auto named = authorized_version(call, action);
  if (!named) return named.error();
  return done(write(call, [&](store::Mutation& m) {
    return lift((m.*change)(call.account(), named.value().first, named.value().second));
  }));
}

void write_version(Xml& xml, const store::PolicyVersion& version, const store::ManagedPolicy& policy, bool document) {
  if (document) xml.element("Document", query::url_encode_document(version.document));
  xml.element("VersionId", version.id)
      .element("IsDefaultVersion", version.id == policy.default_version)
      .element("CreateDate", query::iso8601(version.created));
}

Outcome<store::PolicyScope> scope_parameter(const Call& call) {
  const auto scope = call.optional("Scope").value_or("All");
  if (scope == "All") return store::PolicyScope::All;
  if (scope == "AWS") return store::PolicyScope::Aws;
  if (scope == "Local") return store::PolicyScope::Local;
  return query::invalid(scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]");
}

// PolicyUsageFilter: with OnlyAttached, keeps the policies used that way.
Outcome<std::optional<bool>> usage_filter_parameter(const Call& call) {
  const auto filter = call.optional("PolicyUsageFilter");
  if (!filter) return std::optional<bool>();
  if (*filter == "PermissionsPolicy") return std::optional<bool>(false);
  if (*filter == "PermissionsBoundary") return std::optional<bool>(true);
  return query::invalid(*filter, "policyUsageFilter",
                        "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]");
}

// Versions sort by number: v2 before v10.
std::string version_key(const store::PolicyVersion& v) {
  std::string digits = v.id.substr(1);
  return std::string(10 - std::min<std::size_t>(digits.size(), 10), '0') + digits;
}

// One user, group or role that uses a policy (ListEntitiesForPolicy).
struct PolicyEntity {
  store::EntityKind kind;
  std::string name, id, path;
  bool attached = false, bounded = false;
  std::string key() const { return std::string(store::aws::kind_word(kind)) + ":" + name; }
};

// Which of an EntityFilter's kinds and policy types to keep.
Outcome<std::optional<std::string>> entity_filter_parameter(const Call& call) {
  auto filter = call.optional("EntityFilter");
  if (filter && *filter != "User" && *filter != "Role" && *filter != "Group" && *filter != "LocalManagedPolicy" &&
      *filter != "AWSManagedPolicy") {
    return query::invalid(*filter, "entityFilter",
                          "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, "
                          "AWSManagedPolicy]");
  }
  return filter;
}

std::vector<PolicyEntity> entities_using(const store::Snapshot& s, std::string_view account, std::string_view arn) {
  std::vector<PolicyEntity> out;
  auto uses = [&](const auto& e) { return std::find(e.attached.begin(), e.attached.end(), arn) != e.attached.end(); };
  for (const auto& u : s.list_users(account)) {
    out.push_back({store::EntityKind::User, u.name, u.id, u.path, uses(u), u.boundary == arn});
  }
  for (const auto& g : s.list_groups(account))
    out.push_back({store::EntityKind::Group, g.name, g.id, g.path, uses(g), false});
  for (const auto& r : s.list_roles(account)) {
    out.push_back({store::EntityKind::Role, r.name, r.id, r.path, uses(r), r.boundary == arn});
  }
  return out;
}

}  // namespace

Reply create_policy(const Call& call) {
  auto name = name_parameter(call, "PolicyName", "policyName", 128);
  if (!name) return name.error();
  auto document = document_parameter(call);
  if (!document) return document.error();
  auto path = path_parameter(call);
  if (!path) return path.error();
  if (!policy_path(path.value())) {
    return query::invalid(path.value(), "path",
                          "Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/");
  }
  const std::string description = call.optional("Description").value_or("");
  if (store::text_length(description) > kMaxDescription) {
    return query::invalid(description, "description", "Member must have length less than or equal to 1000");
  }
  auto tags = tags_parameter(call);
  if (!tags) return tags.error();

  const std::string arn = store::policy_arn(call.account(), path.value(), name.value());
  const Facts facts = request_tag_facts(call, tags.value(), true);
  if (auto ok = authorize(call, "iam:CreatePolicy", arn, facts); !ok) return ok.error();
  if (!tags.value().empty()) {
    if (auto ok = authorize(call, "iam:TagPolicy", arn, facts); !ok) return ok.error();
  }
  Xml xml;
  auto status = write(call, [&](store::Mutation& m) -> Outcome<void> {
    auto policy = lift(
        m.create_policy({call.account(), name.value(), path.value(), document.value(), description, tags.value()}));
    if (!policy) return policy.error();
    xml = Xml();
    xml.open("Policy");
    write_policy(xml, store::PolicyView{std::move(policy).value(), {}}, true);
    xml.close("Policy");
    return policy::success();
  });
  if (!status) return status.error();
  return audited(std::move(xml));
}

Reply get_policy(const Call& call) {
  auto arn = authorized_policy(call, "iam:GetPolicy");
  if (!arn) return arn.error();
  auto view = fetch(call, [&](const store::Snapshot& s) { return s.get_policy(call.account(), arn.value()); });
  if (!view) return view.error();
  Xml xml;
  xml.open("Policy");
  write_policy(xml, view.value(), true);
  xml.close("Policy");
  return query::answer(std::move(xml));
}

Reply delete_policy(const Call& call) {
  auto arn = authorized_policy(call, "iam:DeletePolicy");
  if (!arn) return arn.error();
  return done(write(call, [&](store::Mutation& m) { return lift(m.delete_policy(call.account(), arn.value())); }));
}

Reply list_policies(const Call& call) {
  auto scope = scope_parameter(call);
  if (!scope) return scope.error();
  auto only_attached = bool_parameter(call, "OnlyAttached", "onlyAttached");
  if (!only_attached) return only_attached.error();
  auto prefix = path_prefix_parameter(call, PrefixType::PolicyPath);
  if (!prefix) return prefix.error();
  auto boundaries = usage_filter_parameter(call);
  if (!boundaries) return boundaries.error();
  if (auto ok = authorize(call, "iam:ListPolicies", "*", {}); !ok) return ok.error();
  const bool attached = only_attached.value().value_or(false);
  auto listed = fetch(call, [&](const store::Snapshot& s) -> store::Result<std::vector<store::PolicyView>> {
    return s.list_policies(call.account(), scope.value(), attached, prefix.value());
  });
  if (!listed) return listed.error();
  std::vector<store::PolicyView> policies = std::move(listed).value();
  if (attached && boundaries.value()) {
    const bool as_boundary = *boundaries.value();
    std::erase_if(policies, [&](const store::PolicyView& v) {
      return (as_boundary ? v.usage.boundaries : v.usage.attachments) == 0;
    });
  }
  return list_page(
      call, "Policies", std::move(policies), [](const store::PolicyView& v) { return v.policy.arn; },
      [](Xml& xml, const store::PolicyView& v) { write_policy(xml, v, false); });
}

Reply create_policy_version(const Call& call) {
  auto arn = policy_arn_parameter(call);
  if (!arn) return arn.error();
  auto document = document_parameter(call);
  if (!document) return document.error();
  auto set_as_default = bool_parameter(call, "SetAsDefault", "setAsDefault");
  if (!set_as_default) return set_as_default.error();
  if (auto ok = authorize_policy(call, "iam:CreatePolicyVersion", arn.value()); !ok) return ok.error();
  const bool make_default = set_as_default.value().value_or(false);
  Xml xml;
  auto status = write(call, [&](store::Mutation& m) -> Outcome<void> {
    auto version = lift(m.create_policy_version(call.account(), arn.value(), document.value(), make_default));
    if (!version) return version.error();
    xml = Xml();
    xml.open("PolicyVersion")
        .element("VersionId", version.value().id)
        .element("IsDefaultVersion", make_default)
        .element("CreateDate", query::iso8601(version.value().created))
        .close("PolicyVersion");
    return policy::success();
  });
  if (!status) return status.error();
  return audited(std::move(xml));
}

Reply get_policy_version(const Call& call) {
  auto named = authorized_version(call, "iam:GetPolicyVersion");
  if (!named) return named.error();
  // Named, not a structured binding: clang 14 (the fuzz build) cannot capture bindings in lambdas.
  const std::string& arn = named.value().first;
  const std::string& version_id = named.value().second;
  Xml xml;
  auto status = read(call, [&](const store::Snapshot& s) -> Outcome<void> {
    auto version = lift(s.get_policy_version(call.account(), arn, version_id));
    if (!version) return version.error();
    auto view = lift(s.get_policy(call.account(), arn));
    if (!view) return view.error();
    xml.open("PolicyVersion");
    write_version(xml, version.value(), view.value().policy, true);
    xml.close("PolicyVersion");
    return policy::success();
  });
  if (!status) return status.error();
  return query::answer(std::move(xml));
}

Reply delete_policy_version(const Call& call) {
  return change_version(call, "iam:DeletePolicyVersion", &store::Mutation::delete_policy_version);
}

Reply set_default_policy_version(const Call& call) {
  return change_version(call, "iam:SetDefaultPolicyVersion", &store::Mutation::set_default_policy_version);
}

Reply list_policy_versions(const Call& call) {
  auto arn = authorized_policy(call, "iam:ListPolicyVersions");
  if (!arn) return arn.error();
  auto view = fetch(call, [&](const store::Snapshot& s) { return s.get_policy(call.account(), arn.value()); });
  if (!view) return view.error();
  const store::ManagedPolicy& policy = view.value().policy;
  return list_page(call, "Versions", policy.versions, version_key,
                   [&](Xml& xml, const store::PolicyVersion& v) { write_version(xml, v, policy, false); });
}

Reply list_entities_for_policy(const Call& call) {
  auto arn = policy_arn_parameter(call);
  if (!arn) return arn.error();
  auto filter = entity_filter_parameter(call);
  if (!filter) return filter.error();
  auto prefix = path_prefix_parameter(call, PrefixType::Path);
  if (!prefix) return prefix.error();
  auto boundaries = usage_filter_parameter(call);
  if (!boundaries) return boundaries.error();
  if (auto ok = authorize_policy(call, "iam:ListEntitiesForPolicy", arn.value()); !ok) return ok.error();
  bool aws_managed = false;
  auto found = fetch(call, [&](const store::Snapshot& s) -> store::Result<std::vector<PolicyEntity>> {
    auto view = s.get_policy(call.account(), arn.value());
    if (!view) return view.error();
    aws_managed = view.value().policy.aws_managed;
    return entities_using(s, call.account(), arn.value());
  });
  if (!found) return found.error();
  const std::string kind_filter = filter.value().value_or("");
  std::vector<PolicyEntity> entities = std::move(found).value();
  std::erase_if(entities, [&](const PolicyEntity& e) {
    const bool used = boundaries.value() ? (*boundaries.value() ? e.bounded : e.attached) : (e.attached || e.bounded);
    const bool kind_kept = kind_filter.empty() || kind_filter == store::aws::kind_title(e.kind) ||
                           (kind_filter == "AWSManagedPolicy" && aws_managed) ||
                           (kind_filter == "LocalManagedPolicy" && !aws_managed);
    return !used || !kind_kept || !e.path.starts_with(prefix.value());
  });
  std::sort(entities.begin(), entities.end(), [](const auto& a, const auto& b) { return a.key() < b.key(); });
  std::vector<std::string> keys;
  for (const auto& e : entities) keys.push_back(e.key());
  auto page = paginate(call, keys);
  if (!page) return page.error();
  // PolicyGroups, PolicyUsers, PolicyRoles: each entity of the page in its kind's list.
  const std::vector<PolicyEntity> shown(entities.begin() + static_cast<std::ptrdiff_t>(page.value().begin),
                                        entities.begin() + static_cast<std::ptrdiff_t>(page.value().end));
  Xml xml;
  for (const store::EntityKind kind : {store::EntityKind::Group, store::EntityKind::User, store::EntityKind::Role}) {
    std::vector<PolicyEntity> of_kind;
    std::copy_if(shown.begin(), shown.end(), std::back_inserter(of_kind),
                 [&](const auto& e) { return e.kind == kind; });
    const std::string title(store::aws::kind_title(kind));
    write_members(xml, "Policy" + title + "s", of_kind, 0, of_kind.size(),
                  [&](const PolicyEntity& e) { xml.element(title + "Name", e.name).element(title + "Id", e.id); });
  }
  page.value().write_tail(xml);
  return query::answer(std::move(xml));
}

}  // namespace gatehouse::server::iam
