// Access keys: CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys
// (iam-sts-api.md 3.1). UserName omitted = the caller; the root's keys are the root's.
#include <optional>

#include "server/iam/operations.h"

namespace gatehouse::server::iam {
namespace {

// The owner of the keys a call is about: a user (by UserName, or the calling user), or the
// account's root (user name empty).
struct KeyOwner {
  std::optional<Target> user;
  std::string root_arn;
  std::string name() const { return user ? user->ref.name : std::string(); }
};

Outcome<KeyOwner> key_owner(const Call& call) {
  auto name = named_user_or_caller(call);
  if (!name) return name.error();
  KeyOwner owner;
  if (name.value().empty()) {
    owner.root_arn = "arn:aws:iam::" + call.account() + ":root";
    return owner;
  }
  auto found = target_named(call, store::EntityKind::User, std::move(name).value());
  if (!found) return found.error();
  owner.user = std::move(found).value();
  return owner;
}

// `action` on the keys' owner: the user with its tags, or the root.
policy::Result<void, ApiError> authorize_owner(const Call& call, std::string_view action, const KeyOwner& owner) {
  if (owner.user) return authorize_target(call, action, *owner.user);
  return authorize(call, action, owner.root_arn, {});
}

// AccessKeyId: 16-128 word characters.
Outcome<std::string> key_id_parameter(const Call& call) {
  auto id = call.required("AccessKeyId", "accessKeyId");
  if (!id) return id.error();
  const std::string& v = id.value();
  if (v.size() < 16) return query::invalid(v, "accessKeyId", "Member must have length greater than or equal to 16");
  if (v.size() > 128) return query::invalid(v, "accessKeyId", "Member must have length less than or equal to 128");
  for (const char c : v) {
    const bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!word) return query::invalid(v, "accessKeyId", "Member must satisfy regular expression pattern: [\\w]+");
  }
  return std::move(id).value();
}

void write_key(Xml& xml, const store::AccessKeyMetadata& key) {
  if (!key.user_name.empty()) xml.element("UserName", key.user_name);
  xml.element("AccessKeyId", key.access_key_id).element("Status", store::key_status_name(key.status));
}

}  // namespace

Reply create_access_key(const Call& call) {
  auto owner = key_owner(call);
  if (!owner) return owner.error();
  if (auto ok = authorize_owner(call, "iam:CreateAccessKey", owner.value()); !ok) return ok.error();
  store::NewAccessKey key;
  auto status = write(call, [&](store::Mutation& m) -> Outcome<void> {
    auto created = lift(m.create_access_key(call.account(), owner.value().name()));
    if (!created) return created.error();
    key = std::move(created).value();
    return policy::success();
  });
  if (!status) return status.error();
  // The secret is answered once and never logged (audit-log.md 5).
  Xml xml, logged;
  for (Xml* x : {&xml, &logged}) {
    x->open("AccessKey");
    write_key(*x, key.metadata);
    if (x == &xml) x->element("SecretAccessKey", key.secret_access_key);
    x->element("CreateDate", query::iso8601(key.metadata.created)).close("AccessKey");
  }
  Output output = query::answer(std::move(xml));
  output.audit_response = audit_json(logged);
  return output;
}

Reply update_access_key(const Call& call) {
  auto id = key_id_parameter(call);
  if (!id) return id.error();
  auto status_name = call.required("Status", "status");
  if (!status_name) return status_name.error();
  store::KeyStatus key_status = store::KeyStatus::Active;
  if (status_name.value() == "Inactive") {
    key_status = store::KeyStatus::Inactive;
  } else if (status_name.value() != "Active") {
    return query::invalid(status_name.value(), "status", "Member must satisfy enum value set: [Active, Inactive]");
  }
  auto owner = key_owner(call);
  if (!owner) return owner.error();
  if (auto ok = authorize_owner(call, "iam:UpdateAccessKey", owner.value()); !ok) return ok.error();
  return done(write(call, [&](store::Mutation& m) {
    return lift(m.update_access_key(call.account(), owner.value().name(), id.value(), key_status));
  }));
}

Reply delete_access_key(const Call& call) {
  auto id = key_id_parameter(call);
  if (!id) return id.error();
  auto owner = key_owner(call);
  if (!owner) return owner.error();
  if (auto ok = authorize_owner(call, "iam:DeleteAccessKey", owner.value()); !ok) return ok.error();
  return done(write(call, [&](store::Mutation& m) {
    return lift(m.delete_access_key(call.account(), owner.value().name(), id.value()));
  }));
}

Reply list_access_keys(const Call& call) {
  auto owner = key_owner(call);
  if (!owner) return owner.error();
  if (auto ok = authorize_owner(call, "iam:ListAccessKeys", owner.value()); !ok) return ok.error();
  auto keys =
      fetch(call, [&](const store::Snapshot& s) { return s.list_access_keys(call.account(), owner.value().name()); });
  if (!keys) return keys.error();
  return list_page(
      call, "AccessKeyMetadata", std::move(keys).value(),
      [](const store::AccessKeyMetadata& k) { return k.access_key_id; },
      [](Xml& xml, const store::AccessKeyMetadata& k) {
        write_key(xml, k);
        xml.element("CreateDate", query::iso8601(k.created));
      });
}

}  // namespace gatehouse::server::iam
