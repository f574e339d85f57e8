// AddPermission, GetPolicy, RemovePermission: one policy document per (function, qualifier),
// the statement built by the store as Lambda builds it (spec/lambda-api.md section 7).
#include "server/control/handlers.h"
#include "server/control/json_shapes.h"

namespace gatehouse::server::control {

Reply add_permission(store::Store& store, const Call& call) {
  const rapidjson::Value& body = call.request.body;
  store::PermissionInput input;
  input.statement_id = string_of(body, "StatementId").value_or("");
  input.action = string_of(body, "Action").value_or("");
  input.principal = string_of(body, "Principal").value_or("");
  input.source_arn = string_of(body, "SourceArn").value_or("");
  input.source_account = string_of(body, "SourceAccount").value_or("");
  input.event_source_token = string_of(body, "EventSourceToken").value_or("");
  input.principal_org_id = string_of(body, "PrincipalOrgID").value_or("");
  input.function_url_auth_type = string_of(body, "FunctionUrlAuthType").value_or("");
  input.invoked_via_function_url = bool_of(body, "InvokedViaFunctionUrl").value_or(false);
  const std::string revision = string_of(body, "RevisionId").value_or("");
  auto added = store.write([&](store::Mutation& m) {
    return m.add_permission(call.function_ref(), call.qualifier(), input, revision);
  });
  if (!added) return to_lambda_error(added.error());
  // The statement as a JSON string, not an object (lambda-api 7.2).
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("Statement");
  write_string(w, added.value().json);
  w.EndObject();
  return json_response(201, {buffer.GetString(), buffer.GetSize()});
}

Reply get_policy(store::Store& store, const Call& call) {
  auto policy = store.read([&](const store::Snapshot& s) {
    return s.get_function_policy(call.function_ref(), call.qualifier());
  });
  if (!policy) return to_lambda_error(policy.error());
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("Policy");
  write_string(w, policy.value().document());
  w.Key("RevisionId");
  write_string(w, policy.value().revision_id);
  w.EndObject();
  return json_response(200, {buffer.GetString(), buffer.GetSize()});
}

Reply remove_permission(store::Store& store, const Call& call) {
  const std::string revision = call.request.revision_id.value_or("");
  auto removed = store.write([&](store::Mutation& m) {
    return m.remove_permission(call.function_ref(), call.qualifier(), *call.request.statement_id, revision);
  });
  if (!removed) return to_lambda_error(removed.error());
  return empty_response(204);
}

}  // namespace gatehouse::server::control
