// `gatehouse serve`: the service's HTTP port (Lambda REST, IAM/STS Query, /healthz,
// /metrics) until SIGTERM or SIGINT (interface.md section 2, docs/server.md).
#include "cli/serve.h"

#include <boost/program_options.hpp>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <sys/random.h>
#include <unistd.h>
#include <rapidjson/writer.h>
#include <atomic>
#include <charconv>
#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <thread>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <latch>
#include <mutex>
#include <system_error>

#include "cli/commands.h"
#include "executor/executor.h"
#include "server/audit/audit_log.h"
#include "server/consistency/gate.h"
#include "server/consistency/store_source.h"
#include "server/fixture/clock.h"
#include "server/fixture/control.h"
#include "server/fixture/world.h"
#include "server/authz/pipeline.h"
#include "server/control/lambda_api.h"
#include "server/http/router.h"
#include "server/http/server.h"
#include "server/invoke/async_queue.h"
#include "server/invoke/execution.h"
#include "server/iam/common.h"
#include "server/metrics/metrics.h"
#include "server/query/api.h"
#include "server/sidecar/authorizer.h"
#include "server/sidecar/check.h"
#include "server/sidecar/grpc_server.h"
#include "server/sts/operations.h"
#include "sigv4/clock.h"
#include "store/bootstrap.h"
#include "store/store.h"

namespace gatehouse::cli {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace http = server::http;

constexpr std::string_view kUsage =
    "usage: gatehouse serve --data DIR [--key-file FILE] [--listen HOST:PORT] [--grpc-listen HOST:PORT]\n"
    "       gatehouse serve --store etcd://HOST:PORT[,HOST:PORT...][/PREFIX] --local-dir DIR --key-file FILE\n"
    "                       [--etcd-cacert FILE] [--etcd-cert FILE --etcd-key FILE]\n"
    "                       [--etcd-user USER (--etcd-password P | --etcd-password-file FILE)]\n"
    "                       [--blob-dir DIR] ...\n"
    "                       [--bootstrap FILE] [--bootstrap-mode create-only|apply]\n"
    "       gatehouse serve --ephemeral [--world FILE] [--clock TIME] [--listen HOST:PORT] ...\n"
    "                       [--region REGION] [--audit-log FILE]\n"
    "                       [--idle-timeout S] [--header-timeout S] [--drain-timeout S]\n"
    "                       [--log-format text|json] [--quiet] [--debug-signatures]\n"
    "                       [--runtime ID=PATH]... [--concurrency N] [--keep-warm DURATION]\n"
    "                       [--async-retry-delays D1,D2] [--event-invoke-config FUNCTION,SETTINGS]...\n"
    "                       [--sidecar-unavailable-status CODE]\n"
    "\n"
    "Serves the Lambda REST API (/2015-03-31/..., /2016-08-19/account-settings,\n"
    "/2014-11-13/functions/NAME/invoke-async) and the IAM and STS Query APIs (POST /) on one\n"
    "HTTP port, with GET /healthz and GET /metrics (Prometheus text). Prints\n"
    "`gatehouse: listening on HOST:PORT` once it accepts requests, then one JSON line\n"
    "{\"endpoint\",\"grpc\",\"region\",\"accounts\"} (with --ephemeral the JSON line is all that\n"
    "standard output gets). SIGTERM or SIGINT: stop\n"
    "accepting, finish the requests in flight, exit 0. Each request is logged on standard error\n"
    "(method, path, operation, principal, decision, status, milliseconds; a refusal's reason).\n"
    "\n"
    "options:\n"
    "  --data DIR            the data directory (created if absent)\n"
    "  --ephemeral           a test fixture (docs/testing.md): no --data; the store lives in a\n"
    "                        private temporary directory removed at exit; ports default to 0;\n"
    "                        answers the control calls under /_gatehouse/ (reset, clock,\n"
    "                        credentials, explain) that carry the header\n"
    "                        x-gatehouse-control-token: the JSON line's \"controlToken\"\n"
    "  --world FILE          the world file (docs/world-file.md), with functions; same as --bootstrap\n"
    "  --clock TIME          with --ephemeral: the clock stands still at TIME (2026-01-01T00:00:00Z)\n"
    "                        until moved by POST /_gatehouse/clock; default: the system clock\n"
    "  --no-grpc             no gRPC port (the JSON line says \"grpc\":null)\n"
    "  --store etcd://...    share one world with other replicas through etcd instead of --data\n"
    "                        (docs/scale-out.md): the client endpoints, comma-separated, and the\n"
    "                        key prefix (default /gatehouse/v1/). A replica that cannot vouch for\n"
    "                        its view answers 503 + Retry-After, and /healthz is 503, until it can\n"
    "  --local-dir DIR       with --store: this replica's own files (async event queue, dead\n"
    "                        letters); created if absent\n"
    "  --etcd-cacert FILE    with --store: talk TLS to etcd, verifying it against this CA bundle\n"
    "  --etcd-cert FILE      with --store: client certificate for etcd's TLS (with --etcd-key)\n"
    "  --etcd-key FILE       with --store: the client certificate's private key\n"
    "  --etcd-user USER      with --store: etcd authentication (with --etcd-password or\n"
    "                        --etcd-password-file, whose first line is the password)\n"
    "  --blob-dir DIR        with --store: a directory every replica shares (NFS, a volume) for\n"
    "                        code packages over 1 MiB; without it such packages are refused\n"
    "  --key-file FILE       the key of the secrets at rest (default DIR/secret.key, created\n"
    "                        with a new store); 64 hex digits or 32 bytes, mode 0600\n"
    "  --listen HOST:PORT    HTTP address (default 127.0.0.1:9000; port 0 picks a free one)\n"
    "  --grpc-listen H:P     gRPC address of the Envoy ext_authz sidecar (default 127.0.0.1:9001,\n"
    "                        or a free port when --listen's port is 0); prints\n"
    "                        `gatehouse: grpc listening on HOST:PORT` after the HTTP line\n"
    "  --bootstrap FILE      world file to apply at start (docs/world-file.md); prints a summary\n"
    "  --bootstrap-mode M    create-only (default): create what is missing, keep what differs;\n"
    "                        apply: also update what differs to the file. Neither deletes.\n"
    "  --region REGION       the service's region (default: the world file's \"region\", else\n"
    "                        us-east-1)\n"
    "  --audit-log FILE      append one CloudTrail-style JSON record per API call\n"
    "  --idle-timeout S      close a keep-alive connection idle this long (default 60)\n"
    "  --header-timeout S    a request's header must arrive within this (default 10)\n"
    "  --drain-timeout S     on shutdown, wait at most this for in-flight requests (default 20)\n"
    "  --log-format F        request log lines as text (default) or json\n"
    "  --quiet               no request log lines\n"
    "  --debug-signatures    log the canonical request and string to sign the server computed\n"
    "                        for each signature mismatch (never a secret), to compare with\n"
    "                        `gatehouse sign`; says so when the access key is unknown\n"
    "  --runtime ID=PATH     run functions of runtime ID (e.g. python3.12) with this interpreter\n"
    "                        (docs/executor.md); repeatable\n"
    "  --concurrency N       invocations running at once before Invoke answers 429 (default 1000;\n"
    "                        synchronous ones at most 12, to keep request threads free)\n"
    "  --keep-warm DURATION  stop a function's environment idle this long: 30s, 10m, 1h (default 10m)\n"
    "  --async-retry-delays D1,D2  waits before the two retries of a failed Event invocation\n"
    "                        (default 1m,2m)\n"
    "  --event-invoke-config FUNCTION,MaximumRetryAttempts=N,MaximumEventAgeInSeconds=S\n"
    "                        a function's Event invocation settings as AWS names them (N 0-2, default 2;\n"
    "                        S 60-21600, default 21600); FUNCTION a name, NAME:QUALIFIER, an ARN or *;\n"
    "                        repeatable\n"
    "  --sidecar-unavailable-status CODE  the HTTP status the ext_authz and nginx forms deny with\n"
    "                        while this replica cannot vouch for its view (default 503)\n"
    "  --help                show this help\n"
    "\n"
    "exit status: 0 stopped by a signal, 1 could not start, 2 bad arguments\n";

struct BadArgument {
  std::string reason;
};

HostPort host_port_option(const po::variables_map& vm, const char* name, HostPort fallback) {
  if (!vm.count(name)) return fallback;
  const std::string& text = vm[name].as<std::string>();
  auto parsed = parse_host_port(text);
  if (!parsed) throw BadArgument{std::string("--") + name + " must be HOST:PORT (port 0-65535), not `" + text + "`"};
  return *parsed;
}

std::chrono::milliseconds seconds_option(const po::variables_map& vm, const char* name,
                                         std::chrono::milliseconds fallback) {
  if (!vm.count(name)) return fallback;
  const std::string& text = vm[name].as<std::string>();
  unsigned seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || seconds < 1 || seconds > 3600) {
    throw BadArgument{std::string("--") + name + " must be 1 to 3600 seconds, not `" + text + "`"};
  }
  return std::chrono::seconds(seconds);
}

