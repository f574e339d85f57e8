// Inline and attached managed policies of users, groups and roles (iam-sts-api.md 3.2, 3.3):
// Put/Get/Delete/List{User,Group,Role}Policy (or Policies) and
// Attach/Detach/ListAttached{User,Group,Role}Policy (or Policies). Each is authorized on the
// entity's ARN with iam:<Verb><Kind><Suffix>.
#include "server/iam/operations.h"

namespace gatehouse::server::iam {
namespace {

using store::EntityKind;

// The path of a managed policy ARN: arn:aws:iam::ACCT:policy/a/b/NAME -> /a/b/.
std::string path_of_policy(std::string_view arn) {
  const auto start = arn.find(":policy/");
  if (start == std::string_view::npos) return "/";
  const std::string_view rest = arn.substr(start + 7);  // "/a/b/NAME"
  return std::string(rest.substr(0, rest.rfind('/') + 1));
}

Outcome<std::string> policy_name_parameter(const Call& call) {
  return name_parameter(call, "PolicyName", "policyName", 128);
}

// Attach*Policy / Detach*Policy: iam:PolicyARN names the managed policy.
Reply change_attachment(const Call& call, const Target& found, std::string_view verb,
                        store::Result<void> (store::Mutation::*change)(const store::EntityRef&, std::string_view)) {
  auto arn = policy_arn_parameter(call);
  if (!arn) return arn.error();
  Facts facts = target_facts(found);
  facts.set("iam:PolicyARN", arn.value());
  if (auto ok = authorize_target(call, entity_action(verb, found.ref.kind, "Policy"), found, facts); !ok) {
    return ok.error();
  }
  return done(write(call, [&](store::Mutation& m) { return lift((m.*change)(found.ref, arn.value())); }));
}

}  // namespace

template <EntityKind K>
Reply put_entity_policy(const Call& call, const Target& found) {
  auto name = policy_name_parameter(call);
  if (!name) return name.error();
  auto document = document_parameter(call);
  if (!document) return document.error();
  if (auto ok = authorize_target(call, entity_action("Put", K, "Policy"), found); !ok) return ok.error();
  return done(write(call, [&](store::Mutation& m) {
    return lift(m.put_inline_policy(found.ref, name.value(), document.value()));
  }));
}

template <EntityKind K>
Reply get_entity_policy(const Call& call, const Target& found) {
  auto name = policy_name_parameter(call);
  if (!name) return name.error();
  if (auto ok = authorize_target(call, entity_action("Get", K, "Policy"), found); !ok) return ok.error();
  auto policy =
      fetch(call, [&](const store::Snapshot& s) { return s.get_inline_policy(found.ref, name.value()); });
  if (!policy) return policy.error();
  Xml xml;
  xml.element(name_parameter_of(K), found.ref.name)
      .element("PolicyName", policy.value().name)
      .element("PolicyDocument", query::url_encode_document(policy.value().document));
  return query::answer(std::move(xml));
}

template <EntityKind K>
Reply delete_entity_policy(const Call& call, const Target& found) {
  auto name = policy_name_parameter(call);
  if (!name) return name.error();
  if (auto ok = authorize_target(call, entity_action("Delete", K, "Policy"), found); !ok) return ok.error();
  return done(
      write(call, [&](store::Mutation& m) { return lift(m.delete_inline_policy(found.ref, name.value())); }));
}

template <EntityKind K>
Reply list_entity_policies(const Call& call, const Target& found) {
  if (auto ok = authorize_target(call, entity_action("List", K, "Policies"), found); !ok) return ok.error();
  auto listed = fetch(call, [&](const store::Snapshot& s) { return s.list_inline_policies(found.ref); });
  if (!listed) return listed.error();
  const std::vector<std::string>& names = listed.value();
  // PolicyNames is a list of strings: <member>name</member>.
  auto page = paginate(call, names);
  if (!page) return page.error();
  Xml xml;
  if (page.value().begin == page.value().end) {
    xml.empty("PolicyNames");
  } else {
    xml.open("PolicyNames");
    for (std::size_t i = page.value().begin; i < page.value().end; ++i) xml.element("member", names[i]);
    xml.close("PolicyNames");
  }
  page.value().write_tail(xml);
  return query::answer(std::move(xml));
}

template <EntityKind K>
Reply attach_entity_policy(const Call& call, const Target& found) {
  return change_attachment(call, found, "Attach", &store::Mutation::attach_policy);
}

template <EntityKind K>
Reply detach_entity_policy(const Call& call, const Target& found) {
  return change_attachment(call, found, "Detach", &store::Mutation::detach_policy);
}

template <EntityKind K>
Reply list_attached_entity_policies(const Call& call, const Target& found) {
  auto prefix = path_prefix_parameter(call, PrefixType::PolicyPath);
  if (!prefix) return prefix.error();
  if (auto ok = authorize_target(call, entity_action("ListAttached", K, "Policies"), found); !ok) return ok.error();
  auto attached = fetch(call, [&](const store::Snapshot& s) { return s.list_attached_policies(found.ref); });
  if (!attached) return attached.error();
  std::erase_if(attached.value(),
                [&](const store::AttachedPolicy& p) { return !path_of_policy(p.arn).starts_with(prefix.value()); });
  return list_page(
      call, "AttachedPolicies", std::move(attached).value(), [](const store::AttachedPolicy& p) { return p.arn; },
      [](Xml& xml, const store::AttachedPolicy& p) { xml.element("PolicyName", p.name).element("PolicyArn", p.arn); });
}

#define GATEHOUSE_IAM_ENTITY_POLICIES(K)               \
  template Reply put_entity_policy<K>(const Call&, const Target&);    \
  template Reply get_entity_policy<K>(const Call&, const Target&);    \
  template Reply delete_entity_policy<K>(const Call&, const Target&); \
  template Reply list_entity_policies<K>(const Call&, const Target&); \
  template Reply attach_entity_policy<K>(const Call&, const Target&); \
  template Reply detach_entity_policy<K>(const Call&, const Target&); \
  template Reply list_attached_entity_policies<K>(const Call&, const Target&);
GATEHOUSE_IAM_ENTITY_POLICIES(EntityKind::User)
GATEHOUSE_IAM_ENTITY_POLICIES(EntityKind::Group)
GATEHOUSE_IAM_ENTITY_POLICIES(EntityKind::Role)
#undef GATEHOUSE_IAM_ENTITY_POLICIES

}  // namespace gatehouse::server::iam
