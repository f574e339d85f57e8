#include "executor/executor.h"

#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <thread>

#include "executor/bootstrap_data.h"
#include "executor/runtime_api.h"
#include "executor/zip.h"

namespace gatehouse::executor {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::uint16_t kRuntimeApiPort = 9001;
constexpr std::size_t kLogKeep = 64 * 1024;
constexpr auto kInitLimit = std::chrono::seconds(10);  // Lambda's init phase limit

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 1000) <= 0) return false;
      continue;
    }
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string random_hex(std::size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += kHex[rng() & 15];
  return out;
}

std::string json_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string error_object(std::string_view type, std::string_view message) {
  return R"({"errorType":")" + json_escape(type) + R"(","errorMessage":")" + json_escape(message) + R"("})";
}

std::string fixed2(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  return buffer;
}

// Where the sandbox's code directory for one package lives: the store's key made file-safe.
std::string code_key(std::string_view sha256) {
  std::string out;
  for (char c : sha256) {
    if (c == '/') out += '_';
    else if (c == '+') out += '-';
    else if (c != '=') out += c;
  }
  return out;
}

// A listening socket's connections forwarded to the service's own endpoint: the function's
// SDK calls, made inside the sandbox's network namespace to 127.0.0.1:<service port>.
class Forwarder {
 public:
  Forwarder(int listener, std::string host, std::uint16_t port, std::shared_ptr<Executor::ForwardedConnections> seen)
      : host_(std::move(host)), port_(port), seen_(std::move(seen)) {
    if (::pipe2(stop_, O_CLOEXEC) != 0) stop_[0] = stop_[1] = -1;
    thread_ = std::thread([this, listener] { run(listener); });
  }
  ~Forwarder() {
    if (stop_[1] >= 0) (void)!::write(stop_[1], "x", 1);
    thread_.join();
    for (int fd : stop_) if (fd >= 0) ::close(fd);
  }

