// `gatehouse serve` argument handling: HOST:PORT forms, defaults, one-line errors with
// exit 2, --help, and the data directory created (the running server is tests/server's).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/serve.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(const Args& args) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_serve(args, Io{in, out, err});
  return {code, out.str(), err.str()};
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("gatehouse-serve-test-" + name);
  fs::remove_all(dir);
  return dir;
}

TEST_CASE("HOST:PORT accepts names, IPv4 and bracketed IPv6 with ports 0-65535", "[cli][serve]") {
  struct Row {
    std::string_view text;
    bool ok;
    std::string_view host;
    std::uint16_t port;
  };
  const Row rows[] = {
      {"127.0.0.1:9000", true, "127.0.0.1", 9000}, {"localhost:0", true, "localhost", 0},
      {"[::1]:65535", true, "::1", 65535},         {"0.0.0.0:80", true, "0.0.0.0", 80},
      {"127.0.0.1", false, "", 0},                 {"127.0.0.1:65536", false, "", 0},
      {":9000", false, "", 0},                     {"::1:9000", false, "", 0},
      {"[::1]9000", false, "", 0},                 {"host:9x", false, "", 0},
      {"host:", false, "", 0},                     {"a b:1", false, "", 0},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.text) {
      const auto parsed = parse_host_port(row.text);
      REQUIRE(parsed.has_value() == row.ok);
      if (parsed) {
        CHECK(parsed->host == row.host);
        CHECK(parsed->port == row.port);
      }
    }
  }
}

TEST_CASE("serve options: defaults, validation and the data directory", "[cli][serve]") {
  const fs::path dir = fresh_dir("options") / "nested" / "data";
  const auto parsed = parse_serve_options({"--data", dir.string()});
  REQUIRE(std::holds_alternative<ServeOptions>(parsed));
  const ServeOptions& options = std::get<ServeOptions>(parsed);
  CHECK(options.listen.host == "127.0.0.1");
  CHECK(options.listen.port == 9000);
  CHECK(options.grpc_listen.port == 9001);
  CHECK(options.region == "us-east-1");
  CHECK(!options.bootstrap);
  CHECK_FALSE(options.debug_signatures);
  CHECK(fs::is_directory(dir));
  const auto debug = parse_serve_options({"--data", dir.string(), "--debug-signatures"});
  REQUIRE(std::holds_alternative<ServeOptions>(debug));
  CHECK(std::get<ServeOptions>(debug).debug_signatures);
  fs::remove_all(dir.parent_path().parent_path());
}