// "30s", "10m", "1h" or plain seconds, at most a day.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  const unsigned scale = unit == "s" || unit.empty() ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (error != std::errc() || scale == 0 || static_cast<std::uint64_t>(value) * scale > 86400) return std::nullopt;
  return std::chrono::seconds(value * scale);
}

// Region names as AWS forms them: us-east-1, eu-west-2, us-gov-west-1, cn-north-1.
bool valid_region(std::string_view region) {
  if (region.size() < 4 || region.size() > 32) return false;
  if (region.front() < 'a' || region.front() > 'z' || region.back() < '0' || region.back() > '9') return false;
  std::size_t hyphens = 0;
  for (std::size_t i = 0; i < region.size(); ++i) {
    const char c = region[i];
    if (c == '-') {
      if (region[i - 1] == '-') return false;
      ++hyphens;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return hyphens >= 2;
}

std::string readable_file_option(const po::variables_map& vm, const char* name) {
  const std::string path = vm[name].as<std::string>();
  std::error_code error;
  if (!fs::is_regular_file(path, error) || !std::ifstream(path)) {
    throw BadArgument{std::string("cannot read --") + name + " `" + path + "`"};
  }
  return path;
}

// --store, the --etcd-* options and --blob-dir, checked together.
store::EtcdOptions etcd_options(const po::variables_map& vm) {
  const std::string url = vm["store"].as<std::string>();
  auto parsed = store::parse_etcd_url(url);
  if (!parsed) {
    throw BadArgument{"--store: " + parsed.error().message};
  }
  store::EtcdOptions etcd = std::move(parsed.value());
  if (vm.count("etcd-cacert")) etcd.ca_file = readable_file_option(vm, "etcd-cacert");
  if (vm.count("etcd-cert") != vm.count("etcd-key")) throw BadArgument{"--etcd-cert and --etcd-key go together"};
  if (vm.count("etcd-cert")) {
    etcd.cert_file = readable_file_option(vm, "etcd-cert");
    etcd.key_file = readable_file_option(vm, "etcd-key");
  }
  if (vm.count("blob-dir")) {
    const std::string dir = vm["blob-dir"].as<std::string>();
    std::error_code error;
    if (!fs::is_directory(dir, error)) throw BadArgument{"--blob-dir `" + dir + "` must be an existing directory"};
    etcd.blob_dir = dir;
  }
  if (vm.count("etcd-password") && vm.count("etcd-password-file")) {
    throw BadArgument{"--etcd-password and --etcd-password-file exclude each other"};
  }
  const bool password = vm.count("etcd-password") || vm.count("etcd-password-file");
  if (vm.count("etcd-user") != static_cast<std::size_t>(password)) {
    throw BadArgument{"--etcd-user needs --etcd-password or --etcd-password-file, and they need --etcd-user"};
  }
  if (vm.count("etcd-user")) {
    etcd.user = vm["etcd-user"].as<std::string>();
    if (etcd.user.empty()) throw BadArgument{"--etcd-user needs a user name"};
    if (vm.count("etcd-password")) {
      etcd.password = vm["etcd-password"].as<std::string>();
    } else {
      std::ifstream file(readable_file_option(vm, "etcd-password-file"));
      std::string line;
      std::getline(file, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      etcd.password = line;
    }
  }
  return etcd;
}

ServeOptions parse_checked(const po::variables_map& vm) {
  ServeOptions options;
  options.ephemeral = vm.count("ephemeral") > 0;
  if (options.ephemeral && vm.count("store")) {
    throw BadArgument{"--ephemeral and --store exclude each other (a fixture keeps its own temporary store)"};
  }
  if (vm.count("data") && vm.count("store")) throw BadArgument{"--data and --store exclude each other"};
  if (!vm.count("store")) {
    for (const char* name : {"local-dir", "etcd-cacert", "etcd-cert", "etcd-key", "etcd-user", "etcd-password",
                             "etcd-password-file", "blob-dir"}) {
      if (vm.count(name)) throw BadArgument{std::string("--") + name + " goes with --store etcd://..."};
    }
  }
  if (options.ephemeral) {
    if (vm.count("data")) throw BadArgument{"--ephemeral keeps its store in a temporary directory: no --data"};
    if (vm.count("key-file")) throw BadArgument{"--ephemeral makes its own key: no --key-file"};
    options.listen.port = 0;
    options.grpc_listen.port = 0;
  } else {
    if (vm.count("clock")) throw BadArgument{"--clock needs --ephemeral"};
    if (vm.count("store")) {
      options.etcd = etcd_options(vm);
      if (!vm.count("local-dir")) {
        throw BadArgument{"--store needs --local-dir DIR (this replica's own files: async event queue, dead letters)"};
      }
      options.data_dir = vm["local-dir"].as<std::string>();
      if (options.data_dir.empty()) throw BadArgument{"--local-dir needs a directory"};
      // Every replica must hold the same key: one made up in a local directory would not be.
      if (!vm.count("key-file")) throw BadArgument{"--store needs --key-file FILE (the same key on every replica)"};
    } else {
      if (!vm.count("data")) throw BadArgument{"missing --data DIR (or --ephemeral, or --store etcd://...)"};
      options.data_dir = vm["data"].as<std::string>();
      if (options.data_dir.empty()) throw BadArgument{"--data needs a directory"};
    }
  }
  if (vm.count("clock")) {
    options.start_clock = vm["clock"].as<std::string>();
    if (!server::fixture::parse_time(*options.start_clock)) {
      throw BadArgument{"--clock must be a time like 2026-01-01T00:00:00Z, not `" + *options.start_clock + "`"};
    }
  }
  options.grpc = vm.count("no-grpc") == 0;
  if (!options.grpc && vm.count("grpc-listen")) throw BadArgument{"--no-grpc and --grpc-listen contradict each other"};
  if (vm.count("world") && vm.count("bootstrap")) {
    throw BadArgument{"--world and --bootstrap name the same file: give one"};
  }
  if (vm.count("sidecar-unavailable-status")) {
    const std::string& text = vm["sidecar-unavailable-status"].as<std::string>();
    const auto [end, error] =
        std::from_chars(text.data(), text.data() + text.size(), options.sidecar_unavailable_status);
    if (error != std::errc() || end != text.data() + text.size() || options.sidecar_unavailable_status < 400 ||
        options.sidecar_unavailable_status > 599) {
      throw BadArgument{"--sidecar-unavailable-status must be an HTTP status 400 to 599, not `" + text + "`"};
    }
  }
  options.listen = host_port_option(vm, "listen", options.listen);
  options.grpc_listen = host_port_option(vm, "grpc-listen", options.grpc_listen);
  // A server on a free HTTP port (tests, several at once) takes a free gRPC port too.
  if (!vm.count("grpc-listen") && options.listen.port == 0) options.grpc_listen.port = 0;
  if (vm.count("region")) {
    options.region = vm["region"].as<std::string>();
    options.region_given = true;
  }
  if (!valid_region(options.region)) throw BadArgument{"--region must look like us-east-1, not `" + options.region + "`"};
  options.idle_timeout = seconds_option(vm, "idle-timeout", options.idle_timeout);
  options.header_timeout = seconds_option(vm, "header-timeout", options.header_timeout);
  options.drain_timeout = seconds_option(vm, "drain-timeout", options.drain_timeout);
  options.debug_signatures = vm.count("debug-signatures") > 0;
  if (vm.count("concurrency")) {
    const std::string& text = vm["concurrency"].as<std::string>();
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), options.concurrency);
    if (error != std::errc() || end != text.data() + text.size() || options.concurrency < 1 ||
        options.concurrency > 100000) {
      throw BadArgument{"--concurrency must be 1 to 100000, not `" + text + "`"};
    }
  }
  if (vm.count("keep-warm")) {
    const std::string& text = vm["keep-warm"].as<std::string>();
    const auto parsed = parse_duration(text);
    if (!parsed || parsed->count() == 0) {
      throw BadArgument{"--keep-warm must be a duration like 30s, 10m or 1h (at most 24h), not `" + text + "`"};
    }
    options.keep_warm = *parsed;
  }
  if (vm.count("async-retry-delays")) {
    const std::string& text = vm["async-retry-delays"].as<std::string>();
    const auto comma = text.find(',');
    const auto first = parse_duration(text.substr(0, comma));
    const auto second = comma == std::string::npos ? std::nullopt : parse_duration(text.substr(comma + 1));
    if (!first || !second) {
      throw BadArgument{"--async-retry-delays must be two durations like 1m,2m or 1s,2s, not `" + text + "`"};
    }
    options.async_retry_delays = {*first, *second};
  }
  if (vm.count("event-invoke-config")) {
    for (const std::string& text : vm["event-invoke-config"].as<std::vector<std::string>>()) {
      auto entry = server::invoke::parse_event_invoke_config(text);
      if (!entry) throw BadArgument{"--event-invoke-config: " + entry.error() + ", not `" + text + "`"};
      options.event_invoke_configs.push_back(std::move(entry).value());
    }
  }
  if (vm.count("runtime")) {
    for (const std::string& text : vm["runtime"].as<std::vector<std::string>>()) {
      const auto equals = text.find('=');
      if (equals == std::string::npos || !executor::runtime_kind(text.substr(0, equals)) || equals + 1 == text.size()) {
        throw BadArgument{"--runtime must be ID=PATH with a served runtime ID (e.g. python3.12), not `" + text + "`"};
      }
      options.runtimes.emplace_back(text.substr(0, equals), text.substr(equals + 1));
    }
  }
  options.quiet = vm.count("quiet") > 0;
  if (vm.count("log-format")) {
    const std::string& text = vm["log-format"].as<std::string>();
    const auto format = server::http::parse_log_format(text);
    if (!format) throw BadArgument{"--log-format must be text or json, not `" + text + "`"};
    options.log_format = *format;
  }
  if (vm.count("bootstrap-mode")) {
    const std::string& text = vm["bootstrap-mode"].as<std::string>();
    const auto mode = store::parse_bootstrap_mode(text);
    if (!mode) throw BadArgument{"--bootstrap-mode must be create-only or apply, not `" + text + "`"};
    if (!vm.count("bootstrap") && !vm.count("world")) throw BadArgument{"--bootstrap-mode needs --bootstrap FILE"};
    options.bootstrap_mode = *mode;
  }

  std::error_code error;
  if (vm.count("key-file")) {
    const std::string path = vm["key-file"].as<std::string>();
    if (path.empty() || fs::is_directory(path, error)) throw BadArgument{"--key-file `" + path + "` must be a file"};
    options.key_file = path;
  }
  if (vm.count("bootstrap") || vm.count("world")) {
    const char* flag = vm.count("world") ? "world" : "bootstrap";
    const std::string path = vm[flag].as<std::string>();
    if (!fs::is_regular_file(path, error) || !std::ifstream(path)) {
      throw BadArgument{std::string("cannot read --") + flag + " `" + path + "`"};
    }
    options.bootstrap = path;
  }
  if (vm.count("audit-log")) {
    const std::string path = vm["audit-log"].as<std::string>();
    const fs::path parent = fs::path(path).parent_path();
    if (path.empty() || (!parent.empty() && !fs::is_directory(parent, error)) || fs::is_directory(path, error)) {
      throw BadArgument{"--audit-log `" + path + "` must be a file in an existing directory"};
    }
    options.audit_log = path;
  }
  // Last, so a bad argument leaves no directory behind.
  if (options.ephemeral) return options;
  const std::string dir_option = options.etcd ? "--local-dir" : "--data";
  if (fs::exists(options.data_dir, error) && !fs::is_directory(options.data_dir, error)) {
    throw BadArgument{dir_option + " `" + options.data_dir + "` is not a directory"};
  }
  fs::create_directories(options.data_dir, error);
  if (error) throw BadArgument{"cannot create " + dir_option + " `" + options.data_dir + "`: " + error.message()};
  return options;
}

}  // namespace

