// Identifiers in AWS's formats ("IAM identifiers: unique identifiers"), from
// OpenSSL's RAND_bytes: 21-character unique ids, 20-character access key ids,
// 40-character secret keys, UUIDs and opaque session tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::store::ids {

inline constexpr std::string_view kUserPrefix = "AIDA";
inline constexpr std::string_view kGroupPrefix = "AGPA";
inline constexpr std::string_view kRolePrefix = "AROA";
inline constexpr std::string_view kPolicyPrefix = "ANPA";
inline constexpr std::string_view kPolicyVersionPrefix = "ANVA";
inline constexpr std::string_view kAccessKeyPrefix = "AKIA";
inline constexpr std::string_view kTemporaryKeyPrefix = "ASIA";

// PREFIX + 17 characters of A-Z2-7. For AROA, characters 5-12 encode the
// account as AWS has done since 2019 (what `sts get-access-key-info` decodes).
std::string unique_id(std::string_view prefix, std::string_view account);
// AKIA/ASIA + 16 characters, characters 5-12 encoding the account.
std::string access_key_id(std::string_view prefix, std::string_view account);
// The account encoded in an AKIA/ASIA/AROA id; nullopt if it encodes none.
std::optional<std::string> account_of(std::string_view id);
// 40 characters of [A-Za-z0-9/+].
std::string secret_access_key();
// An opaque session token (base64 of random bytes).
std::string session_token();
// RFC 4122 version 4, lower case.
std::string uuid();

// Shapes, for validation of ids given from outside (bootstrap).
bool is_access_key_id(std::string_view id);  // AKIA/ASIA + 16 of [A-Z0-9]
bool is_secret_access_key(std::string_view secret);  // 40 of [A-Za-z0-9/+]

// base64 of a SHA-256 digest (Lambda's CodeSha256).
std::string sha256_base64(std::string_view bytes);

}  // namespace gatehouse::store::ids
