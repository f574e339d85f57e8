#include "server/authz/execution_role.h"

#include <memory>
#include <string>
#include <vector>

#include "policy/arn.h"
#include "policy/principal.h"

namespace gatehouse::server::authz {
namespace {

// The role's session as the pipeline's caller: its identity policies and boundary from the
// store, or none at all when the role is gone (its every action is then implicitly denied).
store::Result<Principal> role_session(const store::Store& store, const RoleUse& use) {
  auto credential = std::make_shared<store::ResolvedCredential>();
  // Role credentials are temporary (aws:MultiFactorAuthPresent is "false" for them).
  credential->session_token.emplace();
  const auto arn = policy::parse_arn(use.role_arn);
  const std::string_view resource = arn ? arn->resource : std::string_view();
  const std::string_view name = resource.substr(resource.rfind('/') + 1);
  const std::string account = arn ? std::string(arn->account) : std::string();
  if (arn) {
    auto resolved = store.resolve_role(account, name, use.function_name);
    if (!resolved) return resolved.error();
    // The path is part of the role's identity: role/R is not role/app/R.
    if (resolved.value() && resolved.value()->caller.principal_arn() == use.role_arn) {
      credential->principal = *resolved.value();
      return Principal{std::move(credential), false};
    }
  }
  const std::string session_arn =
      "arn:aws:sts::" + account + ":assumed-role/" + std::string(name) + "/" + std::string(use.function_name);
  if (auto caller = policy::caller_from_arn(session_arn)) credential->principal.caller = std::move(*caller);
  credential->principal.kind = store::CredentialKind::RoleSession;
  credential->principal.policies.build_views();
  return Principal{std::move(credential), false};
}

}  // namespace

store::Result<std::optional<RoleDenial>> authorize_role(const Pipeline& pipeline, const store::Store& store,
                                                         const RoleUse& use, std::span<const RoleAction> actions) {
  auto principal = role_session(store, use);
  if (!principal) return principal.error();
  // Lambda calls the source with the role's credentials from inside AWS: no client address,
  // always TLS; the session's requests carry lambda:SourceFunctionArn (policy-semantics 6.2).
  const Transport transport{{}, true, std::nullopt, std::nullopt};
  const std::vector<ContextKey> keys{{"lambda:SourceFunctionArn", {std::string(use.function_arn)}, false}};
  for (const RoleAction& wanted : actions) {
    const Query query{wanted.action, wanted.resource, {}, use.region, nullptr, policy::ResourcePolicyKind::Function,
                      keys};
    Verdict verdict = pipeline.authorize(principal.value(), transport, query);
    if (!verdict.allowed()) return std::optional<RoleDenial>(RoleDenial{wanted, std::move(verdict)});
  }
  return std::optional<RoleDenial>();
}

}  // namespace gatehouse::server::authz
