// STS: GetCallerIdentity, AssumeRole, GetSessionToken (iam-sts-api.md section 4). AssumeRole
// is authorized by the same pipeline as every other call: the role's trust policy is the
// resource policy of sts:AssumeRole, next to the caller's identity policies.
#include "server/sts/operations.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

#include "policy/arn.h"
#include "server/iam/context_keys.h"
#include "server/iam/common.h"
#include "server/iam/operations.h"

namespace gatehouse::server::sts {
namespace {

using query::ApiError;
using query::Call;
using query::Outcome;
using query::Reply;
using query::Xml;

constexpr std::int64_t kMinDuration = 900;
constexpr std::int64_t kMaxRoleDuration = 43200;
constexpr std::int64_t kMaxUserSessionDuration = 129600;
constexpr std::int64_t kMaxRootSessionDuration = 3600;
constexpr std::size_t kMaxSessionPolicy = 2048;

bool is_session_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("_+=,.@-").find(c) != std::string_view::npos;
}

// A length-bounded parameter over an allowed character set, AWS's ValidationError otherwise.
Outcome<std::optional<std::string>> bounded(const Call& call, std::string_view name, std::string_view member,
                                            std::size_t min, std::size_t max, std::string_view extra_chars,
                                            std::string_view pattern, bool required) {
  const std::string* value = call.params().find(name);
  if (!value) {
    if (required) return query::missing(member);
    return std::optional<std::string>();
  }
  if (value->size() < min) {
    return query::invalid(*value, member, "Member must have length greater than or equal to " + std::to_string(min));
  }
  if (value->size() > max) {
    return query::invalid(*value, member, "Member must have length less than or equal to " + std::to_string(max));
  }
  for (const char c : *value) {
    if (!is_session_name_char(c) && extra_chars.find(c) == std::string_view::npos) {
      return query::invalid(*value, member, "Member must satisfy regular expression pattern: " + std::string(pattern));
    }
  }
  return std::optional<std::string>(*value);
}

void write_credentials(Xml& xml, const store::TemporaryCredentials& credentials) {
  xml.open("Credentials")
      .element("AccessKeyId", credentials.access_key_id)
      .element("SecretAccessKey", credentials.secret_access_key)
      .element("SessionToken", credentials.session_token)
      .element("Expiration", query::iso8601(credentials.expiration))
      .close("Credentials");
}

// responseElements of the audit record: the key id and expiry only, never the secret or token
// (audit-log.md section 5).
std::string audit_credentials(const store::TemporaryCredentials& credentials) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("credentials");
  w.StartObject();
  w.Key("accessKeyId");
  w.String(credentials.access_key_id.c_str());
  const std::string expiration = query::iso8601(credentials.expiration);
  w.Key("expiration");
  w.String(expiration.c_str());
  w.EndObject();
  if (!credentials.assumed_role_id.empty()) {
    w.Key("assumedRoleUser");
    w.StartObject();
    w.Key("assumedRoleId");
    w.String(credentials.assumed_role_id.c_str());
    w.Key("arn");
    w.String(credentials.arn.c_str());
    w.EndObject();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Reply get_caller_identity(const Call& call) {
  // No permission is needed, and no policy can deny it (iam-sts-api.md 4.1).
  Xml xml;
  xml.element("UserId", call.principal().credential->principal.user_id)
      .element("Account", call.account())
      .element("Arn", call.caller().arn);
  return query::answer(std::move(xml));
}

Reply assume_role(const Call& call) {
  const Outcome<std::optional<std::string>> role_param =
      bounded(call, "RoleArn", "roleArn", 20, 2048, ":/", "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+", true);
  if (!role_param) return role_param.error();
  const std::string& role_arn = *role_param.value();
  auto session = bounded(call, "RoleSessionName", "roleSessionName", 2, 64, "", "[\\w+=,.@-]*", true);
  if (!session) return session.error();
  auto duration = iam::int_parameter(call, "DurationSeconds", "durationSeconds", kMinDuration, kMaxRoleDuration);
  if (!duration) return duration.error();
  auto external_id = bounded(call, "ExternalId", "externalId", 2, 1224, ":/", "[\\w+=,.@:\\/-]*", false);
  if (!external_id) return external_id.error();
  auto source_identity = bounded(call, "SourceIdentity", "sourceIdentity", 2, 64, "", "[\\w+=,.@-]*", false);
  if (!source_identity) return source_identity.error();
  // Policy is 1-2048 characters of [\u0009\u000A\u000D\u0020-\u00FF]: AWS answers a longer or
  // empty one with a ValidationError (PackedPolicyTooLarge is about the packed policies and tags).
  std::string session_policy;
  if (call.params().has("Policy")) {
    auto policy = iam::document_parameter(call, "Policy", "policy");
    if (!policy) return policy.error();
    if (store::text_length(policy.value()) > kMaxSessionPolicy) {
      return query::invalid(policy.value(), "policy", "Member must have length less than or equal to 2048");
    }
    session_policy = std::move(policy).value();
  }
  std::vector<std::string> policy_arns;
  int n = 0;
  for (const std::string& prefix : call.params().member_prefixes("PolicyArns")) {
    const std::string* arn = call.params().find(prefix + ".arn");
    if (!arn) return query::missing("policyArns.member.arn");
    // arnType: 20-2048 characters, checked before the store looks the policy up.
    const std::string member = "policyArns." + std::to_string(++n) + ".member.arn";
    if (arn->size() < 20) return query::invalid(*arn, member, "Member must have length greater than or equal to 20");
    if (arn->size() > 2048) return query::invalid(*arn, member, "Member must have length less than or equal to 2048");
    policy_arns.push_back(*arn);
  }
  auto tags = iam::tags_parameter(call);
  if (!tags) return tags.error();
  const std::vector<std::string> transitive = call.params().members("TransitiveTagKeys");

  // Root credentials never assume roles (iam-sts-api.md 4.2).
  const store::CredentialKind kind = call.principal().credential->principal.kind;
  if (kind == store::CredentialKind::Root || kind == store::CredentialKind::RootSession) {
    return query::access_denied("Roles may not be assumed by root accounts.");
  }
  const auto arn = policy::parse_arn(role_arn);
  if (!arn || arn->service != "iam" || !arn->resource.starts_with("role/") || arn->account.size() != 12) {
    return ApiError{400, "ValidationError", role_arn + " is invalid"};
  }
  const std::string_view resource = arn->resource;
  const std::string role_name(resource.substr(resource.rfind('/') + 1));
  const std::string role_account(arn->account);

  auto trust = call.store().find_role_trust(role_account, role_name);
  if (!trust) return query::from_store(trust.error());
  // A role that does not exist (or by another path) has no trust policy to allow anyone:
  // the caller is refused as for any other role it may not assume.
  const bool exists = trust.value() && trust.value()->arn == role_arn && trust.value()->trust;

  // A role session assuming another role is role chaining (a GetSessionToken session is not: AWS
  // chains roles to roles only). The calling session's source identity and transitive tags go
  // along.
  const store::ResolvedCredential& caller_credential = *call.principal().credential;
  const bool chained = kind == store::CredentialKind::RoleSession;
  const std::string& inherited_identity = caller_credential.source_identity;
  // Once set, a source identity cannot be changed for the rest of the chain.
  if (!inherited_identity.empty() && source_identity.value() && *source_identity.value() != inherited_identity) {
    return query::access_denied("User: " + call.caller().arn +
                                " is not authorized to perform: sts:SetSourceIdentity on resource: " + role_arn +
                                " because the source identity of the session cannot be changed");
  }
  const std::string effective_identity = source_identity.value().value_or(inherited_identity);

  // Inherited transitive tags are session tags of the new session: they are request tags of the
  // call (aws:RequestTag/*, aws:TagKeys, sts:TransitiveTagKeys) and need sts:TagSession, as tags
  // given in the request do (docs/compatibility.md). Giving one again fails in the store.
  iam::Facts facts = iam::request_tag_facts(call, tags.value(), false);
  std::vector<std::string> transitive_keys = transitive;
  if (chained) {
    for (const auto& [k, v] : caller_credential.transitive_tags) {
      if (!facts.request_tags.contains(k)) {
        facts.request_tags.emplace(k, v);
        facts.tag_keys.push_back(k);
      }
      transitive_keys.push_back(k);
    }
  }
  facts.set("sts:RoleSessionName", *session.value());
  if (external_id.value()) facts.set("sts:ExternalId", *external_id.value());
  if (!effective_identity.empty()) facts.set("sts:SourceIdentity", effective_identity);
  if (!transitive_keys.empty()) facts.set_list("sts:TransitiveTagKeys", transitive_keys);
  // A role that does not exist is refused as one whose trust policy allows nothing: AWS does
  // not reveal which roles exist (policy-semantics 6.3). It is evaluated as such a role, so the
  // reason (an identity policy's deny or silence, the trust policy) is the one an existing role
  // would get.
  if (!exists) {
    if (auto ok = iam::authorize(call, "sts:AssumeRole", role_arn, facts, {}, role_account, nullptr,
                                 policy::ResourcePolicyKind::Trust);
        !ok) {
      return ok.error();
    }
    return query::access_denied("User: " + call.caller().arn +
                                " is not authorized to perform: sts:AssumeRole on resource: " + role_arn +
                                " because no role trust policy allows the sts:AssumeRole action");
  }
  facts.resource_tags = trust.value()->tags;
  const auto authorize = [&](std::string_view action) {
    return iam::authorize(call, action, role_arn, facts, {}, role_account, trust.value()->trust.get(),
                          policy::ResourcePolicyKind::Trust);
  };
  if (auto ok = authorize("sts:AssumeRole"); !ok) return ok.error();
  // Session tags and a source identity need their own trust permissions (iam-sts-api.md 4.2),
  // inherited ones along a chain too.
  if (!facts.request_tags.empty()) {
    if (auto ok = authorize("sts:TagSession"); !ok) return ok.error();
  }
  if (!effective_identity.empty()) {
    if (auto ok = authorize("sts:SetSourceIdentity"); !ok) return ok.error();
  }

  store::AssumeRoleInput input;
  input.account = role_account;
  input.role_name = trust.value()->name;
  input.session_name = *session.value();
  input.duration_seconds = static_cast<std::int32_t>(duration.value().value_or(3600));
  input.session_policy = session_policy;
  input.session_policy_arns = std::move(policy_arns);
  input.session_tags = tags.value();
  input.transitive_tag_keys = transitive;
  input.source_identity = effective_identity;
  input.chained = chained;
  if (chained) input.caller_access_key_id = caller_credential.access_key_id;
  auto issued = call.store().write([&](store::Mutation& m) { return m.assume_role(input); });
  if (!issued) return query::from_store(issued.error());
  const store::TemporaryCredentials& credentials = issued.value();

  Xml xml;
  write_credentials(xml, credentials);
  xml.open("AssumedRoleUser")
      .element("AssumedRoleId", credentials.assumed_role_id)
      .element("Arn", credentials.arn)
      .close("AssumedRoleUser");
  if (credentials.packed_policy_size > 0) {
    xml.element("PackedPolicySize", static_cast<std::int64_t>(credentials.packed_policy_size));
  }
  if (!effective_identity.empty()) xml.element("SourceIdentity", effective_identity);
  query::Output output = query::answer(std::move(xml));
  output.audit_response = audit_credentials(credentials);
  output.audit_resource_arn = role_arn;
  output.audit_resource_type = "AWS::IAM::Role";
  return output;
}

Reply get_session_token(const Call& call) {
  // No permission is needed; policies on sts:GetSessionToken have no effect (iam-sts-api.md 4.3).
  if (call.principal().temporary()) {
    return query::access_denied("Cannot call GetSessionToken with session credentials");
  }
  const bool root = call.principal().credential->principal.kind == store::CredentialKind::Root;
  auto duration = iam::int_parameter(call, "DurationSeconds", "durationSeconds", kMinDuration, kMaxUserSessionDuration);
  if (!duration) return duration.error();
  store::SessionTokenInput input;
  input.account = call.account();
  if (!root) input.user_name = call.caller().name;
  if (duration.value()) {
    // A root's session lasts at most an hour: longer requests are cut to it, as AWS does.
    input.duration_seconds = static_cast<std::int32_t>(
        root ? std::min<std::int64_t>(*duration.value(), kMaxRootSessionDuration) : *duration.value());
  }
  auto issued = call.store().write([&](store::Mutation& m) { return m.get_session_token(input); });
  if (!issued) return query::from_store(issued.error());
  Xml xml;
  write_credentials(xml, issued.value());
  query::Output output = query::answer(std::move(xml));
  output.audit_response = audit_credentials(issued.value());
  return output;
}

constexpr auto kOperations = std::to_array<query::Operation>({
    {"GetCallerIdentity", true, get_caller_identity},
    {"AssumeRole", false, assume_role},
    {"GetSessionToken", false, get_session_token},
});

}  // namespace

std::span<const query::Operation> operations() { return kOperations; }

}  // namespace gatehouse::server::sts
