// The IAM/STS side of "authorize exactly what you act on": every user, role, group or managed
// policy the store reads or writes while an operation runs must be in the caller's own account
// (where IAM calls act), one of AWS's managed policies, or an entity whose ARN the operation put
// to the pipeline (STS AssumeRole into another account). An operation reads its resource to
// authorize it (trust policy, tags), so the touches are judged once the operation has finished. Run when QueryApi's Options::check_touches
// is set (every IAM/STS test world does); the Lambda side is server/control/touch_check.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/touch.h"

namespace gatehouse::server::query {

// Whether `arn` (an IAM ARN such as arn:aws:iam::A:role/path/name or arn:aws:iam::A:policy/p)
// names the entity (kind, account, name); a managed policy's name is its ARN.
bool arn_names(std::string_view arn, store::TouchedKind kind, std::string_view account, std::string_view name);

class IamTouchCheck final : public store::TouchObserver {
 public:
  // `authorized` (the resources this request's authorizations named) must outlive the check.
  IamTouchCheck(std::string_view caller_account, const std::vector<std::string>& authorized)
      : caller_account_(caller_account), authorized_(authorized) {}

  void touched(store::TouchedKind kind, std::string_view account, std::string_view region,
               std::string_view name) noexcept override;

  // After the operation: the first entity of another account touched without being authorized.
  std::optional<std::string> violation() const;

 private:
  struct Touch {
    store::TouchedKind kind;
    std::string account, name;
  };
  std::string_view caller_account_;
  const std::vector<std::string>& authorized_;
  std::vector<Touch> foreign_;  // touches outside the caller's account and AWS's policies
};

}  // namespace gatehouse::server::query
