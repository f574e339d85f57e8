#include "sigv4/rejection.h"

#include <array>
#include <utility>

namespace gatehouse::sigv4 {
namespace {

struct ReasonRow {
  Reason reason;
  std::string_view name;
  Category category;
};

// One row per Reason, in declaration order (checked at compile time below).
constexpr std::array kReasons = {
    ReasonRow{Reason::NoAuthentication, "no-authentication", Category::MissingAuthentication},
    ReasonRow{Reason::UnsupportedQueryAlgorithm, "unsupported-query-algorithm", Category::MissingAuthentication},
    ReasonRow{Reason::UnsupportedAlgorithm, "unsupported-algorithm", Category::IncompleteSignature},
    ReasonRow{Reason::MalformedAuthorizationParameter, "malformed-authorization-parameter",
              Category::IncompleteSignature},
    ReasonRow{Reason::DuplicateAuthorizationParameter, "duplicate-authorization-parameter",
              Category::IncompleteSignature},
    ReasonRow{Reason::MultipleAuthorizationHeaders, "multiple-authorization-headers", Category::IncompleteSignature},
    ReasonRow{Reason::MissingAuthorizationParameters, "missing-authorization-parameters",
              Category::IncompleteSignature},
    ReasonRow{Reason::MissingQueryParameters, "missing-query-parameters", Category::IncompleteSignature},
    ReasonRow{Reason::DuplicateQueryParameter, "duplicate-query-parameter", Category::IncompleteSignature},
    ReasonRow{Reason::MalformedQueryEncoding, "malformed-query-encoding", Category::IncompleteSignature},
    ReasonRow{Reason::AuthorizationTooLong, "authorization-too-long", Category::IncompleteSignature},
    ReasonRow{Reason::TooManySignedHeaders, "too-many-signed-headers", Category::IncompleteSignature},
    ReasonRow{Reason::SecurityTokenTooLong, "security-token-too-long", Category::IncompleteSignature},
    ReasonRow{Reason::MalformedDate, "malformed-date", Category::IncompleteSignature},
    ReasonRow{Reason::MalformedCredential, "malformed-credential", Category::IncompleteSignature},
    ReasonRow{Reason::InvalidExpires, "invalid-expires", Category::IncompleteSignature},
    ReasonRow{Reason::ExpiresTooLarge, "expires-too-large", Category::IncompleteSignature},
    ReasonRow{Reason::BothAuthenticationCarriers, "both-authentication-carriers", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::HostNotSigned, "host-not-signed", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::SecurityTokenNotSigned, "security-token-not-signed", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::DateNotSigned, "date-not-signed", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::SignatureExpired, "signature-expired", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::SignatureNotYetCurrent, "signature-not-yet-current", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::CredentialScopeMismatch, "credential-scope-mismatch", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::MalformedSignedHeaders, "malformed-signed-headers", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::SignedHeaderAbsent, "signed-header-absent", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::MalformedSignature, "malformed-signature", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::ContentSha256Mismatch, "content-sha256-mismatch", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::UnsignedPayload, "unsigned-payload", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::SignatureMismatch, "signature-mismatch", Category::SignatureDoesNotMatch},
    ReasonRow{Reason::UnknownAccessKey, "unknown-access-key", Category::UnrecognizedClient},
    ReasonRow{Reason::MissingSecurityToken, "missing-security-token", Category::UnrecognizedClient},
    ReasonRow{Reason::InvalidSecurityToken, "invalid-security-token", Category::UnrecognizedClient},
    ReasonRow{Reason::UnexpectedSecurityToken, "unexpected-security-token", Category::UnrecognizedClient},
    ReasonRow{Reason::ExpiredSecurityToken, "expired-security-token", Category::ExpiredToken},
};

constexpr bool rows_follow_declaration_order() {
  for (std::size_t i = 0; i < kReasons.size(); ++i) {
    if (static_cast<std::size_t>(kReasons[i].reason) != i) return false;
  }
  return static_cast<std::size_t>(Reason::ExpiredSecurityToken) + 1 == kReasons.size();
}
static_assert(rows_follow_declaration_order(), "kReasons must list every Reason in declaration order");

const ReasonRow& row_of(Reason reason) noexcept { return kReasons[static_cast<std::size_t>(reason)]; }

}  // namespace

Category category_of(Reason reason) noexcept { return row_of(reason).category; }

std::string_view to_string(Reason reason) noexcept { return row_of(reason).name; }

Rejection reject(Reason reason) {
  switch (category_of(reason)) {
    case Category::SignatureDoesNotMatch:
      return {reason, std::string(kSignatureMismatchMessage)};
    case Category::UnrecognizedClient:
      return {reason, std::string(kInvalidTokenMessage)};
    case Category::ExpiredToken:
      return {reason, std::string(kExpiredTokenMessage)};
    case Category::MissingAuthentication:
    case Category::IncompleteSignature:
      break;
  }
  return {reason, {}};
}

Rejection reject(Reason reason, std::string message) { return {reason, std::move(message)}; }

}  // namespace gatehouse::sigv4
