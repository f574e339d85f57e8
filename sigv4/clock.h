// The verifier's notion of "now", injectable so tests and replays pin it (spec section 3.2).
#pragma once

#include <atomic>
#include <chrono>

#include "sigv4/timestamp.h"

namespace gatehouse::sigv4 {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const noexcept = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const noexcept override { return std::chrono::system_clock::now(); }
};

// A clock that stands still until set; for tests and for replaying recorded requests.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint now) noexcept : now_(now) {}
  TimePoint now() const noexcept override { return now_.load(); }
  void set(TimePoint now) noexcept { now_.store(now); }

 private:
  std::atomic<TimePoint> now_;
};

}  // namespace gatehouse::sigv4
