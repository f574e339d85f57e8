// What the IAM operations look up before they authorize: the user, group or role a call names,
// managed policy ARNs and policy documents as parameters.
#include "policy/arn.h"
#include "server/iam/operations.h"
#include "store/aws_errors.h"

namespace gatehouse::server::iam {
namespace {

constexpr std::size_t kMaxDocument = 131072;

std::size_t max_name(store::EntityKind kind) { return kind == store::EntityKind::Group ? 128 : 64; }

std::string_view member_of(store::EntityKind kind) {
  switch (kind) {
    case store::EntityKind::User: return "userName";
    case store::EntityKind::Group: return "groupName";
    case store::EntityKind::Role: break;
  }
  return "roleName";
}

// [\u0009\u000A\u000D\u0020-\u00FF]+ over UTF-8 text: ASCII from space up, tab, LF, CR, and the
// two-byte sequences of U+0080-U+00FF (lead byte C2 or C3).
bool document_characters(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c < 0x80)) continue;
    if ((c == 0xC2 || c == 0xC3) && i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
      ++i;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

std::string_view name_parameter_of(store::EntityKind kind) noexcept {
  switch (kind) {
    case store::EntityKind::User: return "UserName";
    case store::EntityKind::Group: return "GroupName";
    case store::EntityKind::Role: break;
  }
  return "RoleName";
}

Outcome<std::string> entity_name_parameter(const Call& call, store::EntityKind kind) {
  return name_parameter(call, name_parameter_of(kind), member_of(kind), max_name(kind));
}

Outcome<Target> target_named(const Call& call, store::EntityKind kind, std::string name) {
  Target out;
  out.requested = name;
  out.ref = {kind, call.account(), std::move(name)};
  out.arn = store::iam_arn(call.account(), store::aws::kind_word(kind), "/", out.ref.name);
  auto status = read(call, [&](const store::Snapshot& s) -> Outcome<void> {
    switch (kind) {
      case store::EntityKind::User:
        if (auto user = s.find_user(call.account(), out.ref.name)) {
          out.ref.name = user->name;
          out.arn = user->arn;
          out.boundary = user->boundary;
          out.tags = user->tags;
        }
        break;
      case store::EntityKind::Group:
        if (auto group = s.find_group(call.account(), out.ref.name)) {
          out.ref.name = group->name;
          out.arn = group->arn;
        }
        break;
      case store::EntityKind::Role:
        if (auto role = s.find_role(call.account(), out.ref.name)) {
          out.ref.name = role->name;
          out.arn = role->arn;
          out.boundary = role->boundary;
          out.tags = role->tags;
        }
        break;
    }
    return policy::success();
  });
  if (!status) return status.error();
  return out;
}

Outcome<Target> target(const Call& call, store::EntityKind kind) {
  auto name = entity_name_parameter(call, kind);
  if (!name) return name.error();
  return target_named(call, kind, std::move(name).value());
}

namespace {

ResourceType resource_type_of(store::EntityKind kind) {
  switch (kind) {
    case store::EntityKind::User: return ResourceType::User;
    case store::EntityKind::Group: return ResourceType::Group;
    case store::EntityKind::Role: break;
  }
  return ResourceType::Role;
}

}  // namespace

Facts target_facts(const Target& target) {
  Facts facts;
  facts.resource_tags = target.tags;
  if (!target.boundary.empty()) facts.set("iam:PermissionsBoundary", target.boundary);
  return facts;
}

policy::Result<void, ApiError> authorize_target(const Call& call, std::string_view action, const Target& target,
                                                const Facts& facts) {
  return authorize(call, action, target.arn, facts, shown_entity(resource_type_of(target.ref.kind), target.requested));
}

policy::Result<void, ApiError> authorize_target(const Call& call, std::string_view action, const Target& target) {
  return authorize_target(call, action, target, target_facts(target));
}

policy::Result<void, ApiError> authorize_policy(const Call& call, std::string_view action, std::string_view arn,
                                                Facts facts) {
  auto policy = fetch(call, [&](const store::Snapshot& s) -> store::Result<std::optional<store::ManagedPolicy>> {
    return s.find_policy(arn);
  });
  if (policy && policy.value()) facts.resource_tags = policy.value()->tags;
  const auto parsed = policy::parse_arn(arn);
  const std::string_view owner = parsed && parsed->account != store::kAwsAccount ? parsed->account : "";
  return authorize(call, action, arn, facts, {}, owner);
}

std::string entity_action(std::string_view verb, store::EntityKind kind, std::string_view suffix) {
  std::string action = "iam:";
  action.append(verb).append(store::aws::kind_title(kind)).append(suffix);
  return action;
}

Outcome<std::string> policy_arn_parameter(const Call& call, std::string_view name, std::string_view member) {
  auto value = call.required(name, member);
  if (!value) return value.error();
  const std::string& arn = value.value();
  if (arn.size() < 20) return query::invalid(arn, member, "Member must have length greater than or equal to 20");
  if (arn.size() > 2048) return query::invalid(arn, member, "Member must have length less than or equal to 2048");
  const auto parsed = policy::parse_arn(arn);
  if (!parsed) return ApiError{400, "ValidationError", "Invalid ARN:  Could not be parsed!"};
  if (parsed->service != "iam" || !parsed->resource.starts_with("policy/")) {
    return query::invalid_input("ARN " + arn + " is not valid.");
  }
  return std::move(value).value();
}

Outcome<std::string> optional_boundary_parameter(const Call& call) {
  if (!call.params().has("PermissionsBoundary")) return std::string();
  return policy_arn_parameter(call, "PermissionsBoundary", "permissionsBoundary");
}

Outcome<std::string> document_parameter(const Call& call, std::string_view name, std::string_view member) {
  auto value = call.required(name, member);
  if (!value) return value.error();
  const std::string& text = value.value();
  if (text.empty()) return query::invalid(text, member, "Member must have length greater than or equal to 1");
  if (text.size() > kMaxDocument) {
    return query::invalid(text, member, "Member must have length less than or equal to 131072");
  }
  if (!document_characters(text)) {
    return query::invalid(text, member,
                          "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
  }
  return std::move(value).value();
}

Reply done(const Outcome<void>& status) {
  if (!status) return status.error();
  return query::no_output();
}

}  // namespace gatehouse::server::iam
