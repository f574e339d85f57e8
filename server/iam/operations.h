// The IAM operations, one function each, grouped by file: users.cc, access_keys.cc,
// groups.cc, roles.cc, entity_policies.cc (inline and attached), managed_policies.cc,
// simulation.cc. The table in operations.cc maps each Action to its function.
#pragma once

#include "server/iam/common.h"

namespace gatehouse::server::iam {

// Shared lookups.
// UserName, or the calling user when omitted; empty for an account root; ValidationError for
// a role session without UserName.
Outcome<std::string> named_user_or_caller(const Call& call);
std::string user_arn(const Call& call, std::string_view path, std::string_view name);
Outcome<store::User> existing_user(const Call& call, std::string_view name);
// The ARN to authorize for a named user: its own, or the path-less one when it does not exist.
Outcome<std::string> existing_user_arn(const Call& call, std::string_view name);

// users.cc
Reply create_user(const Call& call);
Reply get_user(const Call& call);
Reply delete_user(const Call& call);
Reply list_users(const Call& call);

}  // namespace gatehouse::server::iam
