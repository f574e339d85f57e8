// Users: CreateUser, GetUser, DeleteUser, ListUsers (iam-sts-api.md 3.1).
#include "server/iam/operations.h"

namespace gatehouse::server::iam {
namespace {

constexpr std::size_t kMaxUserName = 64;

// The user a call names, or the caller itself when the name is omitted (GetUser,
// CreateAccessKey, ListAccessKeys): empty for an account's root.
Outcome<std::string> user_or_caller(const Call& call) {
  if (call.params().has("UserName")) return name_parameter(call, "UserName", "userName", kMaxUserName);
  switch (call.principal().credential->principal.kind) {
    case store::CredentialKind::User:
    case store::CredentialKind::UserSession: return call.caller().name;
    case store::CredentialKind::Root:
    case store::CredentialKind::RootSession: return std::string();
    case store::CredentialKind::RoleSession: break;
  }
  return ApiError{400, "ValidationError", "Must specify userName when calling with non-User credentials"};
}

}  // namespace

Outcome<std::string> named_user_or_caller(const Call& call) { return user_or_caller(call); }

std::string user_arn(const Call& call, std::string_view path, std::string_view name) {
  return store::iam_arn(call.account(), "user", path, name);
}

Reply create_user(const Call& call) {
  auto name = name_parameter(call, "UserName", "userName", kMaxUserName);
  if (!name) return name.error();
  auto path = path_parameter(call);
  if (!path) return path.error();
  auto tags = tags_parameter(call);
  if (!tags) return tags.error();
  auto boundary_arn = optional_boundary_parameter(call);
  if (!boundary_arn) return boundary_arn.error();
  const std::string& boundary = boundary_arn.value();

  const std::string arn = user_arn(call, path.value(), name.value());
  // On creation the request's tags are the resource's too (policy-semantics.md 4.4).
  Facts facts = request_tag_facts(call, tags.value(), true);
  if (!boundary.empty()) facts.set("iam:PermissionsBoundary", boundary);
  if (auto ok = authorize(call, "iam:CreateUser", arn, facts); !ok) return ok.error();
  if (!tags.value().empty()) {
    if (auto ok = authorize(call, "iam:TagUser", arn, facts); !ok) return ok.error();
  }

  Xml xml;
  auto status = write(call, [&](store::Mutation& m) -> Outcome<void> {
    auto user = lift(m.create_user({call.account(), name.value(), path.value(), boundary, tags.value()}));
    if (!user) return user.error();
    xml = Xml();
    xml.open("User");
    write_user(xml, user.value(), true);
    xml.close("User");
    return policy::success();
  });
  if (!status) return status.error();
  return audited(std::move(xml));
}

Reply get_user(const Call& call) {
  auto name = user_or_caller(call);
  if (!name) return name.error();
  Xml xml;
  if (name.value().empty()) {
    // The root of the account: AWS answers with the account as the user id and no name.
    const std::string arn = "arn:aws:iam::" + call.account() + ":root";
    if (auto ok = authorize(call, "iam:GetUser", arn, {}); !ok) return ok.error();
    auto status = read(call, [&](const store::Snapshot& s) -> Outcome<void> {
      const auto account = s.find_account(call.account());
      xml.open("User")
          .element("UserId", call.account())
          .element("Arn", arn)
          .element("CreateDate", query::iso8601(account ? account->created : 0))
          .close("User");
      return policy::success();
    });
    if (!status) return status.error();
    return query::answer(std::move(xml));
  }
  auto found = target_named(call, store::EntityKind::User, std::move(name).value());
  if (!found) return found.error();
  if (auto ok = authorize_target(call, "iam:GetUser", found.value()); !ok) return ok.error();
  auto user =
      fetch(call, [&](const store::Snapshot& s) { return s.get_user(call.account(), found.value().ref.name); });
  if (!user) return user.error();
  xml.open("User");
  write_user(xml, user.value(), true);
  xml.close("User");
  return query::answer(std::move(xml));
}

Reply delete_user(const Call& call, const Target& user) {
  if (auto ok = authorize_target(call, "iam:DeleteUser", user); !ok) return ok.error();
  auto status = write(call, [&](store::Mutation& m) { return lift(m.delete_user(call.account(), user.ref.name)); });
  if (!status) return status.error();
  return query::no_output();
}

Reply list_users(const Call& call) {
  auto prefix = path_prefix_parameter(call);
  if (!prefix) return prefix.error();
  if (auto ok = authorize(call, "iam:ListUsers", "*", {}); !ok) return ok.error();
  auto users = fetch(call, [&](const store::Snapshot& s) -> store::Result<std::vector<store::User>> {
    return s.list_users(call.account(), prefix.value());
  });
  if (!users) return users.error();
  return list_page(
      call, "Users", std::move(users).value(), [](const store::User& u) { return u.name; },
      [](Xml& xml, const store::User& u) { write_user(xml, u, false); });
}

}  // namespace gatehouse::server::iam
