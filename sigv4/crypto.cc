#include "sigv4/crypto.h"

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

// Per-thread contexts: the digest is set on the MAC context once, each call only sets a key.
struct ThreadContexts {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_MAC_CTX* mac = EVP_MAC_CTX_new(fetched_hmac());

  ThreadContexts() noexcept {
    require(md != nullptr && mac != nullptr, "context allocation");
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    require(EVP_MAC_CTX_set_params(mac, params), "EVP_MAC_CTX_set_params");
  }
  ~ThreadContexts() {
    EVP_MAC_CTX_free(mac);
    EVP_MD_CTX_free(md);
  }
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;
};

ThreadContexts& contexts() noexcept {
  thread_local ThreadContexts tls;
  return tls;
}

}  // namespace

HexDigest to_hex(const Digest& digest) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  HexDigest hex;
  for (std::size_t i = 0; i < digest.size(); ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return hex;
}

Digest sha256(std::string_view data) noexcept {
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
  Digest out;
  std::size_t length = 0;
  require(EVP_MAC_init(ctx, key.data(), key.size(), nullptr), "EVP_MAC_init");
  require(EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()),
          "EVP_MAC_update");
  require(EVP_MAC_final(ctx, out.data(), &length, out.size()), "EVP_MAC_final");
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void cleanse(std::span<unsigned char> bytes) noexcept { OPENSSL_cleanse(bytes.data(), bytes.size()); }

}  // namespace gatehouse::sigv4
