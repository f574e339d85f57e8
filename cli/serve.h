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
#include "server/invoke/async_queue.h"
#include "sigv4/verifier.h"
#include "store/bootstrap.h"
#include "store/store.h"

namespace gatehouse::cli {

struct HostPort {
  std::string host;  // as given, brackets of an IPv6 literal removed
  std::uint16_t port = 0;
};

struct ServeOptions {
  std::string data_dir;  // created if absent; empty with --ephemeral; with --store: --local-dir
  // --ephemeral: a test fixture (docs/testing.md): the store in a private temporary directory
  // (no fsync) removed at exit, the /_gatehouse/ control calls, ports 0 unless given.
  bool ephemeral = false;
  std::optional<std::string> start_clock;  // --clock TIME (ephemeral only): the clock stands still there
  bool grpc = true;                        // --no-grpc: no gRPC port
  // --store etcd://... with the --etcd-* options and --blob-dir: the shared store instead of LMDB
  // in data_dir (docs/scale-out.md). Not with --ephemeral.
  std::optional<store::EtcdOptions> etcd;
  int sidecar_unavailable_status = 503;  // --sidecar-unavailable-status: ext_authz's answer while not fresh
  HostPort listen{"127.0.0.1", 9000};
  HostPort grpc_listen{"127.0.0.1", 9001};
  std::optional<std::string> key_file;   // the secrets key; default DATA/secret.key
  std::optional<std::string> bootstrap;  // a readable file (--bootstrap or --world)
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
  // --event-invoke-config: per-function MaximumRetryAttempts / MaximumEventAgeInSeconds.
  std::vector<std::pair<std::string, server::invoke::EventInvokeConfig>> event_invoke_configs;
};

// What --debug-signatures prints for a signature that did not match: the canonical request and
// string to sign the server computed, or that the access key is unknown.
std::string signature_debug_text(const sigv4::SignatureTrace& trace);

// The request log line as serve prints it: a request signed for another region also says which
// region this server serves and how to serve another.
std::string request_log_line(const server::http::RequestLogEntry& entry, server::http::LogFormat format,
                             std::string_view region);

// The ready line (docs/testing.md): {"endpoint":"http://HOST:PORT","grpc":"HOST:PORT"|null,
// "region":...,"accounts":[...]}, a wildcard host given as this machine's loopback; with a
// control token (an ephemeral server) also "controlToken".
std::string ready_line(const std::string& http_host, std::uint16_t http_port, const std::string& grpc_host,
                       std::optional<std::uint16_t> grpc_port, std::string_view region,
                       const std::vector<std::string>& accounts, std::string_view control_token = {});

// "HOST:PORT" with HOST a name, an IPv4 literal or a bracketed IPv6 literal; port 0-65535.
std::optional<HostPort> parse_host_port(std::string_view text);

struct ServeHelp {};
struct ServeUsageError {
  std::string reason;  // one line
};
// Parses and validates; creates the data directory. Never throws.
std::variant<ServeOptions, ServeHelp, ServeUsageError> parse_serve_options(const Args& args);

}  // namespace gatehouse::cli
