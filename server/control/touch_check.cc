#include "server/control/touch_check.h"

namespace gatehouse::server::control {

bool TouchCheck::covered(store::TouchedKind kind, std::string_view account, std::string_view region,
                         std::string_view name) const noexcept {
  const lambda::AuthorizationFacts& facts = resolution_.authorization;
  if (kind != store::TouchedKind::Function && kind != store::TouchedKind::Mapping) {
    // IAM entities a Lambda call reads: execution roles and their policies, of the caller's
    // account or of the function's own (whose role runs it); AWS's managed policies.
    const auto& f = resolution_.function;
    return account == caller_account_ || (f && account == f->account) ||
           (kind == store::TouchedKind::Policy && account == "aws");
  }
  // An action on "*" is authorized for the caller's account and region as a whole.
  if (facts.resource == "*" && account == caller_account_ && region == region_) return true;
  if (kind == store::TouchedKind::Function) {
    const auto& f = resolution_.function;
    return f && f->account == account && f->region == region && f->name == name;
  }
  const auto& m = resolution_.mapping;
  return m && m->account == account && m->region == region && m->uuid == name;
}

void TouchCheck::touched(store::TouchedKind kind, std::string_view account, std::string_view region,
                         std::string_view name) noexcept {
  if (violation_ || covered(kind, account, region, name)) return;
  violation_ = std::string(kind == store::TouchedKind::Function ? "function " : "event-source mapping ") +
               std::string(name) + " of account " + std::string(account) + " in " + std::string(region) +
               ", not authorized for " + resolution_.authorization.action + " on " +
               resolution_.authorization.resource;
}

}  // namespace gatehouse::server::control
