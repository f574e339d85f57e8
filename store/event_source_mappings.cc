// Event-source mappings (lambda-api.md 5.3, 5.6, 5.10, 5.17, 5.23): stored
// and returned; nothing polls the sources.
#include <algorithm>

#include "store/ids.h"
#include "store/lambda_common.h"
#include "store/touch.h"

namespace gatehouse::store {

using namespace detail;

namespace {

enum class SourceKind { Stream, Queue, Kafka, Unknown };

SourceKind source_kind(std::string_view arn) {
  if (arn.starts_with("arn:aws:kinesis:") || arn.starts_with("arn:aws:dynamodb:")) return SourceKind::Stream;
  if (arn.starts_with("arn:aws:sqs:")) return SourceKind::Queue;
  if (arn.starts_with("arn:aws:kafka:")) return SourceKind::Kafka;
  return SourceKind::Unknown;
}

// The mapping's function ARN: unqualified, or qualified by an existing version or alias.
Result<std::string> mapping_function_arn(const Snapshot& s, const FunctionRef& ref, std::string_view qualifier) {
  auto function = s.find_function(ref);
  if (!function) return aws::invalid_parameter("Function does not exist");
  if (qualifier.empty()) return function->arn;
  const std::string fkey = function_key(ref);
  const bool exists = qualifier == kLatest ||
                      (is_version_number(qualifier) ? find_version(s, fkey, version_number(qualifier)).has_value()
                                                    : find_alias(s, fkey, qualifier).has_value());
  if (!exists) return aws::invalid_parameter("Function does not exist");
  return function->arn + ":" + std::string(qualifier);
}

Result<void> check_batch_size(std::int32_t size) {
  if (size < 1 || size > 10000) {
    return aws::lambda_validation("1 validation error detected: Value '" + std::to_string(size) +
                                  "' at 'batchSize' failed to satisfy constraint: Member must have value " +
                                  (size < 1 ? "greater than or equal to 1" : "less than or equal to 10000"));
  }
  return success();
}

}  // namespace

Result<EventSourceMapping> Snapshot::get_event_source_mapping(const MappingRef& ref) const {
  auto mapping = load<EventSourceMapping>(txn_, state_.db.mappings, ref.uuid);
  if (!mapping || mapping->account != ref.account || mapping->region != ref.region) return aws::resource_not_found();
  note_touch(TouchedKind::Mapping, mapping->account, mapping->region, mapping->uuid);
  return std::move(*mapping);
}

std::vector<EventSourceMapping> Snapshot::list_event_source_mappings(std::string_view account, std::string_view region,
                                                                    std::string_view event_source_arn,
                                                                    std::string_view function_arn) const {
  std::vector<EventSourceMapping> out;
  scan_prefix(txn_, state_.db.mappings, "", [&](std::string_view, std::string_view value) {
    EventSourceMapping m = decode<EventSourceMapping>(value);
    if (m.account == account && m.region == region &&
        (event_source_arn.empty() || m.event_source_arn == event_source_arn) &&
        (function_arn.empty() || m.function_arn == function_arn)) {
      note_touch(TouchedKind::Mapping, m.account, m.region, m.uuid);
      out.push_back(std::move(m));
    }
    return true;
  });
  return out;
}

Result<EventSourceMapping> Mutation::create_event_source_mapping(const MappingInput& input) {
  const SourceKind kind = source_kind(input.event_source_arn);
  if (kind == SourceKind::Unknown) return aws::invalid_parameter("Unrecognized event source.");
  if (kind == SourceKind::Stream && input.starting_position.empty()) {
    return aws::invalid_parameter(
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must "
        "not be null.");
  }
  if (kind == SourceKind::Queue && !input.starting_position.empty()) {
    return aws::invalid_parameter("Unsupported starting position for an Amazon SQS event source.");
  }
  const std::int32_t batch = input.batch_size.value_or(kind == SourceKind::Queue ? 10 : 100);
  if (auto ok = check_batch_size(batch); !ok) return ok.error();
  auto fn_arn = mapping_function_arn(*this, input.function, input.qualifier);
  if (!fn_arn) return fn_arn.error();
  const auto duplicates =
      list_event_source_mappings(input.account, input.region, input.event_source_arn, fn_arn.value());
  if (!duplicates.empty()) {
    const EventSourceMapping& existing = duplicates.front();
    return aws::make(aws::kResourceConflict, "The event source arn (\" " + input.event_source_arn +
                                                 " \") and function (\" " + input.function.name +
                                                 " \") provided mapping already exists. Please update or delete the "
                                                 "existing mapping with UUID " + existing.uuid);
  }
  EventSourceMapping m;
  m.uuid = ids::uuid();
  m.account = input.account;
  m.region = input.region;
  m.event_source_arn = input.event_source_arn;
  m.function_arn = fn_arn.value();
  m.state = input.enabled ? "Enabled" : "Disabled";
  m.batch_size = batch;
  m.maximum_batching_window = input.maximum_batching_window.value_or(0);
  m.starting_position = input.starting_position;
  m.starting_position_timestamp = input.starting_position_timestamp;
  m.last_modified = now();
  m.tags = input.tags;
  save(txn_, state_.db.mappings, m.uuid, m);
  effects_.lambda = true;
  return m;
}

Result<EventSourceMapping> Mutation::update_event_source_mapping(const MappingRef& ref, const MappingUpdate& update) {
  auto mapping = get_event_source_mapping(ref);
  if (!mapping) return mapping.error();
  EventSourceMapping& m = mapping.value();
  if (update.function) {
    auto fn_arn = mapping_function_arn(*this, *update.function, update.qualifier.value_or(""));
    if (!fn_arn) return fn_arn.error();
    m.function_arn = fn_arn.value();
  }
  if (update.enabled) m.state = *update.enabled ? "Enabled" : "Disabled";
  if (update.batch_size) {
    if (auto ok = check_batch_size(*update.batch_size); !ok) return ok.error();
    m.batch_size = *update.batch_size;
  }
  if (update.maximum_batching_window) m.maximum_batching_window = *update.maximum_batching_window;
  m.last_modified = now();
  save(txn_, state_.db.mappings, m.uuid, m);
  effects_.lambda = true;
  return std::move(m);
}

Result<EventSourceMapping> Mutation::delete_event_source_mapping(const MappingRef& ref) {
  auto mapping = get_event_source_mapping(ref);
  if (!mapping) return mapping.error();
  state_.db.mappings.del(txn_, ref.uuid);
  effects_.lambda = true;
  mapping.value().state = "Deleting";
  return mapping;
}

}  // namespace gatehouse::store
