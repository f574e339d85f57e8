// Which resources a store call reads or writes (functions, mappings, IAM users, roles, groups and
// managed policies), for whoever asks on this thread. The control plane and the IAM/STS query API
// install an observer around each request in their checked mode (the tests run in it) and fail
// the request when the store touched a resource that the request was not authorized for (or, for
// IAM/STS, does not declare: server/iam/resources.h): "authorize exactly what you act on" as a
// check, not a convention.
#pragma once

#include <string_view>

namespace gatehouse::store {

enum class TouchedKind { Function, Mapping, User, Role, Group, Policy };

class TouchObserver {
 public:
  virtual ~TouchObserver() = default;
  // name: the function's, user's, role's or group's name, the mapping's UUID, the policy's ARN.
  virtual void touched(TouchedKind kind, std::string_view account, std::string_view region,
                       std::string_view name) noexcept = 0;
};

// Installs `observer` for this thread for the scope's lifetime (nesting restores the previous one).
class ScopedTouchObserver {
 public:
  explicit ScopedTouchObserver(TouchObserver& observer) noexcept;
  ~ScopedTouchObserver();
  ScopedTouchObserver(const ScopedTouchObserver&) = delete;
  ScopedTouchObserver& operator=(const ScopedTouchObserver&) = delete;

 private:
  TouchObserver* previous_;
};

// Called by the store where it reads or writes one of those resources; a no-op with no observer.
void note_touch(TouchedKind kind, std::string_view account, std::string_view region, std::string_view name) noexcept;

}  // namespace gatehouse::store
