// The STS operations (iam-sts-api.md section 4): GetCallerIdentity, AssumeRole, GetSessionToken.
#pragma once

#include <span>

#include "server/query/operation.h"

namespace gatehouse::server::sts {

std::span<const query::Operation> operations();

}  // namespace gatehouse::server::sts
