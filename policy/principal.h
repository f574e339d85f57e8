// Who is asking: the caller of a request, in the forms of "IAM identifiers"
// and the principal key values table of "IAM policy elements: Variables and tags".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "policy/context.h"

namespace gatehouse::policy {

enum class PrincipalType { Root, User, AssumedRole, FederatedUser, Service, Anonymous };

// A caller. Owns its strings; cheap enough to build once per request.
struct Caller {
  PrincipalType type = PrincipalType::Anonymous;
  std::string arn;         // principal ARN: session ARN for sessions, service name for services, "anonymous"
  std::string account;     // 12 digits; empty for service principals and anonymous callers
  std::string partition = "aws";
  std::string name;        // user name, role name, federated user name, or service name
  std::string path = "/";  // user or role path
  std::string session;     // role session name
  std::string unique_id;   // AIDA... (user) or AROA... (role) ; empty if unknown
  bool subject_to_scps = true;
  std::map<std::string, std::string> tags;  // principal tags (users: own tags; sessions: role + session tags)

  // aws:PrincipalArn: the role ARN (with path) for sessions, the principal ARN otherwise.
  std::string principal_arn() const;
};

// Builds a caller from what a simulator user types as CallerArn: a user, role
// (treated as a session named after the role), assumed-role session, account
// root ARN, a 12-digit account id (its root), a service principal name such as
// s3.amazonaws.com, or "anonymous". nullopt if it is none of these.
std::optional<Caller> caller_from_arn(std::string_view text);

// A stable made-up unique id (AIDA.../AROA...) for callers known only by ARN.
std::string synthetic_unique_id(std::string_view prefix, std::string_view arn);

// Fills the principal keys of section 4.2/4.3 (aws:username, aws:userid,
// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*,
// aws:PrincipalIsAWSService, aws:PrincipalServiceName...). Keys that do not
// apply to the caller are left absent.
void add_principal_keys(const Caller& caller, RequestContext& context);

}  // namespace gatehouse::policy
