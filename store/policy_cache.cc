#include "store/policy_cache.h"

#include <mutex>

namespace gatehouse::store {

Result<std::shared_ptr<const policy::CompiledPolicy>> PolicyCache::get(std::string_view key, std::uint64_t revision,
                                                                      std::string_view document,
                                                                      policy::PolicyType type, std::string_view id) {
  {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.revision == revision) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second.compiled;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  // Trust principals were checked when the document was stored; no existence check here.
  auto parsed = policy::parse_and_validate(document, type);
  if (!parsed) {
    return service_failure("the stored policy " + std::string(key) + " does not validate any more: " +
                           parsed.error().message);
  }
  auto compiled = std::make_shared<const policy::CompiledPolicy>(
      policy::compile_validated(parsed.value(), std::string(id)));
  std::unique_lock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_.emplace(std::string(key), Entry{revision, compiled});
  } else if (it->second.revision <= revision) {
    // Revisions only grow: an older reader must not put back a replaced document.
    it->second = Entry{revision, compiled};
  }
  return compiled;
}

void PolicyCache::forget(std::string_view key) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) entries_.erase(it);
}

std::size_t PolicyCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace gatehouse::store
