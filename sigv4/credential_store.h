// Credential lookup: access key id -> secret, principal and, for temporary credentials, the
// session token and expiry. The persistent store implements CredentialStore; the in-memory
// one serves tests, the simulator and fixtures.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sigv4/timestamp.h"

namespace gatehouse::sigv4 {

// Who the key belongs to, as later steps (policy evaluation, GetCallerIdentity) need it.
struct Principal {
  std::string arn;         // arn:aws:iam::111111111111:user/alice, ...:assumed-role/r/session
  std::string account_id;  // 111111111111
  std::string user_id;     // AIDA..., or AROA...:session for assumed roles
};

// The secret version under which the verifier caches stand-in keys for unknown access keys.
inline constexpr std::uint64_t kUnknownKeySecretVersion = std::numeric_limits<std::uint64_t>::max();

struct Credential {
  std::string access_key_id;
  std::string secret_access_key;
  // Bumped whenever the secret changes, so a cached signing key of the old secret never serves.
  // Never kUnknownKeySecretVersion.
  std::uint64_t secret_version = 0;
  // Present exactly for temporary credentials (issued with a token); decided by the store,
  // never by the AKIA/ASIA prefix (spec section 5.3).
  std::optional<std::string> session_token;
  std::optional<TimePoint> expiration;  // temporary credentials stop working at this instant
  Principal principal;
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  // nullptr when the access key id is unknown or not active.
  virtual std::shared_ptr<const Credential> find(std::string_view access_key_id) const = 0;
};

class InMemoryCredentialStore final : public CredentialStore {
 public:
  // Adds or replaces the credential of credential.access_key_id.
  void put(Credential credential);
  // Returns whether the key existed.
  bool erase(std::string_view access_key_id);
  std::shared_ptr<const Credential> find(std::string_view access_key_id) const override;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>()(key); }
  };

  mutable std::shared_mutex mutex_;  // guards by_key_
  std::unordered_map<std::string, std::shared_ptr<const Credential>, Hash, std::equal_to<>> by_key_;
};

}  // namespace gatehouse::sigv4
