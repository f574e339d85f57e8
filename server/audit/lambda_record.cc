#include "server/audit/lambda_record.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace gatehouse::server::audit {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using lambda::Operation;

// Members whose values are secrets or a function's secret configuration.
bool redacted(std::string_view key) { return key == "ZipFile" || key == "Environment"; }

// Members whose object keys are user data (tag keys), not API member names.
bool user_keyed(std::string_view key) { return key == "Tags"; }

std::string lower_first(std::string_view key) {
  std::string out(key);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

void key(Writer& w, std::string_view name) { w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size())); }

void copy(Writer& w, const rapidjson::Value& value, bool rename_keys) {
  if (value.IsObject()) {
    w.StartObject();
    for (const auto& m : value.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (rename_keys && redacted(name)) continue;
      key(w, rename_keys ? lower_first(name) : std::string(name));
      copy(w, m.value, rename_keys && !user_keyed(name));
    }
    w.EndObject();
  } else if (value.IsArray()) {
    w.StartArray();
    for (const auto& item : value.GetArray()) copy(w, item, rename_keys);
    w.EndArray();
  } else {
    value.Accept(w);
  }
}

void text(Writer& w, std::string_view name, const std::optional<std::string>& value) {
  if (!value) return;
  key(w, name);
  w.String(value->data(), static_cast<rapidjson::SizeType>(value->size()));
}

// Already written from a label or the query: a JSON object must not repeat a key.
bool written_from_uri(std::string_view name, const lambda::LambdaRequest& r) {
  if (name == "FunctionName") return r.function_name_text.has_value();
  if (name == "Name") return r.alias_name.has_value();
  if (name == "StatementId") return r.statement_id.has_value();
  if (name == "UUID") return r.uuid.has_value();
  if (name == "Qualifier") return r.qualifier.has_value();
  if (name == "RevisionId") return r.revision_id.has_value();
  return false;
}

bool is_invoke(Operation operation) { return operation == Operation::Invoke || operation == Operation::InvokeAsync; }

}  // namespace

std::string lambda_request_parameters(const lambda::LambdaRequest& request) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  text(w, "functionName", request.function_name_text);
  text(w, "name", request.alias_name);
  text(w, "statementId", request.statement_id);
  text(w, "uUID", request.uuid);  // CloudTrail's lower-casing of UUID
  text(w, "qualifier", request.qualifier);
  text(w, "marker", request.marker);
  if (request.max_items) {
    key(w, "maxItems");
    w.Int64(*request.max_items);
  }
  text(w, "functionVersion", request.function_version);
  text(w, "masterRegion", request.master_region);
  text(w, "eventSourceArn", request.event_source_arn);
  text(w, "revisionId", request.revision_id);
  if (request.operation == Operation::Invoke) {
    text(w, "invocationType", request.invoke.invocation_type);
    text(w, "logType", request.invoke.log_type);
  }
  if (!is_invoke(request.operation) && request.body.IsObject()) {
    for (const auto& m : request.body.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (redacted(name) || written_from_uri(name, request)) continue;
      key(w, lower_first(name));
      copy(w, m.value, !user_keyed(name));
    }
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string lambda_response_elements(Operation operation, std::string_view body) {
  if (is_invoke(operation) || lambda::operation_info(operation).read_only || body.empty()) return {};
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  copy(w, doc, true);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace gatehouse::server::audit
