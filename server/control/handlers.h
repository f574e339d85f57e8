// Internal to the control plane: what a handler gets once the request is authorized, and
// the handlers themselves, one per operation (spec/lambda-api.md section 5).
#pragma once

#include <functional>

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/result.h"
#include "server/authz/pipeline.h"
#include "server/http/message.h"
#include "server/lambda/authorization.h"
#include "server/lambda/error.h"
#include "server/lambda/request.h"
#include "store/store.h"

namespace gatehouse::server::invoke {
class Invocations;
}

namespace gatehouse::server::control {

using Reply = policy::Result<http::HttpResponse, lambda::LambdaError>;

// What a handler may read of the request: its parameters, but none of the names the request was
// resolved from (FunctionName, Qualifier, UUID). Those reach a handler only as the resolved
// resources that were authorized (Call::function, Call::mapping), so a handler cannot look a
// resource up again by a name of its own making.
struct RequestParameters {
  lambda::Operation operation;
  const rapidjson::Document& body;
  const std::optional<std::string>& alias_name;    // {Name}: an alias of the resolved function
  const std::optional<std::string>& statement_id;  // {StatementId}: of the resolved function's policy
  const std::optional<std::string>& marker;
  const std::optional<long long>& max_items;
  const std::optional<std::string>& function_version;
  const std::optional<std::string>& master_region;
  const std::optional<std::string>& event_source_arn;
  const std::optional<std::string>& revision_id;
  const lambda::InvokeOptions& invoke;
  std::string_view payload;

  static RequestParameters of(const lambda::LambdaRequest& r) {
    return {r.operation, r.body,           r.alias_name,       r.statement_id,     r.marker,      r.max_items,
            r.function_version, r.master_region, r.event_source_arn, r.revision_id, r.invoke, r.payload};
  }
};

// An authorized request, ready for the store.
struct Call {
  RequestParameters request;
  const std::optional<lambda::ResolvedFunction>& function;
  const std::optional<lambda::ResolvedMapping>& mapping;  // the mapping authorized, by its owner
  const authz::Principal& principal;
  std::string_view region;      // the endpoint's region
  bool may_list_tags = false;   // GetFunction returns Tags only then (lambda-api 5.11)
  const authz::Pipeline& pipeline;  // evaluates the execution-role checks
  const invoke::Invocations* invocations = nullptr;  // runs function code; nullptr: not here
  std::string_view request_id;                       // x-amzn-RequestId: the invocation's id
  // The function's record as this request's authorization read it, if it did (nullptr: not read).
  const store::Function* function_record = nullptr;

  store::FunctionRef function_ref() const;                 // INVARIANT: function is set
  store::MappingRef mapping_ref() const;                   // INVARIANT: mapping is set
  std::string_view qualifier() const;                      // "" when unqualified
  std::string_view caller_account() const { return principal.caller().account; }
};

// A member of a JSON object; nullptr when absent or null.
const rapidjson::Value* member_of(const rapidjson::Value& object, std::string_view name);
std::optional<std::string> string_of(const rapidjson::Value& object, std::string_view name);
std::optional<std::int32_t> int_of(const rapidjson::Value& object, std::string_view name);
std::optional<bool> bool_of(const rapidjson::Value& object, std::string_view name);
// The `Tags` member (a string map, checked by the request parser: no key twice, none differing only
// by case), exactly as the request context saw it.
store::Tags tags_of(const rapidjson::Value& object);

// Store errors are already in AWS's words; a store failure is Lambda's ServiceException.
lambda::LambdaError to_lambda_error(const store::Error& error);

// 200/201/202 with a JSON body, or 204 with none (lambda-api 1.2).
http::HttpResponse json_response(int status, std::string body);
http::HttpResponse empty_response(int status);

// The service-side checks of the function's execution role (execution_role_checks.cc).
// CreateFunction / UpdateFunctionConfiguration, for the role the function will have: with
// DeadLetterConfig.TargetArn, sqs:SendMessage / sns:Publish on the target (lambda-api 9 step
// 9); with VpcConfig subnets or security groups, the EC2 network-interface actions (step 10).
policy::Result<void, lambda::LambdaError> check_configuration_role(const store::Store& store, const Call& call,
                                                                   std::string_view role_arn,
                                                                   const store::FunctionConfigUpdate& update);
// UpdateFunctionConfiguration's write, once `check` (empty: nothing to check) accepted the role
// the function will have: the one sent, else the one it has. Without a role sent, the write
// applies only to the revision whose role was checked (the caller's RevisionId, else the one
// read), so a concurrent change of the role cannot slip in between: the new role is checked
// again (three times at most, then ResourceConflictException).
using RoleCheck = std::function<policy::Result<void, lambda::LambdaError>(std::string_view role_arn)>;
policy::Result<store::FunctionConfig, lambda::LambdaError> update_configuration_checked(
    store::Store& store, const store::FunctionRef& ref, const store::FunctionConfigUpdate& update,
    std::string_view revision_id, const RoleCheck& check);
// CreateEventSourceMapping: the role of the function (version, alias) the mapping invokes may
// read the source (lambda-actions.json, seed-notes 11).
policy::Result<void, lambda::LambdaError> check_event_source_role(const store::Store& store, const Call& call,
                                                                  std::string_view source_arn,
                                                                  bool has_starting_position);

// Functions (functions.cc).
Reply create_function(store::Store& store, const Call& call);
Reply get_function(store::Store& store, const Call& call);
Reply get_function_configuration(store::Store& store, const Call& call);
Reply list_functions(store::Store& store, const Call& call);
Reply delete_function(store::Store& store, const Call& call);
Reply update_function_code(store::Store& store, const Call& call);
Reply update_function_configuration(store::Store& store, const Call& call);
Reply invoke(store::Store& store, const Call& call);
Reply get_account_settings(store::Store& store, const Call& call);

// Versions and aliases (versions_aliases.cc).
Reply publish_version(store::Store& store, const Call& call);
Reply list_versions_by_function(store::Store& store, const Call& call);
Reply create_alias(store::Store& store, const Call& call);
Reply get_alias(store::Store& store, const Call& call);
Reply update_alias(store::Store& store, const Call& call);
Reply delete_alias(store::Store& store, const Call& call);
Reply list_aliases(store::Store& store, const Call& call);

// Function policies (permissions.cc).
Reply add_permission(store::Store& store, const Call& call);
Reply get_policy(store::Store& store, const Call& call);
Reply remove_permission(store::Store& store, const Call& call);

// Event-source mappings (event_source_mappings.cc).
Reply create_event_source_mapping(store::Store& store, const Call& call);
Reply get_event_source_mapping(store::Store& store, const Call& call);
Reply update_event_source_mapping(store::Store& store, const Call& call);
Reply delete_event_source_mapping(store::Store& store, const Call& call);
Reply list_event_source_mappings(store::Store& store, const Call& call);

}  // namespace gatehouse::server::control
