// The check behind "authorize exactly what you act on": while a handler runs, every function
// and event-source mapping the store reads or writes must be one the request was authorized
// for — the resolved function (as resource or as a mapping's target), the resolved mapping, or,
// for an action without resource-level permissions ("*"), a resource of the caller's own
// account and region. The control plane runs it when LambdaApi's Options::check_touches is set
// (every control-plane test world does).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/lambda/authorization.h"
#include "store/touch.h"

namespace gatehouse::server::control {

class TouchCheck final : public store::TouchObserver {
 public:
  // `resolution` must outlive the check.
  TouchCheck(const lambda::Resolution& resolution, std::string_view caller_account, std::string_view region)
      : resolution_(resolution), caller_account_(caller_account), region_(region) {}

  void touched(store::TouchedKind kind, std::string_view account, std::string_view region,
               std::string_view name) noexcept override;

  // The first resource touched without authorization, described; nullopt when there was none.
  const std::optional<std::string>& violation() const noexcept { return violation_; }

 private:
  bool covered(store::TouchedKind kind, std::string_view account, std::string_view region,
               std::string_view name) const noexcept;

  const lambda::Resolution& resolution_;
  std::string_view caller_account_;
  std::string_view region_;
  std::optional<std::string> violation_;
};

}  // namespace gatehouse::server::control
