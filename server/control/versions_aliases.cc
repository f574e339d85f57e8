// PublishVersion, ListVersionsByFunction and the alias operations (spec/lambda-api.md 5, 8).
#include "server/control/handlers.h"
#include "server/control/json_shapes.h"

namespace gatehouse::server::control {
namespace {

std::string revision_of(const Call& call) { return string_of(call.request.body, "RevisionId").value_or(""); }

// RoutingConfig.AdditionalVersionWeights: at most one entry (lambda-api 4.2). nullopt inside:
// the map is empty (UpdateAlias clears the routing with it).
policy::Result<std::optional<std::pair<std::string, double>>, lambda::LambdaError> read_routing(
    const rapidjson::Value& routing) {
  const rapidjson::Value* weights = member_of(routing, "AdditionalVersionWeights");
  if (!weights || !weights->IsObject() || weights->MemberCount() == 0) return std::optional<std::pair<std::string, double>>{};
  if (weights->MemberCount() > 1) {
    return lambda::make_error(lambda::error_type::kValidation, 400,
                              "1 validation error detected: Value at 'routingConfig.additionalVersionWeights' failed "
                              "to satisfy constraint: Member must have length less than or equal to 1");
  }
  const auto& entry = *weights->MemberBegin();
  if (!entry.value.IsNumber()) {
    return lambda::make_error(lambda::error_type::kInvalidRequestContent, 400,
                              "Could not parse request body into json: a routing weight must be a number");
  }
  return std::optional<std::pair<std::string, double>>{
      std::pair{std::string(entry.name.GetString(), entry.name.GetStringLength()), entry.value.GetDouble()}};
}

}  // namespace

Reply publish_version(store::Store& store, const Call& call) {
  const rapidjson::Value& body = call.request.body;
  const std::string sha = string_of(body, "CodeSha256").value_or("");
  auto published = store.write([&](store::Mutation& m) {
    return m.publish_version(call.function_ref(), sha, string_of(body, "Description"), revision_of(call));
  });
  if (!published) return to_lambda_error(published.error());
  const std::string arn = call.function->unqualified_arn() + ":" + published.value().version;
  return json_response(201, function_configuration_json(call.function->name, published.value(), arn, ConfigShape::Full));
}

Reply list_versions_by_function(store::Store& store, const Call& call) {
  auto versions = store.read([&](const store::Snapshot& s) { return s.list_versions(call.function_ref()); });
  if (!versions) return to_lambda_error(versions.error());
  auto page = page_of(versions.value().size(), call.request.marker, call.request.max_items);
  if (!page) return page.error();
  const std::string unqualified = call.function->unqualified_arn();
  // Every version under its qualified ARN, $LATEST included (lambda-api 3.2 rule 7).
  return json_response(200, page_json("Versions", versions.value(), page.value(),
                                      [&](JsonWriter& w, const store::FunctionConfig& c) {
                                        write_function_configuration(w, call.function->name, c,
                                                                     unqualified + ":" + c.version, ConfigShape::Listed);
                                      }));
}

Reply create_alias(store::Store& store, const Call& call) {
  const rapidjson::Value& body = call.request.body;
  store::AliasInput input;
  input.name = string_of(body, "Name").value_or("");
  input.function_version = string_of(body, "FunctionVersion").value_or("");
  input.description = string_of(body, "Description").value_or("");
  if (const rapidjson::Value* routing = member_of(body, "RoutingConfig")) {
    auto read = read_routing(*routing);
    if (!read) return read.error();
    input.routing = read.value();
  }
  auto created = store.write([&](store::Mutation& m) { return m.create_alias(call.function_ref(), input); });
  if (!created) return to_lambda_error(created.error());
  return json_response(201, alias_json(created.value()));
}

Reply get_alias(store::Store& store, const Call& call) {
  auto alias = store.read([&](const store::Snapshot& s) { return s.get_alias(call.function_ref(), *call.request.alias_name); });
  if (!alias) return to_lambda_error(alias.error());
  return json_response(200, alias_json(alias.value()));
}

Reply update_alias(store::Store& store, const Call& call) {
  const rapidjson::Value& body = call.request.body;
  store::AliasUpdate update;
  update.function_version = string_of(body, "FunctionVersion");
  update.description = string_of(body, "Description");
  if (const rapidjson::Value* routing = member_of(body, "RoutingConfig")) {
    auto read = read_routing(*routing);
    if (!read) return read.error();
    update.routing = read.value();
  }
  auto updated = store.write([&](store::Mutation& m) {
    return m.update_alias(call.function_ref(), *call.request.alias_name, update, revision_of(call));
  });
  if (!updated) return to_lambda_error(updated.error());
  return json_response(200, alias_json(updated.value()));
}

Reply delete_alias(store::Store& store, const Call& call) {
  auto deleted = store.write([&](store::Mutation& m) { return m.delete_alias(call.function_ref(), *call.request.alias_name); });
  if (!deleted) return to_lambda_error(deleted.error());
  return empty_response(204);
}

Reply list_aliases(store::Store& store, const Call& call) {
  const std::string version = call.request.function_version.value_or("");
  auto aliases = store.read([&](const store::Snapshot& s) { return s.list_aliases(call.function_ref(), version); });
  if (!aliases) return to_lambda_error(aliases.error());
  auto page = page_of(aliases.value().size(), call.request.marker, call.request.max_items);
  if (!page) return page.error();
  return json_response(200, page_json("Aliases", aliases.value(), page.value(), write_alias));
}

}  // namespace gatehouse::server::control
