#include "server/lambda/route_table.h"

#include <rapidjson/document.h>

#include <cstdlib>
#include <optional>
#include <span>

#include "policy/action_catalog.h"

namespace gatehouse::server::lambda {
namespace {

// The enum's spelling of each operation; load_table() checks it against the data row by
// row, so the JSON stays the only source of routes and actions.
constexpr std::array<std::string_view, kOperationCount> kOperationNames = {
    "AddPermission", "CreateAlias", "CreateEventSourceMapping", "CreateFunction", "DeleteAlias",
    "DeleteEventSourceMapping", "DeleteFunction", "GetAccountSettings", "GetAlias", "GetEventSourceMapping",
    "GetFunction", "GetFunctionConfiguration", "GetPolicy", "Invoke", "InvokeAsync", "ListAliases",
    "ListEventSourceMappings", "ListFunctions", "ListVersionsByFunction", "PublishVersion", "RemovePermission",
    "UpdateAlias", "UpdateEventSourceMapping", "UpdateFunctionCode", "UpdateFunctionConfiguration"};

constexpr std::array<std::string_view, kLabelCount> kLabelNames = {"FunctionName", "Name", "StatementId", "UUID"};

// INVARIANT: the data is embedded at build time and every row is checked by the unit tests;
// a malformed table is a build defect, not input.
[[noreturn]] void broken_data() { std::abort(); }

std::string string_member(const rapidjson::Value& row, const char* name) {
  auto it = row.FindMember(name);
  if (it == row.MemberEnd() || !it->value.IsString()) broken_data();
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

bool bool_member(const rapidjson::Value& row, const char* name) {
  auto it = row.FindMember(name);
  if (it == row.MemberEnd() || !it->value.IsBool()) broken_data();
  return it->value.GetBool();
}

std::vector<std::string> string_list(const rapidjson::Value& row, const char* name) {
  auto it = row.FindMember(name);
  if (it == row.MemberEnd() || !it->value.IsArray()) broken_data();
  std::vector<std::string> out;
  for (const auto& item : it->value.GetArray()) {
    if (!item.IsString()) broken_data();
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

// successStatus is a number, or for Invoke a text that starts with the RequestResponse status.
int success_status(const rapidjson::Value& row) {
  auto it = row.FindMember("successStatus");
  if (it == row.MemberEnd()) broken_data();
  if (it->value.IsInt()) return it->value.GetInt();
  if (!it->value.IsString()) broken_data();
  const std::string_view text(it->value.GetString(), it->value.GetStringLength());
  if (text.size() < 3) broken_data();
  int status = 0;
  for (char c : text.substr(0, 3)) {
    if (c < '0' || c > '9') broken_data();
    status = status * 10 + (c - '0');
  }
  return status;
}

struct Route {
  Operation operation;
  std::string_view method;
  std::vector<PathSegment> segments;
};

struct Table {
  std::vector<OperationInfo> infos;
  std::vector<Route> routes;
};

std::vector<PathSegment> split_template(std::string_view path) {
  if (path.empty() || path.front() != '/') broken_data();
  std::vector<PathSegment> out;
  std::size_t start = 1;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
    PathSegment segment;
    if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      const std::string_view name = part.substr(1, part.size() - 2);
      for (std::size_t i = 0; i < kLabelNames.size(); ++i) {
        if (kLabelNames[i] == name) segment.label = static_cast<Label>(i);
      }
      if (!segment.label) broken_data();
    } else {
      segment.literal = std::string(part);
    }
    out.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

Table load_table() {
  const std::string_view text = policy::embedded_lambda_actions_json();
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError() || !document.IsArray() || document.Size() != kOperationCount) broken_data();
  Table table;
  for (rapidjson::SizeType i = 0; i < document.Size(); ++i) {
    const rapidjson::Value& row = document[i];
    OperationInfo info;
    info.operation = static_cast<Operation>(i);
    info.name = string_member(row, "operation");
    if (info.name != kOperationNames[i]) broken_data();
    info.method = string_member(row, "method");
    info.paths.push_back(string_member(row, "path"));
    for (std::string& alias : string_list(row, "pathAliases")) info.paths.push_back(std::move(alias));
    info.success_status = success_status(row);
    info.iam_action = string_member(row, "iamAction");
    info.resource = string_member(row, "resource");
    if (auto it = row.FindMember("resourceWhenQualified"); it != row.MemberEnd() && it->value.IsString()) {
      info.resource_when_qualified = std::string(it->value.GetString(), it->value.GetStringLength());
    }
    info.resource_level = bool_member(row, "resourceLevel");
    info.condition_keys = string_list(row, "conditionKeys");
    info.also_requires = string_list(row, "alsoRequires");
    info.cross_account = bool_member(row, "crossAccountViaResourcePolicy");
    info.read_only = bool_member(row, "readOnly");
    info.audit_event_name = string_member(row, "auditEventName");
    table.infos.push_back(std::move(info));
  }
  for (const OperationInfo& info : table.infos) {
    for (const std::string& path : info.paths) {
      table.routes.push_back(Route{info.operation, info.method, split_template(path)});
    }
  }
  return table;
}

const Table& table() {
  static const Table instance = load_table();
  return instance;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

LambdaError unknown_operation() {
  // The REST dispatcher answers a method and path it has no operation for with
  // UnknownOperationException 404; AWS sends no useful text, the message is ours.
  return make_error(error_type::kUnknownOperation, 404, "Unknown operation");
}

// Lambda operations this service does not serve, by method and path (botocore's lambda
// 2015-03-31 model, and the later InvokeWithResponseStream, runtime-management and recursion
// routes), so that a client calling one learns which and why instead of "Unknown operation".
struct UnservedRoute {
  std::string_view method, path, operation;
};
constexpr UnservedRoute kUnserved[] = {
    {"POST", "/2018-10-31/layers/{}/versions/{}/policy", "AddLayerVersionPermission"},
    {"POST", "/2020-04-22/code-signing-configs", "CreateCodeSigningConfig"},
    {"POST", "/2021-10-31/functions/{}/url", "CreateFunctionUrlConfig"},
    {"DELETE", "/2020-04-22/code-signing-configs/{}", "DeleteCodeSigningConfig"},
    {"DELETE", "/2020-06-30/functions/{}/code-signing-config", "DeleteFunctionCodeSigningConfig"},
    {"DELETE", "/2017-10-31/functions/{}/concurrency", "DeleteFunctionConcurrency"},
    {"DELETE", "/2019-09-25/functions/{}/event-invoke-config", "DeleteFunctionEventInvokeConfig"},
    {"DELETE", "/2021-10-31/functions/{}/url", "DeleteFunctionUrlConfig"},
    {"DELETE", "/2018-10-31/layers/{}/versions/{}", "DeleteLayerVersion"},
    {"DELETE", "/2019-09-30/functions/{}/provisioned-concurrency", "DeleteProvisionedConcurrencyConfig"},
    {"GET", "/2020-04-22/code-signing-configs/{}", "GetCodeSigningConfig"},
    {"GET", "/2020-06-30/functions/{}/code-signing-config", "GetFunctionCodeSigningConfig"},
    {"GET", "/2019-09-30/functions/{}/concurrency", "GetFunctionConcurrency"},
    {"GET", "/2019-09-25/functions/{}/event-invoke-config", "GetFunctionEventInvokeConfig"},
    {"GET", "/2024-08-31/functions/{}/recursion-config", "GetFunctionRecursionConfig"},
    {"GET", "/2021-10-31/functions/{}/url", "GetFunctionUrlConfig"},
    {"GET", "/2018-10-31/layers/{}/versions/{}", "GetLayerVersion"},
    {"GET", "/2018-10-31/layers/{}/versions/{}/policy", "GetLayerVersionPolicy"},
    {"GET", "/2019-09-30/functions/{}/provisioned-concurrency", "GetProvisionedConcurrencyConfig"},
    {"GET", "/2021-07-20/functions/{}/runtime-management-config", "GetRuntimeManagementConfig"},
    {"POST", "/2021-11-15/functions/{}/response-streaming-invocations", "InvokeWithResponseStream"},
    {"GET", "/2020-04-22/code-signing-configs", "ListCodeSigningConfigs"},
    {"GET", "/2019-09-25/functions/{}/event-invoke-config/list", "ListFunctionEventInvokeConfigs"},
    {"GET", "/2021-10-31/functions/{}/urls", "ListFunctionUrlConfigs"},
    {"GET", "/2020-04-22/code-signing-configs/{}/functions", "ListFunctionsByCodeSigningConfig"},
    {"GET", "/2018-10-31/layers/{}/versions", "ListLayerVersions"},
    {"GET", "/2018-10-31/layers", "ListLayers"},  // also GetLayerVersionByArn (?find=LayerVersion)
    {"GET", "/2017-03-31/tags/{}", "ListTags"},
    {"POST", "/2018-10-31/layers/{}/versions", "PublishLayerVersion"},
    {"PUT", "/2020-06-30/functions/{}/code-signing-config", "PutFunctionCodeSigningConfig"},
    {"PUT", "/2017-10-31/functions/{}/concurrency", "PutFunctionConcurrency"},
    {"PUT", "/2019-09-25/functions/{}/event-invoke-config", "PutFunctionEventInvokeConfig"},
    {"PUT", "/2024-08-31/functions/{}/recursion-config", "PutFunctionRecursionConfig"},
    {"PUT", "/2019-09-30/functions/{}/provisioned-concurrency", "PutProvisionedConcurrencyConfig"},
    {"PUT", "/2021-07-20/functions/{}/runtime-management-config", "PutRuntimeManagementConfig"},
    {"DELETE", "/2018-10-31/layers/{}/versions/{}/policy/{}", "RemoveLayerVersionPermission"},
    {"POST", "/2017-03-31/tags/{}", "TagResource"},
    {"DELETE", "/2017-03-31/tags/{}", "UntagResource"},
    {"PUT", "/2020-04-22/code-signing-configs/{}", "UpdateCodeSigningConfig"},
    {"POST", "/2019-09-25/functions/{}/event-invoke-config", "UpdateFunctionEventInvokeConfig"},
    {"PUT", "/2021-10-31/functions/{}/url", "UpdateFunctionUrlConfig"},
};

// The unserved operation at (method, path segments), if any; "{}" matches any non-empty segment
// and a trailing empty segment (a path ending in '/') is ignored.
std::optional<std::string_view> unserved_operation(std::string_view method, std::span<const std::string_view> parts) {
  if (!parts.empty() && parts.back().empty()) parts = parts.first(parts.size() - 1);
  for (const UnservedRoute& route : kUnserved) {
    if (route.method != method) continue;
    std::size_t i = 0;
    bool matches = true;
    for (std::size_t start = 1; matches;) {
      const std::size_t slash = route.path.find('/', start);
      const std::string_view segment = route.path.substr(start, slash == std::string_view::npos ? route.path.npos : slash - start);
      matches = i < parts.size() && (segment == "{}" ? !parts[i].empty() : segment == parts[i]);
      ++i;
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    if (matches && i == parts.size()) return route.operation;
  }
  return std::nullopt;
}

}  // namespace

std::span<const OperationInfo> operations() { return table().infos; }

const OperationInfo& operation_info(Operation operation) noexcept {
  return table().infos[static_cast<std::size_t>(operation)];
}

std::string_view operation_name(Operation operation) noexcept {
  return kOperationNames[static_cast<std::size_t>(operation)];
}

std::optional<Operation> find_operation(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kOperationNames.size(); ++i) {
    if (kOperationNames[i] == name) return static_cast<Operation>(i);
  }
  return std::nullopt;
}

std::string expand_template(std::string_view resource_template, const TemplateValues& values) {
  std::string out;
  out.reserve(resource_template.size() + 64);
  for (std::size_t i = 0; i < resource_template.size();) {
    const std::size_t open = resource_template.find('{', i);
    const std::size_t close = open == std::string_view::npos ? open : resource_template.find('}', open);
    if (close == std::string_view::npos) {
      out.append(resource_template.substr(i));
      break;
    }
    out.append(resource_template.substr(i, open - i));
    const std::string_view name = resource_template.substr(open + 1, close - open - 1);
    if (name == "region") out.append(values.region);
    else if (name == "account") out.append(values.account);
    else if (name == "function") out.append(values.function);
    else if (name == "qualifier") out.append(values.qualifier);
    else if (name == "uuid") out.append(values.uuid);
    else broken_data();
    i = close + 1;
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

policy::Result<RouteMatch, LambdaError> match_route(std::string_view method, std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return unknown_operation();
  std::array<std::string_view, 8> parts{};
  std::size_t count = 0;
  for (std::size_t start = 1;;) {
    if (count == parts.size()) return unknown_operation();  // deeper than any route
    const std::size_t slash = raw_path.find('/', start);
    parts[count++] = raw_path.substr(start, slash == std::string_view::npos ? raw_path.npos : slash - start);
    // SigV4 signs the path with dot segments removed (sigv4 canonical URI): routing one would act
    // on another operation than the one signed, so no route has them.
    if (parts[count - 1] == "." || parts[count - 1] == "..") return unknown_operation();
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (const Route& route : table().routes) {
    if (route.segments.size() != count || route.method != method) continue;
    bool matches = true;
    for (std::size_t i = 0; i < count && matches; ++i) {
      const PathSegment& segment = route.segments[i];
      matches = segment.label ? !parts[i].empty() : segment.literal == parts[i];
    }
    if (!matches) continue;
    RouteMatch match;
    match.operation = route.operation;
    for (std::size_t i = 0; i < count; ++i) {
      const PathSegment& segment = route.segments[i];
      if (!segment.label) continue;
      std::optional<std::string> decoded = percent_decode(parts[i]);
      if (!decoded) {
        // SDKs escape every label byte outside -._~ (lambda-api 1.1); a stray '%' is a client error.
        std::string name(kLabelNames[static_cast<std::size_t>(*segment.label)]);
        name.front() = static_cast<char>(name.front() - 'A' + 'a');
        return make_error(error_type::kValidation, 400,
                          "1 validation error detected: Value '" + std::string(parts[i]) + "' at '" + name +
                              "' failed to satisfy constraint: Member must be a valid percent-encoded URI component");
      }
      if (*decoded == "." || *decoded == "..") return unknown_operation();  // the same segments, escaped
      match.labels[static_cast<std::size_t>(*segment.label)] = std::move(*decoded);
    }
    return match;
  }
  if (auto operation = unserved_operation(method, std::span<const std::string_view>(parts.data(), count))) {
    return make_error(error_type::kUnknownOperation, 404,
                      std::string(*operation) + " is a Lambda operation that gatehouse does not serve");
  }
  return unknown_operation();
}

}  // namespace gatehouse::server::lambda
