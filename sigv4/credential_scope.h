// The credential and its scope: access-key-id/date/region/service/aws4_request (spec section 5).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::sigv4 {

inline constexpr std::string_view kScopeTerminator = "aws4_request";

// date8/region/service; the terminator is always aws4_request.
struct CredentialScope {
  std::string_view date;
  std::string_view region;
  std::string_view service;
};

// The five parts of a Credential value, as sent.
struct CredentialParts {
  std::string_view access_key_id;
  CredentialScope scope;
  std::string_view terminator;
};

// Splits on '/' into exactly five parts, else nullopt.
std::optional<CredentialParts> split_credential(std::string_view credential) noexcept;

// Appends date/region/service/aws4_request.
void append_credential_scope(std::string& out, const CredentialScope& scope);

}  // namespace gatehouse::sigv4
