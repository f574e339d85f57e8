// Why a request was not authenticated: a typed reason plus the message AWS sends, and the
// mapping to each face's error type, code and HTTP status (spec section 12).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::sigv4 {

// What the client is told, independent of the face (spec section 12.1, first column).
enum class Category : std::uint8_t {
  MissingAuthentication,
  IncompleteSignature,
  SignatureDoesNotMatch,
  UnrecognizedClient,
  ExpiredToken,
};

// Why, in detail, for logs and tests. Several reasons share a category and a wire message: a
// client sees only the category's text.
enum class Reason : std::uint8_t {
  // MissingAuthentication
  NoAuthentication,             // neither Authorization nor X-Amz-Algorithm
  UnsupportedQueryAlgorithm,    // X-Amz-Algorithm other than AWS4-HMAC-SHA256
  // IncompleteSignature
  UnsupportedAlgorithm,
  MalformedAuthorizationParameter,  // a token without '='
  DuplicateAuthorizationParameter,
  MultipleAuthorizationHeaders,
  MissingAuthorizationParameters,   // Credential, SignedHeaders, Signature or the date
  MissingQueryParameters,
  DuplicateQueryParameter,
  MalformedQueryEncoding,
  AuthorizationTooLong,
  TooManySignedHeaders,
  SecurityTokenTooLong,
  MalformedDate,
  MalformedCredential,
  InvalidExpires,
  ExpiresTooLarge,
  // SignatureDoesNotMatch
  BothAuthenticationCarriers,
  HostNotSigned,
  SecurityTokenNotSigned,
  DateNotSigned,
  SignatureExpired,
  SignatureNotYetCurrent,
  CredentialScopeMismatch,
  MalformedSignedHeaders,
  SignedHeaderAbsent,
  MalformedSignature,
  ContentSha256Mismatch,
  UnsignedPayload,
  SignatureMismatch,
  // UnrecognizedClient
  UnknownAccessKey,
  MissingSecurityToken,
  InvalidSecurityToken,
  UnexpectedSecurityToken,  // a token sent with a long-term key
  // ExpiredToken
  ExpiredSecurityToken,
};

Category category_of(Reason reason) noexcept;

// Stable kebab-case name for logs and metrics labels, e.g. "signed-header-absent".
std::string_view to_string(Reason reason) noexcept;

inline constexpr std::string_view kSignatureMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
inline constexpr std::string_view kInvalidTokenMessage =
    "The security token included in the request is invalid.";
inline constexpr std::string_view kExpiredTokenMessage =
    "The security token included in the request is expired";

struct Rejection {
  Reason reason;
  // The message for the client. Empty for the missing-authentication reasons, whose text
  // depends on the face (see error_for).
  std::string message;

  Category category() const noexcept { return category_of(reason); }
};

// Builds a rejection whose message is fixed by its category (mismatch, invalid or expired
// token, missing authentication).
Rejection reject(Reason reason);
// Builds a rejection with a specific message.
Rejection reject(Reason reason, std::string message);

}  // namespace gatehouse::sigv4
