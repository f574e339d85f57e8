// Steps 3-4 of "Create a signed AWS API request": derive the signing key and calculate the
// signature (spec section 7).
#pragma once

#include <cstdint>
#include <string_view>

#include "sigv4/crypto.h"
#include "sigv4/string_to_sign.h"

namespace gatehouse::sigv4 {

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
Digest derive_signing_key(std::string_view secret_access_key, const CredentialScope& scope);

// A cached kSigning with an id that names these key bytes and no others (see
// SigningKeyCache), so its HMAC pad states can be kept per thread.
struct CachedSigningKey {
  Digest key;
  std::uint64_t id;
};

// Lower-case hex of HMAC-SHA256(kSigning, string to sign).
HexDigest calculate_signature(const Digest& signing_key, std::string_view string_to_sign) noexcept;

// HMAC-SHA256(kSigning, string to sign) as raw bytes, for a verifier that compares bytes.
Digest calculate_signature_digest(const CachedSigningKey& signing_key, std::string_view string_to_sign) noexcept;

}  // namespace gatehouse::sigv4
