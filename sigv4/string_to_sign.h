// Step 2 of "Create a signed AWS API request": the string to sign (spec section 6).
#pragma once

#include <string>
#include <string_view>

#include "sigv4/credential_scope.h"
#include "sigv4/crypto.h"

namespace gatehouse::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Appends AWS4-HMAC-SHA256 \n timestamp \n scope \n hex(SHA-256(canonical request)).
void append_string_to_sign(std::string& out, std::string_view amz_date, const CredentialScope& scope,
                           const HexDigest& canonical_request_hash);

}  // namespace gatehouse::sigv4
