#include "server/control/json_shapes.h"

#include <charconv>
#include <ctime>

namespace gatehouse::server::control {

void write_string(JsonWriter& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

namespace {

void key(JsonWriter& w, std::string_view name) { w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size())); }

void member(JsonWriter& w, std::string_view name, std::string_view value) {
  key(w, name);
  write_string(w, value);
}

void string_list(JsonWriter& w, std::string_view name, const std::vector<std::string>& values) {
  key(w, name);
  w.StartArray();
  for (const auto& value : values) write_string(w, value);
  w.EndArray();
}

}  // namespace

std::string format_last_modified(store::Millis millis) {
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis % 1000));
  return text;
}

void write_function_configuration(JsonWriter& w, std::string_view name, const store::FunctionConfig& c,
                                  std::string_view arn, ConfigShape shape) {
  w.StartObject();
  member(w, "FunctionName", name);
  member(w, "FunctionArn", arn);
  member(w, "Runtime", c.runtime);
  member(w, "Role", c.role);
  member(w, "Handler", c.handler);
  key(w, "CodeSize");
  w.Int64(c.code_size);
  member(w, "Description", c.description);
  key(w, "Timeout");
  w.Int(c.timeout);
  key(w, "MemorySize");
  w.Int(c.memory_size);
  member(w, "LastModified", format_last_modified(c.last_modified));
  member(w, "CodeSha256", c.code_sha256);
  member(w, "Version", c.version);
  if (c.vpc) {
    key(w, "VpcConfig");
    w.StartObject();
    string_list(w, "SubnetIds", c.vpc->subnet_ids);
    string_list(w, "SecurityGroupIds", c.vpc->security_group_ids);
    // Without an EC2 model the VPC is not known (lambda-api 9 step 10).
    member(w, "VpcId", c.vpc->vpc_id);
    w.EndObject();
  }
  if (!c.dead_letter_target.empty()) {
    key(w, "DeadLetterConfig");
    w.StartObject();
    member(w, "TargetArn", c.dead_letter_target);
    w.EndObject();
  }
  if (c.environment) {
    key(w, "Environment");
    w.StartObject();
    key(w, "Variables");
    w.StartObject();
    for (const auto& [name, value] : *c.environment) member(w, name, value);
    w.EndObject();
    w.EndObject();
  }
  if (!c.kms_key_arn.empty()) member(w, "KMSKeyArn", c.kms_key_arn);
  key(w, "TracingConfig");
  w.StartObject();
  member(w, "Mode", c.tracing_mode);
  w.EndObject();
  member(w, "RevisionId", c.revision_id);
  if (shape != ConfigShape::Listed) member(w, "State", c.state);
  if (shape == ConfigShape::Full) member(w, "LastUpdateStatus", c.last_update_status);
  member(w, "PackageType", c.package_type);
  string_list(w, "Architectures", c.architectures);
  key(w, "EphemeralStorage");
  w.StartObject();
  key(w, "Size");
  w.Int(c.ephemeral_storage);
  w.EndObject();
  key(w, "SnapStart");
  w.StartObject();
  member(w, "ApplyOn", "None");
  member(w, "OptimizationStatus", "Off");
  w.EndObject();
  key(w, "LoggingConfig");
  w.StartObject();
  member(w, "LogFormat", "Text");
  member(w, "LogGroup", "/aws/lambda/" + std::string(name));
  w.EndObject();
  w.EndObject();
}

std::string function_configuration_json(std::string_view name, const store::FunctionConfig& config,
                                        std::string_view arn, ConfigShape shape) {
  return render([&](JsonWriter& w) { write_function_configuration(w, name, config, arn, shape); });
}

void write_alias(JsonWriter& w, const store::Alias& alias) {
  w.StartObject();
  member(w, "AliasArn", alias.arn);
  member(w, "Name", alias.name);
  member(w, "FunctionVersion", alias.function_version);
  member(w, "Description", alias.description);
  if (alias.routing) {
    key(w, "RoutingConfig");
    w.StartObject();
    key(w, "AdditionalVersionWeights");
    w.StartObject();
    key(w, alias.routing->first);
    w.Double(alias.routing->second);
    w.EndObject();
    w.EndObject();
  }
  member(w, "RevisionId", alias.revision_id);
  w.EndObject();
}

std::string alias_json(const store::Alias& alias) {
  return render([&](JsonWriter& w) { write_alias(w, alias); });
}

void write_mapping(JsonWriter& w, const store::EventSourceMapping& m) {
  w.StartObject();
  member(w, "UUID", m.uuid);
  member(w, "EventSourceMappingArn", "arn:aws:lambda:" + m.region + ":" + m.account + ":event-source-mapping:" + m.uuid);
  if (!m.starting_position.empty()) member(w, "StartingPosition", m.starting_position);
  if (m.starting_position_timestamp) {
    key(w, "StartingPositionTimestamp");
    w.Double(*m.starting_position_timestamp);
  }
  key(w, "BatchSize");
  w.Int(m.batch_size);
  key(w, "MaximumBatchingWindowInSeconds");
  w.Int(m.maximum_batching_window);
  member(w, "EventSourceArn", m.event_source_arn);
  member(w, "FunctionArn", m.function_arn);
  // Epoch seconds as a JSON number: JS v3 rejects an ISO string here (lambda-api 1.2).
  key(w, "LastModified");
  w.Double(static_cast<double>(m.last_modified) / 1000.0);
  member(w, "LastProcessingResult", m.last_processing_result);
  member(w, "State", m.state);
  member(w, "StateTransitionReason", m.state_transition_reason);
  w.EndObject();
}

std::string mapping_json(const store::EventSourceMapping& mapping) {
  return render([&](JsonWriter& w) { write_mapping(w, mapping); });
}

policy::Result<Page, lambda::LambdaError> page_of(std::size_t total, const std::optional<std::string>& marker,
                                                  std::optional<long long> max_items) {
  Page page;
  if (marker) {
    std::size_t offset = 0;
    const char* first = marker->data();
    const char* last = first + marker->size();
    const auto [end, ec] = std::from_chars(first, last, offset);
    if (ec != std::errc{} || end != last || offset > total) {
      return lambda::make_error(lambda::error_type::kInvalidParameterValue, 400,
                                "The marker " + *marker + " is not a marker this service issued.");
    }
    page.begin = offset;
  }
  const std::size_t size = max_items ? static_cast<std::size_t>(*max_items) : kDefaultPageSize;
  page.end = std::min(total, page.begin + size);
  if (page.end < total) page.next_marker = std::to_string(page.end);
  return page;
}

}  // namespace gatehouse::server::control
