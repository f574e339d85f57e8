// The decision: "Policy evaluation logic" of the IAM User Guide, as the policy
// semantics (section 5) fixes it. One function decides every request of every
// front end; nothing else combines policies.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/compiled.h"
#include "policy/context.h"
#include "policy/principal.h"

namespace gatehouse::policy {

enum class Decision : std::uint8_t { Allowed, ExplicitDeny, ImplicitDeny };

// Which policy type the decision names (the reason clause of AccessDenied).
enum class DecisionSource : std::uint8_t {
  None,  // allowed
  ServiceControlPolicy,
  ResourceControlPolicy,
  ResourcePolicy,
  TrustPolicy,
  IdentityPolicy,
  PermissionsBoundary,
  SessionPolicy,
};

enum class ResourcePolicyKind : std::uint8_t {
  Function,  // a Lambda function policy: cross-account only for capable actions
  Trust,     // a role trust policy: sts:AssumeRole must be allowed by it
  Generic,   // any other resource policy (the simulator's ResourcePolicy)
};

using PolicyList = std::span<const CompiledPolicy* const>;

struct PolicySet {
  PolicyList identity;                      // I
  const CompiledPolicy* boundary = nullptr; // B
  PolicyList session;                       // S: each must allow
  const CompiledPolicy* resource = nullptr; // RP (one per decision)
  ResourcePolicyKind resource_kind = ResourcePolicyKind::Function;
  std::span<const PolicyList> scp_levels;   // organization layer (optional)
  std::span<const PolicyList> rcp_levels;
};

struct Request {
  std::string_view action;    // service:Operation
  std::string_view resource;  // ARN or "*"
  // The account that owns the resource; empty: the ARN's account field, or for
  // "*" the caller's account (semantics 2.4).
  std::string_view resource_account;
  const Caller* caller = nullptr;
  const RequestContext* context = nullptr;
};

struct Outcome {
  Decision decision = Decision::ImplicitDeny;
  DecisionSource source = DecisionSource::IdentityPolicy;
};

// Optional explanation, filled only when a trace is passed.
struct Trace {
  struct Match {
    const CompiledPolicy* policy = nullptr;
    const CompiledStatement* statement = nullptr;
    DecisionSource source = DecisionSource::IdentityPolicy;
  };
  // Statements that decided it (explicit deny: the applicable Denies; allowed:
  // the applicable Allows that contributed; implicit deny: none).
  std::vector<Match> matched;
  // Context keys referenced by statements whose action and resource matched,
  // absent from the context: as written, de-duplicated case-insensitively.
  std::vector<std::string> missing_keys;
  // Conditions that failed in statements whose action, resource and principal matched.
  struct FailedCondition {
    const CompiledPolicy* policy = nullptr;
    const CompiledStatement* statement = nullptr;
    const CompiledCondition* condition = nullptr;
  };
  std::vector<FailedCondition> failed_conditions;
  // Simulator details.
  bool boundary_present = false;
  bool allowed_by_boundary = false;
  bool cross_account = false;
  Decision identity_side = Decision::ImplicitDeny;
  Decision resource_side = Decision::ImplicitDeny;
  bool organizations_modelled = false;
  bool allowed_by_organizations = false;
};

// Cannot fail. With trace == nullptr nothing is allocated.
Outcome decide(const PolicySet& policies, const Request& request, Trace* trace = nullptr) noexcept;

// "because no identity-based policy allows the lambda:InvokeFunction action" etc.
std::string reason_clause(const Outcome& outcome, std::string_view action);
// "User: ARN is not authorized to perform: ACTION on resource: RES because ...".
// Lambda messages always name the resource; IAM and STS ones leave out `on resource: *`.
std::string access_denied_message(const Caller& caller, std::string_view action,
                                  std::string_view resource, const Outcome& outcome);
// allowed | explicitDeny | implicitDeny
std::string_view decision_name(Decision decision) noexcept;

}  // namespace gatehouse::policy