std::string signature_debug_text(const sigv4::SignatureTrace& trace) {
  if (!trace.known_key) {
    return "gatehouse: debug: unknown access key " + std::string(trace.access_key_id) +
           ": no user, role session or root of this server has it (check AWS_ACCESS_KEY_ID, the profile, or the "
           "world file's accessKeys)";
  }
  return "gatehouse: debug: signature mismatch for access key " + std::string(trace.access_key_id) +
         "\n--- canonical request ---\n" + std::string(trace.canonical_request) + "\n--- string to sign ---\n" +
         std::string(trace.string_to_sign) + "\n---";
}

std::string request_log_line(const server::http::RequestLogEntry& entry, server::http::LogFormat format,
                             std::string_view region) {
  std::string line = server::http::format_request_log(entry, format);
  if (format == server::http::LogFormat::Text) line = "gatehouse: " + line;
  constexpr std::string_view kWrongRegion = "Credential should be scoped to a valid region, not '";
  const auto at = entry.reason.find(kWrongRegion);
  if (at != std::string::npos) {
    const auto start = at + kWrongRegion.size();
    std::string asked = entry.reason.substr(start, entry.reason.find('\'', start) - start);
    for (char& c : asked) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // the client's text, on one line
    }
    const std::string hint = "this server serves region " + std::string(region) + "; to serve " + asked +
                             " restart it with --region " + asked + " (or set \"region\" in the world file), or "
                             "sign for " + std::string(region) + " (AWS_DEFAULT_REGION, --region of the AWS CLI)";
    if (format == server::http::LogFormat::Text) {
      line += "\ngatehouse: hint: " + hint;
    } else {
      line.pop_back();  // the closing brace
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      writer.String(hint.data(), static_cast<rapidjson::SizeType>(hint.size()));
      line += ",\"hint\":" + std::string(buffer.GetString(), buffer.GetSize()) + "}";
    }
  }
  return line;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort result;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    result.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    result.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (result.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs brackets
  }
  if (result.host.empty() || result.host.find_first_of(" \t/[]") != std::string::npos) return std::nullopt;
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value > 65535) return std::nullopt;
  result.port = static_cast<std::uint16_t>(value);
  return result;
}