TEST_CASE("bad serve arguments print one line and exit 2", "[cli][serve]") {
  const fs::path dir = fresh_dir("bad");
  const std::string data = dir.string();
  struct Row {
    Args args;
    std::string_view says;
  };
  const Row rows[] = {
      {{}, "missing --data DIR"},
      {{"--data", data, "--listen", "127.0.0.1"}, "--listen must be HOST:PORT"},
      {{"--data", data, "--grpc-listen", "x:70000"}, "--grpc-listen must be HOST:PORT"},
      {{"--data", data, "--region", "Mars"}, "--region must look like us-east-1"},
      {{"--data", data, "--bootstrap", data + "/absent.json"}, "cannot read --bootstrap"},
      {{"--data", data, "--audit-log", data + "/no/such/dir/audit.log"}, "--audit-log"},
      {{"--data", data, "--idle-timeout", "0"}, "--idle-timeout must be 1 to 3600 seconds"},
      {{"--data", data, "--log-format", "xml"}, "--log-format must be text or json, not `xml`"},
      {{"--data", data, "--key-file", "/"}, "--key-file `/` must be a file"},
      {{"--data", data, "--bootstrap-mode", "sync"}, "--bootstrap-mode must be create-only or apply, not `sync`"},
      {{"--data", data, "--bootstrap-mode", "apply"}, "--bootstrap-mode needs --bootstrap FILE"},
      {{"--data", data, "--frobnicate"}, "frobnicate"},
      {{"--data", data, "stray"}, "too many positional options"},
      {{"--data", data, "--store", "etcd://127.0.0.1:2379"}, "--data and --store exclude each other"},
      {{"--store", "etcd://127.0.0.1:2379"}, "--store needs --local-dir DIR"},
      {{"--store", "etcd://127.0.0.1:2379", "--local-dir", data}, "--store needs --key-file FILE"},
      {{"--store", "http://127.0.0.1:2379", "--local-dir", data, "--key-file", "k"}, "--store: invalid etcd store"},
      {{"--store", "etcd://", "--local-dir", data, "--key-file", "k"}, "--store: invalid etcd store"},
      {{"--data", data, "--local-dir", data}, "--local-dir goes with --store"},
      {{"--data", data, "--etcd-user", "u"}, "--etcd-user goes with --store"},
      {{"--store", "etcd://h:1", "--local-dir", data, "--key-file", "k", "--etcd-cert", "/etc/hostname"}, "--etcd-cert and --etcd-key go together"},
      {{"--store", "etcd://h:1", "--local-dir", data, "--key-file", "k", "--etcd-cacert", data + "/absent.pem"}, "cannot read --etcd-cacert"},
      {{"--store", "etcd://h:1", "--local-dir", data, "--key-file", "k", "--etcd-user", "u"}, "--etcd-user needs --etcd-password"},
      {{"--store", "etcd://h:1", "--local-dir", data, "--key-file", "k", "--etcd-password", "p"}, "--etcd-user needs --etcd-password"},
      {{"--store", "etcd://h:1", "--local-dir", data, "--key-file", "k", "--etcd-user", "u", "--etcd-password", "p",
        "--etcd-password-file", "/etc/hostname"}, "--etcd-password and --etcd-password-file exclude each other"},
      {{"--store", "etcd://h:1", "--local-dir", data, "--key-file", "k", "--blob-dir", data + "/absent"},
       "--blob-dir"},
      {{"--data", data, "--sidecar-unavailable-status", "200"}, "--sidecar-unavailable-status must be an HTTP status"},
      {{"--ephemeral", "--store", "etcd://127.0.0.1:2379"}, "--ephemeral and --store exclude each other"},
      {{"--ephemeral", "--store", "etcd://h:1", "--local-dir", data}, "--ephemeral and --store exclude each other"},
      {{"--ephemeral", "--blob-dir", data}, "--blob-dir goes with --store"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.says) {
      const Run result = run(row.args);
      CHECK(result.code == 2);
      CHECK(result.out.empty());
      CHECK_THAT(result.err, Catch::StartsWith("gatehouse serve: ") && Catch::Contains(std::string(row.says)));
      CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
      CHECK(!fs::exists(dir));  // nothing created on a bad argument
    }
  }
}

TEST_CASE("serve --help describes the flags and exits 0", "[cli][serve]") {
  const Run result = run({"--help"});
  CHECK(result.code == 0);
  for (const char* flag : {"--data DIR", "--listen HOST:PORT", "--grpc-listen", "--bootstrap FILE", "--region REGION",
                           "--audit-log FILE", "SIGTERM", "--bootstrap-mode", "create-only", "apply",
                           "--log-format", "--quiet", "Neither deletes", "--key-file FILE", "--store etcd://",
                           "--local-dir DIR", "--etcd-cacert FILE", "--etcd-cert FILE", "--etcd-key FILE",
                           "--etcd-user USER", "--etcd-password-file FILE", "--sidecar-unavailable-status",
                           "--blob-dir DIR", "--ephemeral", "--world FILE", "--clock TIME", "--no-grpc",
                           "--event-invoke-config"}) {
    CHECK_THAT(result.out, Catch::Contains(flag));
  }
}

TEST_CASE("serve options: region given or not, log format, quiet, bootstrap mode", "[cli][serve]") {
  const fs::path dir = fresh_dir("options2");
  const auto plain = std::get<ServeOptions>(parse_serve_options({"--data", dir.string()}));
  CHECK_FALSE(plain.region_given);
  CHECK(plain.log_format == server::http::LogFormat::Text);
  CHECK_FALSE(plain.quiet);
  CHECK(plain.bootstrap_mode == store::BootstrapMode::CreateOnly);
  const auto given = std::get<ServeOptions>(
      parse_serve_options({"--data", dir.string(), "--region", "eu-west-1", "--log-format", "json", "--quiet"}));
  CHECK(given.region_given);
  CHECK(given.region == "eu-west-1");
  CHECK(given.log_format == server::http::LogFormat::Json);
  CHECK(given.quiet);
  fs::remove_all(dir);
}

