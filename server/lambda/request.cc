#include "server/lambda/request.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>
#include <vector>

#include "server/lambda/patterns.h"
#include "server/lambda/runtimes.h"
#include "server/lambda/validation.h"

namespace gatehouse::server::lambda {
namespace {

using namespace patterns;

// Body, query and header members of the 25 operations (botocore lambda 2015-03-31, with the
// limits of spec/lambda-api.md sections 4, 5 and 6 where they differ).
constexpr std::array<std::string_view, 3> kInvocationTypes = {"Event", "RequestResponse", "DryRun"};
constexpr std::array<std::string_view, 2> kLogTypes = {"None", "Tail"};
constexpr std::array<std::string_view, 2> kUrlAuthTypes = {"NONE", "AWS_IAM"};
constexpr std::array<std::string_view, 3> kStartingPositions = {"TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"};
constexpr std::array<std::string_view, 2> kTracingModes = {"Active", "PassThrough"};
constexpr std::array<std::string_view, 2> kArchitectures = {"x86_64", "arm64"};
constexpr std::array<std::string_view, 2> kPackageTypes = {"Zip", "Image"};
constexpr std::array<std::string_view, 1> kAllVersions = {"ALL"};

// Function names: 256 characters where the model uses the namespaced name, 140 for
// create/update/publish/list-aliases and event-source mappings (lambda-api 3.1).
constexpr std::size_t kLongName = 256;
constexpr std::size_t kShortName = 140;
constexpr std::size_t kBareNameMax = 64;

constexpr MemberSpec kQualifierQuery{.name = "Qualifier", .min_length = 1, .max_length = 128, .pattern = &kQualifier};
constexpr MemberSpec kMarkerQuery{.name = "Marker"};
constexpr MemberSpec kMaxItemsQuery{.name = "MaxItems", .type = JsonType::Integer, .min_value = 1, .max_value = 10000};

constexpr MemberSpec kQualifierOnly[] = {kQualifierQuery};
constexpr MemberSpec kPaging[] = {kMarkerQuery, kMaxItemsQuery};
constexpr MemberSpec kRemovePermissionQuery[] = {kQualifierQuery, {.name = "RevisionId"}};
constexpr MemberSpec kListAliasesQuery[] = {
    {.name = "FunctionVersion", .min_length = 1, .max_length = 1024, .pattern = &kFunctionVersion},
    kMarkerQuery,
    kMaxItemsQuery};
constexpr MemberSpec kListFunctionsQuery[] = {{.name = "MasterRegion", .pattern = &kMasterRegion},
                                              {.name = "FunctionVersion", .enum_values = kAllVersions},
                                              kMarkerQuery,
                                              kMaxItemsQuery};
constexpr MemberSpec kListMappingsQuery[] = {
    {.name = "EventSourceArn", .pattern = &kArn},
    {.name = "FunctionName", .min_length = 1, .max_length = kShortName, .pattern = &kFunctionName},
    kMarkerQuery,
    kMaxItemsQuery};

constexpr MemberSpec kDescription{.name = "Description", .max_length = 256};
constexpr MemberSpec kRevisionId{.name = "RevisionId"};
constexpr MemberSpec kRoutingConfig{.name = "RoutingConfig", .type = JsonType::Object};
constexpr MemberSpec kTags{.name = "Tags", .type = JsonType::StringMap};
constexpr MemberSpec kArchitecturesMember{.name = "Architectures",
                                          .type = JsonType::StringList,
                                          .min_length = 1,
                                          .max_length = 1,
                                          .enum_values = kArchitectures};

constexpr MemberSpec kAddPermissionBody[] = {
    {.name = "StatementId", .required = true, .min_length = 1, .max_length = 100, .pattern = &kStatementId},
    {.name = "Action", .required = true, .pattern = &kPermissionAction},
    {.name = "Principal", .required = true, .pattern = &kNoWhitespace},
    {.name = "SourceArn", .pattern = &kArn},
    {.name = "SourceAccount", .max_length = 12, .pattern = &kAccountId},
    {.name = "EventSourceToken", .max_length = 256, .pattern = &kEventSourceToken},
    kRevisionId,
    {.name = "PrincipalOrgID", .min_length = 12, .max_length = 34, .pattern = &kPrincipalOrgId},
    {.name = "FunctionUrlAuthType", .enum_values = kUrlAuthTypes},
    {.name = "InvokedViaFunctionUrl", .type = JsonType::Boolean}};

constexpr MemberSpec kCreateAliasBody[] = {
    {.name = "Name", .required = true, .min_length = 1, .max_length = 128, .pattern = &kAliasName},
    {.name = "FunctionVersion", .required = true, .min_length = 1, .max_length = 1024, .pattern = &kFunctionVersion},
    kDescription,
    kRoutingConfig};

constexpr MemberSpec kUpdateAliasBody[] = {
    {.name = "FunctionVersion", .min_length = 1, .max_length = 1024, .pattern = &kFunctionVersion},
    kDescription,
    kRoutingConfig,
    kRevisionId};

constexpr MemberSpec kMappingFunctionName{
    .name = "FunctionName", .min_length = 1, .max_length = kShortName, .pattern = &kFunctionName};

constexpr MemberSpec kCreateMappingBody[] = {
    {.name = "EventSourceArn", .min_length = 12, .max_length = 1024, .pattern = &kArn},
    {.name = "FunctionName",
     .required = true,
     .min_length = 1,
     .max_length = kShortName,
     .pattern = &kFunctionName},
    {.name = "Enabled", .type = JsonType::Boolean},
    {.name = "BatchSize", .type = JsonType::Integer, .min_value = 1, .max_value = 10000},
    {.name = "StartingPosition", .enum_values = kStartingPositions},
    {.name = "StartingPositionTimestamp", .type = JsonType::Number},
    {.name = "MaximumBatchingWindowInSeconds", .type = JsonType::Integer, .min_value = 0, .max_value = 300},
    {.name = "FilterCriteria", .type = JsonType::Object},
    kTags};

constexpr MemberSpec kUpdateMappingBody[] = {
    kMappingFunctionName,
    {.name = "Enabled", .type = JsonType::Boolean},
    {.name = "BatchSize", .type = JsonType::Integer, .min_value = 1, .max_value = 10000},
    {.name = "MaximumBatchingWindowInSeconds", .type = JsonType::Integer, .min_value = 0, .max_value = 300},
    {.name = "FilterCriteria", .type = JsonType::Object}};

constexpr MemberSpec kCodeMembers[] = {
    {.name = "ZipFile"},
    {.name = "S3Bucket", .min_length = 3, .max_length = 63, .pattern = &kS3Bucket},
    {.name = "S3Key", .min_length = 1, .max_length = 1024},
    {.name = "S3ObjectVersion", .min_length = 1, .max_length = 1024},
    {.name = "ImageUri"}};

constexpr MemberSpec kVpcMembers[] = {
    {.name = "SubnetIds", .type = JsonType::StringList, .max_length = 16},
    {.name = "SecurityGroupIds", .type = JsonType::StringList, .max_length = 5},
    {.name = "Ipv6AllowedForDualStack", .type = JsonType::Boolean}};
constexpr MemberSpec kDeadLetterMembers[] = {{.name = "TargetArn", .pattern = &kOptionalArn}};
constexpr MemberSpec kEnvironmentMembers[] = {
    {.name = "Variables", .type = JsonType::StringMap, .pattern = &kEnvironmentKey}};
constexpr MemberSpec kTracingMembers[] = {{.name = "Mode", .enum_values = kTracingModes}};
constexpr MemberSpec kEphemeralMembers[] = {
    {.name = "Size", .type = JsonType::Integer, .required = true, .min_value = 512, .max_value = 10240}};

// Members CreateFunction and UpdateFunctionConfiguration share (lambda-api 4.1, 9); Role is
// required by CreateFunction only.
constexpr MemberSpec kConfigurationMembers[] = {
    {.name = "Runtime"},
    {.name = "Handler", .max_length = 128, .pattern = &kNoWhitespace},
    kDescription,
    {.name = "Timeout", .type = JsonType::Integer, .min_value = 1, .max_value = 900},
    {.name = "MemorySize", .type = JsonType::Integer, .min_value = 128, .max_value = 10240},
    {.name = "VpcConfig", .type = JsonType::Object, .members = kVpcMembers},
    {.name = "DeadLetterConfig", .type = JsonType::Object, .members = kDeadLetterMembers},
    {.name = "Environment", .type = JsonType::Object, .members = kEnvironmentMembers},
    {.name = "KMSKeyArn", .pattern = &kOptionalArn},
    {.name = "TracingConfig", .type = JsonType::Object, .members = kTracingMembers},
    {.name = "Layers", .type = JsonType::StringList, .pattern = &kLayerVersionArn, .item_max_length = 140},
    {.name = "EphemeralStorage", .type = JsonType::Object, .members = kEphemeralMembers},
    {.name = "CodeSigningConfigArn", .max_length = 200, .pattern = &kCodeSigningConfigArn}};

constexpr MemberSpec kCreateFunctionBody[] = {
    {.name = "FunctionName", .required = true, .min_length = 1, .max_length = kShortName, .pattern = &kFunctionName},
    {.name = "Role", .required = true, .pattern = &kRoleArn},
    {.name = "Code", .type = JsonType::Object, .required = true, .members = kCodeMembers},
    {.name = "Publish", .type = JsonType::Boolean},
    {.name = "PackageType", .enum_values = kPackageTypes},
    kArchitecturesMember,
    kTags};

constexpr MemberSpec kUpdateConfigurationBody[] = {{.name = "Role", .pattern = &kRoleArn}, kRevisionId};

constexpr MemberSpec kUpdateCodeBody[] = {{.name = "Publish", .type = JsonType::Boolean},
                                          {.name = "DryRun", .type = JsonType::Boolean},
                                          kRevisionId,
                                          kArchitecturesMember};

constexpr MemberSpec kPublishVersionBody[] = {{.name = "CodeSha256"}, kDescription, kRevisionId};

enum class Body : std::uint8_t { None, Json, Payload };

struct Shape {
  std::span<const MemberSpec> query = {};
  Body body = Body::None;
  std::span<const MemberSpec> members = {};
  std::size_t function_name_max = kLongName;  // {FunctionName} label
  std::span<const MemberSpec> more_members = {};  // a member group shared with another operation
};

Shape shape_of(Operation operation) {
  switch (operation) {
    case Operation::AddPermission: return {kQualifierOnly, Body::Json, kAddPermissionBody};
    case Operation::CreateAlias: return {{}, Body::Json, kCreateAliasBody, kShortName};
    case Operation::CreateEventSourceMapping: return {{}, Body::Json, kCreateMappingBody};
    case Operation::CreateFunction: return {{}, Body::Json, kCreateFunctionBody, kLongName, kConfigurationMembers};
    case Operation::DeleteAlias: return {};
    case Operation::DeleteEventSourceMapping: return {};
    case Operation::DeleteFunction: return {kQualifierOnly};
    case Operation::GetAccountSettings: return {};
    case Operation::GetAlias: return {};
    case Operation::GetEventSourceMapping: return {};
    case Operation::GetFunction: return {kQualifierOnly};
    case Operation::GetFunctionConfiguration: return {kQualifierOnly};
    case Operation::GetPolicy: return {kQualifierOnly};
    case Operation::Invoke: return {kQualifierOnly, Body::Payload};
    case Operation::InvokeAsync: return {{}, Body::Payload};
    case Operation::ListAliases: return {kListAliasesQuery, Body::None, {}, kShortName};
    case Operation::ListEventSourceMappings: return {kListMappingsQuery};
    case Operation::ListFunctions: return {kListFunctionsQuery};
    case Operation::ListVersionsByFunction: return {kPaging};
    case Operation::PublishVersion: return {{}, Body::Json, kPublishVersionBody, kShortName};
    case Operation::RemovePermission: return {kRemovePermissionQuery};
    case Operation::UpdateAlias: return {{}, Body::Json, kUpdateAliasBody, kShortName};
    case Operation::UpdateEventSourceMapping: return {{}, Body::Json, kUpdateMappingBody};
    case Operation::UpdateFunctionCode: return {{}, Body::Json, kCodeMembers, kShortName, kUpdateCodeBody};
    case Operation::UpdateFunctionConfiguration:
      return {{}, Body::Json, kUpdateConfigurationBody, kShortName, kConfigurationMembers};
  }
  return {};
}

constexpr MemberSpec kAliasLabel{.name = "Name", .min_length = 1, .max_length = 128, .pattern = &kAliasName};
constexpr MemberSpec kStatementLabel{
    .name = "StatementId", .min_length = 1, .max_length = 100, .pattern = &kNamespacedStatementId};
constexpr MemberSpec kInvocationTypeHeader{.name = "InvocationType", .enum_values = kInvocationTypes};
constexpr MemberSpec kLogTypeHeader{.name = "LogType", .enum_values = kLogTypes};

bool equals_ignore_ascii_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string_view> find_header(std::span<const Header> headers, std::string_view name) {
  for (const Header& header : headers) {
    if (equals_ignore_ascii_case(header.name, name)) return header.value;
  }
  return std::nullopt;
}

using QueryParams = std::vector<std::pair<std::string, std::string>>;

policy::Result<QueryParams, LambdaError> parse_query(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::optional<std::string> name = percent_decode(pair.substr(0, eq), true);
    std::optional<std::string> value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!name || !value) {
      return make_error(error_type::kValidation, 400,
                        "1 validation error detected: Value '" + std::string(pair) +
                            "' failed to satisfy constraint: Member must be a valid percent-encoded query parameter");
    }
    params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

// The value of the query parameter `name`; nullptr when absent. `repeated` is set when the
// query gives it more than once: a reader that takes the first and one that takes the last would
// see different requests (the sidecar authorizes what the upstream then acts on), so the request
// is refused, as a JSON member given twice is.
const std::string* find_param(const QueryParams& params, std::string_view name, bool& repeated) {
  const std::string* found = nullptr;
  repeated = false;
  for (const auto& [key, value] : params) {
    if (key != name) continue;
    if (found) {
      repeated = true;
      break;
    }
    found = &value;
  }
  return found;
}

// Checks the FunctionName text and parses it when the pattern holds.
std::optional<FunctionNameParts> check_function_name(std::string_view text, std::size_t max_length,
                                                     Violations& violations) {
  const MemberSpec spec{.name = "FunctionName", .min_length = 1, .max_length = max_length, .pattern = &kFunctionName};
  const std::size_t before = violations.size();
  check_string("functionName", text, spec, violations);
  if (violations.size() != before) return std::nullopt;
  return parse_function_name(text);
}

// Invoke payloads are opaque bytes that must be JSON (lambda-api 6); checked without a DOM.
std::optional<LambdaError> check_payload_json(std::string_view payload) {
  if (payload.empty()) return std::nullopt;
  rapidjson::MemoryStream stream(payload.data(), payload.size());
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> handler;
  const rapidjson::ParseResult ok =
      reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(stream, handler);
  if (ok) return std::nullopt;
  return invalid_request_content(std::string("Could not parse payload into json: ") +
                                 rapidjson::GetParseError_En(ok.Code()) + " (at offset " +
                                 std::to_string(ok.Offset()) + ")");
}

// The first member name that an object of `root` holds twice, at any depth. RapidJSON keeps both
// members, so a reader that takes the first and one that walks them all would see different
// requests: the authorization context and the store must read one and the same value.
std::optional<std::string> duplicate_member(const rapidjson::Value& root) {
  std::vector<const rapidjson::Value*> pending{&root};
  std::vector<std::string_view> names;
  while (!pending.empty()) {
    const rapidjson::Value& value = *pending.back();
    pending.pop_back();
    if (value.IsArray()) {
      for (const auto& item : value.GetArray()) pending.push_back(&item);
    } else if (value.IsObject()) {
      names.clear();
      for (const auto& m : value.GetObject()) {
        names.emplace_back(m.name.GetString(), m.name.GetStringLength());
        pending.push_back(&m.value);
      }
      std::sort(names.begin(), names.end());
      const auto twice = std::adjacent_find(names.begin(), names.end());
      if (twice != names.end()) return std::string(*twice);
    }
  }
  return std::nullopt;
}

// Tag keys that differ only by case would reach the request context as one condition key (key
// names compare without case) while the store kept both: refused rather than dropped.
std::optional<LambdaError> check_tag_key_case(const rapidjson::Value& body) {
  const auto tags = body.FindMember("Tags");
  if (tags == body.MemberEnd() || !tags->value.IsObject()) return std::nullopt;
  std::vector<std::pair<std::string, std::string_view>> keys;  // (lower-case, as sent)
  for (const auto& tag : tags->value.GetObject()) {
    const std::string_view key(tag.name.GetString(), tag.name.GetStringLength());
    std::string lower(key);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    keys.emplace_back(std::move(lower), key);
  }
  std::sort(keys.begin(), keys.end());
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i].first == keys[i - 1].first) {
      return make_error(error_type::kInvalidParameterValue, 400,
                        "Tag keys must be unique without regard to case: '" + std::string(keys[i - 1].second) +
                            "' and '" + std::string(keys[i].second) + "'");
    }
  }
  return std::nullopt;
}

