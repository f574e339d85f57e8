// The one authorization pipeline: authenticate -> build request context ->
// gather policies -> evaluate -> explain. The Lambda control plane, the IAM
// and STS query API and the Envoy sidecar are adapters around it; none of
// them combines policies or reads signatures itself.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/context.h"
#include "policy/decide.h"
#include "sigv4/clock.h"
#include "sigv4/credential_store.h"
#include "sigv4/rejection.h"
#include "sigv4/request_view.h"
#include "sigv4/result.h"
#include "sigv4/signing_key_cache.h"
#include "sigv4/verifier.h"
#include "store/credential.h"
#include "store/store.h"

namespace gatehouse::server::authz {

// The store's credentials as SigV4 sees them. The resolved credential (with
// the principal and its compiled policies) rides along, so authentication and
// policy gathering are one store lookup.
struct StoreCredential final : sigv4::Credential {
  std::shared_ptr<const store::ResolvedCredential> resolved;
};

// Each request asks the store (whose cache answers with the same ResolvedCredential until an
// IAM write replaces it); the adapter built for that ResolvedCredential is kept and handed out
// again while the store still answers with it, so a revoked, deactivated or changed key is
// seen on the very next request.
class StoreCredentials final : public sigv4::CredentialStore {
 public:
  explicit StoreCredentials(const store::Store& store) : store_(store) {}
  std::shared_ptr<const sigv4::Credential> find(std::string_view access_key_id) const override;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>()(key); }
  };

  const store::Store& store_;
  mutable std::mutex mutex_;  // guards adapted_
  // access key id -> the adapter of the ResolvedCredential the store last answered with.
  mutable std::unordered_map<std::string, std::shared_ptr<const StoreCredential>, Hash, std::equal_to<>> adapted_;
};

// The authenticated caller of one request.
struct Principal {
  std::shared_ptr<const store::ResolvedCredential> credential;
  bool presigned = false;

  const policy::Caller& caller() const noexcept { return credential->principal.caller; }
  const store::PrincipalPolicies& policies() const noexcept { return credential->principal.policies; }
  bool temporary() const noexcept { return credential->session_token.has_value(); }
};

// What the transport knows about the request beyond its signature ("AWS global
// condition context keys": aws:SourceIp, aws:SecureTransport, aws:UserAgent, aws:Referer).
struct Transport {
  std::string_view source_ip;  // empty: not a direct client call
  bool secure = false;
  std::optional<std::string_view> user_agent;
  std::optional<std::string_view> referer;
};

// One context key the operation itself carries (lambda:Principal, aws:RequestTag/k, aws:TagKeys...).
struct ContextKey {
  std::string name;
  std::vector<std::string> values;
  bool multi = false;  // list-typed: aws:TagKeys, lambda:Layer...
};

// What is asked: action on resource, with the resource's policy if it has one.
struct Query {
  std::string_view action;            // e.g. lambda:InvokeFunction
  std::string_view resource;          // ARN, or "*"
  std::string_view resource_account;  // empty: the ARN's account (the caller's for "*")
  std::string_view region;            // aws:RequestedRegion: the SigV4 scope region
  const policy::CompiledPolicy* resource_policy = nullptr;
  policy::ResourcePolicyKind resource_kind = policy::ResourcePolicyKind::Function;
  std::span<const ContextKey> keys;
  // How a denial names the resource; empty: by `resource` (IAM names users, groups and roles
  // as `role NAME`, iam-sts-api.md 1.4).
  std::string_view shown_resource = {};
};

// The metrics label of a call's authorization: the refusing decision's name, else "error" for a
// call that failed on the server's side after being allowed, else "allowed".
std::string_view decision_outcome(std::optional<policy::Decision> denial, int http_status) noexcept;

struct Verdict {
  policy::Outcome outcome;
  std::string message;  // the AccessDenied message when not allowed
  bool allowed() const noexcept { return outcome.decision == policy::Decision::Allowed; }
};

class Pipeline {
 public:
  // The store and clock must outlive the pipeline.
  Pipeline(const store::Store& store, const sigv4::Clock& clock);

  // 1. Authenticate: SigV4 against the store's credentials for this endpoint.
  sigv4::Result<Principal, sigv4::Rejection> authenticate(const sigv4::RequestView& request,
                                                          const sigv4::Endpoint& endpoint) const;

  // 2. The request context: global keys of the transport and the principal, then the query's own keys.
  policy::RequestContext build_context(const Principal& principal, const Transport& transport,
                                       const Query& query) const;

  // 3-5. Gather the principal's policies and the resource policy, evaluate,
  // and explain a denial in AWS's words. A trace, when given, gets the matched
  // statements and failed conditions.
  Verdict authorize(const Principal& principal, const Transport& transport, const Query& query,
                    policy::Trace* trace = nullptr) const;

  const sigv4::Verifier& verifier() const noexcept { return verifier_; }

  // Sees every signature the pipeline computes (canonical request and string to
  // sign; never a secret), for an operator's debug log. Set before serving.
  void set_signature_debug(sigv4::DebugHook hook) { verifier_.set_debug_hook(std::move(hook)); }

 private:
  policy::RequestContext build_context(const Principal& principal, const Transport& transport, const Query& query,
                                       std::int64_t seconds, std::string_view resource_account) const;
  // authorize()'s context: this thread's previous one, brought up to date when it fits.
  const policy::RequestContext& thread_context(const Principal& principal, const Transport& transport,
                                               const Query& query) const;

  const store::Store& store_;
  const sigv4::Clock& clock_;
  StoreCredentials credentials_;
  mutable sigv4::SigningKeyCache signing_keys_;
  sigv4::Verifier verifier_;
};

}  // namespace gatehouse::server::authz
