#include "server/invoke/execution.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <random>
#include <vector>

#include "policy/arn.h"
#include "policy/values.h"
#include "server/authz/execution_role.h"

namespace gatehouse::server::invoke {
namespace {

constexpr std::size_t kClientContextLimit = 3583;
constexpr std::int32_t kSessionSeconds = 3600;  // >= the longest timeout (900 s)

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

lambda::LambdaError invalid_content(std::string message) {
  return lambda::make_error("InvalidRequestContentException", 400, std::move(message));
}

}  // namespace

store::FunctionView route_invocation(store::FunctionView view, double draw) {
  if (view.alias && view.alias->routing && view.additional_version && draw < view.alias->routing->second) {
    view.config = std::move(*view.additional_version);
  }
  view.additional_version.reset();
  return view;
}

std::filesystem::path log_directory(const std::filesystem::path& data_dir, std::string_view account,
                                    std::string_view region, std::string_view function) {
  return data_dir / "logs" / std::string(account) / std::string(region) / std::string(function);
}

void keep_log(const std::filesystem::path& function_dir, std::string_view stream, std::string_view log) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(function_dir, ec);
  std::string name(stream);
  std::replace(name.begin(), name.end(), '/', '-');
  const fs::path file = function_dir / (name + ".log");
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  while (!log.empty()) {
    const ssize_t n = ::write(fd, log.data(), log.size());
    if (n <= 0) break;
    log.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
  // Bounded: the oldest streams go first.
  std::vector<std::pair<fs::file_time_type, fs::path>> streams;
  std::uintmax_t total = 0;
  for (fs::directory_iterator it(function_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto size = it->file_size(ec);
    total += ec ? 0 : size;
    streams.emplace_back(it->last_write_time(ec), it->path());
  }
  std::sort(streams.begin(), streams.end());
  for (const auto& [when, path] : streams) {
    if (total <= kLogBytesPerFunction || path == file) break;
    const auto size = fs::file_size(path, ec);
    if (fs::remove(path, ec)) total -= ec ? 0 : size;
  }
}

policy::Result<std::string, lambda::LambdaError> decode_client_context(std::string_view header) {
  if (header.size() > kClientContextLimit) {
    return invalid_content("Client context must be at most " + std::to_string(kClientContextLimit) + " bytes.");
  }
  const auto decoded = policy::decode_base64(header);
  if (!decoded) return invalid_content("Client context must be a valid Base64-encoded JSON object.");
  rapidjson::Document document;
  document.Parse<rapidjson::kParseValidateEncodingFlag>(decoded->data(), decoded->size());
  if (document.HasParseError() || !document.IsObject()) {
    return invalid_content("Client context must be a valid Base64-encoded JSON object.");
  }
  // Re-written compactly: it travels to the runtime as a header value, so no raw line breaks.
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  document.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Invocations::Invocations(executor::Executor& executor, store::Store& store, const sigv4::Clock& clock,
                         int concurrency, metrics::Registry* registry, int synchronous_limit)
    : executor_(executor),
      store_(store),
      clock_(clock),
      concurrency_(concurrency),
      synchronous_limit_(std::min(concurrency, synchronous_limit)) {
  if (!registry) return;
  metrics_.reset(new Metrics{
      registry->counter("gatehouse_invocations_total", "Function invocations that ran (Lambda's Invocations)",
                        {"function"}),
      registry->counter("gatehouse_invocation_errors_total",
                        "Invocations that ended in a function error (Lambda's Errors)", {"function"}),
      registry->counter("gatehouse_invocation_throttles_total",
                        "Synchronous invocations refused for concurrency (Lambda's Throttles)", {"function"}),
      registry->counter("gatehouse_cold_starts_total", "Execution environments started", {"runtime"}),
      registry->histogram("gatehouse_invocation_duration_seconds",
                          "Time from handing the event to the runtime to its answer (Lambda's Duration)",
                          {"function"}),
      registry->gauge("gatehouse_warm_environments", "Idle execution environments kept warm", {}),
      registry->gauge("gatehouse_concurrent_executions", "Invocations running now", {})});
}

store::FunctionView Invocations::route(store::FunctionView view) const {
  if (!view.additional_version) return view;
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return route_invocation(std::move(view), std::uniform_real_distribution<double>(0.0, 1.0)(engine));
}

std::variant<executor::InvokeOutput, executor::Failure> Invocations::execute(const store::FunctionView& view,
                                                                           std::string payload,
                                                                           std::string client_context,
                                                                           std::string_view request_id) const {
  executor::Invocation invocation;
  invocation.client_context = std::move(client_context);
  const store::FunctionConfig& config = view.config;
  executor::FunctionSpec spec;
  spec.name = view.function.name;
  spec.unqualified_arn = view.function.arn;
  spec.version = config.version;
  spec.runtime = config.runtime;
  spec.handler = config.handler;
  spec.memory_mb = config.memory_size;
  spec.timeout_s = config.timeout;
  spec.ephemeral_mb = config.ephemeral_storage;
  spec.code_sha256 = config.code_sha256;
  spec.revision = config.revision_id;
  if (config.environment) spec.environment = *config.environment;
  invocation.request_id = std::string(request_id);
  invocation.payload = std::move(payload);
  invocation.invoked_arn = view.qualified_arn;

  const auto code = [&]() -> std::optional<std::string> {
    auto bytes = store_.read([&](const store::Snapshot& s) -> store::Result<std::optional<std::string>> {
      return s.code_bytes(config.code_sha256);
    });
    if (!bytes) return std::nullopt;
    return std::move(bytes).value();
  };
  const std::string& account = view.function.account;
  const auto credentials = [&]() -> std::variant<executor::Credentials, executor::Failure> {
    const std::string& role_arn = config.role;
    const executor::Failure not_assumable{
        502, "AccessDeniedException",
        "The role defined for the function cannot be assumed by Lambda: " + role_arn};
    auto trusted = authz::lambda_may_assume(store_, clock_, role_arn, account, view.function.arn);
    if (!trusted) return executor::Failure{500, "ServiceException", trusted.error().message};
    if (!trusted.value()) return not_assumable;
    const auto arn = policy::parse_arn(role_arn);
    const std::string_view resource = arn->resource;
    store::AssumeRoleInput input;
    input.account = std::string(arn->account);
    input.role_name = std::string(resource.substr(resource.rfind('/') + 1));
    input.session_name = view.function.name;
    input.duration_seconds = kSessionSeconds;
    input.source_function_arn = view.function.arn;  // unqualified: lambda:SourceFunctionArn
    auto issued = store_.write([&](store::Mutation& m) { return m.assume_role(input); });
    if (!issued) return not_assumable;
    return executor::Credentials{issued.value().access_key_id, issued.value().secret_access_key,
                                 issued.value().session_token, issued.value().expiration};
  };

  auto result = executor_.invoke(spec, invocation, code, credentials);
  if (auto* ran = std::get_if<executor::InvokeOutput>(&result)) {
    keep_log(log_directory(store_.data_dir(), account, view.function.region, view.function.name), ran->log_stream,
             ran->log);
  }
  if (metrics_) {
    const std::string& name = view.function.name;
    metrics_->warm.with({}).set(static_cast<std::int64_t>(executor_.warm_environments()));
    if (auto* ran = std::get_if<executor::InvokeOutput>(&result)) {
      metrics_->invocations.with({name}).inc();
      if (ran->function_error) metrics_->errors.with({name}).inc();
      if (ran->cold_start) metrics_->cold_starts.with({config.runtime}).inc();
      metrics_->duration.with({name}).observe(ran->duration_ms / 1000.0);
    }
  }
  return result;
}

policy::Result<http::HttpResponse, lambda::LambdaError> Invocations::run(const store::FunctionView& invoked,
                                                                         const lambda::InvokeOptions& options,
                                                                         std::string_view payload,
                                                                         std::string_view request_id) const {
  // Through an alias with RoutingConfig: the version this invocation runs (and reports).
  const store::FunctionView view = route(invoked);
  std::string client_context;
  if (options.client_context) {
    auto context = decode_client_context(*options.client_context);
    if (!context) return context.error();
    client_context = std::move(context).value();
  }
  // The account's concurrency: a synchronous call beyond it is throttled (lambda-api 6); so is
  // one that would leave too few request threads to the rest of the API.
  const std::string& name = view.function.name;
  if (running_.fetch_add(1) >= synchronous_limit_) {
    running_.fetch_sub(1);
    if (metrics_) metrics_->throttles.with({name}).inc();
    http::HttpResponse throttled;
    throttled.status = 429;
    throttled.set_header("x-amzn-ErrorType", "TooManyRequestsException");
    throttled.set_header("Content-Type", "application/json");
    throttled.set_header("Retry-After", "1");
    throttled.body = R"({"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."})";
    return throttled;
  }
  struct Release {
    std::atomic<int>& running;
    Metrics* metrics;
    ~Release() {
      const int now = running.fetch_sub(1) - 1;
      if (metrics) metrics->running.with({}).set(now);
    }
  } release{running_, metrics_.get()};
  if (metrics_) metrics_->running.with({}).set(running_.load());
  auto result = execute(view, std::string(payload), std::move(client_context), request_id);
  if (auto* failure = std::get_if<executor::Failure>(&result)) {
    return lambda::make_error(failure->type, failure->status, failure->message);
  }
  executor::InvokeOutput& out = std::get<executor::InvokeOutput>(result);
  http::HttpResponse response;
  response.status = 200;
  response.set_header("Content-Type", "application/json");
  response.set_header("X-Amz-Executed-Version", view.config.version);
  if (out.function_error) response.set_header("X-Amz-Function-Error", "Unhandled");
  if (options.log_type == "Tail") response.set_header("X-Amz-Log-Result", base64(executor::log_tail(out.log)));
  response.body = std::move(out.payload);
  return response;
}

}  // namespace gatehouse::server::invoke
