#include "sigv4/crypto.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace gatehouse::sigv4 {
namespace {

// OpenSSL only fails these calls on allocation failure or a broken build; neither is bad
// input, so there is nothing to report to a client: stop.
void require(int ok, const char* what) noexcept {
  if (ok != 1) {
    std::fprintf(stderr, "gatehouse sigv4: OpenSSL %s failed\n", what);
    std::abort();
  }
}

// "Fetch the digest and MAC once" (spec section 15.2): the OpenSSL 3 one-shots repeat the
// algorithm lookup on every call.
EVP_MD* fetched_sha256() noexcept {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  require(md != nullptr, "EVP_MD_fetch(SHA256)");
  return md;
}

EVP_MAC* fetched_hmac() noexcept {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  require(mac != nullptr, "EVP_MAC_fetch(HMAC)");
  return mac;
}

// An HMAC context with the digest set once; each use only sets a key.
EVP_MAC_CTX* new_hmac_sha256_context() noexcept {
  EVP_MAC_CTX* mac = EVP_MAC_CTX_new(fetched_hmac());
  require(mac != nullptr, "EVP_MAC_CTX_new");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  require(EVP_MAC_CTX_set_params(mac, params), "EVP_MAC_CTX_set_params");
  return mac;
}

// A MAC context that stays keyed with the key named `key_id` between uses.
struct KeyedMac {
  std::uint64_t key_id = 0;
  EVP_MAC_CTX* ctx = nullptr;
  std::uint64_t last_used = 0;
};

// Per-thread contexts, so no call allocates one and no lock is taken.
struct ThreadContexts {
  static constexpr std::size_t kKeyedMacs = 4;

  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_MAC_CTX* mac = new_hmac_sha256_context();
  std::array<KeyedMac, kKeyedMacs> keyed;
  std::uint64_t tick = 0;

  ThreadContexts() noexcept { require(md != nullptr, "EVP_MD_CTX_new"); }
  ~ThreadContexts() {
    for (KeyedMac& slot : keyed) EVP_MAC_CTX_free(slot.ctx);
    EVP_MAC_CTX_free(mac);
    EVP_MD_CTX_free(md);
  }
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;
};

Digest finish_hmac(EVP_MAC_CTX* ctx, std::string_view message) noexcept {
  Digest out;
  std::size_t length = 0;
  require(EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()), message.size()),
          "EVP_MAC_update");
  require(EVP_MAC_final(ctx, out.data(), &length, out.size()), "EVP_MAC_final");
  return out;
}

ThreadContexts& contexts() noexcept {
  thread_local ThreadContexts tls;
  return tls;
}

}  // namespace

HexDigest to_hex(const Digest& digest) noexcept {
  // Two characters per byte from one table lookup.
  static constexpr auto kPairs = [] {
    constexpr char kHex[] = "0123456789abcdef";
    std::array<char, 512> pairs{};
    for (std::size_t byte = 0; byte < 256; ++byte) {
      pairs[2 * byte] = kHex[byte >> 4];
      pairs[2 * byte + 1] = kHex[byte & 0x0f];
    }
    return pairs;
  }();
  HexDigest hex;
  for (std::size_t i = 0; i < digest.size(); ++i) {
    hex[2 * i] = kPairs[2 * digest[i]];
    hex[2 * i + 1] = kPairs[2 * digest[i] + 1];
  }
  return hex;
}

std::optional<Digest> from_lower_hex(std::string_view hex) noexcept {
  // 0xff for every byte that is not a lower-case hex digit.
  static constexpr auto kValues = [] {
    std::array<std::uint8_t, 256> values{};
    values.fill(0xff);
    for (int c = '0'; c <= '9'; ++c) values[c] = static_cast<std::uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) values[c] = static_cast<std::uint8_t>(c - 'a' + 10);
    return values;
  }();
  if (hex.size() != kHexDigestSize) return std::nullopt;
  const auto* digits = reinterpret_cast<const unsigned char*>(hex.data());
  Digest out;
  unsigned invalid = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const unsigned high = kValues[digits[2 * i]];
    const unsigned low = kValues[digits[2 * i + 1]];
    invalid |= high | low;
    out[i] = static_cast<unsigned char>((high << 4) | (low & 0x0f));
  }
  if ((invalid & 0xf0) != 0) return std::nullopt;
  return out;
}

Digest sha256(std::string_view data) noexcept {
  // The empty body of every GET and DELETE: SHA-256("") is a constant (tests/sigv4/crypto_test.cc).
  static constexpr Digest kEmpty = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                                    0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                                    0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  if (data.empty()) return kEmpty;
  EVP_MD_CTX* ctx = contexts().md;
  Digest out;
  require(EVP_DigestInit_ex2(ctx, fetched_sha256(), nullptr), "EVP_DigestInit_ex2");
  require(EVP_DigestUpdate(ctx, data.data(), data.size()), "EVP_DigestUpdate");
  require(EVP_DigestFinal_ex(ctx, out.data(), nullptr), "EVP_DigestFinal_ex");
  return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  require(ctx_ != nullptr, "EVP_MD_CTX_new");
  require(EVP_DigestInit_ex2(ctx_, fetched_sha256(), nullptr), "EVP_DigestInit_ex2");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(std::string_view data) noexcept {
  require(EVP_DigestUpdate(ctx_, data.data(), data.size()), "EVP_DigestUpdate");
}

Digest Sha256::finish() noexcept {
  Digest out;
  require(EVP_DigestFinal_ex(ctx_, out.data(), nullptr), "EVP_DigestFinal_ex");
  require(EVP_DigestInit_ex2(ctx_, fetched_sha256(), nullptr), "EVP_DigestInit_ex2");
  return out;
}

Digest hmac_sha256(std::span<const unsigned char> key, std::string_view message) noexcept {
  EVP_MAC_CTX* ctx = contexts().mac;
  require(EVP_MAC_init(ctx, key.data(), key.size(), nullptr), "EVP_MAC_init");
  return finish_hmac(ctx, message);
}

Digest hmac_sha256_repeated_key(std::uint64_t key_id, const Digest& key, std::string_view message) noexcept {
  ThreadContexts& tls = contexts();
  KeyedMac* slot = &tls.keyed[0];
  for (KeyedMac& candidate : tls.keyed) {
    if (candidate.ctx != nullptr && candidate.key_id == key_id) {
      candidate.last_used = ++tls.tick;
      // A null key restarts from the pad states already absorbed for this key.
      require(EVP_MAC_init(candidate.ctx, nullptr, 0, nullptr), "EVP_MAC_init");
      return finish_hmac(candidate.ctx, message);
    }
    if (candidate.last_used < slot->last_used) slot = &candidate;
  }
  if (slot->ctx == nullptr) slot->ctx = new_hmac_sha256_context();
  slot->key_id = key_id;
  slot->last_used = ++tls.tick;
  require(EVP_MAC_init(slot->ctx, key.data(), key.size(), nullptr), "EVP_MAC_init");
  return finish_hmac(slot->ctx, message);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void cleanse(std::span<unsigned char> bytes) noexcept { OPENSSL_cleanse(bytes.data(), bytes.size()); }

}  // namespace gatehouse::sigv4
