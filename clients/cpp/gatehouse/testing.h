// gatehouse::testing — a real, enforcing gatehouse fixture server for C++ test suites
// (docs/testing.md, "C++"). Header-only; needs only the standard library and POSIX.
//
//   gatehouse::testing::Server server({.world = "tests/world.json"});
//   auto dev = server.credentials("arn:aws:iam::111111111111:user/dev");
//   auto answer = server.call(dev, "GET", "/2015-03-31/functions/", "lambda");
//   REQUIRE(answer.status == 200);
//
// Server starts `gatehouse serve --ephemeral` (the binary given, else $GATEHOUSE_BIN, else
// `gatehouse` on PATH), reads its ready line, and stops it (SIGTERM) in its destructor. With
// Catch2 v2 included first, CatchResetListener resets every live Server before each test case:
//   using gatehouse::testing::CatchResetListener;   // in one .cpp file
//   CATCH_REGISTER_LISTENER(CatchResetListener)
#pragma once

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace gatehouse::testing {

// Keys to sign requests with, as POST /_gatehouse/credentials answers them.
struct Credentials {
  std::string access_key_id, secret_access_key;
  std::string session_token;  // empty for users and roots
  std::string expiration;     // ISO 8601; empty for users and roots
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // First header of that name, case-insensitively; empty when absent.
  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return {};
  }
};

// What POST /_gatehouse/explain answers: the decision and the statements behind it.
struct Explanation {
  std::string decision;  // "allowed", "explicitDeny" or "implicitDeny"
  std::string reason, message;
  std::vector<std::string> matched_sids;  // the Sid of each matched statement
  std::string json;                       // the whole answer
  bool allowed() const { return decision == "allowed"; }
};

namespace detail {

// The value of "key" in a flat JSON object our server wrote: a string (escapes decoded), a
// number, true/false, or null (nullopt); the raw text of an array or object.
inline std::optional<std::string> json_value(std::string_view json, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  std::size_t at = 0;
  int depth = 0;
  bool in_string = false;
  // Find the key at depth 1 (the top-level object's own members).
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      if (depth == 1 && json.compare(i, quoted.size(), quoted) == 0) {
        std::size_t j = i + quoted.size();
        while (j < json.size() && (json[j] == ' ' || json[j] == '\n')) ++j;
        if (j < json.size() && json[j] == ':') {
          at = j + 1;
          break;
        }
      }
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  if (at == 0) return std::nullopt;
  while (at < json.size() && json[at] == ' ') ++at;
  if (at >= json.size()) return std::nullopt;
  if (json[at] == '"') {
    std::string out;
    for (std::size_t i = at + 1; i < json.size(); ++i) {
      char c = json[i];
      if (c == '"') return out;
      if (c != '\\' || i + 1 >= json.size()) {
        out.push_back(c);
        continue;
      }
      c = json[++i];
      switch (c) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'u': {
          if (i + 4 >= json.size()) return std::nullopt;
          const unsigned code = static_cast<unsigned>(std::stoul(std::string(json.substr(i + 1, 4)), nullptr, 16));
          i += 4;
          if (code < 0x80) {
            out.push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default: out.push_back(c);
      }
    }
    return std::nullopt;
  }
  if (json[at] == '[' || json[at] == '{') {
    int level = 0;
    bool quoted_text = false;
    for (std::size_t i = at; i < json.size(); ++i) {
      const char c = json[i];
      if (quoted_text) {
        if (c == '\\') ++i;
        else if (c == '"') quoted_text = false;
        continue;
      }
      if (c == '"') quoted_text = true;
      if (c == '[' || c == '{') ++level;
      if (c == ']' || c == '}') {
        if (--level == 0) return std::string(json.substr(at, i - at + 1));
      }
    }
    return std::nullopt;
  }
  std::size_t end = at;
  while (end < json.size() && json[end] != ',' && json[end] != '}' && json[end] != ' ') ++end;
  const std::string_view token = json.substr(at, end - at);
  if (token == "null") return std::nullopt;
  return std::string(token);
}

// The strings of a JSON array of strings (as json_value gives it).
inline std::vector<std::string> json_strings(std::string_view array) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (array[i] != '"') continue;
    std::string item;
    for (++i; i < array.size() && array[i] != '"'; ++i) {
      if (array[i] == '\\' && i + 1 < array.size()) ++i;
      item.push_back(array[i]);
    }
    out.push_back(std::move(item));
  }
  return out;
}

inline std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      out += buffer;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