TEST_CASE("serve --event-invoke-config: per-function retries and event age, AWS's names and ranges", "[cli][serve]") {
  const fs::path dir = fresh_dir("event-invoke-config");
  const auto options = std::get<ServeOptions>(parse_serve_options(
      {"--data", dir.string(), "--event-invoke-config", "once,MaximumRetryAttempts=0", "--event-invoke-config",
       "arn:aws:lambda:us-east-1:111111111111:function:f:live,MaximumEventAgeInSeconds=60,MaximumRetryAttempts=1",
       "--event-invoke-config", "*,MaximumEventAgeInSeconds=3600"}));
  server::invoke::AsyncOptions async;
  async.per_function = options.event_invoke_configs;
  server::invoke::QueuedEvent event;
  event.account = "111111111111";
  event.region = "us-east-1";
  event.function_name = "once";
  CHECK(async.config_for(event).maximum_retry_attempts == 0);
  CHECK(async.config_for(event).maximum_event_age == std::chrono::seconds(21600));
  event.function_name = "f";
  event.qualifier = "live";
  CHECK(async.config_for(event).maximum_retry_attempts == 1);
  CHECK(async.config_for(event).maximum_event_age == std::chrono::seconds(60));
  event.qualifier = "";  // not the alias: the `*` entry
  CHECK(async.config_for(event).maximum_retry_attempts == 2);
  CHECK(async.config_for(event).maximum_event_age == std::chrono::seconds(3600));
  async.per_function.clear();
  CHECK(async.config_for(event).maximum_event_age == std::chrono::seconds(21600));
  for (const char* bad : {"f", "f,MaximumRetryAttempts=3", "f,MaximumEventAgeInSeconds=59",
                          "f,MaximumEventAgeInSeconds=21601", "f,Retries=1", ",MaximumRetryAttempts=1",
                          "f,MaximumRetryAttempts=x"}) {
    const Run r = run({"--data", dir.string(), "--event-invoke-config", bad});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("--event-invoke-config: expected FUNCTION,MaximumRetryAttempts=N"));
  }
  fs::remove_all(dir);
}

TEST_CASE("--debug-signatures tells an unknown access key from a signature mismatch", "[cli][serve]") {
  sigv4::SignatureTrace trace{"AKIAUNKNOWNEXAMPLE00", "GET\n/\n", "AWS4-HMAC-SHA256\n", false, false};
  const std::string unknown = signature_debug_text(trace);
  CHECK_THAT(unknown, Catch::StartsWith("gatehouse: debug: unknown access key AKIAUNKNOWNEXAMPLE00: "));
  CHECK_THAT(unknown, !Catch::Contains("mismatch") && !Catch::Contains("canonical request"));
  trace.known_key = true;
  CHECK(signature_debug_text(trace) ==
        "gatehouse: debug: signature mismatch for access key AKIAUNKNOWNEXAMPLE00\n--- canonical request ---\n"
        "GET\n/\n\n--- string to sign ---\nAWS4-HMAC-SHA256\n\n---");
}

TEST_CASE("the request log line of a request signed for another region says how to serve it", "[cli][serve]") {
  server::http::RequestLogEntry entry;
  entry.method = "GET";
  entry.path = "/2015-03-31/functions";
  entry.operation = "ListFunctions";
  entry.principal = "AKIAEXAMPLEROOT11111";
  entry.status = 403;
  entry.milliseconds = 1.25;
  entry.reason = "Credential should be scoped to a valid region, not 'eu-west-1'. ";
  const std::string text = request_log_line(entry, server::http::LogFormat::Text, "us-east-1");
  CHECK(text ==
        "gatehouse: GET /2015-03-31/functions ListFunctions principal=AKIAEXAMPLEROOT11111 decision=- status=403 1.2ms "
        "reason=\"Credential should be scoped to a valid region, not 'eu-west-1'. \"\n"
        "gatehouse: hint: this server serves region us-east-1; to serve eu-west-1 restart it with --region eu-west-1 "
        "(or set \"region\" in the world file), or sign for us-east-1 (AWS_DEFAULT_REGION, --region of the AWS CLI)");
  const std::string json = request_log_line(entry, server::http::LogFormat::Json, "us-east-1");
  CHECK_THAT(json, Catch::StartsWith("{\"requestId\":\"\",\"method\":\"GET\"") &&
                       Catch::EndsWith(",\"hint\":\"this server serves region us-east-1; to serve eu-west-1 restart it "
                                       "with --region eu-west-1 (or set \\\"region\\\" in the world file), or sign for "
                                       "us-east-1 (AWS_DEFAULT_REGION, --region of the AWS CLI)\"}"));
  entry.reason = "User: x is not authorized";
  CHECK(request_log_line(entry, server::http::LogFormat::Text, "us-east-1").find("hint") == std::string::npos);
}

