#include "store/iam_common.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "policy/arn.h"
#include "store/ids.h"
#include "store/touch.h"

namespace gatehouse::store::detail {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
         c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
}

}  // namespace

Result<void> check_name(std::string_view value, std::string_view member, std::size_t max_length) {
  if (value.empty()) return aws::validation_null(member);
  if (value.size() > max_length) {
    return aws::validation(value, member, "Member must have length less than or equal to " + std::to_string(max_length));
  }
  for (char c : value) {
    if (!is_name_char(c)) {
      return aws::validation(value, member, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    }
  }
  return success();
}

Result<void> check_path(std::string_view path) {
  if (path.size() > 512) {
    return aws::validation(path, "path", "Member must have length less than or equal to 512");
  }
  bool ok = !path.empty() && path.front() == '/' && path.back() == '/';
  for (char c : path) ok = ok && c >= 0x21 && c <= 0x7E;
  if (!ok) {
    return aws::validation(path, "path",
                           "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
  }
  return success();
}

Result<void> check_account_id(std::string_view account) {
  if (!policy::is_account_id(account)) {
    return aws::invalid_input("Account id " + std::string(account) + " is not 12 digits.");
  }
  return success();
}

Result<void> require_account(const Snapshot& s, std::string_view account) {
  if (!s.find_account(account)) {
    return aws::make(aws::kNoSuchEntity, "The account with id " + std::string(account) + " cannot be found.");
  }
  return success();
}

std::size_t text_length(std::string_view utf8) noexcept {
  std::size_t length = 0;
  for (const char c : utf8) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80) length += byte >= 0xF0 ? 2 : 1;
  }
  return length;
}

Result<void> check_tags(const Tags& tags, std::string_view quota_name) {
  if (tags.size() > kMaxTags) return aws::quota(quota_name, kMaxTags);
  for (const auto& [key, value] : tags) {
    if (key.empty()) {
      return aws::validation(key, "tags.member.key", "Member must have length greater than or equal to 1");
    }
    if (text_length(key) > 128) {
      return aws::validation(key, "tags.member.key", "Member must have length less than or equal to 128");
    }
    if (text_length(value) > 256) {
      return aws::validation(value, "tags.member.value", "Member must have length less than or equal to 256");
    }
  }
  return success();
}

std::string iam_arn(std::string_view account, std::string_view type, std::string_view path, std::string_view name) {
  std::string arn = "arn:aws:iam::";
  arn.append(account).append(":").append(type).append(path).append(name);
  return arn;
}

std::string policy_arn(std::string_view account, std::string_view path, std::string_view name) {
  return iam_arn(account, "policy", path, name);
}

std::string issue_unique_id(Mutation& m, std::string_view prefix, std::string_view account, std::string_view names) {
  const auto& db = m.state().db;
  for (;;) {
    std::string id = prefix == ids::kAccessKeyPrefix || prefix == ids::kTemporaryKeyPrefix
                         ? ids::access_key_id(prefix, account)
                         : ids::unique_id(prefix, account);
    if (db.unique_ids.insert(m.transaction(), id, names)) return id;
  }
}

namespace {

// The unique id of the user or role `p` names, "" when there is none. Exactly: IAM finds names
// without regard to case, but a principal ARN matches only its own spelling (policy-semantics
// 2.5), path included.
std::string entity_id_of(const Snapshot& s, const policy::PrincipalArn& p) {
  if (p.kind == policy::PrincipalArnKind::User) {
    auto user = s.find_user(p.account, p.name);
    return user && user->path == p.path && user->name == p.name ? user->id : std::string();
  }
  if (p.kind == policy::PrincipalArnKind::Role) {
    auto role = s.find_role(p.account, p.name);
    return role && role->path == p.path && role->name == p.name ? role->id : std::string();
  }
  return {};
}

// Calls fn on each string of the AWS principals of `document` (Principal and NotPrincipal,
// a string or a list of strings).
template <class F>
void for_each_aws_principal(rapidjson::Value& document, F&& fn) {
  // HasMember and operator[] rather than FindMember: RapidJSON's non-const member iterators
  // compare ambiguously under C++20 (clang's -Wambiguous-reversed-operator).
  if (!document.IsObject() || !document.HasMember("Statement")) return;
  rapidjson::Value& statements = document["Statement"];
  const auto each_statement = [&](rapidjson::Value& statement) {
    if (!statement.IsObject()) return;
    for (const char* element : {"Principal", "NotPrincipal"}) {
      if (!statement.HasMember(element)) continue;
      rapidjson::Value& principal = statement[element];
      if (!principal.IsObject() || !principal.HasMember("AWS")) continue;
      rapidjson::Value& aws = principal["AWS"];
      if (aws.IsString()) fn(aws);
      if (aws.IsArray()) {
        for (auto& v : aws.GetArray()) {
          if (v.IsString()) fn(v);
        }
      }
    }
  };
  if (statements.IsArray()) {
    for (auto& statement : statements.GetArray()) each_statement(statement);
  } else {
    each_statement(statements);
  }
}

}  // namespace

std::map<std::string, std::string> bind_principals(const Snapshot& s, std::string_view document) {
  std::map<std::string, std::string> ids;
  rapidjson::Document parsed;
  parsed.Parse(document.data(), document.size());
  if (parsed.HasParseError()) return ids;
  for_each_aws_principal(parsed, [&](rapidjson::Value& v) {
    const std::string_view arn(v.GetString(), v.GetStringLength());
    const auto p = policy::parse_principal_arn(arn);
    if (!p) return;
    if (std::string id = entity_id_of(s, *p); !id.empty()) ids.emplace(arn, std::move(id));
  });
  return ids;
}

