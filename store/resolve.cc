// The fast paths' slow half: from a snapshot to a principal with every
// policy that applies to it, compiled (policy-semantics 4.1 and 5.1).
#include "store/resolve.h"

#include <algorithm>

#include "policy/text.h"
#include "store/aws_errors.h"
#include "store/iam_common.h"
#include "store/state.h"

namespace gatehouse::store {

namespace detail {

std::string inline_policy_key(EntityKind kind, std::string_view entity_id, std::string_view policy_name) {
  std::string key = kind == EntityKind::User ? "user/" : kind == EntityKind::Group ? "group/" : "role/";
  key.append(entity_id).append("/").append(policy_name);
  return key;
}

std::string trust_policy_key(std::string_view role_id) { return "trust/" + std::string(role_id); }

std::string session_policy_key(std::string_view access_key_id) { return "session/" + std::string(access_key_id); }

std::string function_policy_key(std::string_view function_key, std::string_view qualifier) {
  return "function/" + std::string(function_key) + "/" + std::string(qualifier);
}

std::string session_token_associated(std::string_view access_key_id) {
  return std::string(access_key_id) + "/session-token";
}

namespace {

PolicyCache& cache(const Snapshot& s) { return s.state().policies; }

Result<AppliedPolicy> compile_inline(const Snapshot& s, EntityKind kind, std::string_view entity_id,
                                     std::string_view owner, const InlinePolicy& p) {
  const auto type = kind == EntityKind::User    ? policy::PolicyType::InlineUser
                    : kind == EntityKind::Group ? policy::PolicyType::InlineGroup
                                                : policy::PolicyType::InlineRole;
  auto compiled = cache(s).get(inline_policy_key(kind, entity_id, p.name), p.revision, p.document, type, p.name);
  if (!compiled) return compiled.error();
  const PolicySource source = kind == EntityKind::User    ? PolicySource::UserInline
                              : kind == EntityKind::Group ? PolicySource::GroupInline
                                                          : PolicySource::RoleInline;
  return AppliedPolicy{std::move(compiled.value()), source, p.name, {}, std::string(owner), false};
}

// nullopt when the policy is gone (a broken reference: check_invariants reports it).
Result<std::optional<AppliedPolicy>> compile_managed(const Snapshot& s, std::string_view arn, PolicySource source,
                                                     std::string_view owner) {
  auto policy = s.find_policy(arn);
  if (!policy) return std::optional<AppliedPolicy>();
  const PolicyVersion& v = policy->default_document();
  auto compiled = cache(s).get(arn, v.revision, v.document, policy::PolicyType::Identity, policy->name);
  if (!compiled) return compiled.error();
  return std::optional<AppliedPolicy>(AppliedPolicy{std::move(compiled.value()), source, policy->name,
                                                    std::string(arn), std::string(owner), policy->aws_managed});
}

Result<void> add_managed(const Snapshot& s, const std::vector<std::string>& arns, std::string_view owner,
                         std::vector<AppliedPolicy>& out) {
  for (const auto& arn : arns) {
    auto applied = compile_managed(s, arn, PolicySource::Managed, owner);
    if (!applied) return applied.error();
    if (applied.value()) out.push_back(std::move(*applied.value()));
  }
  return success();
}

Result<void> add_inline(const Snapshot& s, EntityKind kind, std::string_view id, std::string_view owner,
                        const std::vector<InlinePolicy>& policies, std::vector<AppliedPolicy>& out) {
  for (const auto& p : policies) {
    auto applied = compile_inline(s, kind, id, owner, p);
    if (!applied) return applied.error();
    out.push_back(std::move(applied.value()));
  }
  return success();
}

Result<void> add_boundary(const Snapshot& s, std::string_view arn, std::string_view owner, PrincipalPolicies& out) {
  if (arn.empty()) return success();
  auto applied = compile_managed(s, arn, PolicySource::Boundary, owner);
  if (!applied) return applied.error();
  if (applied.value()) out.boundary = std::move(*applied.value());
  return success();
}

Result<ResolvedPrincipal> user_principal(const Snapshot& s, const User& user, CredentialKind kind) {
  ResolvedPrincipal p;
  p.kind = kind;
  p.caller.type = policy::PrincipalType::User;
  p.caller.arn = user.arn;
  p.caller.account = user.account;
  p.caller.name = user.name;
  p.caller.path = user.path;
  p.caller.unique_id = user.id;
  p.caller.tags = user.tags;
  p.user_id = user.id;
  auto& identity = p.policies.identity;
  if (auto ok = add_inline(s, EntityKind::User, user.id, user.name, user.inline_policies, identity); !ok) return ok.error();
  if (auto ok = add_managed(s, user.attached, user.name, identity); !ok) return ok.error();
  for (const auto& group_name : user.groups) {
    auto group = s.find_group(user.account, group_name);
    if (!group) continue;
    if (auto ok = add_inline(s, EntityKind::Group, group->id, group->name, group->inline_policies, identity); !ok) {
      return ok.error();
    }
    if (auto ok = add_managed(s, group->attached, group->name, identity); !ok) return ok.error();
  }
  if (auto ok = add_boundary(s, user.boundary, user.name, p.policies); !ok) return ok.error();
  p.policies.build_views();
  return p;
}

Result<ResolvedPrincipal> role_principal(const Snapshot& s, const Role& role, std::string_view session_name,
                                         const Tags& session_tags) {
  ResolvedPrincipal p;
  p.kind = CredentialKind::RoleSession;
  p.caller.type = policy::PrincipalType::AssumedRole;
  p.caller.arn = "arn:aws:sts::" + role.account + ":assumed-role/" + role.name + "/" + std::string(session_name);
  p.caller.account = role.account;
  p.caller.name = role.name;
  p.caller.path = role.path;
  p.caller.session = std::string(session_name);
  p.caller.unique_id = role.id;
  p.caller.tags = role.tags;
  // Session tags override the role's tags of the same key, compared without case.
  for (const auto& session_tag : session_tags) {
    std::erase_if(p.caller.tags,
                  [&](const auto& tag) { return policy::equals_ignore_case(tag.first, session_tag.first); });
    p.caller.tags[session_tag.first] = session_tag.second;
  }
  p.user_id = role.id + ":" + std::string(session_name);
  auto& identity = p.policies.identity;
  if (auto ok = add_inline(s, EntityKind::Role, role.id, role.name, role.inline_policies, identity); !ok) {
    return ok.error();
  }
  if (auto ok = add_managed(s, role.attached, role.name, identity); !ok) return ok.error();
  if (auto ok = add_boundary(s, role.boundary, role.name, p.policies); !ok) return ok.error();
  p.policies.build_views();
  return p;
}

ResolvedPrincipal root_principal(std::string_view account, CredentialKind kind) {
  ResolvedPrincipal p;
  p.kind = kind;
  p.caller.type = policy::PrincipalType::Root;
  p.caller.account = std::string(account);
  p.caller.arn = "arn:aws:iam::" + p.caller.account + ":root";
  p.caller.unique_id = p.caller.account;
  p.user_id = p.caller.account;
  return p;
}

}  // namespace

Result<std::shared_ptr<const ResolvedCredential>> resolve_credential(const Snapshot& s,
                                                                    std::string_view access_key_id) {
  using Out = std::shared_ptr<const ResolvedCredential>;
  auto record = s.find_access_key(access_key_id);
  if (!record) return Out();
  auto secret = s.state().box.open(record->sealed_secret, record->id);
  if (!secret) return service_failure("the secret of access key " + record->id + " does not decrypt");
  auto c = std::make_shared<ResolvedCredential>();
  c->access_key_id = record->id;
  c->secret_access_key = std::move(*secret);
  c->secret_version = record->secret_version;
  c->status = record->status;
  if (is_temporary(record->kind)) {
    auto token = s.state().box.open(record->sealed_token, session_token_associated(record->id));
    if (!token) return service_failure("the session token of " + record->id + " does not decrypt");
    c->session_token = std::move(*token);
    c->expiration = record->expiration;
    c->issued = record->created;
    c->source_identity = record->source_identity;
    c->source_function_arn = record->source_function_arn;
    for (const std::string& key : record->transitive_tag_keys) {
      if (const auto tag = record->session_tags.find(key); tag != record->session_tags.end()) {
        c->transitive_tags.insert(*tag);
      }
    }
  }
  switch (record->kind) {
    case CredentialKind::Root:
    case CredentialKind::RootSession:
      if (!s.find_account(record->account)) return Out();
      c->principal = root_principal(record->account, record->kind);
      return Out(std::move(c));
    case CredentialKind::User:
    case CredentialKind::UserSession: {
      auto user = s.find_user(record->account, record->user_name);
      // A user re-created under the same name is another user: the key is not its.
      if (!user || user->id != record->user_id) return Out();
      auto p = user_principal(s, *user, record->kind);
      if (!p) return p.error();
      c->principal = std::move(p.value());
      return Out(std::move(c));
    }
    case CredentialKind::RoleSession: break;
  }
  auto role = s.find_role(record->account, record->role_name);
  if (!role || role->id != record->role_id) return Out();
  auto p = role_principal(s, *role, record->session_name, record->session_tags);
  if (!p) return p.error();
  c->principal = std::move(p.value());
  auto& session = c->principal.policies.session;
  if (!record->session_policy.empty()) {
    auto compiled = cache(s).get(session_policy_key(record->id), record->session_policy_revision,
                                 record->session_policy, policy::PolicyType::Session, "SessionPolicy");
    if (!compiled) return compiled.error();
    session.push_back(AppliedPolicy{std::move(compiled.value()), PolicySource::SessionInline, "SessionPolicy", {},
                                    record->session_name, false});
  }
  for (const auto& arn : record->session_policy_arns) {
    auto applied = compile_managed(s, arn, PolicySource::SessionManaged, record->session_name);
    if (!applied) return applied.error();
    // A session policy that is gone cannot be honoured: the session no longer works.
    if (!applied.value()) return Out();
    session.push_back(std::move(*applied.value()));
  }
  c->principal.policies.build_views();
  return Out(std::move(c));
}

Result<std::shared_ptr<const ResolvedPrincipal>> resolve_user(const Snapshot& s, std::string_view account,
                                                             std::string_view name) {
  using Out = std::shared_ptr<const ResolvedPrincipal>;
  auto user = s.find_user(account, name);
  if (!user) return Out();
  auto p = user_principal(s, *user, CredentialKind::User);
  if (!p) return p.error();
  return Out(std::make_shared<ResolvedPrincipal>(std::move(p.value())));
}

Result<std::shared_ptr<const ResolvedPrincipal>> resolve_role(const Snapshot& s, std::string_view account,
                                                             std::string_view role, std::string_view session_name) {
  using Out = std::shared_ptr<const ResolvedPrincipal>;
  auto r = s.find_role(account, role);
  if (!r) return Out();
  auto p = role_principal(s, *r, session_name, {});
  if (!p) return p.error();
  return Out(std::make_shared<ResolvedPrincipal>(std::move(p.value())));
}

Result<std::shared_ptr<const RoleTrust>> resolve_trust(const Snapshot& s, std::string_view account,
                                                      std::string_view role) {
  using Out = std::shared_ptr<const RoleTrust>;
  auto r = s.find_role(account, role);
  if (!r) return Out();
  auto compiled = cache(s).get(trust_policy_key(r->id), r->trust.revision,
                               bound_document(r->trust.document, r->trust_principal_ids), policy::PolicyType::Trust,
                               r->trust.name);
  if (!compiled) return compiled.error();
  auto t = std::make_shared<RoleTrust>();
  t->account = r->account;
  t->name = r->name;
  t->path = r->path;
  t->arn = r->arn;
  t->id = r->id;
  t->max_session_duration = r->max_session_duration;
  t->tags = r->tags;
  t->trust = std::move(compiled.value());
  return Out(std::move(t));
}

Result<CompiledPolicyPtr> resolve_function_policy(const Snapshot& s, const FunctionRef& ref,
                                                  std::string_view qualifier) {
  const std::string fkey = keys::function(ref.account, ref.region, ref.name);
  auto policy = load<FunctionPolicy>(s.transaction(), s.state().db.function_policies, keys::child(fkey, qualifier));
  if (!policy || policy->statements.empty()) return CompiledPolicyPtr();
  return cache(s).get(function_policy_key(fkey, qualifier), policy->revision,
                      bound_document(policy->document(), policy->principal_ids), policy::PolicyType::Resource,
                      "FunctionPolicy");
}

Result<CompiledPolicyPtr> resolve_managed_policy(const Snapshot& s, std::string_view arn) {
  auto applied = compile_managed(s, arn, PolicySource::Managed, {});
  if (!applied) return applied.error();
  if (!applied.value()) return CompiledPolicyPtr();
  return std::move(applied.value()->compiled);
}

}  // namespace detail

void PrincipalPolicies::build_views() {
  identity_view.clear();
  session_view.clear();
  for (const auto& p : identity) identity_view.push_back(p.compiled.get());
  for (const auto& p : session) session_view.push_back(p.compiled.get());
}

policy::PolicySet PrincipalPolicies::policy_set() const {
  policy::PolicySet set;
  set.identity = policy::PolicyList(identity_view.data(), identity_view.size());
  set.boundary = boundary ? boundary->compiled.get() : nullptr;
  set.session = policy::PolicyList(session_view.data(), session_view.size());
  return set;
}

}  // namespace gatehouse::store
