// A raw Lambda REST request turned into its operation and validated parameters: route,
// URI labels, query, Invoke headers and JSON body (spec/lambda-api.md sections 1, 5, 6).
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "policy/result.h"
#include "server/lambda/error.h"
#include "server/lambda/function_name.h"
#include "server/lambda/route_table.h"

namespace gatehouse::server::lambda {

struct Header {
  std::string_view name;
  std::string_view value;
};

// The request as received: nothing decoded yet.
struct RequestView {
  std::string_view method;
  std::string_view path;   // raw path, percent-encoded, no query
  std::string_view query;  // raw query string without '?'
  std::span<const Header> headers;
  std::string_view body;
};

// Invoke's headers (lambda-api 6), defaults applied.
struct InvokeOptions {
  std::string invocation_type = "RequestResponse";  // X-Amz-Invocation-Type
  std::string log_type = "None";                    // X-Amz-Log-Type
  std::optional<std::string> client_context;        // X-Amz-Client-Context, base64 as sent
};

struct LambdaRequest {
  Operation operation{};
  // FunctionName from the label, the body (CreateFunction, event-source mappings) or the
  // query (ListEventSourceMappings), as sent and as parsed.
  std::optional<std::string> function_name_text;
  std::optional<FunctionNameParts> function_name;
  std::optional<std::string> alias_name;    // {Name}
  std::optional<std::string> statement_id;  // {StatementId}
  std::optional<std::string> uuid;          // {UUID}
  // Query parameters of the operation.
  std::optional<std::string> qualifier;
  std::optional<std::string> marker;
  std::optional<long long> max_items;
  std::optional<std::string> function_version;  // ListAliases, ListFunctions
  std::optional<std::string> master_region;     // ListFunctions
  std::optional<std::string> event_source_arn;  // ListEventSourceMappings
  std::optional<std::string> revision_id;       // RemovePermission
  InvokeOptions invoke;
  // JSON operations: the body, checked against the operation's members (an empty object
  // when the operation has no body). Handlers read members of the declared types only.
  rapidjson::Document body;
  // Invoke and InvokeAsync: the payload bytes (a view into RequestView::body).
  std::string_view payload;

  // A string member of the body, if present.
  std::optional<std::string_view> body_string(std::string_view member) const;
};

// Routes and validates. Errors: UnknownOperationException 404, ValidationException 400
// (every constraint failure in one message), InvalidParameterValueException 400 (a bare
// CreateFunction name over 64 characters), InvalidRequestContentException 400 (body not
// JSON, or a member of the wrong type).
policy::Result<LambdaRequest, LambdaError> parse_request(const RequestView& request);

}  // namespace gatehouse::server::lambda
