// The event-source mapping operations: stored and returned, never polled (spec/lambda-api.md
// 5.3, 5.6, 5.10, 5.17, 5.23).
#include "server/control/handlers.h"
#include "server/control/json_shapes.h"

namespace gatehouse::server::control {

Reply create_event_source_mapping(store::Store& store, const Call& call) {
  const rapidjson::Value& body = call.request.body;
  store::MappingInput input;
  input.account = std::string(call.caller_account());
  input.region = std::string(call.region);
  input.event_source_arn = string_of(body, "EventSourceArn").value_or("");
  input.function = call.function_ref();
  input.qualifier = std::string(call.qualifier());
  input.enabled = bool_of(body, "Enabled").value_or(true);
  input.batch_size = int_of(body, "BatchSize");
  input.maximum_batching_window = int_of(body, "MaximumBatchingWindowInSeconds");
  input.starting_position = string_of(body, "StartingPosition").value_or("");
  if (const rapidjson::Value* at = member_of(body, "StartingPositionTimestamp"); at && at->IsNumber()) {
    input.starting_position_timestamp = at->GetDouble();
  }
  input.tags = tags_of(body);
  if (auto ok = check_event_source_role(store, call, input.event_source_arn, !input.starting_position.empty()); !ok) {
    return ok.error();
  }
  auto created = store.write([&](store::Mutation& m) { return m.create_event_source_mapping(input); });
  if (!created) return to_lambda_error(created.error());
  return json_response(202, mapping_json(created.value()));
}

Reply get_event_source_mapping(store::Store& store, const Call& call) {
  auto mapping = store.read([&](const store::Snapshot& s) { return s.get_event_source_mapping(call.mapping_ref()); });
  if (!mapping) return to_lambda_error(mapping.error());
  return json_response(200, mapping_json(mapping.value()));
}

Reply update_event_source_mapping(store::Store& store, const Call& call) {
  const rapidjson::Value& body = call.request.body;
  store::MappingUpdate update;
  if (call.function) {
    // A new target gets the check that create runs: its execution role must read the source.
    auto current = store.read([&](const store::Snapshot& s) { return s.get_event_source_mapping(call.mapping_ref()); });
    if (!current) return to_lambda_error(current.error());
    const store::EventSourceMapping& mapping = current.value();
    if (auto ok = check_event_source_role(store, call, mapping.event_source_arn, !mapping.starting_position.empty());
        !ok) {
      return ok.error();
    }
    update.function = call.function_ref();
    update.qualifier = std::string(call.qualifier());
  }
  update.enabled = bool_of(body, "Enabled");
  update.batch_size = int_of(body, "BatchSize");
  update.maximum_batching_window = int_of(body, "MaximumBatchingWindowInSeconds");
  auto updated = store.write([&](store::Mutation& m) {
    return m.update_event_source_mapping(call.mapping_ref(), update);
  });
  if (!updated) return to_lambda_error(updated.error());
  return json_response(202, mapping_json(updated.value()));
}

Reply delete_event_source_mapping(store::Store& store, const Call& call) {
  auto deleted = store.write([&](store::Mutation& m) { return m.delete_event_source_mapping(call.mapping_ref()); });
  if (!deleted) return to_lambda_error(deleted.error());
  return json_response(202, mapping_json(deleted.value()));
}

Reply list_event_source_mappings(store::Store& store, const Call& call) {
  // A FunctionName filter matches the exact ARN form it names (lambda-api 5.17).
  const std::string function_arn = call.function ? call.function->arn() : "";
  const std::string source = call.request.event_source_arn.value_or("");
  auto mappings = store.read([&](const store::Snapshot& s) -> store::Result<std::vector<store::EventSourceMapping>> {
    return s.list_event_source_mappings(call.caller_account(), call.region, source, function_arn);
  });
  if (!mappings) return to_lambda_error(mappings.error());
  auto page = page_of(mappings.value().size(), call.request.marker, call.request.max_items);
  if (!page) return page.error();
  return json_response(200, page_json("EventSourceMappings", mappings.value(), page.value(), write_mapping));
}

}  // namespace gatehouse::server::control