TEST_CASE("serve takes the world file's region, prints a summary, and reports an edited world", "[cli][serve]") {
  const fs::path dir = fresh_dir("world");
  fs::create_directories(dir);
  const fs::path world = dir / "world.json";
  const auto write_world = [&](const std::string& region, const std::string& action) {
    std::ofstream(world) << R"({"region": ")" << region << R"(",
      "accounts": [{"id": "111111111111", "rootAccessKeys": [],
      "users": [{"name": "alice", "inlinePolicies": {"p": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ")" << action << R"(", "Resource": "*"}]}}}]}]})";
  };
  // A port this process holds: serve applies the world, reports, then cannot listen and exits 1.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor holder(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string listen = "127.0.0.1:" + std::to_string(holder.local_endpoint().port());
  const std::string data = (dir / "data").string();

  write_world("eu-west-1", "lambda:Get*");
  Run r = run({"--data", data, "--listen", listen, "--bootstrap", world.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("gatehouse: world " + world.string() +
                                    ": created 3, already present 0, none differs from the file\n"));
  CHECK_THAT(r.err, Catch::Contains("gatehouse: region eu-west-1 (the world file)\n"));

  write_world("eu-west-1", "lambda:*");
  r = run({"--data", data, "--listen", listen, "--bootstrap", world.string(), "--region", "ap-south-1"});
  CHECK_THAT(r.err, Catch::Contains(": created 0, already present 3, of which 1 differs from the file (kept; "
                                    "--bootstrap-mode apply updates it): user alice: inline policy p\n"));
  CHECK_THAT(r.err, Catch::Contains("gatehouse: region ap-south-1 (--region, over the world file's eu-west-1)\n"));

  // The key file docs/store.md names: a store opened with another key is refused.
  const fs::path other_key = dir / "other.key";
  {
    std::ofstream(other_key) << std::string(64, 'a') << "\n";
    fs::permissions(other_key, fs::perms::owner_read | fs::perms::owner_write);
  }
  r = run({"--data", data, "--listen", listen, "--key-file", other_key.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("is not the key of the store"));

  write_world("Mars", "lambda:*");
  r = run({"--data", data, "--listen", listen, "--bootstrap", world.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains(world.string() + ": $.region: must look like us-east-1, not `Mars`"));
  fs::remove_all(dir);
}

TEST_CASE("serve exits 1 when its port is taken", "[cli][serve]") {
  const fs::path dir = fresh_dir("taken");
  // A port this process already listens on.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor holder(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string listen = "127.0.0.1:" + std::to_string(holder.local_endpoint().port());
  const Run result = run({"--data", dir.string(), "--listen", listen});
  CHECK(result.code == 1);
  CHECK_THAT(result.err, Catch::Contains("cannot listen on 127.0.0.1"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gatehouse::cli

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;

TEST_CASE("serve options: --store etcd:// with --local-dir, TLS and etcd authentication", "[cli][serve]") {
  const fs::path dir = fresh_dir("etcd");
  fs::create_directories(dir);
  const std::string password_file = (dir / "password").string();
  std::ofstream(password_file) << "s3cret\r\nignored\n";
  const std::string local = (dir / "local").string();
  const auto parsed = parse_serve_options({"--store", "etcd://127.0.0.1:2379,127.0.0.1:22379/gh", "--local-dir", local,
                                           "--key-file", password_file,
                                           "--etcd-cacert", password_file, "--etcd-cert", password_file, "--etcd-key",
                                           password_file, "--etcd-user", "gatehouse", "--etcd-password-file",
                                           password_file, "--sidecar-unavailable-status", "429", "--blob-dir",
                                           dir.string()});
  REQUIRE(std::holds_alternative<ServeOptions>(parsed));
  const ServeOptions& options = std::get<ServeOptions>(parsed);
  REQUIRE(options.etcd);
  CHECK(options.etcd->endpoints == std::vector<std::string>{"127.0.0.1:2379", "127.0.0.1:22379"});
  CHECK(options.etcd->prefix.starts_with("/gh"));
  CHECK(options.etcd->ca_file == password_file);
  CHECK(options.etcd->cert_file == password_file);
  CHECK(options.etcd->key_file == password_file);
  CHECK(options.etcd->blob_dir == dir);
  CHECK(options.etcd->user == "gatehouse");
  CHECK(options.etcd->password == "s3cret");  // the first line, without its line end
  CHECK(options.data_dir == local);
  CHECK(fs::is_directory(local));  // the replica's own directory is created
  CHECK(options.sidecar_unavailable_status == 429);
  const auto plain = std::get<ServeOptions>(parse_serve_options({"--data", (dir / "data").string()}));
  CHECK_FALSE(plain.etcd);
  CHECK(plain.sidecar_unavailable_status == 503);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gatehouse::cli
