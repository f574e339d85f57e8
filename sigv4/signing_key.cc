#include "sigv4/signing_key.h"

#include <boost/container/small_vector.hpp>

namespace gatehouse::sigv4 {

Digest derive_signing_key(std::string_view secret_access_key, const CredentialScope& scope) {
  static constexpr std::string_view kPrefix = "AWS4";
  boost::container::small_vector<unsigned char, 128> secret_key;
  secret_key.insert(secret_key.end(), kPrefix.begin(), kPrefix.end());
  secret_key.insert(secret_key.end(), secret_access_key.begin(), secret_access_key.end());
  const std::span<unsigned char> secret_bytes(secret_key.data(), secret_key.size());
  Digest key = hmac_sha256(secret_bytes, scope.date);
  cleanse(secret_bytes);
  key = hmac_sha256(key, scope.region);
  key = hmac_sha256(key, scope.service);
  const Digest signing_key = hmac_sha256(key, kScopeTerminator);
  cleanse(key);
  return signing_key;
}

HexDigest calculate_signature(const Digest& signing_key, std::string_view string_to_sign) noexcept {
  return to_hex(hmac_sha256(signing_key, string_to_sign));
}

Digest calculate_signature_digest(const CachedSigningKey& signing_key, std::string_view string_to_sign) noexcept {
  return hmac_sha256_repeated_key(signing_key.id, signing_key.key, string_to_sign);
}

}  // namespace gatehouse::sigv4
