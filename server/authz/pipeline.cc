#include "server/authz/pipeline.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>

#include "policy/arn.h"
#include "policy/values.h"

namespace gatehouse::server::authz {
namespace {

// Bounds the adapters kept: callers may present any number of key ids.
constexpr std::size_t kMaxAdaptedCredentials = 1 << 14;

sigv4::TimePoint to_time_point(store::Millis ms) {
  return sigv4::TimePoint(std::chrono::duration_cast<sigv4::TimePoint::duration>(std::chrono::milliseconds(ms)));
}

std::int64_t epoch_seconds(const sigv4::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

// The account of the query's resource ARN, if it names one (aws:ResourceAccount).
std::string_view resource_account_of(const Query& query) {
  if (auto arn = policy::parse_arn(query.resource); arn && !arn->account.empty()) return arn->account;
  return {};
}

void set_time_keys(policy::RequestContext& context, std::int64_t seconds) {
  context.set("aws:CurrentTime", policy::format_date(policy::Instant{seconds, 0}));
  char digits[24];
  const auto printed = std::to_chars(digits, digits + sizeof digits, seconds);
  context.set("aws:EpochTime", std::string_view(digits, static_cast<std::size_t>(printed.ptr - digits)));
}

void set_query_keys(policy::RequestContext& context, std::span<const ContextKey> keys) {
  for (const auto& key : keys) {
    if (key.multi) {
      context.set_list(key.name, key.values);
    } else if (!key.values.empty()) {
      context.set(key.name, key.values.front());
    }
  }
}

bool same_keys(std::span<const ContextKey> a, std::span<const ContextKey> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const ContextKey& x, const ContextKey& y) {
    return x.multi == y.multi && x.name == y.name && x.values == y.values;
  });
}

void assign(std::optional<std::string>& to, const std::optional<std::string_view>& from) {
  if (from) {
    to.emplace().assign(*from);
  } else {
    to.reset();
  }
}

bool same(const std::optional<std::string>& a, const std::optional<std::string_view>& b) {
  return a.has_value() == b.has_value() && (!a || *a == *b);
}

// This thread's last request context with the inputs it was built from. The next
// authorization of the same principal with keys of the same shape (the same optional keys
// present, the same operation keys) re-sets only the keys whose input changed; anything else
// builds a new context. The context is a function of exactly these inputs: the principal is
// compared by identity (the store answers with a new ResolvedCredential after any IAM write,
// and the one held here cannot be freed and its address reused), the rest by value.
struct ContextMemo {
  std::shared_ptr<const store::ResolvedCredential> principal;
  std::int64_t seconds = std::numeric_limits<std::int64_t>::min();
  bool secure = false;
  std::string source_ip;
  std::optional<std::string> user_agent, referer;
  std::string region, resource_account;
  std::vector<ContextKey> keys;
  policy::RequestContext context;

  bool fits(const Principal& who, const Transport& transport, const Query& query,
            std::string_view account) const {
    return principal == who.credential && source_ip.empty() == transport.source_ip.empty() &&
           user_agent.has_value() == transport.user_agent.has_value() &&
           referer.has_value() == transport.referer.has_value() && region.empty() == query.region.empty() &&
           resource_account.empty() == account.empty() && same_keys(keys, query.keys);
  }

  void record(const Principal& who, std::int64_t now, const Transport& transport, const Query& query,
              std::string_view account) {
    principal = who.credential;
    seconds = now;
    secure = transport.secure;
    source_ip.assign(transport.source_ip);
    assign(user_agent, transport.user_agent);
    assign(referer, transport.referer);
    region.assign(query.region);
    resource_account.assign(account);
    keys.assign(query.keys.begin(), query.keys.end());
  }

  // Re-sets the keys whose input changed since the context was built; the shape is the same.
  void update(std::int64_t now, const Transport& transport, const Query& query, std::string_view account) {
    bool changed = false;
    if (seconds != now) {
      set_time_keys(context, now);
      seconds = now;
      changed = true;
    }
    if (secure != transport.secure) {
      context.set("aws:SecureTransport", transport.secure ? "true" : "false");
      secure = transport.secure;
      changed = true;
    }
    if (source_ip != transport.source_ip) {
      context.set("aws:SourceIp", transport.source_ip);
      source_ip.assign(transport.source_ip);
      changed = true;
    }
    if (!same(user_agent, transport.user_agent)) {
      context.set("aws:UserAgent", *transport.user_agent);
      assign(user_agent, transport.user_agent);
      changed = true;
    }
    if (!same(referer, transport.referer)) {
      context.set("aws:Referer", *transport.referer);
      assign(referer, transport.referer);
      changed = true;
    }
    if (region != query.region) {
      context.set("aws:RequestedRegion", query.region);
      region.assign(query.region);
      changed = true;
    }
    if (resource_account != account) {
      context.set("aws:ResourceAccount", account);
      resource_account.assign(account);
      changed = true;
    }
    // An operation key of the same name as a global one wins, as in a new context.
    if (changed) set_query_keys(context, keys);
  }
};

ContextMemo& thread_context_memo() {
  thread_local ContextMemo memo;
  return memo;
}

}  // namespace