std::variant<ServeOptions, ServeHelp, ServeUsageError> parse_serve_options(const Args& args) {
  po::options_description described;
  described.add_options()("data", po::value<std::string>())("listen", po::value<std::string>())(
      "grpc-listen", po::value<std::string>())("bootstrap", po::value<std::string>())(
      "region", po::value<std::string>())("audit-log", po::value<std::string>())(
      "idle-timeout", po::value<std::string>())("header-timeout", po::value<std::string>())(
      "drain-timeout", po::value<std::string>())("debug-signatures", "")("help", "")(
      "bootstrap-mode", po::value<std::string>())("key-file", po::value<std::string>())(
      "log-format", po::value<std::string>())("quiet", "")(
      "runtime", po::value<std::vector<std::string>>()->composing())("concurrency", po::value<std::string>())(
      "keep-warm", po::value<std::string>())("async-retry-delays", po::value<std::string>())(
      "event-invoke-config", po::value<std::vector<std::string>>()->composing())("ephemeral", "")(
      "world", po::value<std::string>())("clock", po::value<std::string>())("no-grpc", "")(
      "store", po::value<std::string>())("local-dir", po::value<std::string>())(
      "etcd-cacert", po::value<std::string>())("etcd-cert", po::value<std::string>())(
      "etcd-key", po::value<std::string>())("etcd-user", po::value<std::string>())(
      "etcd-password", po::value<std::string>())("etcd-password-file", po::value<std::string>())(
      "sidecar-unavailable-status", po::value<std::string>())("blob-dir", po::value<std::string>());
  try {
    po::variables_map vm;
    const po::positional_options_description none;  // serve takes no operands
    po::store(po::command_line_parser(args)
                  .options(described)
                  .positional(none)
                  .style(po::command_line_style::unix_style)
                  .run(),
              vm);
    if (vm.count("help")) return ServeHelp{};
    return parse_checked(vm);
  } catch (const BadArgument& bad) {
    return ServeUsageError{bad.reason};
  } catch (const po::error& e) {
    return ServeUsageError{e.what()};
  }
}

