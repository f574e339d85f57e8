// SHA-256, HMAC-SHA256 and hex in fixed-size buffers, on OpenSSL 3's EVP API with the
// algorithms fetched once and per-thread contexts reused (spec section 15).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <openssl/types.h>

namespace gatehouse::sigv4 {

inline constexpr std::size_t kDigestSize = 32;
inline constexpr std::size_t kHexDigestSize = 2 * kDigestSize;

using Digest = std::array<unsigned char, kDigestSize>;
// Lower-case hex of a digest; not NUL-terminated, use as_view().
using HexDigest = std::array<char, kHexDigestSize>;

HexDigest to_hex(const Digest& digest) noexcept;

inline std::string_view as_view(const HexDigest& hex) noexcept { return {hex.data(), hex.size()}; }

inline std::string_view as_view(const Digest& digest) noexcept {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// The digest written as exactly 64 lower-case hex digits, else nullopt.
std::optional<Digest> from_lower_hex(std::string_view hex) noexcept;

Digest sha256(std::string_view data) noexcept;

// Incremental SHA-256 for a body hashed while it is being read ("Hash the body while it is
// being read", spec section 4.6).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data) noexcept;
  Digest finish() noexcept;

 private:
  EVP_MD_CTX* ctx_;
};

Digest hmac_sha256(std::span<const unsigned char> key, std::string_view message) noexcept;

// HMAC-SHA256 under a key that signs many messages (a cached kSigning). Each thread keeps the
// inner and outer pad states of its few most recent keys, so a repeated key costs only the
// message: "keep a ready HMAC context per cached key" (spec section 7). `key_id` names the key
// (non-zero, and never reused for other key bytes), so finding the state compares no secret.
Digest hmac_sha256_repeated_key(std::uint64_t key_id, const Digest& key, std::string_view message) noexcept;

// "Create a signed AWS API request": compare signatures with a constant-time routine. Unequal
// lengths return false at once; lengths are public (a signature is always 64 characters).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// Wipes key material so it does not linger in freed memory.
void cleanse(std::span<unsigned char> bytes) noexcept;

}  // namespace gatehouse::sigv4
