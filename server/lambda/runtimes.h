// Lambda's runtime identifiers (botocore lambda 2015-03-31 `Runtime` enum) and which of them
// can no longer be used for creating or updating a function (spec/lambda-api.md 4.1, 9 steps
// 1 and 4; seed-notes 10.1).
#pragma once

#include <optional>
#include <string_view>

#include "server/lambda/error.h"

namespace gatehouse::server::lambda {

// Step 1: a Runtime that is neither in the enum nor an ARN is InvalidParameterValueException
// "Value <rt> at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [...]
// or be a valid ARN" (not the usual ValidationException).
std::optional<LambdaError> check_runtime_value(std::string_view runtime);

// Step 4: a deprecated runtime, or a runtime ARN, is refused with "The runtime parameter of <rt>
// is no longer supported for creating or updating AWS Lambda functions. ..."; a valid identifier
// the executor does not run (java21, ruby3.3) with "... is not served by this service, which
// runs <the served identifiers>."
std::optional<LambdaError> check_runtime_supported(std::string_view runtime);

}  // namespace gatehouse::server::lambda
