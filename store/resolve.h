// Internal: building what the fast paths return, from one snapshot.
#pragma once

#include <memory>
#include <string_view>

#include "store/credential.h"
#include "store/snapshot.h"

namespace gatehouse::store::detail {

// nullptr: no such access key (or its principal is gone).
Result<std::shared_ptr<const ResolvedCredential>> resolve_credential(const Snapshot& snapshot,
                                                                    std::string_view access_key_id);
// nullptr: no such user / role.
Result<std::shared_ptr<const ResolvedPrincipal>> resolve_user(const Snapshot& snapshot, std::string_view account,
                                                             std::string_view name);
Result<std::shared_ptr<const ResolvedPrincipal>> resolve_role(const Snapshot& snapshot, std::string_view account,
                                                             std::string_view role, std::string_view session_name);
Result<std::shared_ptr<const RoleTrust>> resolve_trust(const Snapshot& snapshot, std::string_view account,
                                                      std::string_view role);
Result<CompiledPolicyPtr> resolve_function_policy(const Snapshot& snapshot, const FunctionRef& ref,
                                                  std::string_view qualifier);
Result<CompiledPolicyPtr> resolve_managed_policy(const Snapshot& snapshot, std::string_view arn);

}  // namespace gatehouse::store::detail
