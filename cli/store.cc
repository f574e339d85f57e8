// `gatehouse store migrate --from SRC --to DST`: copies a world between an LMDB data directory
// and etcd, either way (docs/scale-out.md). SRC and DST are each a directory or an
// etcd://host:port,...[/prefix] address; both stores are opened with the same secret key file.
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "store/store.h"

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUsage =
    "usage: gatehouse store migrate --from SRC --to DST [--key-file FILE] [--blob-dir DIR]\n"
    "                               [--etcd-cacert FILE] [--etcd-cert FILE] [--etcd-key FILE]\n"
    "                               [--etcd-user NAME] [--etcd-password PASSWORD]\n"
    "\n"
    "Copies every record of the store SRC into the store DST, which must hold no account yet.\n"
    "SRC and DST: an LMDB data directory (gatehouse serve --data) or an etcd store\n"
    "(etcd://host:port[,host:port...][/prefix], default prefix /gatehouse/v1/). Both are opened\n"
    "with one secret key file, so secrets stay readable: --key-file, else the directory's\n"
    "secret.key. --blob-dir: where an etcd store keeps code packages over 1 MiB. Stop the\n"
    "servers writing to either store while it runs.\n"
    "\n"
    "exit status: 0 copied, 1 a store could not be opened, read or written, 2 bad arguments\n";

struct Settings {
  std::string from, to;
  std::optional<fs::path> key_file, blob_dir, ca, cert, key;
  std::string user, password;
};

bool is_etcd(const std::string& where) { return where.starts_with("etcd://"); }

store::Result<store::Options> options_for(const std::string& where, const Settings& s, const fs::path& key_file) {
  store::Options options;
  options.key_file = key_file;
  options.sync = true;
  if (!is_etcd(where)) {
    options.data_dir = where;
    return options;
  }
  auto etcd = store::parse_etcd_url(where);
  if (!etcd) return etcd.error();
  options.etcd = etcd.value();
  options.etcd.ca_file = s.ca;
  options.etcd.cert_file = s.cert;
  options.etcd.key_file = s.key;
  options.etcd.user = s.user;
  options.etcd.password = s.password;
  options.etcd.blob_dir = s.blob_dir;
  return options;
}

}  // namespace

int run_store(const Args& args, Io io) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    io.out << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "migrate") {
    io.err << "gatehouse store: unknown subcommand `" << args[0] << "` (try `gatehouse store --help`)\n";
    return 2;
  }
  Settings s;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      io.out << kUsage;
      return 0;
    }
    if (i + 1 >= args.size()) {
      io.err << "gatehouse store migrate: `" << a << "` needs a value (try `gatehouse store --help`)\n";
      return 2;
    }
    const std::string& v = args[++i];
    if (a == "--from") s.from = v;
    else if (a == "--to") s.to = v;
    else if (a == "--key-file") s.key_file = v;
    else if (a == "--blob-dir") s.blob_dir = v;
    else if (a == "--etcd-cacert") s.ca = v;
    else if (a == "--etcd-cert") s.cert = v;
    else if (a == "--etcd-key") s.key = v;
    else if (a == "--etcd-user") s.user = v;
    else if (a == "--etcd-password") s.password = v;
    else {
      io.err << "gatehouse store migrate: unknown option `" << a << "` (try `gatehouse store --help`)\n";
      return 2;
    }
  }
  if (s.from.empty() || s.to.empty() || s.from == s.to) {
    io.err << "gatehouse store migrate: give --from and --to, two different stores (try `gatehouse store --help`)\n";
    return 2;
  }
  // The key: given, else the LMDB side's own (the source's first).
  fs::path key_file;
  if (s.key_file) {
    key_file = *s.key_file;
  } else if (!is_etcd(s.from)) {
    key_file = fs::path(s.from) / "secret.key";
  } else if (!is_etcd(s.to) && fs::exists(fs::path(s.to) / "secret.key")) {
    key_file = fs::path(s.to) / "secret.key";
  } else {
    io.err << "gatehouse store migrate: give --key-file (the secret key file of the etcd store)\n";
    return 2;
  }
  if (!fs::exists(key_file)) {
    io.err << "gatehouse store migrate: the secret key file " << key_file.string() << " does not exist\n";
    return 1;
  }
  auto from_options = options_for(s.from, s, key_file);
  auto to_options = options_for(s.to, s, key_file);
  for (const auto* o : {&from_options, &to_options}) {
    if (!*o) {
      io.err << "gatehouse store migrate: " << o->error().message << "\n";
      return 2;
    }
  }
  if (!is_etcd(s.from) && !fs::is_directory(s.from)) {
    io.err << "gatehouse store migrate: " << s.from << " is not a data directory\n";
    return 1;
  }
  auto source = store::Store::open(from_options.value());
  if (!source) {
    io.err << "gatehouse store migrate: " << source.error().message << "\n";
    return 1;
  }
  auto records = source.value()->export_records();
  if (!records) {
    io.err << "gatehouse store migrate: reading " << s.from << ": " << records.error().message << "\n";
    return 1;
  }
  source.value().reset();
  auto target = store::Store::open(to_options.value());
  if (!target) {
    io.err << "gatehouse store migrate: " << target.error().message << "\n";
    return 1;
  }
  auto written = target.value()->import_records(records.value());
  if (!written) {
    io.err << "gatehouse store migrate: writing " << s.to << ": " << written.error().message << "\n";
    return 1;
  }
  io.out << "copied " << written.value() << " records from " << s.from << " to " << s.to << "\n";
  return 0;
}

}  // namespace gatehouse::cli