namespace {

// SIGTERM or SIGINT before the HTTP server takes them over: remembered, so an ephemeral server
// still removes its directory.
volatile std::sig_atomic_t early_signal = 0;
extern "C" void remember_signal(int signal) { early_signal = signal; }

// The temporary directory of --ephemeral, removed with everything in it when the server ends.
class EphemeralDir {
 public:
  EphemeralDir() = default;
  EphemeralDir(const EphemeralDir&) = delete;
  EphemeralDir& operator=(const EphemeralDir&) = delete;
  ~EphemeralDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  // Makes it (mode 0700); the reason when it cannot.
  std::optional<std::string> make() {
    std::string pattern = (fs::temp_directory_path() / "gatehouse-ephemeral-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return std::string("cannot create a temporary directory: ") + std::strerror(errno);
    }
    path_ = pattern;
    return std::nullopt;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A new random AES-256 key (64 hex digits, mode 0600), not fsynced: an ephemeral store's.
std::optional<std::string> write_ephemeral_key(const fs::path& file) {
  unsigned char key[32];
  std::size_t got = 0;
  while (got < sizeof key) {
    const ssize_t n = ::getrandom(key + got, sizeof key - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::string("cannot draw a random key: ") + std::strerror(errno);
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (const unsigned char byte : key) {
    text.push_back(kHex[byte >> 4]);
    text.push_back(kHex[byte & 15]);
  }
  text.push_back('\n');
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  const bool written = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) ::close(fd);
  if (!written) return "cannot write " + file.string() + ": " + std::strerror(errno);
  return std::nullopt;
}

// The "region" a world file names, from a quick look (the file is checked in full later).
std::optional<std::string> world_region(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("region") || !doc["region"].IsString()) {
    return std::nullopt;
  }
  return std::string(doc["region"].GetString(), doc["region"].GetStringLength());
}

// Where a client reaches a listening address: a wildcard means this machine's loopback.
std::string reachable_host(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

std::string host_port_text(const std::string& host, std::uint16_t port) {
  const std::string h = reachable_host(host);
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(port);
}

}  // namespace

std::string ready_line(const std::string& http_host, std::uint16_t http_port, const std::string& grpc_host,
                       std::optional<std::uint16_t> grpc_port, std::string_view region,
                       const std::vector<std::string>& accounts, std::string_view control_token) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  const auto put = [&writer](std::string_view text) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  };
  writer.StartObject();
  writer.Key("endpoint");
  put("http://" + host_port_text(http_host, http_port));
  writer.Key("grpc");
  if (grpc_port) {
    put(host_port_text(grpc_host, *grpc_port));
  } else {
    writer.Null();
  }
  writer.Key("region");
  put(region);
  writer.Key("accounts");
  writer.StartArray();
  for (const auto& id : accounts) put(id);
  writer.EndArray();
  if (!control_token.empty()) {
    writer.Key("controlToken");
    put(control_token);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

int run_serve(const Args& args, Io io) {
  auto parsed = parse_serve_options(args);
  if (std::holds_alternative<ServeHelp>(parsed)) {
    io.out << kUsage;
    return 0;
  }
  if (const auto* bad = std::get_if<ServeUsageError>(&parsed)) {
    io.err << "gatehouse serve: " << bad->reason << " (try `gatehouse serve --help`)\n";
    return 2;
  }
  const ServeOptions& options = std::get<ServeOptions>(parsed);
  // An ephemeral server's standard output is its ready line alone; the rest goes to standard error.
  std::ostream& notes = options.ephemeral ? io.err : io.out;
  if (options.ephemeral) {
    std::signal(SIGTERM, remember_signal);
    std::signal(SIGINT, remember_signal);
  }

  // The executor checks the machine (it starts a sandbox once, the longest step of a start):
  // it does so while the world is read and the store opens. Its region is the one the world
  // file names, read from the file at once (a file whose region is bad stops the start below).
  executor::Executor::Options executor_options;
  executor_options.region = options.region;
  if (!options.region_given && options.bootstrap) {
    if (auto named = world_region(*options.bootstrap); named && valid_region(*named)) executor_options.region = *named;
  }
  executor_options.keep_warm = options.keep_warm;
  for (const auto& [id, path] : options.runtimes) executor_options.interpreters[id] = path;
  std::unique_ptr<executor::Executor> executor_holder;
  std::jthread executor_start(
      [&executor_holder, &executor_options] {
        executor_holder = std::make_unique<executor::Executor>(executor_options);
      });

  // The world file: read (and its code directories zipped) before anything starts.
  std::optional<server::fixture::World> world;
  if (options.bootstrap) {
    auto read = server::fixture::read_world_file(*options.bootstrap);
    if (!read) {
      io.err << "gatehouse serve: bad bootstrap file: " << read.error().to_string() << "\n";
      return 1;
    }
    world = std::move(read).value();
    const std::string& file_region = world->bootstrap.region;
    if (!file_region.empty() && !valid_region(file_region)) {
      io.err << "gatehouse serve: bad bootstrap file: " << *options.bootstrap
             << ": $.region: must look like us-east-1, not `" << file_region << "`\n";
      return 1;
    }
  }
  // The region: --region, else the world file's, else us-east-1.
  std::string region = options.region;
  std::string region_source = options.region_given ? "--region" : "the default";
  if (world && !world->bootstrap.region.empty()) {
    if (!options.region_given) {
      region = world->bootstrap.region;
      region_source = "the world file";
    } else if (world->bootstrap.region != region) {
      region_source = "--region, over the world file's " + world->bootstrap.region;
    }
  }

  // One clock: the system's, or (ephemeral) the fixture's, which the store's timestamps follow too.
  const sigv4::SystemClock system_clock;
  std::optional<server::fixture::FixtureClock> fixture_clock;
  if (options.ephemeral) {
    fixture_clock.emplace(options.start_clock ? server::fixture::parse_time(*options.start_clock) : std::nullopt);
  }
  const sigv4::Clock& clock = fixture_clock ? static_cast<const sigv4::Clock&>(*fixture_clock) : system_clock;

  // The store: opened (or created) on --data, or in the ephemeral directory; the world applied
  // all or nothing.
  EphemeralDir ephemeral_dir;
  std::string data_dir = options.data_dir;
  store::Options store_options;
  if (options.ephemeral) {
    if (auto problem = ephemeral_dir.make()) {
      io.err << "gatehouse serve: " << *problem << "\n";
      return 1;
    }
    data_dir = ephemeral_dir.path().string();
    // The key and the data are gone at exit anyway: neither is fsynced.
    if (auto problem = write_ephemeral_key(ephemeral_dir.path() / "secret.key")) {
      io.err << "gatehouse serve: " << *problem << "\n";
      return 1;
    }
    store_options.key_file = ephemeral_dir.path() / "secret.key";
    store_options.sync = false;
    store_options.initial_map_size = std::size_t{256} << 20;
    store_options.clock = [&fixture_clock] { return fixture_clock->now_millis(); };
  }
  store_options.data_dir = data_dir;
  if (options.key_file) store_options.key_file = *options.key_file;
  if (options.etcd) store_options.etcd = *options.etcd;
  const std::string store_name = options.etcd ? store::describe(*options.etcd) : data_dir;
  auto opened = store::Store::open(store_options);
  if (!opened) {
    io.err << "gatehouse serve: cannot open the store in " << store_name << ": " << opened.error().message << "\n";
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(opened.value());
  if (options.etcd) {
    io.err << "gatehouse: store " << store_name << " at revision " << store->consistency().applied_revision
           << "; this replica's own files in " << data_dir << std::endl;
  }
  std::vector<std::string> accounts;
  if (world) {
    auto applied = server::fixture::load_world(*store, *world, region, options.bootstrap_mode);
    if (!applied) {
      io.err << "gatehouse serve: bad bootstrap file: " << applied.error().to_string() << "\n";
      return 1;
    }
    io.err << "gatehouse: world " << *options.bootstrap << ": " << store::summary(applied.value()) << std::endl;
    for (const auto& account : world->bootstrap.accounts) accounts.push_back(account.id);
  }
  io.err << "gatehouse: region " << region << " (" << region_source << ")" << std::endl;

  std::unique_ptr<server::audit::AuditLog> audit_log;
  if (options.audit_log) {
    auto opened_log = server::audit::AuditLog::open(*options.audit_log);
    if (!opened_log) {
      io.err << "gatehouse serve: " << opened_log.error() << "\n";
      return 1;
    }
    audit_log = std::move(opened_log.value());
  }

  server::metrics::Registry registry;
  server::metrics::ServiceMetrics metrics(registry);

  // The one pipeline, and the two APIs around it: the Lambda control plane and the IAM/STS
  // query API.
  server::authz::Pipeline pipeline(*store, clock);
  std::mutex log_mutex;
  if (options.debug_signatures) {
    // "Troubleshoot signing": what the server computed, to compare with the client's.
    pipeline.set_signature_debug([&io, &log_mutex](const sigv4::SignatureTrace& trace) {
      if (trace.matched) return;
      const std::lock_guard lock(log_mutex);
      io.err << signature_debug_text(trace) << std::endl;
    });
  }
  // The Lambda API, first without running code: every call but Invoke, and the sidecar's checks.
  server::control::Options lambda_options{region, audit_log.get(), &metrics};
  const server::control::LambdaApi lambda_api(*store, pipeline, clock, lambda_options);
  // Then with the executor, once it has checked the machine: Invoke. A normal server waits for
  // it before it listens; an ephemeral one serves meanwhile, an Invoke waiting for it (the
  // check is most of a start, docs/testing.md).
  struct Running {
    std::unique_ptr<server::invoke::Invocations> invocations;
    std::unique_ptr<server::invoke::AsyncQueue> queue;
    std::unique_ptr<const server::control::LambdaApi> api;
  } running;
  std::latch invoke_ready(1);
  std::atomic<const server::control::LambdaApi*> invoking{nullptr};
  std::atomic<const executor::Executor*> serving_code{nullptr};  // once the executor has checked the machine
  const auto start_invocations = [&](const std::string& host, std::uint16_t port) {
    executor_start.join();
    // The executor refuses to run code (with the reason, here) rather than run it unsandboxed.
    executor::Executor& executor = *executor_holder;
    if (executor.unavailable()) {
      io.err << "gatehouse: function code will not run: " << *executor.unavailable() << std::endl;
    }
    if (executor.no_memory_limit()) {
      io.err << "gatehouse: functions run without a memory limit: " << *executor.no_memory_limit() << std::endl;
    }
    running.invocations =
        std::make_unique<server::invoke::Invocations>(executor, *store, clock, options.concurrency, &registry,
                                                      server::invoke::synchronous_invocation_limit(
                                                          server::invoke::kRequestThreads));
    server::invoke::AsyncOptions async_options;
    async_options.retry_delays = options.async_retry_delays;
    async_options.per_function = options.event_invoke_configs;
    running.queue = std::make_unique<server::invoke::AsyncQueue>(
        *running.invocations, *store, pipeline, fs::path(data_dir) / "async-events",
        fs::path(data_dir) / "dead-letters", async_options, &registry);
    if (!executor.unavailable()) running.invocations->attach_queue(running.queue.get());
    server::control::Options invoking_options = lambda_options;
    invoking_options.invocations = running.invocations.get();
    running.api = std::make_unique<const server::control::LambdaApi>(*store, pipeline, clock, invoking_options);
    executor.set_service_endpoint(host, port);
    serving_code.store(&executor, std::memory_order_release);
    running.queue->start();  // after the endpoint is known: queued events call back into it
    invoking.store(running.api.get(), std::memory_order_release);
    invoke_ready.count_down();
  };
  const auto lambda_handler = [&lambda_api, &invoking, &invoke_ready](const http::HttpRequest& r) {
    const server::control::LambdaApi* api = invoking.load(std::memory_order_acquire);
    const std::string_view path = r.path;
    if (api == nullptr && (path.ends_with("/invocations") || path.find("/invoke-async") != std::string_view::npos)) {
      invoke_ready.wait();
      api = invoking.load(std::memory_order_acquire);
    }
    return (api != nullptr ? *api : lambda_api).handle(r);
  };
  // An ephemeral server's answers carry its clock's time in Date: the SDKs that correct their
  // clock skew from Date (the AWS SDK for JavaScript) then sign at the time the server keeps.
  const auto dated = [&fixture_clock](http::Handler handler) -> http::Handler {
    if (!fixture_clock) return handler;
    return [handler = std::move(handler), &fixture_clock](const http::HttpRequest& r) {
      http::HttpResponse response = handler(r);
      if (!response.header("Date")) response.set_header("Date", http::http_date(fixture_clock->now()));
      return response;
    };
  };
  // The consistency promise around every decision and write (docs/scale-out.md): refuse while
  // the view is not current, wait for x-gatehouse-min-revision (once the API has authenticated
  // the caller), answer x-gatehouse-revision.
  const server::consistency::StoreSource consistency_source(*store);
  const server::consistency::Gate gate(consistency_source);
  http::Router router;
  http::add_lambda_routes(router, dated(gate.guard(lambda_handler, http::ErrorFamily::LambdaRest)));
  const server::query::QueryApi query_api(*store, pipeline, clock, server::iam::operations(),
                                         server::sts::operations(), {audit_log.get(), &metrics});
  const auto query_handler = [&query_api](const http::HttpRequest& r) { return query_api.handle(r); };
  http::add_query_route(router, dated(gate.guard(query_handler, http::ErrorFamily::Query)));
  // The sidecar: Envoy ext_authz (gRPC Check below, HTTP mode here) and nginx auth_request run
  // the Lambda API's own authorization step.
  const server::sidecar::CheckService check(lambda_api, &gate, {options.sidecar_unavailable_status});
  check.add_routes(router);
  for (const std::string_view path : {server::sidecar::kEnvoyHttpPrefix, server::sidecar::kNginxPath}) {
    http::Route route = router.route_for(path);
    route.handler = dated(std::move(route.handler));
    router.add(std::move(route));
  }
  server::sidecar::Authorizer authorizer(*store, pipeline, clock, region, audit_log.get(), &gate);
  // The fixture's control calls exist only on an ephemeral server.
  const server::fixture::World no_world;
  std::optional<server::fixture::Control> control;
  std::string control_token;  // only in the ready line: not in the environment, files or logs
  if (options.ephemeral) {
    control_token = server::fixture::new_control_token();
    control.emplace(*store, *fixture_clock, world ? *world : no_world, authorizer, control_token);
    if (auto taken = control->take_checkpoint(); !taken) {
      io.err << "gatehouse serve: cannot keep the world for reset: " << taken.error().message << "\n";
      return 1;
    }
    control->add_routes(router, dated);
  }

  http::ServerConfig config;
  config.idle_timeout = options.idle_timeout;
  config.header_timeout = options.header_timeout;
  config.drain_timeout = options.drain_timeout;
  config.handle_signals = true;
  // A synchronous Invoke holds a thread while its function runs and calls back in: at most
  // synchronous_invocation_limit of them do, the rest answer 429.
  config.threads = server::invoke::kRequestThreads;
  config.not_ready = [&gate] { return gate.not_ready(); };
  config.from_function_code = [&serving_code](std::string_view address, std::uint16_t port) {
    const executor::Executor* e = serving_code.load(std::memory_order_acquire);
    return e && e->is_function_connection(address, port);
  };
  config.log = [&io](std::string_view line) { io.err << "gatehouse: " << line << std::endl; };
  if (!options.quiet) {
    config.request_log = [&io, &region, format = options.log_format](const http::RequestLogEntry& entry) {
      io.err << request_log_line(entry, format, region) << std::endl;
    };
  }

  http::Server server(std::move(config), std::move(router), metrics);
  // From here the server takes SIGTERM and SIGINT; one that came earlier ends it now.
  if (early_signal != 0) {
    io.err << "gatehouse: stopped before it was ready\n";
    return 0;
  }
  if (auto error = server.listen(options.listen.host, options.listen.port)) {
    io.err << "gatehouse serve: " << *error << "\n";
    return 1;
  }
  std::optional<server::sidecar::GrpcServer> grpc_server;
  if (options.grpc) {
    grpc_server.emplace(check);
    grpc_server->add_service(authorizer);
    if (auto error = grpc_server->start(options.grpc_listen.host, options.grpc_listen.port)) {
      io.err << "gatehouse serve: " << *error << "\n";
      return 1;
    }
  }
  std::jthread invocations_start;
  if (options.ephemeral) {
    invocations_start = std::jthread(start_invocations, reachable_host(server.bound_host()), server.bound_port());
  } else {
    start_invocations(reachable_host(server.bound_host()), server.bound_port());
  }
  notes << "gatehouse: listening on " << server.bound_host() << ":" << server.bound_port() << std::endl;
  if (grpc_server) {
    notes << "gatehouse: grpc listening on " << options.grpc_listen.host << ":" << grpc_server->bound_port()
          << std::endl;
  }
  std::optional<std::uint16_t> grpc_port;
  if (grpc_server) grpc_port = grpc_server->bound_port();
  io.out << ready_line(server.bound_host(), server.bound_port(), options.grpc_listen.host, grpc_port, region,
                       accounts, control_token)
         << std::endl;
  server.run();
  if (grpc_server) grpc_server->shutdown(options.drain_timeout);
  io.err << "gatehouse: stopped\n";
  return 0;
}

}  // namespace gatehouse::cli
