// ARNs (Spirit X3 grammar): arn:partition:service:region:account:resource,
// where the resource part may contain further colons.
#pragma once

#include <optional>
#include <string_view>

namespace gatehouse::policy {

struct ArnView {
  std::string_view partition;
  std::string_view service;
  std::string_view region;
  std::string_view account;
  std::string_view resource;  // everything after the fifth colon
};

// nullopt unless the text starts with "arn:" and has at least five colons.
std::optional<ArnView> parse_arn(std::string_view text) noexcept;

// Principal ARNs as IAM and STS write them.
enum class PrincipalArnKind { Root, User, Role, AssumedRole, FederatedUser, Other };

struct PrincipalArn {
  PrincipalArnKind kind = PrincipalArnKind::Other;
  std::string_view partition;
  std::string_view account;
  std::string_view path;  // "/" or "/app/" for users and roles
  std::string_view name;  // user name, role name, or federated user name
  std::string_view session;  // session name of an assumed-role ARN
};

// arn:aws:iam::111111111111:root | user/path/name | role/path/name,
// arn:aws:sts::111111111111:assumed-role/R/s1 | federated-user/name.
std::optional<PrincipalArn> parse_principal_arn(std::string_view text) noexcept;

bool is_account_id(std::string_view text) noexcept;  // exactly 12 digits

}  // namespace gatehouse::policy
