// gatehouse sync: the fronted endpoint's function policies into the store (server/sidecar/sync.h).
#include <cstdlib>
#include <string>

#include "cli/commands.h"
#include "cli/serve.h"
#include "server/sidecar/sync.h"
#include "store/store.h"

namespace gatehouse::cli {
namespace {

constexpr const char* kSyncUsage =
    "usage: gatehouse sync --data DIR --endpoint http://HOST:PORT [--region REGION] [--key-file FILE]\n"
    "\n"
    "Reads the function policies of the Lambda-compatible endpoint gatehouse fronts as a sidecar\n"
    "(ListFunctions, then GetPolicy of each function) and makes the store in DIR hold the same\n"
    "statements: AddPermission / RemovePermission that passed through the sidecar then decide the\n"
    "next requests. Requests to the endpoint are signed with AWS_ACCESS_KEY_ID,\n"
    "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the environment. Unqualified function\n"
    "policies only; a function the store lacks is created there with an empty package. Stop\n"
    "`gatehouse serve` on DIR first: the store belongs to one process at a time.\n"
    "\n"
    "exit status: 0 in sync, 1 something could not be read or written (said on stderr), 2 bad arguments\n";

}  // namespace

int run_sync(const Args& args, Io io) {
  std::string data, endpoint, region = "us-east-1", key_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      io.out << kSyncUsage;
      return 0;
    }
    std::string* value = arg == "--data" ? &data : arg == "--endpoint" ? &endpoint : arg == "--region" ? &region
                         : arg == "--key-file"                        ? &key_file
                                                                      : nullptr;
    if (!value || i + 1 == args.size()) {
      io.err << "gatehouse sync: unexpected `" << arg << "` (try `gatehouse sync --help`)\n";
      return 2;
    }
    *value = args[++i];
  }
  constexpr std::string_view kScheme = "http://";
  std::string rest = endpoint.starts_with(kScheme) ? endpoint.substr(kScheme.size()) : "";
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto host_port = parse_host_port(rest);
  if (data.empty() || !host_port || host_port->port == 0) {
    io.err << "gatehouse sync: needs --data DIR and --endpoint http://HOST:PORT (try `gatehouse sync --help`)\n";
    return 2;
  }
  server::sidecar::SyncOptions options;
  options.host = host_port->host;
  options.port = host_port->port;
  options.region = region;
  for (auto [name, field] : {std::pair{"AWS_ACCESS_KEY_ID", &options.access_key_id},
                             std::pair{"AWS_SECRET_ACCESS_KEY", &options.secret_access_key},
                             std::pair{"AWS_SESSION_TOKEN", &options.session_token}}) {
    if (const char* set = std::getenv(name)) *field = set;
  }
  if (options.access_key_id.empty() || options.secret_access_key.empty()) {
    io.err << "gatehouse sync: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to sign the endpoint's requests\n";
    return 2;
  }
  store::Options store_options;
  store_options.data_dir = data;
  if (!key_file.empty()) store_options.key_file = key_file;
  auto opened = store::Store::open(store_options);
  if (!opened) {
    io.err << "gatehouse sync: cannot open the store in " << data << ": " << opened.error().message << "\n";
    return 1;
  }
  const auto report = server::sidecar::sync_function_policies(*opened.value(), options, io.out, io.err);
  io.out << "gatehouse sync: " << report.functions << " function(s) read, " << report.created << " created, "
         << report.added << " statement(s) added, " << report.removed << " removed, " << report.failures
         << " failure(s)\n";
  return report.failures ? 1 : 0;
}

}  // namespace gatehouse::cli
