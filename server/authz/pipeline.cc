#include "server/authz/pipeline.h"

#include <chrono>

#include "policy/arn.h"
#include "policy/values.h"

namespace gatehouse::server::authz {
namespace {

sigv4::TimePoint to_time_point(store::Millis ms) {
  return sigv4::TimePoint(std::chrono::duration_cast<sigv4::TimePoint::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace

std::shared_ptr<const sigv4::Credential> StoreCredentials::find(std::string_view access_key_id) const {
  auto found = store_.find_credential(access_key_id);
  // A store failure must not authenticate anyone: it reads as an unknown key.
  if (!found || !found.value() || found.value()->status != store::KeyStatus::Active) return nullptr;
  const auto& resolved = found.value();
  auto credential = std::make_shared<StoreCredential>();
  credential->access_key_id = resolved->access_key_id;
  credential->secret_access_key = resolved->secret_access_key;
  credential->secret_version = resolved->secret_version;
  credential->session_token = resolved->session_token;
  if (resolved->expiration) credential->expiration = to_time_point(*resolved->expiration);
  credential->principal.arn = resolved->principal.caller.arn;
  credential->principal.account_id = resolved->principal.caller.account;
  credential->principal.user_id = resolved->principal.user_id;
  credential->resolved = resolved;
  return credential;
}

Pipeline::Pipeline(const store::Store& store, const sigv4::Clock& clock)
    : store_(store), clock_(clock), credentials_(store), verifier_(credentials_, clock, signing_keys_) {}

sigv4::Result<Principal, sigv4::Rejection> Pipeline::authenticate(const sigv4::RequestView& request,
                                                                  const sigv4::Endpoint& endpoint) const {
  auto verified = verifier_.verify(request, endpoint);
  if (!verified) return sigv4::failure(verified.error());
  // INVARIANT: every credential this pipeline's verifier sees comes from StoreCredentials.
  const auto& credential = static_cast<const StoreCredential&>(*verified.value().credential);
  return Principal{credential.resolved, verified.value().presigned};
}

policy::RequestContext Pipeline::build_context(const Principal& principal, const Transport& transport,
                                               const Query& query) const {
  policy::RequestContext context;
  // "AWS global condition context keys", as policy-semantics 4.2 fixes their values.
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  context.set("aws:CurrentTime", policy::format_date(policy::Instant{seconds, 0}));
  context.set("aws:EpochTime", std::to_string(seconds));
  context.set("aws:SecureTransport", transport.secure ? "true" : "false");
  context.set("aws:ViaAWSService", "false");
  if (!transport.source_ip.empty()) context.set("aws:SourceIp", transport.source_ip);
  if (transport.user_agent) context.set("aws:UserAgent", *transport.user_agent);
  if (transport.referer) context.set("aws:Referer", *transport.referer);
  if (!query.region.empty()) context.set("aws:RequestedRegion", query.region);
  policy::add_principal_keys(principal.caller(), context);
  // MFA is never presented to this service: temporary credentials say so, long-term keys leave the key absent.
  if (principal.temporary()) context.set("aws:MultiFactorAuthPresent", "false");
  if (auto arn = policy::parse_arn(query.resource); arn && !arn->account.empty()) {
    context.set("aws:ResourceAccount", arn->account);
  }
  for (const auto& key : query.keys) {
    if (key.multi) {
      context.set_list(key.name, key.values);
    } else if (!key.values.empty()) {
      context.set(key.name, key.values.front());
    }
  }
  return context;
}

Verdict Pipeline::authorize(const Principal& principal, const Transport& transport, const Query& query,
                            policy::Trace* trace) const {
  const policy::RequestContext context = build_context(principal, transport, query);
  policy::PolicySet policies = principal.policies().policy_set();
  policies.resource = query.resource_policy;
  policies.resource_kind = query.resource_kind;
  policy::Request request;
  request.action = query.action;
  request.resource = query.resource;
  request.resource_account = query.resource_account;
  request.caller = &principal.caller();
  request.context = &context;
  Verdict verdict{policy::decide(policies, request, trace), {}};
  if (!verdict.allowed()) {
    verdict.message = policy::access_denied_message(principal.caller(), query.action, query.resource, verdict.outcome);
  }
  return verdict;
}

}  // namespace gatehouse::server::authz