 private:
  int connect_service() const {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found) != 0) return -1;
    int s = -1;
    for (addrinfo* a = found; a && s < 0; a = a->ai_next) {
      s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (s >= 0 && ::connect(s, a->ai_addr, a->ai_addrlen) != 0) {
        ::close(s);
        s = -1;
      }
    }
    ::freeaddrinfo(found);
    return s;
  }

  // The address and port this end of a connection to the service has (what the service sees as
  // its peer), or nullopt.
  static std::optional<std::pair<std::string, std::uint16_t>> local_end(int s) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) != 0) return std::nullopt;
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
      if (!::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text)) return std::nullopt;
      return std::pair<std::string, std::uint16_t>{text, ntohs(v4->sin_port)};
    }
    if (address.ss_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
      if (!::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text)) return std::nullopt;
      return std::pair<std::string, std::uint16_t>{text, ntohs(v6->sin6_port)};
    }
    return std::nullopt;
  }

  void run(int listener) {
    struct Pair {
      int inside, outside;
      std::pair<std::string, std::uint16_t> local;
    };
    std::vector<Pair> pairs;
    std::vector<char> buffer(64 * 1024);
    for (;;) {
      std::vector<pollfd> fds{{stop_[0], POLLIN, 0}, {listener, POLLIN, 0}};
      for (const Pair& p : pairs) {
        fds.push_back({p.inside, POLLIN, 0});
        fds.push_back({p.outside, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[0].revents) break;
      std::vector<bool> dead(pairs.size(), false);
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        for (int side = 0; side < 2; ++side) {
          const pollfd& f = fds[2 + 2 * i + side];
          if (!f.revents) continue;
          const int to = side == 0 ? pairs[i].outside : pairs[i].inside;
          const ssize_t n = ::recv(f.fd, buffer.data(), buffer.size(), 0);
          if (n <= 0 || !write_all(to, std::string_view(buffer.data(), static_cast<std::size_t>(n)))) dead[i] = true;
        }
      }
      for (std::size_t i = pairs.size(); i-- > 0;) {
        if (!dead[i]) continue;
        seen_->remove(pairs[i].local.first, pairs[i].local.second);
        ::close(pairs[i].inside);
        ::close(pairs[i].outside);
        pairs.erase(pairs.begin() + static_cast<std::ptrdiff_t>(i));
      }
      if (fds[1].revents & POLLIN) {
        const int inside = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (inside >= 0) {
          const int outside = connect_service();
          // Known before the first byte is forwarded, so before the service reads a request on it.
          const auto local = outside >= 0 ? local_end(outside) : std::nullopt;
          if (!local || pairs.size() >= 256) {
            ::close(inside);
            if (outside >= 0) ::close(outside);
          } else {
            seen_->add(local->first, local->second);
            pairs.push_back({inside, outside, *local});
          }
        }
      }
    }
    for (const Pair& p : pairs) {
      seen_->remove(p.local.first, p.local.second);
      ::close(p.inside);
      ::close(p.outside);
    }
  }

  std::string host_;
  std::uint16_t port_;
  std::shared_ptr<Executor::ForwardedConnections> seen_;
  int stop_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace

void Executor::ForwardedConnections::add(std::string address, std::uint16_t port) {
  const std::lock_guard lock(mutex_);
  open_.emplace_back(std::move(address), port);
}

void Executor::ForwardedConnections::remove(const std::string& address, std::uint16_t port) {
  const std::lock_guard lock(mutex_);
  const auto it = std::find(open_.begin(), open_.end(), std::pair<std::string, std::uint16_t>{address, port});
  if (it != open_.end()) open_.erase(it);
}

bool Executor::ForwardedConnections::contains(std::string_view address, std::uint16_t port) const {
  const std::lock_guard lock(mutex_);
  return std::any_of(open_.begin(), open_.end(), [&](const auto& e) { return e.second == port && e.first == address; });
}

bool Executor::is_function_connection(std::string_view address, std::uint16_t port) const {
  return forwarded_->contains(address, port);
}

std::optional<RuntimeKind> runtime_kind(std::string_view runtime) {
  static constexpr std::string_view kPython[] = {"python3.9", "python3.10", "python3.11", "python3.12", "python3.13"};
  static constexpr std::string_view kNode[] = {"nodejs18.x", "nodejs20.x", "nodejs22.x"};
  if (std::find(std::begin(kPython), std::end(kPython), runtime) != std::end(kPython)) return RuntimeKind::Python;
  if (std::find(std::begin(kNode), std::end(kNode), runtime) != std::end(kNode)) return RuntimeKind::Node;
  if (runtime == "provided.al2023" || runtime == "provided.al2") return RuntimeKind::Provided;
  return std::nullopt;
}

std::string log_tail(std::string_view log, std::size_t limit) {
  return std::string(log.size() > limit ? log.substr(log.size() - limit) : log);
}

// One running sandbox serving one function version and configuration.
struct Executor::Environment {
  std::string function_arn, version, revision;  // what it serves
  std::int64_t credentials_expire_ms = 0;
  std::unique_ptr<Sandbox> box;
  std::unique_ptr<Forwarder> forwarder;
  int connection = -1;  // the runtime's current connection to the Runtime API
  RequestReader reader;
  std::string log_stream;
  Clock::time_point started, last_used;
  bool initialized = false;  // the runtime has asked for an event once

  ~Environment() {
    if (connection >= 0) ::close(connection);
    forwarder.reset();
    box.reset();
  }
};

Executor::Executor(Options options) : options_(std::move(options)) {
  std::error_code ec;
  if (options_.work_dir.empty()) {
    remove_leftovers(options_.sandbox, fs::temp_directory_path().string());
    std::string pattern =
        (fs::temp_directory_path() / ("gatehouse-executor-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data())) {
      work_dir_ = pattern;
      own_work_dir_ = true;
    }
  } else {
    work_dir_ = options_.work_dir;
    fs::create_directories(work_dir_, ec);
  }
  if (work_dir_.empty() || ec) {
    unavailable_ = "cannot create the executor's work directory";
    return;
  }
  // The sandbox's uid must reach the code and the bootstraps, nothing else in here.
  fs::permissions(work_dir_, fs::perms(0711), ec);
  const fs::path runtime = fs::path(work_dir_) / "runtime";
  fs::create_directories(runtime, ec);
  fs::create_directories(fs::path(work_dir_) / "code", ec);
  fs::permissions(fs::path(work_dir_) / "code", fs::perms(0711), ec);
  // The sandbox's user as Lambda's /etc/passwd names it (uid 993, gid 990): runtimes and SDKs
  // that ask for the user's home directory (Node's os.homedir(), the JavaScript SDK's config
  // files) get an answer instead of ENOENT; the directory does not exist, as on Lambda.
  const fs::path etc = fs::path(work_dir_) / "etc";
  fs::create_directories(etc, ec);
  const std::string passwd =
      "root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin\n";
  const std::string group = "root:x:0:\nsbx_user1051:x:990:\n";
  for (const auto& [file, text] : {std::pair{runtime / "bootstrap.py", std::string_view(kPythonBootstrap)},
                                   std::pair{runtime / "bootstrap.mjs", std::string_view(kNodeBootstrap)},
                                   std::pair{etc / "passwd", std::string_view(passwd)},
                                   std::pair{etc / "group", std::string_view(group)}}) {
    fs::remove(file, ec);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0) continue;
    std::string_view rest = text;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n <= 0) break;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd);
  }
  fs::permissions(runtime, fs::perms(0555), ec);
  fs::permissions(etc, fs::perms(0555), ec);
  const HostSupport support = probe_host(options_.sandbox);
  unavailable_ = support.problem;
  no_memory_limit_ = support.no_memory_limit;
  if (!unavailable_) reaper_ = std::thread([this] { reap(); });
}

