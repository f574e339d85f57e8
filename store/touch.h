// Which Lambda resources a store call reads or writes, for whoever asks on this thread. The
// control plane installs an observer around each authorized request in its checked mode (the
// tests run in it) and fails the request when the store touched a resource that the request
// was not authorized for: "authorize exactly what you act on" as a check, not a convention.
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

// Called by the store where it reads or writes a function or a mapping; a no-op with no observer.
void note_touch(TouchedKind kind, std::string_view account, std::string_view region, std::string_view name) noexcept;

}  // namespace gatehouse::store
