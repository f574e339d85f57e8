// "Policy evaluation logic" (IAM User Guide), as fixed by the policy semantics
// 5.3: explicit deny anywhere, then organizations, special callers, then the
// same-account union and the cross-account intersection.
#include "policy/decide.h"

#include <algorithm>

#include "policy/action_catalog.h"
#include "policy/arn.h"
#include "policy/evaluate.h"
#include "policy/text.h"

namespace gatehouse::policy {
namespace {

using detail::Evaluation;
using detail::MatchKind;

// What one policy says about the request.
struct Verdict {
  bool allow = false;
  bool deny = false;
  MatchKind allow_kind = MatchKind::None;  // strongest principal match of an applicable Allow
};

Verdict evaluate_policy(const CompiledPolicy& policy, Evaluation& e, DecisionSource source,
                        std::vector<Trace::Match>* matches) noexcept {
  Verdict v;
  e.policy = &policy;
  auto visit = [&](const CompiledStatement& s) noexcept {
    // Principal before resource: in resource policies it rejects most statements cheaply.
    const MatchKind kind = detail::principal_matches(s, e);
    if (kind == MatchKind::None) return;
    if (!detail::resource_matches(s, e)) return;
    if (!detail::conditions_hold(s, e)) return;
    if (s.effect == Effect::Deny) {
      v.deny = true;
    } else {
      v.allow = true;
      if (kind > v.allow_kind) v.allow_kind = kind;
    }
    if (matches != nullptr) matches->push_back({&policy, &s, source});
  };
  if (e.action_id && !policy.action_offsets.empty()) {
    // Only the statements whose actions can match this one (compile-time index).
    const std::size_t id = *e.action_id;
    for (std::uint32_t i = policy.action_offsets[id]; i < policy.action_offsets[id + 1]; ++i) {
      visit(policy.statements[policy.by_action[i]]);
    }
  } else {
    for (const auto& s : policy.statements) {
      if (detail::action_matches(s, e)) visit(s);
    }
  }
  return v;
}

struct Gathered {
  std::vector<Trace::Match> denies;
  std::vector<Trace::Match> allows;
};

struct Sides {
  Verdict identity;  // union over I
  Verdict boundary;
  bool session_ok = true;
  bool session_deny = false;
  Verdict resource;
  bool scp_deny = false, scp_ok = true;
  bool rcp_deny = false, rcp_ok = true;
};

Verdict union_of(PolicyList list, Evaluation& e, DecisionSource source, std::vector<Trace::Match>* matches) noexcept {
  Verdict all;
  for (const CompiledPolicy* p : list) {
    if (p == nullptr) continue;
    const Verdict v = evaluate_policy(*p, e, source, matches);
    all.allow |= v.allow;
    all.deny |= v.deny;
    if (v.allow_kind > all.allow_kind) all.allow_kind = v.allow_kind;
  }
  return all;
}

// Organization levels: every level needs an applicable Allow; a Deny anywhere denies.
void evaluate_levels(std::span<const PolicyList> levels, Evaluation& e, DecisionSource source,
                     std::vector<Trace::Match>* matches, bool& deny, bool& ok) noexcept {
  for (const PolicyList& level : levels) {
    const Verdict v = union_of(level, e, source, matches);
    deny |= v.deny;
    ok &= v.allow;
  }
}

bool is_cross_account_capable(const Evaluation& e, ResourcePolicyKind kind) noexcept {
  if (kind != ResourcePolicyKind::Function || !e.action_id) return true;
  return known_actions()[*e.action_id].cross_account;
}

// A session of role R assuming R itself needs a trust statement naming R.
bool is_self_assumption(const Caller& caller, std::string_view role_arn) noexcept {
  if (caller.type != PrincipalType::AssumedRole) return false;
  const auto arn = parse_principal_arn(role_arn);
  return arn && arn->kind == PrincipalArnKind::Role && arn->account == caller.account && arn->name == caller.name;
}

int display_rank(DecisionSource s) noexcept {
  switch (s) {
    case DecisionSource::IdentityPolicy: return 0;
    case DecisionSource::PermissionsBoundary: return 1;
    case DecisionSource::SessionPolicy: return 2;
    case DecisionSource::ResourcePolicy: case DecisionSource::TrustPolicy: return 3;
    default: return 4;
  }
}

Outcome implicit(DecisionSource s) noexcept { return {Decision::ImplicitDeny, s}; }
Outcome explicit_deny(DecisionSource s) noexcept { return {Decision::ExplicitDeny, s}; }
constexpr Outcome kAllowed{Decision::Allowed, DecisionSource::None};

Outcome gate(bool id_allow, bool pb_ok, bool sess_ok) noexcept {
  if (!id_allow) return implicit(DecisionSource::IdentityPolicy);
  if (!pb_ok) return implicit(DecisionSource::PermissionsBoundary);
  if (!sess_ok) return implicit(DecisionSource::SessionPolicy);
  return kAllowed;
}

}  // namespace

Outcome decide(const PolicySet& policies, const Request& request, Trace* trace) noexcept {
  const Caller& caller = *request.caller;
  Evaluation e;
  e.request = &request;
  e.action_id = find_action(request.action);
  e.caller_has_boundary = policies.boundary != nullptr;
  e.trace = trace;

  // "sts:GetCallerIdentity" cannot be denied by any policy.
  if (caller.type != PrincipalType::Anonymous && e.action_id &&
      known_actions()[*e.action_id].lower == "sts:getcalleridentity") {
    return kAllowed;
  }

  const bool is_service = caller.type == PrincipalType::Service;
  const bool is_anonymous = caller.type == PrincipalType::Anonymous;
  const bool identity_applies = !is_service && !is_anonymous;
  const DecisionSource rp_source =
      policies.resource_kind == ResourcePolicyKind::Trust ? DecisionSource::TrustPolicy : DecisionSource::ResourcePolicy;

  Gathered gathered;
  std::vector<Trace::Match>* matches = trace ? &gathered.allows : nullptr;

  Sides sides;
  if (caller.subject_to_scps && identity_applies) {
    evaluate_levels(policies.scp_levels, e, DecisionSource::ServiceControlPolicy, matches, sides.scp_deny, sides.scp_ok);
  }
  evaluate_levels(policies.rcp_levels, e, DecisionSource::ResourceControlPolicy, matches, sides.rcp_deny, sides.rcp_ok);
  if (policies.resource) sides.resource = evaluate_policy(*policies.resource, e, rp_source, matches);
  if (identity_applies) {
    sides.identity = union_of(policies.identity, e, DecisionSource::IdentityPolicy, matches);
    if (policies.boundary) {
      sides.boundary = evaluate_policy(*policies.boundary, e, DecisionSource::PermissionsBoundary, matches);
    }
    for (const CompiledPolicy* p : policies.session) {
      if (p == nullptr) continue;
      const Verdict v = evaluate_policy(*p, e, DecisionSource::SessionPolicy, matches);
      sides.session_ok &= v.allow;
      sides.session_deny |= v.deny;
    }
  }

  const bool is_root = caller.type == PrincipalType::Root;
  const bool id_allow = is_root || sides.identity.allow;
  const bool pb_ok = policies.boundary == nullptr || sides.boundary.allow;
  const bool sess_ok = sides.session_ok;
  const MatchKind rp_kind = sides.resource.allow ? sides.resource.allow_kind : MatchKind::None;

  std::string_view resource_account = request.resource_account;
  if (resource_account.empty()) {
    if (auto arn = parse_arn(request.resource)) resource_account = arn->account;
  }
  if (resource_account.empty()) resource_account = caller.account;
  const bool same_account = !caller.account.empty() && caller.account == resource_account;

  auto decide_inner = [&]() -> Outcome {
    // 1. An explicit deny anywhere wins; the first policy type in this order names it.
    if (sides.scp_deny) return explicit_deny(DecisionSource::ServiceControlPolicy);
    if (sides.rcp_deny) return explicit_deny(DecisionSource::ResourceControlPolicy);
    if (sides.resource.deny) return explicit_deny(rp_source);
    if (sides.identity.deny) return explicit_deny(DecisionSource::IdentityPolicy);
    if (sides.boundary.deny) return explicit_deny(DecisionSource::PermissionsBoundary);
    if (sides.session_deny) return explicit_deny(DecisionSource::SessionPolicy);

    // 2. Organization guard rails report implicit denies as explicit ones.
    if (!policies.rcp_levels.empty() && !sides.rcp_ok) return explicit_deny(DecisionSource::ResourceControlPolicy);
    if (!policies.scp_levels.empty() && caller.subject_to_scps && identity_applies && !sides.scp_ok) {
      return explicit_deny(DecisionSource::ServiceControlPolicy);
    }

    // 3. Service principals and anonymous callers: only the resource policy grants.
    if (is_service || is_anonymous) {
      return rp_kind == MatchKind::Direct ? kAllowed : implicit(rp_source);
    }

    const bool rp_direct = rp_kind == MatchKind::Direct;
    const bool rp_bound = rp_kind == MatchKind::Bound;
    bool rp_any = rp_kind != MatchKind::None;

    // 4. Same account: the union of identity and resource policies.
    if (same_account) {
      if (policies.resource_kind == ResourcePolicyKind::Trust) {
        // "Role trust policies": the trust policy must always allow.
        if (!rp_any) return implicit(DecisionSource::TrustPolicy);
        if (rp_kind == MatchKind::Account && is_self_assumption(caller, request.resource)) {
          return implicit(DecisionSource::TrustPolicy);
        }
        if (rp_direct) return kAllowed;
        if (rp_bound) return gate(true, pb_ok, sess_ok);
        return gate(id_allow, pb_ok, sess_ok);
      }
      if (rp_direct) return kAllowed;
      // A role match needs no identity policy but is limited by B and S (D14, D18).
      if (rp_bound) return gate(true, pb_ok, sess_ok);
      return gate(id_allow, pb_ok, sess_ok);
    }

    // 5. Cross account: both sides must allow.
    if (!is_cross_account_capable(e, policies.resource_kind)) rp_any = false;
    if (!id_allow) return implicit(DecisionSource::IdentityPolicy);
    if (!pb_ok) return implicit(DecisionSource::PermissionsBoundary);
    if (!sess_ok) return implicit(DecisionSource::SessionPolicy);
    if (!rp_any) return implicit(rp_source);
    return kAllowed;
  };

  const Outcome outcome = decide_inner();
  if (trace != nullptr) {
    trace->matched.clear();
    if (outcome.decision == Decision::ExplicitDeny) {
      for (const auto& m : gathered.allows) {
        if (m.statement->effect == Effect::Deny) trace->matched.push_back(m);
      }
    } else if (outcome.decision == Decision::Allowed) {
      for (const auto& m : gathered.allows) {
        const bool contributes = m.source == DecisionSource::IdentityPolicy || m.source == rp_source;
        if (contributes && m.statement->effect == Effect::Allow) trace->matched.push_back(m);
      }
    }
    // Report identity-side statements before the resource policy's, as the simulator does.
    std::stable_sort(trace->matched.begin(), trace->matched.end(), [](const Trace::Match& a, const Trace::Match& b) {
      return display_rank(a.source) < display_rank(b.source);
    });
    trace->boundary_present = policies.boundary != nullptr;
    trace->allowed_by_boundary = policies.boundary != nullptr && sides.boundary.allow && !sides.boundary.deny;
    trace->cross_account = !same_account && !is_service && !is_anonymous;
    trace->organizations_modelled = !policies.scp_levels.empty();
    trace->allowed_by_organizations = trace->organizations_modelled && sides.scp_ok && !sides.scp_deny;
    const bool identity_denied = sides.identity.deny || sides.boundary.deny || sides.session_deny;
    trace->identity_side = identity_denied ? Decision::ExplicitDeny
                           : (id_allow && pb_ok && sess_ok) ? Decision::Allowed
                                                            : Decision::ImplicitDeny;
    trace->resource_side = sides.resource.deny ? Decision::ExplicitDeny
                           : rp_kind != MatchKind::None && is_cross_account_capable(e, policies.resource_kind)
                               ? Decision::Allowed
                               : Decision::ImplicitDeny;
  }
  return outcome;
}

std::string_view decision_name(Decision decision) noexcept {
  switch (decision) {
    case Decision::Allowed: return "allowed";
    case Decision::ExplicitDeny: return "explicitDeny";
    case Decision::ImplicitDeny: return "implicitDeny";
  }
  return "implicitDeny";
}

std::string reason_clause(const Outcome& outcome, std::string_view action) {
  // "Troubleshoot access denied error messages": exactly one reason.
  const std::string act(action);
  if (outcome.decision == Decision::ExplicitDeny) {
    switch (outcome.source) {
      case DecisionSource::ServiceControlPolicy: return "with an explicit deny in a service control policy";
      case DecisionSource::ResourceControlPolicy: return "with an explicit deny in a resource control policy";
      case DecisionSource::ResourcePolicy: return "with an explicit deny in a resource-based policy";
      case DecisionSource::TrustPolicy: return "with an explicit deny in the role trust policy";
      case DecisionSource::IdentityPolicy: return "with an explicit deny in an identity-based policy";
      case DecisionSource::PermissionsBoundary: return "with an explicit deny in a permissions boundary";
      case DecisionSource::SessionPolicy: return "with an explicit deny in a session policy";
      case DecisionSource::None: break;
    }
    return "with an explicit deny";
  }
  if (outcome.decision == Decision::ImplicitDeny) {
    switch (outcome.source) {
      case DecisionSource::ResourcePolicy: return "because no resource-based policy allows the " + act + " action";
      case DecisionSource::TrustPolicy: return "because no role trust policy allows the " + act + " action";
      case DecisionSource::PermissionsBoundary: return "because no permissions boundary allows the " + act + " action";
      case DecisionSource::SessionPolicy: return "because no session policy allows the " + act + " action";
      case DecisionSource::ServiceControlPolicy: return "with an explicit deny in a service control policy";
      case DecisionSource::ResourceControlPolicy: return "with an explicit deny in a resource control policy";
      default: return "because no identity-based policy allows the " + act + " action";
    }
  }
  return {};
}

std::string access_denied_message(const Caller& caller, std::string_view action, std::string_view resource,
                                  const Outcome& outcome) {
  // "Troubleshoot access denied error messages" (policy semantics 7.1).
  const std::string_view service = action.substr(0, action.find(':'));
  const bool include_resource =
      resource != "*" || !(equals_ignore_case(service, "iam") || equals_ignore_case(service, "sts"));
  std::string canonical(action);
  if (auto name = canonical_action_name(action)) canonical = std::string(*name);
  std::string message = "User: " + caller.arn + " is not authorized to perform: " + canonical;
  if (include_resource) message += " on resource: " + std::string(resource);
  const std::string reason = reason_clause(outcome, canonical);
  if (!reason.empty()) message += " " + reason;
  return message;
}

}  // namespace gatehouse::policy
