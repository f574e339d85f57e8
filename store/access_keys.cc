// Access keys (CreateAccessKey, UpdateAccessKey, DeleteAccessKey,
// ListAccessKeys, keys from the bootstrap file) and temporary credentials
// (AssumeRole, GetSessionToken). Secrets are sealed with the store's key.
#include <algorithm>

#include "policy/text.h"
#include "store/iam_common.h"
#include "store/ids.h"

namespace gatehouse::store {

using namespace detail;

namespace {

constexpr std::int32_t kMinSessionSeconds = 900;
constexpr std::int32_t kMaxSessionSeconds = 43200;
constexpr std::size_t kMaxSessionPolicyArns = 10;
constexpr std::size_t kPackedPolicyBudget = 2048;

std::vector<std::string>* owner_keys(Account* account, User* user) {
  return user != nullptr ? &user->access_keys : &account->root_access_keys;
}

Result<void> check_duration(std::int32_t seconds, std::int32_t low, std::int32_t high) {
  if (seconds < low) {
    return aws::validation(std::to_string(seconds), "durationSeconds",
                           "Member must have value greater than or equal to " + std::to_string(low));
  }
  if (seconds > high) {
    return aws::validation(std::to_string(seconds), "durationSeconds",
                           "Member must have value less than or equal to " + std::to_string(high));
  }
  return success();
}

// A sanity check of every session the store issues: non-empty, at most 64 of [\w+=,.@-]. STS's
// AssumeRole asks for at least 2 characters, and its API layer (server/sts) holds that rule; the
// executor's sessions are named after the function, as Lambda's are, and a function's name may be
// 1 character long.
Result<void> check_session_name(std::string_view name) {
  if (name.empty()) return aws::validation_null("roleSessionName");
  if (name.size() > 64) {
    return aws::validation(name, "roleSessionName", "Member must have length less than or equal to 64");
  }
  if (!check_name(name, "roleSessionName", 64)) {
    return aws::validation(name, "roleSessionName", "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  }
  return success();
}

// Gives a temporary credential its id, secret and token, stores it, and
// answers what the caller is told once.
TemporaryCredentials issue_temporary(Mutation& m, AccessKeyRecord& record, std::int32_t duration_seconds) {
  record.id = issue_unique_id(m, ids::kTemporaryKeyPrefix, record.account, "session");
  TemporaryCredentials out;
  out.access_key_id = record.id;
  out.secret_access_key = ids::secret_access_key();
  out.session_token = ids::session_token();
  record.sealed_secret = m.state().box.seal(out.secret_access_key, record.id);
  record.sealed_token = m.state().box.seal(out.session_token, session_token_associated(record.id));
  record.created = m.now();
  record.expiration = record.created + static_cast<Millis>(duration_seconds) * 1000;
  out.expiration = record.expiration;
  save(m.transaction(), m.state().db.access_keys, record.id, record);
  m.effects().iam = true;
  return out;
}

}  // namespace

std::optional<AccessKeyRecord> Snapshot::find_access_key(std::string_view id) const {
  return load<AccessKeyRecord>(txn_, state_.db.access_keys, id);
}

Result<std::vector<AccessKeyMetadata>> Snapshot::list_access_keys(std::string_view account,
                                                                 std::string_view user) const {
  std::vector<std::string> ids;
  if (user.empty()) {
    auto a = find_account(account);
    if (!a) return aws::make(aws::kNoSuchEntity, "The account with id " + std::string(account) + " cannot be found.");
    ids = a->root_access_keys;
  } else {
    auto u = get_user(account, user);
    if (!u) return u.error();
    ids = u.value().access_keys;
  }
  std::vector<AccessKeyMetadata> out;
  for (const auto& id : ids) {
    if (auto key = find_access_key(id)) out.push_back(AccessKeyMetadata{key->user_name, key->id, key->status, key->created});
  }
  return out;
}

namespace {

// Stores a long-term key for the root (user empty) or a user, within the quota.
Result<AccessKeyMetadata> add_long_term_key(Mutation& m, std::string_view account, std::string_view user_name,
                                            const std::string& id, std::string_view secret) {
  const auto& db = m.state().db;
  auto acct = m.find_account(account);
  if (!acct) return aws::make(aws::kNoSuchEntity, "The account with id " + std::string(account) + " cannot be found.");
  std::optional<User> user;
  if (!user_name.empty()) {
    auto u = m.get_user(account, user_name);
    if (!u) return u.error();
    user = std::move(u.value());
  }
  std::vector<std::string>& list = *owner_keys(&*acct, user ? &*user : nullptr);
  if (list.size() >= kMaxAccessKeysPerUser) return aws::quota("AccessKeysPerUser", kMaxAccessKeysPerUser);
  AccessKeyRecord record;
  record.id = id;
  record.account = std::string(account);
  record.kind = user ? CredentialKind::User : CredentialKind::Root;
  if (user) {
    record.user_name = user->name;
    record.user_id = user->id;
  }
  record.sealed_secret = m.state().box.seal(secret, id);
  record.created = m.now();
  list.push_back(id);
  save(m.transaction(), db.access_keys, id, record);
  if (user) {
    save(m.transaction(), db.users, keys::entity(account, user->name), *user);
  } else {
    save(m.transaction(), db.accounts, account, *acct);
  }
  m.effects().iam = true;
  return AccessKeyMetadata{record.user_name, record.id, record.status, record.created};
}

// The long-term key `id` of the root (user empty) or of that user.
Result<AccessKeyRecord> owned_key(const Snapshot& s, std::string_view account, std::string_view user,
                                  std::string_view id) {
  auto key = s.find_access_key(id);
  if (!key || is_temporary(key->kind) || key->account != account) return aws::no_such_access_key(id);
  if (user.empty() ? key->kind != CredentialKind::Root
                   : (key->kind != CredentialKind::User || keys::lower_ascii(key->user_name) != keys::lower_ascii(user))) {
    return aws::no_such_access_key(id);
  }
  return std::move(*key);
}

}  // namespace

Result<NewAccessKey> Mutation::create_access_key(std::string_view account, std::string_view user) {
  // Check the owner and quota before issuing an id, so a refused call issues none.
  auto existing = list_access_keys(account, user);
  if (!existing) return existing.error();
  if (existing.value().size() >= kMaxAccessKeysPerUser) return aws::quota("AccessKeysPerUser", kMaxAccessKeysPerUser);
  const std::string id = issue_unique_id(*this, ids::kAccessKeyPrefix, account, "access key");
  std::string secret = ids::secret_access_key();
  auto added = add_long_term_key(*this, account, user, id, secret);
  if (!added) return added.error();
  return NewAccessKey{std::move(added.value()), std::move(secret)};
}

Result<AccessKeyMetadata> Mutation::import_access_key(const ImportedAccessKey& key) {
  if (!ids::is_access_key_id(key.access_key_id) || !key.access_key_id.starts_with(ids::kAccessKeyPrefix)) {
    return aws::validation(key.access_key_id, "accessKeyId",
                           "Member must be AKIA followed by 16 upper-case letters or digits");
  }
  if (!ids::is_secret_access_key(key.secret_access_key)) {
    return aws::validation("*****", "secretAccessKey", "Member must be 40 characters of [A-Za-z0-9/+]");
  }
  if (find_access_key(key.access_key_id)) {
    return aws::make(aws::kEntityAlreadyExists, "Access key " + key.access_key_id + " already exists.");
  }
  state_.db.unique_ids.put(txn_, key.access_key_id, "access key");
  return add_long_term_key(*this, key.account, key.user_name, key.access_key_id, key.secret_access_key);
}

Result<void> Mutation::update_access_key(std::string_view account, std::string_view user, std::string_view id,
                                         KeyStatus status) {
  auto key = owned_key(*this, account, user, id);
  if (!key) return key.error();
  key.value().status = status;
  save(txn_, state_.db.access_keys, id, key.value());
  effects_.iam = true;
  return success();
}

Result<void> Mutation::delete_access_key(std::string_view account, std::string_view user, std::string_view id) {
  auto key = owned_key(*this, account, user, id);
  if (!key) return key.error();
  if (user.empty()) {
    auto acct = find_account(account);
    std::erase(acct->root_access_keys, std::string(id));
    save(txn_, state_.db.accounts, account, *acct);
  } else {
    auto u = get_user(account, user);
    if (!u) return u.error();
    std::erase(u.value().access_keys, std::string(id));
    save(txn_, state_.db.users, keys::entity(account, u.value().name), u.value());
  }
  state_.db.access_keys.del(txn_, id);
  effects_.iam = true;
  return success();
}

Result<TemporaryCredentials> Mutation::assume_role(const AssumeRoleInput& input) {
  if (auto ok = check_session_name(input.session_name); !ok) return ok.error();
  if (auto ok = check_duration(input.duration_seconds, kMinSessionSeconds, kMaxSessionSeconds); !ok) return ok.error();
  auto role = get_role(input.account, input.role_name);
  if (!role) return role.error();
  const Role& r = role.value();
  if (input.chained && input.duration_seconds > 3600) {
    return aws::make(aws::kValidationError,
                     "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
                     "chaining.");
  }
  if (input.duration_seconds > r.max_session_duration) {
    return aws::make(aws::kValidationError,
                     "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  if (input.session_policy_arns.size() > kMaxSessionPolicyArns) {
    return aws::validation("policyArns", "policyArns", "Member must have length less than or equal to 10");
  }
  std::size_t packed = 0;
  if (!input.session_policy.empty()) {
    if (auto ok = check_document(*this, input.session_policy, policy::PolicyType::Session); !ok) return ok.error();
    packed += policy_size(input.session_policy);
  }
  for (const auto& arn : input.session_policy_arns) {
    if (auto p = attachable_policy(*this, input.account, arn); !p) return p.error();
    packed += arn.size();
  }
  // Role chaining: the calling session's transitive tags pass on, and stay transitive; the
  // request may not set them again ("If you pass a session tag with the same key as an
  // inherited tag, the operation fails", AssumeRole API reference).
  Tags session_tags = input.session_tags;
  std::vector<std::string> transitive;
  if (!input.caller_access_key_id.empty()) {
    if (auto caller = find_access_key(input.caller_access_key_id)) {
      for (const std::string& key : caller->transitive_tag_keys) {
        const auto inherited = caller->session_tags.find(key);
        if (inherited == caller->session_tags.end()) continue;
        for (const auto& [k, v] : input.session_tags) {
          if (policy::equals_ignore_case(k, key)) {
            return aws::make("InvalidParameterValue", "Session tag " + k +
                                                              " is an inherited transitive tag and cannot be passed "
                                                              "again in a role chain.");
          }
        }
        session_tags.emplace(inherited->first, inherited->second);
        transitive.push_back(inherited->first);
      }
    }
  }
  for (const std::string& key : input.transitive_tag_keys) {
    const auto tag = std::find_if(input.session_tags.begin(), input.session_tags.end(),
                                  [&](const auto& t) { return policy::equals_ignore_case(t.first, key); });
    if (tag == input.session_tags.end()) {
      return aws::make("InvalidParameterValue",
                       "The transitive tag key " + key + " is not one of the session tags passed in the request.");
    }
    transitive.push_back(tag->first);  // as the tag spells it
  }
  if (auto ok = check_tags(session_tags, "SessionTags"); !ok) return ok.error();
  for (const auto& [k, v] : input.session_tags) packed += k.size() + v.size();
  if (packed > kPackedPolicyBudget) {
    return aws::make("PackedPolicyTooLarge", "Packed policy consumes " + std::to_string(packed * 100 / kPackedPolicyBudget) +
                                                 "% of allotted space, please use smaller policy.");
  }

  AccessKeyRecord record;
  record.account = input.account;
  record.kind = CredentialKind::RoleSession;
  record.role_name = r.name;
  record.role_id = r.id;
  record.session_name = input.session_name;
  record.source_identity = input.source_identity;
  record.session_policy = input.session_policy;
  if (!input.session_policy.empty()) record.session_policy_revision = next_revision();
  record.session_policy_arns = input.session_policy_arns;
  record.session_tags = std::move(session_tags);
  record.transitive_tag_keys = std::move(transitive);
  record.source_function_arn = input.source_function_arn;  // not inherited along a role chain
  TemporaryCredentials out = issue_temporary(*this, record, input.duration_seconds);
  out.assumed_role_id = r.id + ":" + input.session_name;
  out.arn = "arn:aws:sts::" + r.account + ":assumed-role/" + r.name + "/" + input.session_name;
  const bool packed_reported = !input.session_policy.empty() || !input.session_policy_arns.empty() ||
                               !input.session_tags.empty();
  if (packed_reported) out.packed_policy_size = std::max<std::size_t>(1, packed * 100 / kPackedPolicyBudget);
  return out;
}

Result<TemporaryCredentials> Mutation::get_session_token(const SessionTokenInput& input) {
  const bool root = input.user_name.empty();
  const std::int32_t duration = input.duration_seconds.value_or(root ? 3600 : 43200);
  if (auto ok = check_duration(duration, kMinSessionSeconds, root ? 3600 : 129600); !ok) return ok.error();
  if (auto ok = require_account(*this, input.account); !ok) return ok.error();
  AccessKeyRecord record;
  std::string arn = "arn:aws:iam::" + input.account + ":root";
  if (!root) {
    auto user = get_user(input.account, input.user_name);
    if (!user) return user.error();
    record.user_name = user.value().name;
    record.user_id = user.value().id;
    arn = user.value().arn;
  }
  record.account = input.account;
  record.kind = root ? CredentialKind::RootSession : CredentialKind::UserSession;
  TemporaryCredentials out = issue_temporary(*this, record, duration);
  out.arn = arn;
  return out;
}

Result<std::size_t> Mutation::purge_expired_credentials() {
  const Millis t = now();
  std::vector<std::string> expired;
  scan_prefix(txn_, state_.db.access_keys, "", [&](std::string_view id, std::string_view value) {
    const auto record = decode<AccessKeyRecord>(value);
    if (is_temporary(record.kind) && record.expiration <= t) expired.emplace_back(id);
    return true;
  });
  for (const auto& id : expired) {
    state_.db.access_keys.del(txn_, id);
    effects_.forget.push_back(session_policy_key(id));
  }
  if (!expired.empty()) effects_.iam = true;
  return expired.size();
}

}  // namespace gatehouse::store