std::shared_ptr<const sigv4::Credential> StoreCredentials::find(std::string_view access_key_id) const {
  auto found = store_.find_credential(access_key_id);
  // A store failure must not authenticate anyone: it reads as an unknown key.
  if (!found || !found.value() || found.value()->status != store::KeyStatus::Active) return nullptr;
  const auto& resolved = found.value();
  {
    std::lock_guard lock(mutex_);
    if (const auto it = adapted_.find(access_key_id); it != adapted_.end() && it->second->resolved == resolved) {
      return it->second;
    }
  }
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
  std::lock_guard lock(mutex_);
  if (adapted_.size() >= kMaxAdaptedCredentials) adapted_.clear();
  if (const auto it = adapted_.find(access_key_id); it != adapted_.end()) {
    it->second = credential;
  } else {
    adapted_.emplace(std::string(access_key_id), credential);
  }
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
  return build_context(principal, transport, query, epoch_seconds(clock_), resource_account_of(query));
}

policy::RequestContext Pipeline::build_context(const Principal& principal, const Transport& transport,
                                               const Query& query, std::int64_t seconds,
                                               std::string_view resource_account) const {
  policy::RequestContext context;
  // "AWS global condition context keys", as policy-semantics 4.2 fixes their values.
  set_time_keys(context, seconds);
  context.set("aws:SecureTransport", transport.secure ? "true" : "false");
  context.set("aws:ViaAWSService", "false");
  if (!transport.source_ip.empty()) context.set("aws:SourceIp", transport.source_ip);
  if (transport.user_agent) context.set("aws:UserAgent", *transport.user_agent);
  if (transport.referer) context.set("aws:Referer", *transport.referer);
  if (!query.region.empty()) context.set("aws:RequestedRegion", query.region);
  policy::add_principal_keys(principal.caller(), context);
  // MFA is never presented to this service: temporary credentials say so, long-term keys leave the key absent.
  if (principal.temporary()) context.set("aws:MultiFactorAuthPresent", "false");
  // Every temporary credential carries its issue time (the AWSRevokeOlderSessions deny works on
  // it) and, once set, its source identity.
  if (principal.credential->issued) {
    const std::int64_t ms = *principal.credential->issued;
    context.set("aws:TokenIssueTime", policy::format_date(policy::Instant{ms / 1000, 0}));
  }
  if (!principal.credential->source_identity.empty()) {
    context.set("aws:SourceIdentity", principal.credential->source_identity);
  }
  // Requests signed with the credentials the service minted for a function's code (policy-semantics 4.5).
  if (!principal.credential->source_function_arn.empty()) {
    context.set("lambda:SourceFunctionArn", principal.credential->source_function_arn);
  }
  if (!resource_account.empty()) context.set("aws:ResourceAccount", resource_account);
  set_query_keys(context, query.keys);
  return context;
}

const policy::RequestContext& Pipeline::thread_context(const Principal& principal, const Transport& transport,
                                                       const Query& query) const {
  ContextMemo& memo = thread_context_memo();
  const std::int64_t seconds = epoch_seconds(clock_);
  const std::string_view account = resource_account_of(query);
  if (memo.fits(principal, transport, query, account)) {
    memo.update(seconds, transport, query, account);
  } else {
    memo.context = build_context(principal, transport, query, seconds, account);
    memo.record(principal, seconds, transport, query, account);
  }
  return memo.context;
}

Verdict Pipeline::authorize(const Principal& principal, const Transport& transport, const Query& query,
                            policy::Trace* trace) const {
  // INVARIANT: nothing below authorizes again on this thread while `context` is in use.
  const policy::RequestContext& context = thread_context(principal, transport, query);
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
    verdict.message = policy::access_denied_message(
        principal.caller(), query.action, query.shown_resource.empty() ? query.resource : query.shown_resource,
        verdict.outcome);
  }
  return verdict;
}

std::string_view decision_outcome(std::optional<policy::Decision> denial, int http_status) noexcept {
  if (denial) return policy::decision_name(*denial);
  return http_status >= 500 ? std::string_view("error") : std::string_view("allowed");
}

}  // namespace gatehouse::server::authz