void Executor::reap() {
  const auto period = std::clamp<std::chrono::milliseconds>(options_.keep_warm / 4, std::chrono::milliseconds(50),
                                                            std::chrono::milliseconds(30'000));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_reaper_.wait_for(lock, period);
    std::vector<std::unique_ptr<Environment>> retired;
    const auto now = Clock::now();
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (now - (*it)->last_used > options_.keep_warm || (*it)->box->exited()) {
        retired.push_back(std::move(*it));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    retired.clear();  // stopped outside the lock
    lock.lock();
  }
}

Executor::~Executor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_reaper_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  std::vector<std::unique_ptr<Environment>> idle;
  {
    std::lock_guard lock(mutex_);
    idle.swap(idle_);
  }
  idle.clear();
  if (own_work_dir_) {
    // The code and bootstraps are read-only: writable again first (a server that is not root
    // could not remove them otherwise).
    std::error_code ec;
    fs::permissions(work_dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    for (fs::recursive_directory_iterator it(work_dir_, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code ignored;
      if (it->is_directory(ignored) && !it->is_symlink(ignored)) {
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
      }
    }
    fs::remove_all(work_dir_, ec);
  }
}

void Executor::set_service_endpoint(std::string host, std::uint16_t port) {
  std::lock_guard lock(mutex_);
  options_.service_host = std::move(host);
  options_.service_port = port;
}

std::size_t Executor::warm_environments() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

std::optional<std::string> Executor::code_dir(const FunctionSpec& function, const CodeFn& code, Failure* failure) {
  const fs::path dir = fs::path(work_dir_) / "code" / code_key(function.code_sha256);
  std::lock_guard lock(code_mutex_);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return dir.string();
  const auto bytes = code();
  if (!bytes) {
    *failure = {502, "ServiceException", "The function's code package is missing from the store."};
    return std::nullopt;
  }
  const fs::path staging = fs::path(work_dir_) / "code" / ("." + code_key(function.code_sha256) + "." + random_hex(8));
  if (auto refused = unpack_zip(*bytes, staging)) {
    *failure = {502, "InvalidZipFileException", "Lambda was unable to unzip the function's code: " + *refused};
    return std::nullopt;
  }
  fs::rename(staging, dir, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    *failure = {500, "ServiceException", "Could not store the function's code."};
    return std::nullopt;
  }
  return dir.string();
}

std::variant<std::unique_ptr<Executor::Environment>, Failure> Executor::start_environment(
    const FunctionSpec& function, const CodeFn& code, const CredentialsFn& credentials) {
  const auto kind = runtime_kind(function.runtime);
  if (!kind) {
    return Failure{502, "InvalidRuntimeException",
                   "The runtime parameter of " + function.runtime + " is not served by this service."};
  }
  Failure failure;
  const auto dir = code_dir(function, code, &failure);
  if (!dir) return failure;
  auto minted = credentials();
  if (auto* refused = std::get_if<Failure>(&minted)) return *refused;
  const Credentials& keys = std::get<Credentials>(minted);

  auto env = std::make_unique<Environment>();
  env->function_arn = function.unqualified_arn;
  env->version = function.version;
  env->revision = function.revision;
  env->credentials_expire_ms = keys.expiration_ms;
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char day[16];
  std::strftime(day, sizeof day, "%Y/%m/%d", &utc);
  env->log_stream = std::string(day) + "/[" + function.version + "]" + random_hex(32);

  SandboxSpec spec;
  spec.code_dir = *dir;
  spec.runtime_dir = (fs::path(work_dir_) / "runtime").string();
  spec.etc_dir = (fs::path(work_dir_) / "etc").string();
  spec.memory_bytes = static_cast<std::uint64_t>(std::max(function.memory_mb, 1)) << 20;
  spec.tmp_bytes = static_cast<std::uint64_t>(std::max(function.ephemeral_mb, 1)) << 20;
  const std::uint16_t api_port = options_.service_port == kRuntimeApiPort ? kRuntimeApiPort + 1 : kRuntimeApiPort;
  spec.loopback_ports = {api_port};
  if (options_.service_port != 0) spec.loopback_ports.push_back(options_.service_port);

  std::string program;
  if (auto chosen = options_.interpreters.find(function.runtime); chosen != options_.interpreters.end()) {
    program = chosen->second;
  } else if (*kind == RuntimeKind::Python) {
    program = options_.python;
  } else if (*kind == RuntimeKind::Node) {
    program = options_.node;
  }
  if (!program.empty()) {
    std::error_code ec;
    const fs::path real = fs::canonical(program, ec);
    if (ec) return Failure{502, "ServiceException", "The interpreter for " + function.runtime + " is missing: " + program};
    if (!real.string().starts_with("/usr/")) spec.extra_read_only.push_back(real.parent_path().parent_path().string());
    program = real.string();
  }
  switch (*kind) {
    case RuntimeKind::Python: spec.command = {program, "-u", "/var/runtime/bootstrap.py"}; break;
    case RuntimeKind::Node: spec.command = {program, "/var/runtime/bootstrap.mjs"}; break;
    case RuntimeKind::Provided: spec.command = {"/var/task/bootstrap"}; break;
  }

  auto& e = spec.environment;
  e = {{"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
       {"LD_LIBRARY_PATH", "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"},
       {"LANG", "en_US.UTF-8"},
       {"TZ", ":UTC"}};
  // The function's own variables; reserved keys were refused when they were set.
  for (const auto& variable : function.environment) {
    auto same = std::find_if(e.begin(), e.end(), [&](const auto& v) { return v.first == variable.first; });
    if (same != e.end()) same->second = variable.second;
    else e.push_back(variable);
  }
  const std::vector<std::pair<std::string, std::string>> reserved = {
      {"AWS_LAMBDA_FUNCTION_NAME", function.name},
      {"AWS_LAMBDA_FUNCTION_VERSION", function.version},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(function.memory_mb)},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name},
      {"AWS_LAMBDA_LOG_STREAM_NAME", env->log_stream},
      {"AWS_REGION", options_.region},
      {"AWS_DEFAULT_REGION", options_.region},
      {"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + std::to_string(api_port)},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"_HANDLER", function.handler},
      {"LAMBDA_TASK_ROOT", "/var/task"},
      {"LAMBDA_RUNTIME_DIR", "/var/runtime"},
      {"AWS_ACCESS_KEY_ID", keys.access_key_id},
      {"AWS_SECRET_ACCESS_KEY", keys.secret_access_key},
      {"AWS_SESSION_TOKEN", keys.session_token}};
  for (const auto& variable : reserved) {
    std::erase_if(e, [&](const auto& v) { return v.first == variable.first; });
    e.push_back(variable);
  }
  if (*kind != RuntimeKind::Provided) e.emplace_back("AWS_EXECUTION_ENV", "AWS_Lambda_" + function.runtime);
  if (options_.service_port != 0) {
    e.emplace_back("AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(options_.service_port));
  }

  std::string error;
  env->started = Clock::now();
  env->box = Sandbox::start(options_.sandbox, spec, &error);
  if (!env->box) return Failure{500, "ServiceException", "The function's sandbox could not start: " + error};
  if (options_.service_port != 0) {
    env->forwarder =
        std::make_unique<Forwarder>(env->box->listener(1), options_.service_host, options_.service_port, forwarded_);
  }
  return env;
}

std::unique_ptr<Executor::Environment> Executor::take_warm(const FunctionSpec& function) {
  std::vector<std::unique_ptr<Environment>> retired;
  std::unique_ptr<Environment> out;
  const auto now = Clock::now();
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  {
    std::lock_guard lock(mutex_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      Environment& env = **it;
      const bool same_version = env.function_arn == function.unqualified_arn && env.version == function.version;
      // Retired: a changed version (code or configuration), idle too long, credentials that
      // would expire during an invocation, or a sandbox that ended.
      const bool stale = (same_version && env.revision != function.revision) ||
                         now - env.last_used > options_.keep_warm ||
                         env.credentials_expire_ms - now_ms < (function.timeout_s + 300) * 1000LL || env.box->exited();
      if (stale) {
        retired.push_back(std::move(*it));
        it = idle_.erase(it);
        continue;
      }
      if (!out && same_version) {
        out = std::move(*it);
        it = idle_.erase(it);
        continue;
      }
      ++it;
    }
  }
  return out;  // `retired` are stopped here, outside the lock
}

void Executor::give_back(std::unique_ptr<Environment> environment) {
  environment->last_used = Clock::now();
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(environment));
}

std::variant<InvokeOutput, Failure> Executor::invoke(const FunctionSpec& function, const Invocation& invocation,
                                                     const CodeFn& code, const CredentialsFn& credentials) {
  if (unavailable_) {
    return Failure{500, "ServiceException",
                   "Function code cannot run on this server: " + *unavailable_ +
                       ". The request was authenticated and authorized; InvocationType DryRun checks authorization."};
  }
  std::unique_ptr<Environment> env = take_warm(function);
  InvokeOutput out;
  out.cold_start = !env;
  if (!env) {
    auto started = start_environment(function, code, credentials);
    if (auto* failure = std::get_if<Failure>(&started)) return *failure;
    env = std::move(std::get<std::unique_ptr<Environment>>(started));
  }
  if (env->box->cgroup()) env->box->cgroup()->reset_peak();

  std::string output;  // the function's own output during this invocation
  const auto append_output = [&](std::string_view text) {
    output.append(text);
    if (output.size() > kLogKeep) output.erase(0, output.size() - kLogKeep);
  };
  const auto drain = [&] {
    char buffer[16384];
    for (;;) {
      const ssize_t n = ::read(env->box->output_fd(), buffer, sizeof buffer);
      if (n <= 0) break;
      append_output(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  };

  enum class End { None, Response, Error, Timeout, Exit, InitTimeout };
  End end = End::None;
  bool delivered = false;
  bool reusable = true;
  Clock::time_point handed_out{};
  const Clock::time_point init_deadline = env->initialized ? Clock::time_point::max() : env->started + kInitLimit;
  Clock::time_point deadline = init_deadline;
  std::optional<double> init_ms;

  const auto deliver = [&] {
    std::string headers = "Lambda-Runtime-Aws-Request-Id: " + invocation.request_id + "\r\n";
    handed_out = Clock::now();
    deadline = handed_out + std::chrono::seconds(function.timeout_s);
    const auto deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch() +
                                 std::chrono::seconds(function.timeout_s))
                                 .count();
    headers += "Lambda-Runtime-Deadline-Ms: " + std::to_string(deadline_ms) + "\r\n";
    headers += "Lambda-Runtime-Invoked-Function-Arn: " + invocation.invoked_arn + "\r\n";
    headers += "Lambda-Runtime-Trace-Id: Root=1-" + random_hex(8) + "-" + random_hex(24) + ";Sampled=0\r\n";
    if (!invocation.client_context.empty()) {
      headers += "Lambda-Runtime-Client-Context: " + invocation.client_context + "\r\n";
    }
    if (!env->initialized) {
      env->initialized = true;
      init_ms = std::chrono::duration<double, std::milli>(handed_out - env->started).count();
    }
    delivered = true;
    return write_all(env->connection, http_response(200, "OK", invocation.payload, headers));
  };

  // Requests already read (a pipelined /next) are served first, then the sockets are polled.
  while (end == End::None) {
    bool progressed = false;
    while (end == End::None && env->connection >= 0) {
      auto request = env->reader.next();
      if (!request) break;
      progressed = true;
      const Route route = parse_route(request->method, request->target);
      std::string answer;
      switch (route.kind) {
        case RouteKind::Next:
          if (!delivered) {
            if (!deliver()) end = End::Exit;
            continue;
          }
          answer = invalid_state("Invalid state transition: the invocation has not been answered yet.");
          break;
        case RouteKind::Response:
        case RouteKind::Error:
          if (!delivered) {
            answer = invalid_state("Invalid state transition: no invocation is in progress.");
          } else if (route.request_id != invocation.request_id) {
            answer = invalid_request_id();
          } else if (request->too_large) {
            answer = payload_too_large();
            out.payload = error_object("Function.ResponseSizeTooLarge",
                                       "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
            end = End::Error;
          } else {
            answer = accepted();
            out.payload = std::move(request->body);
            end = route.kind == RouteKind::Response ? End::Response : End::Error;
          }
          break;
        case RouteKind::InitError:
          answer = accepted();
          out.payload = request->too_large ? error_object("Runtime.Unknown", "init error too large")
                                           : std::move(request->body);
          end = End::Error;
          reusable = false;  // the environment is discarded after an init error
          break;
        case RouteKind::MethodNotAllowed:
          answer = http_response(405, "Method Not Allowed", R"({"errorMessage":"Method not allowed","errorType":"MethodNotAllowed"})");
          break;
        case RouteKind::NotFound: answer = not_found(); break;
      }
      if (!write_all(env->connection, answer) || !request->keep_alive) {
        ::close(env->connection);
        env->connection = -1;
        env->reader.reset();
      }
    }
    if (end != End::None) break;
    if (env->reader.failed() && env->connection >= 0) {
      ::close(env->connection);
      env->connection = -1;
      env->reader.reset();
    }
    if (progressed) continue;

    const auto now = Clock::now();
    if (now >= deadline) {
      end = delivered ? End::Timeout : End::InitTimeout;
      break;
    }
    const int wait_ms = static_cast<int>(std::min<std::int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1, 200));
    std::vector<pollfd> fds{{env->box->output_fd(), POLLIN, 0},
                            {env->connection >= 0 ? env->connection : env->box->listener(0), POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && errno != EINTR) {
      end = End::Exit;
      break;
    }
    if (fds[0].revents) drain();
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (env->connection < 0) {
        const int accepted_fd = ::accept4(env->box->listener(0), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (accepted_fd >= 0) env->connection = accepted_fd;
      } else {
        char buffer[65536];
        const ssize_t n = ::recv(env->connection, buffer, sizeof buffer, 0);
        if (n > 0) {
          env->reader.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          ::close(env->connection);
          env->connection = -1;
          env->reader.reset();
        }
      }
    }
    if (ready == 0 || fds[0].revents & POLLHUP) {
      if (env->box->exited()) end = End::Exit;
    }
  }

  const auto finished = Clock::now();
  if (end == End::Timeout || end == End::InitTimeout || end == End::Exit) {
    reusable = false;
    env->box->kill();
    for (int i = 0; i < 100 && !env->box->exited(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  drain();
  const bool oom = env->box->cgroup() && env->box->cgroup()->oom_killed();
  const std::string prefix = "RequestId: " + invocation.request_id + " Error: ";
  std::string status;
  switch (end) {
    case End::Timeout:
    case End::InitTimeout: {
      const double seconds = end == End::Timeout ? function.timeout_s
                                                 : std::chrono::duration<double>(kInitLimit).count();
      out.payload = error_object("Sandbox.Timedout", prefix + "Task timed out after " + fixed2(seconds) + " seconds");
      status = "Status: timeout";
      break;
    }
    case End::Exit:
      if (oom) {
        out.payload = error_object("Runtime.OutOfMemory", prefix + "Runtime exited with error: signal: killed");
        status = "Status: error\tError Type: Runtime.OutOfMemory";
      } else {
        out.payload = error_object("Runtime.ExitError", prefix + "Runtime exited without providing a reason");
        status = "Status: error\tError Type: Runtime.ExitError";
      }
      break;
    default: break;
  }
  out.function_error = end != End::Response;

  const double duration_ms =
      delivered ? std::chrono::duration<double, std::milli>(finished - handed_out).count() : 0.0;
  const std::uint64_t peak = env->box->cgroup() ? env->box->cgroup()->peak_bytes() : 0;
  std::string log = "START RequestId: " + invocation.request_id + " Version: " + function.version + "\n";
  log += output;
  if (!output.empty() && output.back() != '\n') log += '\n';
  log += "END RequestId: " + invocation.request_id + "\n";
  log += "REPORT RequestId: " + invocation.request_id + "\tDuration: " + fixed2(duration_ms) +
         " ms\tBilled Duration: " + std::to_string(static_cast<std::int64_t>(std::ceil(std::max(duration_ms, 1.0)))) +
         " ms\tMemory Size: " + std::to_string(function.memory_mb) +
         " MB\tMax Memory Used: " + std::to_string((peak + (1 << 20) - 1) >> 20) + " MB\t";
  if (init_ms) log += "Init Duration: " + fixed2(*init_ms) + " ms\t";
  if (!status.empty()) log += status;
  log += "\n";
  out.log = log_tail(log, kLogKeep);
  out.duration_ms = duration_ms;
  out.log_stream = env->log_stream;

  if (reusable && !env->box->exited()) give_back(std::move(env));
  return out;
}

}  // namespace gatehouse::executor