// Writes all of `data` to `fd`; false on failure.
inline bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One HTTP/1.1 exchange on a new connection (Connection: close), reading until the server
// closes it or Content-Length is reached.
inline HttpResponse http_exchange(const std::string& host, const std::string& port, std::string_view request,
                                  std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    throw std::runtime_error("gatehouse::testing: cannot resolve " + host);
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) throw std::runtime_error("gatehouse::testing: cannot connect to " + host + ":" + port);
  std::string raw;
  const bool sent = write_all(fd, request);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (sent) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[16384];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
    // Complete once the header and Content-Length bytes of body are in.
    const auto end = raw.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    HttpResponse head;
    std::size_t length = std::string::npos;
    std::string_view lines(raw.data(), end);
    while (!lines.empty()) {
      const auto eol = lines.find("\r\n");
      const std::string_view line = lines.substr(0, eol);
      lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 2);
      const auto colon = line.find(':');
      if (colon != std::string_view::npos &&
          (line.substr(0, colon) == "Content-Length" || line.substr(0, colon) == "content-length")) {
        length = std::stoul(std::string(line.substr(colon + 1)));
      }
    }
    if (length != std::string::npos && raw.size() >= end + 4 + length) break;
  }
  ::close(fd);
  HttpResponse response;
  const auto end = raw.find("\r\n\r\n");
  if (!sent || end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) {
    throw std::runtime_error("gatehouse::testing: no HTTP answer from " + host + ":" + port);
  }
  std::string_view lines(raw.data(), end);
  const auto first = lines.find("\r\n");
  const std::string_view status_line = lines.substr(0, first);
  response.status = std::atoi(std::string(status_line.substr(status_line.find(' ') + 1, 3)).c_str());
  lines.remove_prefix(first == std::string_view::npos ? lines.size() : first + 2);
  while (!lines.empty()) {
    const auto eol = lines.find("\r\n");
    const std::string_view line = lines.substr(0, eol);
    lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  response.body = raw.substr(end + 4);
  const std::string length = response.header("Content-Length");
  if (!length.empty() && response.body.size() > std::stoul(length)) response.body.resize(std::stoul(length));
  return response;
}

// Runs `argv` with extra environment entries and `input` on standard input; its standard
// output, and whether it exited 0.
inline std::pair<bool, std::string> run_program(const std::vector<std::string>& argv,
                                                const std::vector<std::string>& extra_env, std::string_view input) {
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) throw std::runtime_error("gatehouse::testing: pipe failed");
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    throw std::runtime_error("gatehouse::testing: pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const bool replaced = std::any_of(extra_env.begin(), extra_env.end(), [&](const std::string& x) {
      return entry.substr(0, entry.find('=') + 1) == std::string_view(x).substr(0, x.find('=') + 1);
    });
    if (!replaced) env_strings.emplace_back(entry);
  }
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> args, env;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env_strings) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (spawned != 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    throw std::runtime_error("gatehouse::testing: cannot run " + argv[0] + ": " + std::strerror(spawned));
  }
  std::thread feeder([fd = to_child[1], text = std::string(input)] {
    write_all(fd, text);
    ::close(fd);
  });
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(from_child[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(from_child[0]);
  feeder.join();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {WIFEXITED(status) && WEXITSTATUS(status) == 0, out};
}

}  // namespace detail

class Server {
 public:
  struct Options {
    std::string world;                     // the world file; empty: an empty world
    std::string binary;                    // default: $GATEHOUSE_BIN, else `gatehouse` on PATH
    std::string clock;                     // --clock: start with the clock standing still here
    bool grpc = true;                      // false: --no-grpc
    bool quiet = true;                     // --quiet: no request log on standard error
    std::vector<std::string> extra_args;   // more `serve` flags
    std::chrono::milliseconds ready_timeout{std::chrono::seconds(30)};
  };

  explicit Server(Options options) : options_(std::move(options)) {
    if (options_.binary.empty()) {
      const char* env = std::getenv("GATEHOUSE_BIN");
      options_.binary = env && *env ? env : "gatehouse";
    }
    std::vector<std::string> argv = {options_.binary, "serve", "--ephemeral"};
    if (!options_.world.empty()) argv.insert(argv.end(), {"--world", options_.world});
    if (!options_.clock.empty()) argv.insert(argv.end(), {"--clock", options_.clock});
    if (!options_.grpc) argv.push_back("--no-grpc");
    if (options_.quiet) argv.push_back("--quiet");
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    start(argv);
    const std::lock_guard lock(registry_mutex());
    registry().insert(this);
  }
  explicit Server(const std::string& world) : Server(with_world(world)) {}
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // SIGTERM, then waits for the server to remove its store (SIGKILL after 10 s).
  ~Server() {
    {
      const std::lock_guard lock(registry_mutex());
      registry().erase(this);
    }
    stop();
  }

