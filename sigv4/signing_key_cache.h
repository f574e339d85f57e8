// A bounded cache of derived signing keys (spec section 7, "Caching"): kSigning depends only
// on the secret, date, region and service, so one derivation serves a key for a whole day.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sigv4/crypto.h"
#include "sigv4/signing_key.h"
#include "sigv4/string_to_sign.h"

namespace gatehouse::sigv4 {

class SigningKeyCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;

  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t evictions = 0;
    std::size_t size = 0;
  };

  // Holds at most `capacity` keys (rounded up to a whole number of 4-way sets); the least
  // recently used key of a full set gives way.
  explicit SigningKeyCache(std::size_t capacity = kDefaultCapacity);
  ~SigningKeyCache();
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  // kSigning for (access key id, secret version, date, region, service), derived from
  // `secret_access_key` on a miss. A new secret version never reuses an old key. Call only
  // after the scope checks, so a client cannot fill the cache with foreign scopes. Each
  // derivation gets an id unique in the process.
  CachedSigningKey signing_key(std::string_view access_key_id, std::uint64_t secret_version,
                               const CredentialScope& scope, std::string_view secret_access_key);

  // Drops every key of an access key id (rotation, deactivation, deletion).
  void forget(std::string_view access_key_id);

  std::size_t capacity() const noexcept { return entries_.size(); }
  Stats stats() const;

 private:
  static constexpr std::size_t kWays = 4;

  struct Entry {
    std::string access_key_id;
    std::uint64_t secret_version = 0;
    std::string date;
    std::string region;
    std::string service;
    CachedSigningKey key{};
    std::uint64_t last_used = 0;
    bool occupied = false;
  };

  bool matches(const Entry& entry, std::string_view access_key_id, std::uint64_t secret_version,
               const CredentialScope& scope) const noexcept;
  std::size_t set_of(std::string_view access_key_id, std::uint64_t secret_version,
                     const CredentialScope& scope) const noexcept;
  void erase(Entry& entry) noexcept;

  std::vector<Entry> entries_;  // sets of kWays consecutive entries
  std::size_t set_mask_ = 0;
  mutable std::mutex mutex_;    // guards entries_, tick_ and stats_
  std::uint64_t tick_ = 0;
  Stats stats_;
};

}  // namespace gatehouse::sigv4
