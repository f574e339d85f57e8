// CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction,
// UpdateFunctionCode, UpdateFunctionConfiguration, Invoke, InvokeAsync, GetAccountSettings
// (spec/lambda-api.md sections 5, 6 and 9).
#include <algorithm>
#include <array>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "executor/zip.h"
#include "policy/values.h"
#include "server/control/handlers.h"
#include "server/control/json_shapes.h"
#include "server/invoke/async_queue.h"
#include "server/invoke/execution.h"
#include "server/lambda/runtimes.h"
#include "store/aws_errors.h"

namespace gatehouse::server::control {
namespace {

using lambda::LambdaError;
using lambda::make_error;
namespace et = lambda::error_type;

constexpr std::size_t kZippedLimit = 52428800;        // lambda-api 9 step 6
constexpr std::size_t kEnvironmentLimit = 4096;       // lambda-api 4.1
constexpr std::int64_t kTotalCodeSizeLimit = 80530636800;  // 75 GB (lambda-api 4.2 AccountLimit)
constexpr auto kCodeSizeUnzipped = static_cast<std::int64_t>(executor::kUnzippedLimit);
constexpr std::int64_t kCodeSizeZipped = 52428800;
constexpr std::int64_t kConcurrentExecutions = 1000;

constexpr std::array<std::string_view, 18> kReservedEnvironmentKeys = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR"};

LambdaError invalid(std::string message) { return make_error(et::kInvalidParameterValue, 400, std::move(message)); }

std::vector<std::string> strings_of(const rapidjson::Value& list) {
  std::vector<std::string> out;
  for (const auto& item : list.GetArray()) out.emplace_back(item.GetString(), item.GetStringLength());
  return out;
}

// Environment.Variables: reserved keys, then the 4 KB limit on the map's JSON (lambda-api 4.1).
policy::Result<std::vector<std::pair<std::string, std::string>>, LambdaError> read_environment(
    const rapidjson::Value& variables) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string reserved;
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  for (const auto& entry : variables.GetObject()) {
    std::string name(entry.name.GetString(), entry.name.GetStringLength());
    std::string value(entry.value.GetString(), entry.value.GetStringLength());
    if (std::find(kReservedEnvironmentKeys.begin(), kReservedEnvironmentKeys.end(), name) !=
        kReservedEnvironmentKeys.end()) {
      reserved += (reserved.empty() ? "" : ", ") + name;
    }
    write_string(w, name);
    write_string(w, value);
    out.emplace_back(std::move(name), std::move(value));
  }
  w.EndObject();
  if (!reserved.empty()) {
    return invalid(
        "Lambda was unable to configure your environment variables because the environment variables you have "
        "provided contains reserved keys that are currently not supported for modification. Reserved keys used in "
        "this request: " + reserved);
  }
  if (buffer.GetSize() > kEnvironmentLimit) {
    return invalid(
        "Lambda was unable to configure your environment variables because the environment variables you have "
        "provided exceeded the 4KB limit. String measured: " + std::string(buffer.GetString(), buffer.GetSize()));
  }
  return out;
}

// The configuration members CreateFunction and UpdateFunctionConfiguration share (lambda-api 4.1).
policy::Result<store::FunctionConfigUpdate, LambdaError> read_configuration(const rapidjson::Value& body) {
  store::FunctionConfigUpdate u;
  u.runtime = string_of(body, "Runtime");
  if (u.runtime) {
    if (auto refused = lambda::check_runtime_supported(*u.runtime)) return *refused;
  }
  u.role = string_of(body, "Role");
  u.handler = string_of(body, "Handler");
  u.description = string_of(body, "Description");
  u.kms_key_arn = string_of(body, "KMSKeyArn");
  u.timeout = int_of(body, "Timeout");
  u.memory_size = int_of(body, "MemorySize");
  if (const rapidjson::Value* dlq = member_of(body, "DeadLetterConfig")) u.dead_letter_target = string_of(*dlq, "TargetArn");
  if (const rapidjson::Value* tracing = member_of(body, "TracingConfig")) u.tracing_mode = string_of(*tracing, "Mode");
  if (const rapidjson::Value* storage = member_of(body, "EphemeralStorage")) u.ephemeral_storage = int_of(*storage, "Size");
  if (const rapidjson::Value* architectures = member_of(body, "Architectures")) u.architectures = strings_of(*architectures);
  if (const rapidjson::Value* vpc = member_of(body, "VpcConfig")) {
    store::VpcConfig config;
    if (const rapidjson::Value* subnets = member_of(*vpc, "SubnetIds")) config.subnet_ids = strings_of(*subnets);
    if (const rapidjson::Value* groups = member_of(*vpc, "SecurityGroupIds")) {
      config.security_group_ids = strings_of(*groups);
    }
    u.vpc = std::move(config);
  }
  if (const rapidjson::Value* environment = member_of(body, "Environment")) {
    std::vector<std::pair<std::string, std::string>> variables;
    if (const rapidjson::Value* map = member_of(*environment, "Variables")) {
      auto read = read_environment(*map);
      if (!read) return read.error();
      variables = std::move(read).value();
    }
    u.environment = std::move(variables);
  }
  return u;
}

// The deployment package of a FunctionCode (CreateFunction's Code, UpdateFunctionCode's body):
// ZipFile bytes; S3 sources do not exist here (lambda-api 4.2, 9 step 6).
policy::Result<std::string, LambdaError> read_zip(const rapidjson::Value& code) {
  if (auto zip = string_of(code, "ZipFile")) {
    auto bytes = policy::decode_base64(*zip);
    if (!bytes) return invalid(std::string(executor::kNotAZip));
    if (bytes->size() > kZippedLimit) {
      return make_error("RequestEntityTooLargeException", 413, "Zipped size must be smaller than 52428800 bytes");
    }
    // Checked at upload by the reader that unpacks it later (executor.md 5): every entry is
    // decompressed and counted, never trusted from the headers.
    if (auto refused = executor::check_zip(*bytes, static_cast<std::uint64_t>(kCodeSizeUnzipped))) {
      return invalid(std::move(*refused));
    }
    return std::move(*bytes);
  }
  if (member_of(code, "S3Bucket")) {
    return invalid(
        "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not "
        "exist");
  }
  return invalid("Please provide a source for function code.");
}

std::string revision_of(const Call& call) { return string_of(call.request.body, "RevisionId").value_or(""); }

}  // namespace

