// Statement applicability (policy semantics 5.2): action, resource, principal,
// conditions. Internal to the policy module; decide() combines the results.
#pragma once

#include <optional>
#include <string_view>

#include "policy/compiled.h"
#include "policy/decide.h"

namespace gatehouse::policy::detail {

// How a resource-policy principal matched the caller (semantics 5.4), weakest first.
enum class MatchKind : std::uint8_t { None, Account, Bound, Direct };

struct Evaluation {
  const Request* request = nullptr;
  std::optional<std::uint16_t> action_id;  // catalog id of the request action
  bool caller_has_boundary = false;
  Trace* trace = nullptr;                  // collects missing keys and failed conditions
  const CompiledPolicy* policy = nullptr;  // the policy being evaluated (for the trace)
};

bool action_matches(const CompiledStatement& s, const Evaluation& e) noexcept;
bool resource_matches(const CompiledStatement& s, const Evaluation& e) noexcept;
// For statements without Principal/NotPrincipal (identity-side policies) this is Direct.
MatchKind principal_matches(const CompiledStatement& s, const Evaluation& e) noexcept;
bool conditions_hold(const CompiledStatement& s, const Evaluation& e) noexcept;
bool condition_holds(const CompiledCondition& c, const RequestContext& context) noexcept;

}  // namespace gatehouse::policy::detail
