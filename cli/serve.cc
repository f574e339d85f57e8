// `gatehouse serve`: the service's HTTP port (Lambda REST, IAM/STS Query, /healthz,
// /metrics) until SIGTERM or SIGINT (interface.md section 2, docs/server.md).
#include "cli/serve.h"

#include <boost/program_options.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <system_error>

#include "cli/commands.h"
#include "executor/executor.h"
#include "server/audit/audit_log.h"
#include "server/consistency/gate.h"
#include "server/consistency/store_source.h"
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
    "                       [--region REGION] [--audit-log FILE]\n"
    "                       [--idle-timeout S] [--header-timeout S] [--drain-timeout S]\n"
    "                       [--log-format text|json] [--quiet] [--debug-signatures]\n"
    "                       [--runtime ID=PATH]... [--concurrency N] [--keep-warm DURATION]\n"
    "                       [--async-retry-delays D1,D2] [--sidecar-unavailable-status CODE]\n"
    "\n"
    "Serves the Lambda REST API (/2015-03-31/..., /2016-08-19/account-settings,\n"
    "/2014-11-13/functions/NAME/invoke-async) and the IAM and STS Query APIs (POST /) on one\n"
    "HTTP port, with GET /healthz and GET /metrics (Prometheus text). Prints\n"
    "`gatehouse: listening on HOST:PORT` once it accepts requests. SIGTERM or SIGINT: stop\n"
    "accepting, finish the requests in flight, exit 0. Each request is logged on standard error\n"
    "(method, path, operation, principal, decision, status, milliseconds; a refusal's reason).\n"
    "\n"
    "options:\n"
    "  --data DIR            the data directory (created if absent)\n"
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
    "  --concurrency N       invocations running at once before Invoke answers 429 (default 1000)\n"
    "  --keep-warm DURATION  stop a function's environment idle this long: 30s, 10m, 1h (default 10m)\n"
    "  --async-retry-delays D1,D2  waits before the two retries of a failed Event invocation\n"
    "                        (default 1m,2m)\n"
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
  if (vm.count("data") && vm.count("store")) throw BadArgument{"--data and --store exclude each other"};
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
    for (const char* name : {"local-dir", "etcd-cacert", "etcd-cert", "etcd-key", "etcd-user", "etcd-password",
                             "etcd-password-file", "blob-dir"}) {
      if (vm.count(name)) throw BadArgument{std::string("--") + name + " goes with --store etcd://..."};
    }
    if (!vm.count("data")) throw BadArgument{"missing --data DIR (or --store etcd://...)"};
    options.data_dir = vm["data"].as<std::string>();
    if (options.data_dir.empty()) throw BadArgument{"--data needs a directory"};
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
    if (!vm.count("bootstrap")) throw BadArgument{"--bootstrap-mode needs --bootstrap FILE"};
    options.bootstrap_mode = *mode;
  }

  std::error_code error;
  if (vm.count("key-file")) {
    const std::string path = vm["key-file"].as<std::string>();
    if (path.empty() || fs::is_directory(path, error)) throw BadArgument{"--key-file `" + path + "` must be a file"};
    options.key_file = path;
  }
  if (vm.count("bootstrap")) {
    const std::string path = vm["bootstrap"].as<std::string>();
    if (!fs::is_regular_file(path, error) || !std::ifstream(path)) {
      throw BadArgument{"cannot read --bootstrap `" + path + "`"};
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

  // The store: opened (or created) on --data, the bootstrap world applied all or nothing.
  store::Options store_options;
  store_options.data_dir = options.data_dir;
  if (options.key_file) store_options.key_file = *options.key_file;
  if (options.etcd) store_options.etcd = *options.etcd;
  const std::string store_name = options.etcd ? store::describe(*options.etcd) : options.data_dir;
  auto opened = store::Store::open(store_options);
  if (!opened) {
    io.err << "gatehouse serve: cannot open the store in " << store_name << ": " << opened.error().message << "\n";
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(opened.value());
  if (options.etcd) {
    io.err << "gatehouse: store " << store_name << " at revision " << store->consistency().applied_revision
           << "; this replica's own files in " << options.data_dir << std::endl;
  }
  // The region: --region, else the world file's, else us-east-1.
  std::string region = options.region;
  std::string region_source = options.region_given ? "--region" : "the default";
  if (options.bootstrap) {
    auto world = store::read_bootstrap_file(*options.bootstrap);
    if (!world) {
      io.err << "gatehouse serve: bad bootstrap file: " << world.error().to_string() << "\n";
      return 1;
    }
    if (!world.value().region.empty() && !valid_region(world.value().region)) {
      io.err << "gatehouse serve: bad bootstrap file: " << *options.bootstrap
             << ": $.region: must look like us-east-1, not `" << world.value().region << "`\n";
      return 1;
    }
    auto applied = store::load_bootstrap_world(*store, world.value(), options.bootstrap_mode);
    if (!applied) {
      io.err << "gatehouse serve: bad bootstrap file: " << applied.error().to_string() << "\n";
      return 1;
    }
    io.err << "gatehouse: world " << *options.bootstrap << ": " << store::summary(applied.value()) << std::endl;
    if (!options.region_given && !world.value().region.empty()) {
      region = world.value().region;
      region_source = "the world file";
    } else if (options.region_given && !world.value().region.empty() && world.value().region != region) {
      region_source = "--region, over the world file's " + world.value().region;
    }
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
  const sigv4::SystemClock clock;
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
  // The executor: refuses to run code (with the reason, here) rather than run it unsandboxed.
  executor::Executor::Options executor_options;
  executor_options.region = region;
  executor_options.keep_warm = options.keep_warm;
  for (const auto& [id, path] : options.runtimes) executor_options.interpreters[id] = path;
  executor::Executor executor(executor_options);
  if (executor.unavailable()) io.err << "gatehouse: function code will not run: " << *executor.unavailable() << std::endl;
  if (executor.no_memory_limit()) io.err << "gatehouse: functions run without a memory limit: " << *executor.no_memory_limit() << std::endl;
  server::invoke::Invocations invocations(executor, *store, clock, options.concurrency, &registry);
  server::invoke::AsyncOptions async_options;
  async_options.retry_delays = options.async_retry_delays;
  server::invoke::AsyncQueue async_queue(invocations, *store, pipeline, fs::path(options.data_dir) / "async-events",
                                         fs::path(options.data_dir) / "dead-letters", async_options, &registry);
  if (!executor.unavailable()) invocations.attach_queue(&async_queue);
  server::control::Options lambda_options{region, audit_log.get(), &metrics};
  lambda_options.invocations = &invocations;
  const server::control::LambdaApi lambda_api(*store, pipeline, clock, lambda_options);
  // The consistency promise around every decision and write (docs/scale-out.md): refuse while
  // the view is not current, wait for x-gatehouse-min-revision, answer x-gatehouse-revision.
  const server::consistency::StoreSource consistency_source(*store);
  const server::consistency::Gate gate(consistency_source);
  http::Router router;
  http::add_lambda_routes(router, gate.guard([&lambda_api](const http::HttpRequest& r) { return lambda_api.handle(r); },
                                             http::ErrorFamily::LambdaRest));
  const server::query::QueryApi query_api(*store, pipeline, clock, server::iam::operations(),
                                         server::sts::operations(), {audit_log.get(), &metrics});
  http::add_query_route(router, gate.guard([&query_api](const http::HttpRequest& r) { return query_api.handle(r); },
                                           http::ErrorFamily::Query));
  // The sidecar: Envoy ext_authz (gRPC Check below, HTTP mode here) and nginx auth_request run
  // the Lambda API's own authorization step.
  const server::sidecar::CheckService check(lambda_api, &gate, {options.sidecar_unavailable_status});
  check.add_routes(router);

  http::ServerConfig config;
  config.idle_timeout = options.idle_timeout;
  config.header_timeout = options.header_timeout;
  config.drain_timeout = options.drain_timeout;
  config.handle_signals = true;
  config.threads = 16;  // a synchronous Invoke holds a thread while its function calls back in
  config.not_ready = [&gate] { return gate.not_ready(); };
  config.log = [&io](std::string_view line) { io.err << "gatehouse: " << line << std::endl; };
  if (!options.quiet) {
    config.request_log = [&io, &region, format = options.log_format](const http::RequestLogEntry& entry) {
      io.err << request_log_line(entry, format, region) << std::endl;
    };
  }

  http::Server server(std::move(config), std::move(router), metrics);
  if (auto error = server.listen(options.listen.host, options.listen.port)) {
    io.err << "gatehouse serve: " << *error << "\n";
    return 1;
  }
  server::sidecar::Authorizer authorizer(*store, pipeline, clock, region, audit_log.get(), &gate);
  server::sidecar::GrpcServer grpc_server(check);
  grpc_server.add_service(authorizer);
  if (auto error = grpc_server.start(options.grpc_listen.host, options.grpc_listen.port)) {
    io.err << "gatehouse serve: " << *error << "\n";
    return 1;
  }
  executor.set_service_endpoint(server.bound_host() == "0.0.0.0" ? "127.0.0.1" : server.bound_host() == "::" ? "::1" : server.bound_host(),
                                server.bound_port());
  async_queue.start();  // after the endpoint is known: queued events call back into it
  io.out << "gatehouse: listening on " << server.bound_host() << ":" << server.bound_port() << std::endl;
  io.out << "gatehouse: grpc listening on " << options.grpc_listen.host << ":" << grpc_server.bound_port() << std::endl;
  server.run();
  grpc_server.shutdown(options.drain_timeout);
  io.err << "gatehouse: stopped\n";
  return 0;
}

}  // namespace gatehouse::cli