  const std::string& endpoint() const { return endpoint_; }   // "http://127.0.0.1:PORT"
  const std::string& host() const { return host_; }
  const std::string& port() const { return port_; }
  const std::optional<std::string>& grpc() const { return grpc_; }  // "127.0.0.1:PORT", or none
  const std::string& region() const { return region_; }
  const std::vector<std::string>& accounts() const { return accounts_; }
  const std::string& ready_line() const { return ready_line_; }
  pid_t pid() const { return pid_; }

  // The world back to what the world file declared, the clock back to its start.
  void reset() { expect(post("/_gatehouse/reset", ""), 204, "reset"); }

  // The clock stands still at `iso_time` ("2026-01-01T00:00:00Z"); returns the clock's time.
  std::string set_clock(const std::string& iso_time) {
    return now_of(expect(post("/_gatehouse/clock", "{\"set\":" + detail::json_quote(iso_time) + "}"), 200, "clock"));
  }
  std::string advance_clock(std::chrono::seconds by) {
    return now_of(expect(post("/_gatehouse/clock", "{\"advanceSeconds\":" + std::to_string(by.count()) + "}"), 200,
                         "clock"));
  }
  std::string now() { return now_of(expect(control("GET", "/_gatehouse/clock", ""), 200, "clock")); }

  // Keys of a user, a new session of a role, or the root keys (docs/testing.md).
  Credentials credentials(const std::string& principal_arn) {
    const HttpResponse r =
        expect(post("/_gatehouse/credentials", "{\"principal\":" + detail::json_quote(principal_arn) + "}"), 200,
               "credentials for " + principal_arn);
    Credentials c;
    c.access_key_id = detail::json_value(r.body, "AccessKeyId").value_or("");
    c.secret_access_key = detail::json_value(r.body, "SecretAccessKey").value_or("");
    c.session_token = detail::json_value(r.body, "SessionToken").value_or("");
    c.expiration = detail::json_value(r.body, "Expiration").value_or("");
    return c;
  }

  // The decision on (principal, action, resource) and why; context_json is a JSON object of
  // condition keys, e.g. R"({"aws:SourceIp":"10.0.0.1"})".
  Explanation explain(const std::string& principal_arn, const std::string& action, const std::string& resource = "*",
                      const std::string& context_json = "{}") {
    const HttpResponse r = expect(post("/_gatehouse/explain", "{\"principal\":" + detail::json_quote(principal_arn) +
                                                                  ",\"action\":" + detail::json_quote(action) +
                                                                  ",\"resource\":" + detail::json_quote(resource) +
                                                                  ",\"context\":" + context_json + "}"),
                                  200, "explain");
    Explanation e;
    e.json = r.body;
    e.decision = detail::json_value(r.body, "decision").value_or("");
    e.reason = detail::json_value(r.body, "reason").value_or("");
    e.message = detail::json_value(r.body, "message").value_or("");
    const std::string matched = detail::json_value(r.body, "matchedStatements").value_or("[]");
    for (std::size_t at = matched.find("\"sid\":"); at != std::string::npos; at = matched.find("\"sid\":", at + 1)) {
      e.matched_sids.push_back(detail::json_value("{" + matched.substr(at) , "sid").value_or(""));
    }
    return e;
  }

