// The Lambda parts of an audit record: requestParameters and responseElements with keys in
// lower camel case and secrets removed (spec/audit-log.md sections 2 and 5).
#pragma once

#include <string>
#include <string_view>

#include "server/lambda/request.h"

namespace gatehouse::server::audit {

// URI labels, query parameters, Invoke's type headers and the JSON body, as one JSON object.
// Never: ZipFile, Environment, the Invoke payload or X-Amz-Client-Context.
std::string lambda_request_parameters(const lambda::LambdaRequest& request);

// A successful mutating call's JSON response body, redacted; empty (null) for reads, Invoke,
// empty bodies and anything that is not a JSON object.
std::string lambda_response_elements(lambda::Operation operation, std::string_view body);

}  // namespace gatehouse::server::audit