std::string bound_document(std::string_view document, const std::map<std::string, std::string>& ids) {
  if (ids.empty()) return std::string(document);
  rapidjson::Document parsed;
  parsed.Parse(document.data(), document.size());
  if (parsed.HasParseError()) return std::string(document);
  for_each_aws_principal(parsed, [&](rapidjson::Value& v) {
    const auto id = ids.find(std::string(v.GetString(), v.GetStringLength()));
    if (id != ids.end()) v.SetString(id->second.data(), static_cast<rapidjson::SizeType>(id->second.size()),
                                     parsed.GetAllocator());
  });
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  parsed.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string shown_document(const Snapshot& s, std::string_view document,
                           const std::map<std::string, std::string>& ids) {
  std::string out(document);
  for (const auto& [arn, id] : ids) {
    const auto p = policy::parse_principal_arn(arn);
    if (p && entity_id_of(s, *p) == id) continue;  // still there: shown as written
    // The ARN as a JSON string, wherever the document names it.
    const std::string quoted = "\"" + arn + "\"";
    for (auto at = out.find(quoted); at != std::string::npos; at = out.find(quoted, at + id.size() + 2)) {
      out.replace(at, quoted.size(), "\"" + id + "\"");
    }
  }
  return out;
}

std::optional<policy::Finding> document_finding(const Snapshot& s, std::string_view text, policy::PolicyType type) {
  policy::PrincipalExists exists;
  if (type == policy::PolicyType::Trust) {
    // CreateRole refuses user and role principals that do not exist.
    // A user or role principal must name an entity at its path: the one it is bound to.
    exists = [&s](std::string_view arn) {
      auto p = policy::parse_principal_arn(arn);
      if (!p) return false;
      if (p->kind != policy::PrincipalArnKind::User && p->kind != policy::PrincipalArnKind::Role) return true;
      return !entity_id_of(s, *p).empty();
    };
  }
  auto parsed = policy::parse_and_validate(text, type, exists);
  if (!parsed) return std::move(parsed.error());
  return std::nullopt;
}

Result<void> check_document(const Snapshot& s, std::string_view text, policy::PolicyType type) {
  if (auto finding = document_finding(s, text, type)) return aws::make(finding->code, finding->message);
  return success();
}

std::size_t policy_size(std::string_view text) {
  auto parsed = policy::parse_document(text);
  return parsed ? parsed.value().size : 0;
}

Result<ManagedPolicy> attachable_policy(const Snapshot& s, std::string_view account, std::string_view arn) {
  auto found = s.find_policy(arn);
  if (!found || (found->account != account && found->account != kAwsAccount)) {
    return aws::policy_not_attachable(arn);
  }
  return std::move(*found);
}

void count_usage(Mutation& m, std::string_view arn, std::string_view account, int attachments, int boundaries) {
  // A write of the policy's counts: a touch of the policy (its owner from the ARN, "aws" for AWS's).
  if (const auto parsed = policy::parse_arn(arn)) note_touch(TouchedKind::Policy, parsed->account, {}, arn);
  const auto& db = m.state().db;
  const std::string key = keys::policy_usage(arn, account);
  PolicyUsage usage = load<PolicyUsage>(m.transaction(), db.policy_usage, key).value_or(PolicyUsage{});
  usage.attachments = static_cast<std::uint32_t>(static_cast<int>(usage.attachments) + attachments);
  usage.boundaries = static_cast<std::uint32_t>(static_cast<int>(usage.boundaries) + boundaries);
  if (usage.attachments == 0 && usage.boundaries == 0) {
    db.policy_usage.del(m.transaction(), key);
  } else {
    save(m.transaction(), db.policy_usage, key, usage);
  }
}

Result<void> bind_unbound_principals(Mutation& m) {
  static constexpr std::string_view kDone = "principals-bound";
  const StoreState& state = m.state();
  kv::Transaction& txn = m.transaction();
  std::string_view flag;
  if (state.db.meta.get(txn, kDone, flag)) return success();
  // Collected first, written after: no write while a scan is open.
  std::vector<std::pair<std::string, Role>> roles;
  scan_prefix(txn, state.db.roles, "", [&](std::string_view key, std::string_view value) {
    Role role = decode<Role>(value);
    if (role.trust_principal_ids.empty()) roles.emplace_back(std::string(key), std::move(role));
    return true;
  });
  std::vector<std::pair<std::string, FunctionPolicy>> policies;
  scan_prefix(txn, state.db.function_policies, "", [&](std::string_view key, std::string_view value) {
    FunctionPolicy policy = decode<FunctionPolicy>(value);
    if (policy.principal_ids.empty()) policies.emplace_back(std::string(key), std::move(policy));
    return true;
  });
  for (auto& [key, role] : roles) {
    role.trust_principal_ids = bind_principals(m, role.trust.document);
    if (role.trust_principal_ids.empty()) continue;
    role.trust.revision = m.next_revision();  // a new compiled form: the bound document
    save(txn, state.db.roles, key, role);
    m.effects().iam = true;
  }
  for (auto& [key, policy] : policies) {
    policy.principal_ids = bind_principals(m, policy.document());
    if (policy.principal_ids.empty()) continue;
    policy.revision = m.next_revision();
    save(txn, state.db.function_policies, key, policy);
    m.effects().lambda = true;
  }
  state.db.meta.put(txn, kDone, "1");
  return success();
}

}  // namespace gatehouse::store::detail
