// Compiled policies, cached by (policy key, revision): a stored document is
// compiled once and shared; a new revision of the same policy replaces it, so
// a policy change takes effect on the next request.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/compiled.h"
#include "policy/validate.h"
#include "store/error.h"

namespace gatehouse::store {

class PolicyCache {
 public:
  // The compiled form of `document`, stored under `key` at `revision`; `id`
  // is how traces name it. Compiles on a miss.
  Result<std::shared_ptr<const policy::CompiledPolicy>> get(std::string_view key, std::uint64_t revision,
                                                           std::string_view document, policy::PolicyType type,
                                                           std::string_view id);
  // Drops the entry of a deleted policy.
  void forget(std::string_view key);
  std::size_t size() const;

  std::uint64_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>()(key); }
  };
  struct Entry {
    std::uint64_t revision = 0;
    std::shared_ptr<const policy::CompiledPolicy> compiled;
  };

  mutable std::shared_mutex mutex_;  // guards entries_
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

}  // namespace gatehouse::store