  // A request signed as `credentials` for `service` (lambda, iam or sts) by `gatehouse sign`,
  // at the server's clock; `path` is the request target as it goes on the wire.
  HttpResponse call(const Credentials& credentials, const std::string& method, const std::string& path,
                    const std::string& service, const std::string& body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    const std::string url = endpoint_ + path;
    std::vector<std::string> argv = {options_.binary, "sign", "--method", method, "--url", url, "--body", "-",
                                     "--region", service == "iam" ? std::string("us-east-1") : region_,
                                     "--service", service, "--time", amz_date(now())};
    for (const auto& [name, value] : headers) argv.insert(argv.end(), {"--header", name + ": " + value});
    std::vector<std::string> env = {"AWS_ACCESS_KEY_ID=" + credentials.access_key_id,
                                    "AWS_SECRET_ACCESS_KEY=" + credentials.secret_access_key};
    env.push_back("AWS_SESSION_TOKEN=" + credentials.session_token);
    const auto [ok, out] = detail::run_program(argv, env, body);
    const auto start = out.find("\nHeaders:\n");
    if (!ok || start == std::string::npos) throw std::runtime_error("gatehouse::testing: `gatehouse sign` failed");
    std::string_view lines = std::string_view(out).substr(start + 10);
    while (!lines.empty()) {
      const auto eol = lines.find('\n');
      const std::string_view line = lines.substr(0, eol);
      lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 1);
      const auto colon = line.find(": ");
      if (colon == std::string_view::npos) continue;
      const std::string name(line.substr(0, colon));
      if (name == "Host") continue;  // request() sends it
      const bool given = std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == name; });
      if (!given) headers.emplace_back(name, std::string(line.substr(colon + 2)));
    }
    return request(method, path, body, headers);
  }

  // An unsigned request to the server (the control calls, /healthz).
  HttpResponse request(const std::string& method, const std::string& path, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) const {
    std::string text = method + " " + path + " HTTP/1.1\r\nHost: " + host_port_ + "\r\nConnection: close\r\n";
    for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return detail::http_exchange(host_, port_, text, std::chrono::seconds(60));
  }
  // A control call (/_gatehouse/...): carries the ready line's controlToken, without which the
  // server answers as for an unknown path.
  HttpResponse control(const std::string& method, const std::string& path, const std::string& body) const {
    return request(method, path, body, {{"Content-Type", "application/json"}, {kControlTokenHeader, control_token_}});
  }
  HttpResponse post(const std::string& path, const std::string& body) const { return control("POST", path, body); }
  static constexpr const char* kControlTokenHeader = "x-gatehouse-control-token";

  // Resets every live Server (the Catch2 listener calls it before each test case).
  static void reset_all() {
    const std::lock_guard lock(registry_mutex());
    for (Server* server : registry()) server->reset();
  }

 private:
  static std::set<Server*>& registry() {
    static std::set<Server*> servers;
    return servers;
  }
  static std::mutex& registry_mutex() {
    static std::mutex mutex;
    return mutex;
  }

  static Options with_world(const std::string& world) {
    Options options;
    options.world = world;
    return options;
  }

  static std::string now_of(const HttpResponse& r) { return detail::json_value(r.body, "now").value_or(""); }

  // "2026-01-01T00:00:00Z" -> "20260101T000000Z".
  static std::string amz_date(const std::string& iso) {
    std::string out;
    for (const char c : iso) {
      if (c != '-' && c != ':') out.push_back(c);
    }
    return out;
  }

  HttpResponse expect(HttpResponse r, int status, const std::string& what) const {
    if (r.status != status) {
      throw std::runtime_error("gatehouse::testing: " + what + ": HTTP " + std::to_string(r.status) + " " + r.body);
    }
    return r;
  }

  void start(const std::vector<std::string>& argv) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("gatehouse::testing: pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int spawned = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (spawned != 0) {
      ::close(out[0]);
      throw std::runtime_error("gatehouse::testing: cannot run " + argv[0] + ": " + std::strerror(spawned) +
                               " (set GATEHOUSE_BIN to the gatehouse binary)");
    }
    // The ready line: one JSON line, nothing to poll.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
    while (line.find('\n') == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{out[0], POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[1024];
      const ssize_t n = ::read(out[0], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (line.find('\n') == std::string::npos) {
      stop();
      throw std::runtime_error("gatehouse::testing: " + argv[0] +
                               " serve --ephemeral did not become ready (see its standard error)");
    }
    ready_line_ = line.substr(0, line.find('\n'));
    endpoint_ = detail::json_value(ready_line_, "endpoint").value_or("");
    grpc_ = detail::json_value(ready_line_, "grpc");
    region_ = detail::json_value(ready_line_, "region").value_or("us-east-1");
    accounts_ = detail::json_strings(detail::json_value(ready_line_, "accounts").value_or("[]"));
    control_token_ = detail::json_value(ready_line_, "controlToken").value_or("");
    host_port_ = endpoint_.substr(endpoint_.find("://") + 3);
    const auto colon = host_port_.rfind(':');
    host_ = host_port_.substr(0, colon);
    if (host_.size() > 1 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
    port_ = host_port_.substr(colon + 1);
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pid_ = -1;
  }

  Options options_;
  pid_t pid_ = -1;
  std::string ready_line_, endpoint_, host_, port_, host_port_, region_, control_token_;
  std::optional<std::string> grpc_;
  std::vector<std::string> accounts_;
};

}  // namespace gatehouse::testing

#if defined(CATCH_VERSION_MAJOR) && CATCH_VERSION_MAJOR == 2
namespace gatehouse::testing {
// Resets every live Server before each test case. Register it in one source file (the macro
// wants a plain name):
//   using gatehouse::testing::CatchResetListener;
//   CATCH_REGISTER_LISTENER(CatchResetListener)
struct CatchResetListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(Catch::TestCaseInfo const& info) override {
    TestEventListenerBase::testCaseStarting(info);
    Server::reset_all();
  }
};
}  // namespace gatehouse::testing
#endif
