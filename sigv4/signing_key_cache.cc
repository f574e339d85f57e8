#include "sigv4/signing_key_cache.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <functional>

namespace gatehouse::sigv4 {
namespace {

// Ids of derived keys, unique across caches: a thread's HMAC state for one id always belongs
// to the same key bytes.
std::atomic<std::uint64_t> g_next_key_id{1};

}  // namespace

SigningKeyCache::SigningKeyCache(std::size_t capacity) {
  const std::size_t sets = std::bit_ceil(std::max<std::size_t>(1, (capacity + kWays - 1) / kWays));
  entries_.resize(sets * kWays);
  set_mask_ = sets - 1;
}

SigningKeyCache::~SigningKeyCache() {
  for (Entry& entry : entries_) cleanse(entry.key.key);
}

bool SigningKeyCache::matches(const Entry& entry, std::string_view access_key_id,
                              std::uint64_t secret_version, const CredentialScope& scope) const noexcept {
  return entry.occupied && entry.secret_version == secret_version && entry.date == scope.date &&
         entry.access_key_id == access_key_id && entry.region == scope.region &&
         entry.service == scope.service;
}

std::size_t SigningKeyCache::set_of(std::string_view access_key_id, std::uint64_t secret_version,
                                    const CredentialScope& scope) const noexcept {
  // The key id and date spread the keys; an endpoint sees one region and service, and
  // matches() compares every part anyway.
  const std::hash<std::string_view> hash;
  std::size_t h = hash(access_key_id) * 0x9e3779b97f4a7c15ULL + hash(scope.date);
  h ^= secret_version * 0xff51afd7ed558ccdULL;
  return (h ^ (h >> 29)) & set_mask_;
}

void SigningKeyCache::erase(Entry& entry) noexcept {
  cleanse(entry.key.key);
  entry.occupied = false;
  --stats_.size;
}

CachedSigningKey SigningKeyCache::signing_key(std::string_view access_key_id, std::uint64_t secret_version,
                                    const CredentialScope& scope, std::string_view secret_access_key) {
  const std::size_t first = set_of(access_key_id, secret_version, scope) * kWays;
  {
    const std::lock_guard lock(mutex_);
    for (std::size_t i = first; i < first + kWays; ++i) {
      Entry& entry = entries_[i];
      if (matches(entry, access_key_id, secret_version, scope)) {
        entry.last_used = ++tick_;
        ++stats_.hits;
        return entry.key;
      }
    }
    ++stats_.misses;
  }
  // Derive outside the lock: four HMACs should not serialize other threads' hits.
  const CachedSigningKey key{derive_signing_key(secret_access_key, scope), g_next_key_id.fetch_add(1)};
  const std::lock_guard lock(mutex_);
  Entry* victim = &entries_[first];
  for (std::size_t i = first; i < first + kWays; ++i) {
    Entry& entry = entries_[i];
    if (matches(entry, access_key_id, secret_version, scope)) return entry.key;  // another thread won
    if (!entry.occupied) {
      victim = &entry;
      break;
    }
    if (entry.last_used < victim->last_used) victim = &entry;
  }
  if (victim->occupied) {
    erase(*victim);
    ++stats_.evictions;
  }
  victim->access_key_id.assign(access_key_id);
  victim->secret_version = secret_version;
  victim->date.assign(scope.date);
  victim->region.assign(scope.region);
  victim->service.assign(scope.service);
  victim->key = key;
  victim->last_used = ++tick_;
  victim->occupied = true;
  ++stats_.size;
  return key;
}

void SigningKeyCache::forget(std::string_view access_key_id) {
  const std::lock_guard lock(mutex_);
  for (Entry& entry : entries_) {
    if (entry.occupied && entry.access_key_id == access_key_id) erase(entry);
  }
}

SigningKeyCache::Stats SigningKeyCache::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace gatehouse::sigv4
