#include "server/authz/execution_role.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "policy/arn.h"
#include "policy/decide.h"
#include "policy/values.h"
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
  // always TLS. These are Lambda's own calls outside the execution environment (reading an
  // event source, a VPC's network interfaces, delivering a dead letter), which AWS documents
  // carry no lambda:SourceFunctionArn; only requests from the function's code (and Lambda's
  // Logs, X-Ray and EFS calls) do ("Using source function ARN to control function access
  // behavior", Lambda developer guide).
  const Transport transport{{}, true, std::nullopt, std::nullopt};
  for (const RoleAction& wanted : actions) {
    const Query query{wanted.action, wanted.resource, {}, use.region, nullptr, policy::ResourcePolicyKind::Function,
                      {}};
    Verdict verdict = pipeline.authorize(principal.value(), transport, query);
    if (!verdict.allowed()) return std::optional<RoleDenial>(RoleDenial{wanted, std::move(verdict)});
  }
  return std::optional<RoleDenial>();
}

store::Result<bool> lambda_may_assume(const store::Store& store, const sigv4::Clock& clock, std::string_view role_arn,
                                      std::string_view function_account, std::string_view function_arn) {
  static constexpr std::string_view kLambdaService = "lambda.amazonaws.com";
  const auto arn = policy::parse_arn(role_arn);
  if (!arn) return false;
  const std::string_view resource = arn->resource;
  const std::string_view name = resource.substr(resource.rfind('/') + 1);
  auto trust = store.find_role_trust(arn->account, name);
  if (!trust) return trust.error();
  if (!trust.value() || trust.value()->arn != role_arn || !trust.value()->trust) return false;
  const auto caller = policy::caller_from_arn(kLambdaService);
  policy::RequestContext context;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  context.set("aws:CurrentTime", policy::format_date(policy::Instant{seconds, 0}));
  context.set("aws:EpochTime", std::to_string(seconds));
  context.set("aws:SecureTransport", "true");
  context.set("aws:PrincipalIsAWSService", "true");
  context.set("aws:PrincipalServiceName", kLambdaService);
  context.set_list("aws:PrincipalServiceNamesList", {kLambdaService});
  context.set("aws:SourceAccount", function_account);
  context.set("aws:SourceArn", function_arn);
  policy::PolicySet policies;
  policies.resource = trust.value()->trust.get();
  policies.resource_kind = policy::ResourcePolicyKind::Trust;
  policy::Request request;
  request.action = "sts:AssumeRole";
  request.resource = role_arn;
  request.resource_account = arn->account;
  request.caller = &*caller;
  request.context = &context;
  return policy::decide(policies, request).decision == policy::Decision::Allowed;
}

}  // namespace gatehouse::server::authz
