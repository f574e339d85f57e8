// `gatehouse serve`'s options (interface.md section 2), parsed and checked before anything
// starts, for the composition root that opens the store and plugs the API handlers in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cli/commands.h"
#include "server/http/request_log.h"
#include "sigv4/verifier.h"
#include "store/bootstrap.h"
#include "store/store.h"

namespace gatehouse::cli {

struct HostPort {
  std::string host;  // as given, brackets of an IPv6 literal removed
  std::uint16_t port = 0;
};

struct ServeOptions {
  std::string data_dir;  // created if absent; with --store, the replica's own files (--local-dir)
  // --store etcd://... with the --etcd-* options and --blob-dir: the shared store instead of LMDB
  // in data_dir (docs/scale-out.md).
  std::optional<store::EtcdOptions> etcd;
  int sidecar_unavailable_status = 503;  // --sidecar-unavailable-status: ext_authz's answer while not fresh
  HostPort listen{"127.0.0.1", 9000};
  HostPort grpc_listen{"127.0.0.1", 9001};
  std::optional<std::string> key_file;   // the secrets key; default DATA/secret.key
  std::optional<std::string> bootstrap;  // a readable file
  store::BootstrapMode bootstrap_mode = store::BootstrapMode::CreateOnly;
  std::string region = "us-east-1";  // --region, else the world file's "region", else us-east-1
  bool region_given = false;         // --region was given: it wins over the world file's
  std::optional<std::string> audit_log;  // its directory exists
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds drain_timeout{20'000};
  bool debug_signatures = false;  // log the canonical request and string to sign of each mismatch
  bool quiet = false;             // no request log lines
  server::http::LogFormat log_format = server::http::LogFormat::Text;
  std::vector<std::pair<std::string, std::string>> runtimes;  // --runtime ID=PATH (executor.md 4)
  int concurrency = 1000;  // --concurrency N: synchronous invocations running at once
  std::chrono::milliseconds keep_warm{600'000};  // --keep-warm: idle environments stopped after this
  // --async-retry-delays: the waits before the two retries of a failed Event invocation.
  std::vector<std::chrono::milliseconds> async_retry_delays{std::chrono::minutes(1), std::chrono::minutes(2)};
};

// What --debug-signatures prints for a signature that did not match: the canonical request and
// string to sign the server computed, or that the access key is unknown.
std::string signature_debug_text(const sigv4::SignatureTrace& trace);

// The request log line as serve prints it: a request signed for another region also says which
// region this server serves and how to serve another.
std::string request_log_line(const server::http::RequestLogEntry& entry, server::http::LogFormat format,
                             std::string_view region);

// "HOST:PORT" with HOST a name, an IPv4 literal or a bracketed IPv6 literal; port 0-65535.
std::optional<HostPort> parse_host_port(std::string_view text);

struct ServeHelp {};
struct ServeUsageError {
  std::string reason;  // one line
};
// Parses and validates; creates the data directory. Never throws.
std::variant<ServeOptions, ServeHelp, ServeUsageError> parse_serve_options(const Args& args);

}  // namespace gatehouse::cli