bool only_whitespace(std::string_view text) noexcept {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> LambdaRequest::body_string(std::string_view member) const {
  if (!body.IsObject()) return std::nullopt;
  const auto it = body.FindMember(rapidjson::StringRef(member.data(), member.size()));
  if (it == body.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string_view(it->value.GetString(), it->value.GetStringLength());
}

policy::Result<LambdaRequest, LambdaError> parse_request(const RequestView& request) {
  auto route = match_route(request.method, request.path);
  if (!route) return route.error();
  LambdaRequest out;
  out.operation = route.value().operation;
  const Shape shape = shape_of(out.operation);
  Violations violations;

  if (const auto& name = route.value().label(Label::FunctionName)) {
    out.function_name_text = *name;
    out.function_name = check_function_name(*name, shape.function_name_max, violations);
  }
  if (const auto& name = route.value().label(Label::Name)) {
    check_string("name", *name, kAliasLabel, violations);
    out.alias_name = *name;
  }
  if (const auto& sid = route.value().label(Label::StatementId)) {
    check_string("statementId", *sid, kStatementLabel, violations);
    out.statement_id = *sid;
  }
  if (const auto& uuid = route.value().label(Label::UUID)) out.uuid = *uuid;

  auto query = parse_query(request.query);
  if (!query) return query.error();
  for (const MemberSpec& spec : shape.query) {
    bool repeated = false;
    const std::string* value = find_param(query.value(), spec.name, repeated);
    if (repeated) {
      return make_error(error_type::kInvalidParameterValue, 400,
                        "Duplicate query parameter '" + std::string(spec.name) + "'");
    }
    if (!value) continue;
    const std::string path = member_path("", spec.name);
    if (spec.type == JsonType::Integer) {
      long long number = 0;
      const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), number);
      if (ec != std::errc() || end != value->data() + value->size()) {
        violations.add(path, *value, "Member must be an integer");
        continue;
      }
      if (number > spec.max_value) {
        violations.add(path, *value, "Member must have value less than or equal to " + std::to_string(spec.max_value));
      }
      if (number < spec.min_value) {
        violations.add(path, *value,
                       "Member must have value greater than or equal to " + std::to_string(spec.min_value));
      }
      out.max_items = number;
      continue;
    }
    if (spec.name == "FunctionName") {
      out.function_name_text = *value;
      out.function_name = check_function_name(*value, spec.max_length, violations);
      continue;
    }
    check_string(path, *value, spec, violations);
    if (spec.name == "Qualifier") out.qualifier = *value;
    else if (spec.name == "Marker") out.marker = *value;
    else if (spec.name == "FunctionVersion") out.function_version = *value;
    else if (spec.name == "MasterRegion") out.master_region = *value;
    else if (spec.name == "EventSourceArn") out.event_source_arn = *value;
    else if (spec.name == "RevisionId") out.revision_id = *value;
  }

  out.body.SetObject();
  if (shape.body == Body::Payload) {
    out.payload = request.body;
    if (out.operation == Operation::Invoke) {
      if (auto type = find_header(request.headers, "X-Amz-Invocation-Type")) {
        check_string("invocationType", *type, kInvocationTypeHeader, violations);
        out.invoke.invocation_type = std::string(*type);
      }
      if (auto type = find_header(request.headers, "X-Amz-Log-Type")) {
        check_string("logType", *type, kLogTypeHeader, violations);
        out.invoke.log_type = std::string(*type);
      }
      if (auto context = find_header(request.headers, "X-Amz-Client-Context")) {
        out.invoke.client_context = std::string(*context);
      }
    } else if (request.body.empty()) {
      violations.add("invokeArgs", std::nullopt, "Member must not be null");  // InvokeArgs is required
    }
    if (auto error = check_payload_json(request.body)) return *error;
  } else if (shape.body == Body::Json && !only_whitespace(request.body)) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(request.body.data(),
                                                                                           request.body.size());
    if (document.HasParseError()) {
      return invalid_request_content(std::string(rapidjson::GetParseError_En(document.GetParseError())) +
                                     " (at offset " + std::to_string(document.GetErrorOffset()) + ")");
    }
    if (!document.IsObject()) return invalid_request_content("the request body must be a JSON object");
    if (auto name = duplicate_member(document)) return invalid_request_content("Duplicate field '" + *name + "'");
    if (auto error = check_tag_key_case(document)) return *error;
    out.body = std::move(document);
  }
  if (shape.body == Body::Json) {
    if (auto error = validate_members(out.body, shape.members, "", violations)) return *error;
    if (auto error = validate_members(out.body, shape.more_members, "", violations)) return *error;
    if (out.operation == Operation::CreateFunction || out.operation == Operation::CreateEventSourceMapping ||
        out.operation == Operation::UpdateEventSourceMapping) {
      if (auto name = out.body_string("FunctionName")) {
        out.function_name_text = std::string(*name);
        // The member was checked above; parse the pieces only when it passed.
        Violations ignored;
        out.function_name = check_function_name(*name, kShortName, ignored);
      }
    }
  }
  if (!violations.empty()) return violations.error();
  if (out.function_name && out.function_name->name.size() > kBareNameMax &&
      (out.operation == Operation::CreateFunction || (!out.function_name->arn && !out.function_name->account))) {
    // "If you specify only the function name, it is limited to 64 characters in length" (the API
    // reference of every FunctionName): refused before any lookup. CreateFunction answers it as
    // InvalidParameterValueException, whatever the form (lambda-api 3.1).
    Violations too_long;
    too_long.add("functionName", *out.function_name_text,
                 "Member must have length less than or equal to " + std::to_string(kBareNameMax));
    return too_long.error(out.operation == Operation::CreateFunction ? error_type::kInvalidParameterValue
                                                                     : error_type::kValidation);
  }
  if (out.operation == Operation::CreateFunction || out.operation == Operation::UpdateFunctionConfiguration) {
    if (auto runtime = out.body_string("Runtime")) {
      if (auto error = check_runtime_value(*runtime)) return *error;
    }
  }
  return out;
}

}  // namespace gatehouse::server::lambda
