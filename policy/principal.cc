#include "policy/principal.h"

#include <array>
#include <cstdint>

#include "policy/arn.h"

namespace gatehouse::policy {
namespace {

bool looks_like_service_principal(std::string_view text) {
  // "<name>.amazonaws.com" and friends: a host name without ':' or '/'.
  if (text.empty() || text.find_first_of(":/ ") != std::string_view::npos) return false;
  return text.find('.') != std::string_view::npos;
}

}  // namespace

std::string Caller::principal_arn() const {
  switch (type) {
    case PrincipalType::AssumedRole:
      return "arn:" + partition + ":iam::" + account + ":role" + path + name;
    case PrincipalType::Service:
    case PrincipalType::Anonymous:
      return {};
    default:
      return arn;
  }
}

std::string synthetic_unique_id(std::string_view prefix, std::string_view arn) {
  // FNV-1a over the ARN, spelled in the base32 alphabet IAM ids use.
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : arn) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id(prefix);
  std::uint64_t x = h;
  while (id.size() < 21) {
    id.push_back(kAlphabet[x % 32]);
    x /= 32;
    if (x == 0) x = h ^ (id.size() * 0x9E3779B97F4A7C15ULL);
  }
  return id;
}

std::optional<Caller> caller_from_arn(std::string_view text) {
  Caller c;
  if (text == "anonymous" || text == "*") {
    c.type = PrincipalType::Anonymous;
    c.arn = "anonymous";
    c.subject_to_scps = false;
    return c;
  }
  if (is_account_id(text)) {
    c.type = PrincipalType::Root;
    c.account = std::string(text);
    c.arn = "arn:aws:iam::" + c.account + ":root";
    c.unique_id = c.account;
    return c;
  }
  if (auto p = parse_principal_arn(text)) {
    c.partition = std::string(p->partition);
    c.account = std::string(p->account);
    c.name = std::string(p->name);
    c.path = p->path.empty() ? "/" : std::string(p->path);
    switch (p->kind) {
      case PrincipalArnKind::Root:
        c.type = PrincipalType::Root;
        c.arn = std::string(text);
        c.unique_id = c.account;
        return c;
      case PrincipalArnKind::User:
        c.type = PrincipalType::User;
        c.arn = std::string(text);
        c.unique_id = synthetic_unique_id("AIDA", c.arn);
        return c;
      case PrincipalArnKind::Role:
        // A role acts only through sessions; name the session after the role.
        c.type = PrincipalType::AssumedRole;
        c.session = c.name;
        c.arn = "arn:" + c.partition + ":sts::" + c.account + ":assumed-role/" + c.name + "/" + c.session;
        c.unique_id = synthetic_unique_id("AROA", c.principal_arn());
        return c;
      case PrincipalArnKind::AssumedRole:
        c.type = PrincipalType::AssumedRole;
        c.session = std::string(p->session);
        c.path = "/";
        c.arn = std::string(text);
        c.unique_id = synthetic_unique_id("AROA", c.principal_arn());
        return c;
      case PrincipalArnKind::FederatedUser:
        c.type = PrincipalType::FederatedUser;
        c.arn = std::string(text);
        c.unique_id = c.account + ":" + c.name;
        return c;
      case PrincipalArnKind::Other:
        return std::nullopt;
    }
  }
  if (looks_like_service_principal(text)) {
    c.type = PrincipalType::Service;
    c.arn = std::string(text);
    c.name = std::string(text);
    c.subject_to_scps = false;
    return c;
  }
  return std::nullopt;
}

void add_principal_keys(const Caller& caller, RequestContext& context) {
  // "AWS global condition context keys" and the principal key values table of
  // "IAM policy elements: Variables and tags".
  switch (caller.type) {
    case PrincipalType::Service:
      context.set("aws:PrincipalIsAWSService", "true");
      context.set("aws:PrincipalServiceName", caller.name);
      context.set_list("aws:PrincipalServiceNamesList", {std::string_view(caller.name)});
      return;
    case PrincipalType::Anonymous:
      context.set("aws:PrincipalAccount", "anonymous");
      context.set("aws:PrincipalType", "Anonymous");
      context.set("aws:userid", "anonymous");
      return;
    default:
      break;
  }
  context.set("aws:PrincipalIsAWSService", "false");
  context.set("aws:PrincipalArn", caller.principal_arn());
  context.set("aws:PrincipalAccount", caller.account);
  switch (caller.type) {
    case PrincipalType::Root:
      context.set("aws:PrincipalType", "Account");
      context.set("aws:userid", caller.account);
      break;
    case PrincipalType::User:
      context.set("aws:PrincipalType", "User");
      context.set("aws:username", caller.name);
      if (!caller.unique_id.empty()) context.set("aws:userid", caller.unique_id);
      break;
    case PrincipalType::AssumedRole:
      context.set("aws:PrincipalType", "AssumedRole");
      if (!caller.unique_id.empty()) context.set("aws:userid", caller.unique_id + ":" + caller.session);
      break;
    case PrincipalType::FederatedUser:
      context.set("aws:PrincipalType", "FederatedUser");
      context.set("aws:userid", caller.account + ":" + caller.name);
      break;
    default:
      break;
  }
  for (const auto& [key, value] : caller.tags) context.set("aws:PrincipalTag/" + key, value);
}

}  // namespace gatehouse::policy
