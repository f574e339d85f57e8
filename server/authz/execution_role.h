// A function's execution role acting for Lambda (policy-semantics 6.2, seed-notes 2): the
// service-side checks that the role may read an event source (CreateEventSourceMapping) or
// write to a dead-letter target (CreateFunction / UpdateFunctionConfiguration). The role is
// a caller like any other: a session of the role named after the function, evaluated by the
// one pipeline with its identity policies and boundary.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "server/authz/pipeline.h"
#include "sigv4/clock.h"
#include "store/store.h"

namespace gatehouse::server::authz {

// Whose role, for which function.
struct RoleUse {
  std::string_view role_arn;      // as stored, with path
  std::string_view function_arn;  // unqualified: lambda:SourceFunctionArn
  std::string_view function_name; // the session name
  std::string_view region;        // aws:RequestedRegion
};

// One thing the role must be allowed to do.
struct RoleAction {
  std::string_view action;
  std::string_view resource;
};

// The first action the role may not perform, and why.
struct RoleDenial {
  RoleAction action;
  Verdict verdict;
};

// nullopt when the role may perform every action. A role that does not exist (or whose
// path differs from role_arn) has no permissions.
store::Result<std::optional<RoleDenial>> authorize_role(const Pipeline& pipeline, const store::Store& store,
                                                         const RoleUse& use, std::span<const RoleAction> actions);

// Lambda, as the service principal, may assume the role: its trust policy allows
// sts:AssumeRole with the context of policy-semantics 6.2 (aws:SourceAccount, aws:SourceArn
// of the function). false when the role is gone or has another path (role/R is not role/app/R).
store::Result<bool> lambda_may_assume(const store::Store& store, const sigv4::Clock& clock, std::string_view role_arn,
                                      std::string_view function_account, std::string_view function_arn);

}  // namespace gatehouse::server::authz