Reply create_function(store::Store& store, const Call& call) {
  const rapidjson::Value& body = call.request.body;
  auto update = read_configuration(body);
  if (!update) return update.error();
  auto zip = read_zip(*member_of(body, "Code"));
  if (!zip) return zip.error();
  if (auto ok = check_configuration_role(store, call, update.value().role.value_or(""), update.value()); !ok) {
    return ok.error();
  }
  store::CreateFunctionInput input;
  input.function = call.function_ref();
  if (auto package = string_of(body, "PackageType")) input.config.package_type = *package;
  input.zip = std::move(zip).value();
  const bool publish = bool_of(body, "Publish").value_or(false);
  input.tags = tags_of(body);
  // One transaction: create, apply the configuration members, publish version 1 if asked.
  auto created = store.write([&](store::Mutation& m) -> store::Result<store::FunctionConfig> {
    if (auto made = m.create_function(input); !made) return made.error();
    auto configured = m.update_function_configuration(input.function, update.value());
    if (!configured || !publish) return configured;
    return m.publish_version(input.function);
  });
  if (!created) return to_lambda_error(created.error());
  // The ARN stays unqualified even when Publish made version 1 (lambda-api 5.4).
  return json_response(201, function_configuration_json(input.function.name, created.value(),
                                                        call.function->unqualified_arn(), ConfigShape::Create));
}

namespace {

// GetFunctionConfiguration's body, rendered once per stored revision of a configuration. Every
// write of a configuration ($LATEST's, or a version's when it is published) gives it a new
// RevisionId (a random UUID), so (the ARN the caller named, RevisionId) names one body, in any
// store. Bounded: emptied when full.
class ConfigurationBodies {
 public:
  std::string body(std::string_view name, const store::FunctionConfig& config, std::string_view arn) {
    if (config.revision_id.empty()) return function_configuration_json(name, config, arn, ConfigShape::Full);
    thread_local std::string key;
    key.assign(arn);
    key += '\n';
    key += config.revision_id;
    {
      const std::shared_lock lock(mutex_);
      if (const auto it = bodies_.find(key); it != bodies_.end()) return it->second;
    }
    std::string rendered = function_configuration_json(name, config, arn, ConfigShape::Full);
    const std::unique_lock lock(mutex_);
    if (bodies_.size() >= kMaxBodies) bodies_.clear();
    bodies_.emplace(key, rendered);
    return rendered;
  }

 private:
  static constexpr std::size_t kMaxBodies = 4096;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, std::string> bodies_;
};

ConfigurationBodies& configuration_bodies() {
  static ConfigurationBodies bodies;
  return bodies;
}

}  // namespace

Reply get_function_configuration(store::Store& store, const Call& call) {
  // $LATEST, unqualified or by name, is in the record that authorization read for its tags.
  if (const store::Function* f = call.function_record; f && (call.qualifier().empty() || call.qualifier() == store::kLatest)) {
    const std::string arn = call.qualifier().empty() ? f->arn : f->arn + ":" + std::string(store::kLatest);
    return json_response(200, configuration_bodies().body(f->name, f->latest, arn));
  }
  auto view = store.read([&](const store::Snapshot& s) { return s.get_function(call.function_ref(), call.qualifier()); });
  if (!view) return to_lambda_error(view.error());
  const store::FunctionView& v = view.value();
  return json_response(200, configuration_bodies().body(v.function.name, v.config, v.qualified_arn));
}

