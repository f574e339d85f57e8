// The authentication parameters of a presigned URL (query-string authentication, spec section 9).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sigv4/canonical_query.h"
#include "sigv4/rejection.h"
#include "sigv4/result.h"

namespace gatehouse::sigv4 {

inline constexpr std::string_view kAlgorithmParameter = "X-Amz-Algorithm";
inline constexpr std::string_view kCredentialParameter = "X-Amz-Credential";
inline constexpr std::string_view kDateParameter = "X-Amz-Date";
inline constexpr std::string_view kExpiresParameter = "X-Amz-Expires";
inline constexpr std::string_view kSignedHeadersParameter = "X-Amz-SignedHeaders";
inline constexpr std::string_view kSignatureParameter = "X-Amz-Signature";
inline constexpr std::string_view kSecurityTokenParameter = "X-Amz-Security-Token";

// S3's documented limit, which the service applies to every face.
inline constexpr std::int64_t kMaxPresignExpires = 604800;

// Decoded parameter values (views into the DecodedQuery).
struct PresignedQuery {
  std::string_view credential;
  std::string_view date;
  std::string_view expires;  // still text: its checks come after the date's (pipeline step 5)
  std::string_view signed_headers;
  std::string_view signature;
  std::optional<std::string_view> security_token;
};

// For a query that carries X-Amz-Algorithm: rejects a repeated X-Amz-* parameter, another
// algorithm (missing authentication, as AWS answers) and missing or empty required parameters
// (all named in one message).
Result<PresignedQuery, Rejection> parse_presigned_query(const DecodedQuery& query);

// X-Amz-Expires as seconds in 1..kMaxPresignExpires, else the IncompleteSignature rejection.
Result<std::int64_t, Rejection> parse_presign_expires(std::string_view expires);

}  // namespace gatehouse::sigv4
