// The IAM/STS side of "authorize exactly what you act on": every user, role, group or managed
// policy the store reads or writes while an operation runs must be either a resource the
// operation put to the pipeline (its authorized resource; STS AssumeRole's role of another
// account) or one of the resources the operation declares it reads or writes beyond it, resolved
// from the request before the operation runs (server/iam/resources.h: AddUserToGroup's user,
// AttachUserPolicy's policy, ...). Declared resources count only in the caller's own account
// (managed policies: or AWS's own); another account's entity needs its ARN authorized. An
// operation reads its resource to authorize it (trust policy, tags), so the touches are judged
// once the operation has finished. Run when QueryApi's Options::check_touches is set (every
// IAM/STS test world is); the Lambda side is server/control/touch_check.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/touch.h"

namespace gatehouse::server::query {

// One resource an IAM/STS request may touch, canonical: its kind, its account ("aws" for AWS's
// managed policies) and its name (users, roles, groups; compared without case, as IAM names are
// unique without case) or its ARN (managed policies); or, with `every` set and no name, every
// resource of the kind in the account (ListUsers, ListPolicies, ...). A name is never a pattern.
struct EntityKey {
  store::TouchedKind kind = store::TouchedKind::User;
  std::string account;
  std::string name;
  bool every = false;
  friend bool operator==(const EntityKey&, const EntityKey&) = default;
};

// "user alice of account 111111111111", as violations name a resource.
std::string describe(const EntityKey& key);

// Whether `arn` (an IAM ARN such as arn:aws:iam::A:role/path/name or arn:aws:iam::A:policy/p)
// names the entity (kind, account, name); a managed policy's name is its ARN. Entity names
// compare without case.
bool arn_names(std::string_view arn, store::TouchedKind kind, std::string_view account, std::string_view name);

// Whether the declared resource `declared` covers the touched entity (kind, account, name).
bool covers(const EntityKey& declared, store::TouchedKind kind, std::string_view account, std::string_view name);

class IamTouchCheck final : public store::TouchObserver {
 public:
  // `authorized` (the resources this request's authorizations named) and `declared` (what the
  // operation declares for this request, resolved) must outlive the check.
  IamTouchCheck(std::string_view caller_account, const std::vector<std::string>& authorized,
                const std::vector<EntityKey>& declared)
      : caller_account_(caller_account), authorized_(authorized), declared_(declared) {}

  void touched(store::TouchedKind kind, std::string_view account, std::string_view region,
               std::string_view name) noexcept override;

  // After the operation: the first entity touched that was neither authorized nor declared.
  std::optional<std::string> violation() const;

 private:
  bool declared(const EntityKey& touch) const;

  std::string_view caller_account_;
  const std::vector<std::string>& authorized_;
  const std::vector<EntityKey>& declared_;
  std::vector<EntityKey> touches_;  // every IAM entity touched, in order, once each
};

}  // namespace gatehouse::server::query