Reply get_function(store::Store& store, const Call& call) {
  auto view = store.read([&](const store::Snapshot& s) { return s.get_function(call.function_ref(), call.qualifier()); });
  if (!view) return to_lambda_error(view.error());
  const store::FunctionView& v = view.value();
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("Configuration");
  write_function_configuration(w, v.function.name, v.config, v.qualified_arn, ConfigShape::Full);
  // No presigned download URL is served: the code's repository type only (lambda-api 4.2).
  w.Key("Code");
  w.StartObject();
  w.Key("RepositoryType");
  w.String("S3");
  w.EndObject();
  // Tags only for a caller who may lambda:ListTags (lambda-api 5.11).
  if (call.may_list_tags && !v.function.tags.empty()) {
    w.Key("Tags");
    w.StartObject();
    for (const auto& [key, value] : v.function.tags) {
      write_string(w, key);
      write_string(w, value);
    }
    w.EndObject();
  }
  w.EndObject();
  return json_response(200, {buffer.GetString(), buffer.GetSize()});
}

Reply list_functions(store::Store& store, const Call& call) {
  struct Listed {
    std::string name, arn;
    store::FunctionConfig config;
  };
  const bool all_versions = call.request.function_version.value_or("") == "ALL";
  auto listed = store.read([&](const store::Snapshot& s) -> store::Result<std::vector<Listed>> {
    std::vector<Listed> out;
    for (const store::Function& f : s.list_functions(call.caller_account(), call.region)) {
      out.push_back({f.name, f.arn, f.latest});
      if (!all_versions) continue;
      auto versions = s.list_versions({f.account, f.region, f.name});
      if (!versions) return versions.error();
      for (const auto& version : versions.value()) {
        if (version.version != store::kLatest) out.push_back({f.name, f.arn + ":" + version.version, version});
      }
    }
    return out;
  });
  if (!listed) return to_lambda_error(listed.error());
  auto page = page_of(listed.value().size(), call.request.marker, call.request.max_items);
  if (!page) return page.error();
  return json_response(200, page_json("Functions", listed.value(), page.value(), [](JsonWriter& w, const Listed& item) {
    write_function_configuration(w, item.name, item.config, item.arn, ConfigShape::Listed);
  }));
}

Reply delete_function(store::Store& store, const Call& call) {
  auto deleted = store.write([&](store::Mutation& m) { return m.delete_function(call.function_ref(), call.qualifier()); });
  if (!deleted) return to_lambda_error(deleted.error());
  return empty_response(204);
}

Reply update_function_code(store::Store& store, const Call& call) {
  const rapidjson::Value& body = call.request.body;
  auto zip = read_zip(body);
  if (!zip) return zip.error();
  const store::FunctionRef ref = call.function_ref();
  if (bool_of(body, "DryRun").value_or(false)) {
    // Validates without changing anything (lambda-api 5.24).
    auto view = store.read([&](const store::Snapshot& s) { return s.get_function(ref); });
    if (!view) return to_lambda_error(view.error());
    return json_response(200, function_configuration_json(ref.name, view.value().config, view.value().qualified_arn,
                                                          ConfigShape::Full));
  }
  const bool publish = bool_of(body, "Publish").value_or(false);
  auto updated = store.write([&](store::Mutation& m) {
    return m.update_function_code(ref, zip.value(), publish, revision_of(call));
  });
  if (!updated) return to_lambda_error(updated.error());
  const std::string unqualified = call.function->unqualified_arn();
  const std::string arn = publish ? unqualified + ":" + updated.value().version : unqualified;
  return json_response(200, function_configuration_json(ref.name, updated.value(), arn, ConfigShape::Full));
}

policy::Result<store::FunctionConfig, LambdaError> update_configuration_checked(store::Store& store,
                                                                                 const store::FunctionRef& ref,
                                                                                 const store::FunctionConfigUpdate& update,
                                                                                 std::string_view revision_id,
                                                                                 const RoleCheck& check) {
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    std::string expected(revision_id);
    if (check) {
      // The role the function will have: the one sent, else the one it has (at `expected`).
      std::string role = update.role.value_or("");
      if (!update.role) {
        auto view = store.read([&](const store::Snapshot& s) { return s.get_function(ref); });
        if (!view) return to_lambda_error(view.error());
        role = view.value().config.role;
        if (expected.empty()) expected = view.value().config.revision_id;
      }
      if (auto ok = check(role); !ok) return ok.error();
    }
    auto updated = store.write([&](store::Mutation& m) {
      return m.update_function_configuration(ref, update, expected);
    });
    if (updated) return std::move(updated).value();
    // Changed since the role was read (the caller sent no RevisionId): check the new one.
    const bool changed = revision_id.empty() && !expected.empty() && updated.error().code == store::aws::kPreconditionFailed;
    if (!changed) return to_lambda_error(updated.error());
    if (attempt == kAttempts) {
      return make_error(store::aws::kResourceConflict, 409,
                        "The operation cannot be performed at this time. An update is in progress for resource: "
                        "arn:aws:lambda:" + ref.region + ":" + ref.account + ":function:" + ref.name);
    }
  }
}

Reply update_function_configuration(store::Store& store, const Call& call) {
  auto update = read_configuration(call.request.body);
  if (!update) return update.error();
  const store::FunctionRef ref = call.function_ref();
  RoleCheck check;
  if (update.value().dead_letter_target || update.value().vpc) {
    check = [&](std::string_view role) { return check_configuration_role(store, call, role, update.value()); };
  }
  auto updated = update_configuration_checked(store, ref, update.value(), revision_of(call), check);
  if (!updated) return updated.error();
  return json_response(200, function_configuration_json(ref.name, updated.value(), call.function->unqualified_arn(),
                                                        ConfigShape::Full));
}

Reply invoke(store::Store& store, const Call& call) {
  auto view = store.read([&](const store::Snapshot& s) { return s.get_function(call.function_ref(), call.qualifier()); });
  if (!view) {
    // An unqualified invocation names $LATEST in its not-found message (lambda-api 3.2 rule 6).
    if (view.error().code == lambda::error_type::kResourceNotFound && call.qualifier().empty()) {
      return make_error(et::kResourceNotFound, 404,
                        "Function not found: " + call.function->unqualified_arn() + ":" + std::string(store::kLatest));
    }
    return to_lambda_error(view.error());
  }
  const bool invoke_async = call.request.operation == lambda::Operation::InvokeAsync;
  // DryRun: authorization and parameter checks only; nothing runs (lambda-api 6).
  if (!invoke_async && call.request.invoke.invocation_type == "DryRun") return empty_response(204);
  if (!invoke_async && call.request.invoke.invocation_type == "RequestResponse" && call.invocations) {
    return call.invocations->run(view.value(), call.request.invoke, call.request.payload, call.request_id);
  }
  // Event and InvokeAsync: 202 once the event is durably queued (executor.md 7).
  if (call.invocations && call.invocations->queue()) {
    const store::FunctionRef ref = call.function_ref();
    invoke::QueuedEvent event;
    event.id = std::string(call.request_id);
    event.account = ref.account;
    event.region = ref.region;
    event.function_name = ref.name;
    event.qualifier = std::string(call.qualifier());
    event.function_id = view.value().function.id;  // this function, not a later one of its name
    event.function_created = view.value().function.created;
    event.payload = std::string(call.request.payload);
    if (!call.invocations->queue()->enqueue(std::move(event))) {
      return make_error("ServiceException", 500, "The event could not be queued.");
    }
    return invoke_async ? json_response(202, R"({"Status":202})") : empty_response(202);
  }
  return make_error("ServiceException", 500,
                    std::string(invoke_async || call.request.invoke.invocation_type == "Event"
                                    ? "Asynchronous function execution is not available yet"
                                    : "Function execution is not available on this server") +
                        ": the request was authenticated and authorized for " + view.value().qualified_arn +
                        ", but this service did not run function code. Use InvocationType DryRun to check "
                        "authorization.");
}

Reply get_account_settings(store::Store& store, const Call& call) {
  auto usage = store.read([&](const store::Snapshot& s) -> store::Result<store::AccountUsage> {
    return s.account_usage(call.caller_account(), call.region);
  });
  if (!usage) return to_lambda_error(usage.error());
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("AccountLimit");
  w.StartObject();
  w.Key("TotalCodeSize");
  w.Int64(kTotalCodeSizeLimit);
  w.Key("CodeSizeUnzipped");
  w.Int64(kCodeSizeUnzipped);
  w.Key("CodeSizeZipped");
  w.Int64(kCodeSizeZipped);
  // The limit the executor enforces (serve --concurrency); AWS's default without one.
  const std::int64_t concurrency = call.invocations ? call.invocations->concurrency() : kConcurrentExecutions;
  w.Key("ConcurrentExecutions");
  w.Int64(concurrency);
  w.Key("UnreservedConcurrentExecutions");
  w.Int64(concurrency);
  w.EndObject();
  w.Key("AccountUsage");
  w.StartObject();
  w.Key("TotalCodeSize");
  w.Int64(usage.value().total_code_size);
  w.Key("FunctionCount");
  w.Int64(usage.value().function_count);
  w.EndObject();
  w.EndObject();
  return json_response(200, {buffer.GetString(), buffer.GetSize()});
}

}  // namespace gatehouse::server::control
