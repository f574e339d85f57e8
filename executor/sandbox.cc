#include "executor/sandbox.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

namespace gatehouse::executor {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool write_text(const fs::path& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// The server's own cgroup in a v1 hierarchy (`controller`), or in the v2 one ("").
std::optional<fs::path> own_cgroup(std::string_view controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t a = line.find(':');
    const std::size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    if (controller.empty()) {
      if (line.substr(0, a) == "0" && controllers.empty()) {
        if (fs::exists("/sys/fs/cgroup/cgroup.controllers")) return fs::path("/sys/fs/cgroup") / path.substr(1);
      }
      continue;
    }
    std::stringstream list(controllers);
    std::string item;
    while (std::getline(list, item, ',')) {
      if (item == controller) return fs::path("/sys/fs/cgroup") / std::string(controller) / path.substr(1);
    }
  }
  return std::nullopt;
}

// Runs jobs on one long-lived thread: bwrap's --die-with-parent follows the thread that
// started it, which must therefore live as long as the server.
class Spawner {
 public:
  static Spawner& instance() {
    static Spawner* spawner = new Spawner();  // never destroyed: it outlives every sandbox
    return *spawner;
  }
  template <class F>
  auto run(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    {
      std::lock_guard lock(mutex_);
      jobs_.emplace_back([&task] { task(); });
    }
    ready_.notify_one();
    return result.get();
  }

 private:
  Spawner() {
    std::thread([this] {
      for (;;) {
        std::function<void()> job;
        {
          std::unique_lock lock(mutex_);
          ready_.wait(lock, [this] { return !jobs_.empty(); });
          job = std::move(jobs_.front());
          jobs_.pop_front();
        }
        job();
      }
    }).detach();
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
};

// A socket listening on 127.0.0.1:port inside the network namespace of `pid` (-1 on failure).
int listen_inside(pid_t pid, std::uint16_t port, std::string* why) {
  int out = -1;
  std::thread([&] {
    const auto failed = [&](const char* step) { *why = std::string(step) + ": " + std::strerror(errno); };
    const int ns = ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) return failed("open ns/net");
    const bool entered = ::setns(ns, CLONE_NEWNET) == 0;
    if (!entered) failed("setns");
    ::close(ns);
    if (!entered) return;
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) return failed("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // bubblewrap brings the loopback interface up in its child while we get here: until then
    // 127.0.0.1 cannot be bound (EADDRNOTAVAIL).
    int bound = ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
    for (int i = 0; i < 400 && bound != 0 && errno == EADDRNOTAVAIL; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      bound = ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
    }
    if (bound != 0 || ::listen(s, 16) != 0) {
      failed("bind/listen");
      ::close(s);
      return;
    }
    out = s;
  }).join();  // the thread ends in the sandbox's namespace; the socket stays bound there
  return out;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::atomic<std::uint64_t> next_sandbox{1};

}  // namespace

// ---------------------------------------------------------------------------
// Cgroup

std::unique_ptr<Cgroup> Cgroup::create(const std::string& parent_name, const std::string& name,
                                     std::uint64_t memory_bytes, std::uint32_t max_tasks, std::string* why) {
  std::error_code ec;
  std::unique_ptr<Cgroup> out(new Cgroup());
  const auto make = [&](const fs::path& root) -> std::optional<fs::path> {
    const fs::path parent = root / parent_name;
    fs::create_directory(parent, ec);
    if (ec) return std::nullopt;
    const fs::path dir = parent / name;
    if (!fs::create_directory(dir, ec) || ec) return std::nullopt;
    return dir;
  };
  if (auto memory = own_cgroup("memory")) {
    auto dir = make(*memory);
    if (!dir) {
      if (why) *why = "cannot create a memory cgroup under " + memory->string() + ": " + ec.message();
      return nullptr;
    }
    out->memory_dir_ = dir->string();
    out->version_ = 1;
    const std::string limit = std::to_string(memory_bytes);
    if (!write_text(*dir / "memory.limit_in_bytes", limit)) {
      if (why) *why = "cannot set memory.limit_in_bytes in " + dir->string();
      fs::remove(*dir, ec);
      out->memory_dir_.clear();
      return nullptr;
    }
    write_text(*dir / "memory.memsw.limit_in_bytes", limit);  // no swap beyond the limit, where accounted
    if (auto pids = own_cgroup("pids")) {
      if (auto p = make(*pids)) {
        out->pids_dir_ = p->string();
        write_text(*p / "pids.max", std::to_string(max_tasks));
      }
    }
    return out;
  }
  if (auto unified = own_cgroup("")) {
    // v2: a child of our own cgroup's parent (a cgroup with processes cannot delegate
    // controllers to children), with memory and pids enabled there.
    const fs::path base = unified->parent_path();
    write_text(base / "cgroup.subtree_control", "+memory +pids");
    auto dir = make(base);
    if (!dir) {
      if (why) *why = "cannot create a cgroup under " + base.string() + ": " + ec.message();
      return nullptr;
    }
    write_text(*dir / "cgroup.subtree_control", "+memory +pids");
    out->version_ = 2;
    out->memory_dir_ = dir->string();
    if (!write_text(*dir / "memory.max", std::to_string(memory_bytes))) {
      if (why) *why = "the memory controller is not available in " + dir->string();
      return nullptr;  // out's destructor removes the directory
    }
    write_text(*dir / "memory.swap.max", "0");
    write_text(*dir / "pids.max", std::to_string(max_tasks));
    return out;
  }
  if (why) *why = "no memory cgroup hierarchy is mounted";
  return nullptr;
}

Cgroup::~Cgroup() {
  for (const std::string* dir : {&memory_dir_, &pids_dir_}) {
    if (dir->empty()) continue;
    // The tasks are dead or dying: a few tries while the kernel finishes them.
    for (int i = 0; i < 200 && ::rmdir(dir->c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

bool Cgroup::add(pid_t pid) const {
  const std::string text = std::to_string(pid);
  bool ok = write_text(fs::path(memory_dir_) / "cgroup.procs", text);
  if (!pids_dir_.empty()) ok = write_text(fs::path(pids_dir_) / "cgroup.procs", text) && ok;
  return ok;
}

std::uint64_t Cgroup::peak_bytes() const {
  const std::string text = read_text(fs::path(memory_dir_) / (version_ == 1 ? "memory.max_usage_in_bytes" : "memory.peak"));
  try {
    return text.empty() ? 0 : std::stoull(text);
  } catch (...) {
    return 0;
  }
}

void Cgroup::reset_peak() const {
  if (version_ == 1) write_text(fs::path(memory_dir_) / "memory.max_usage_in_bytes", "0");
}

bool Cgroup::oom_killed() const {
  if (version_ == 1) {
    const std::string control = read_text(fs::path(memory_dir_) / "memory.oom_control");
    const std::size_t at = control.find("oom_kill ");
    if (at != std::string::npos) return control.compare(at + 9, 2, "0\n") != 0;
    const std::string failcnt = read_text(fs::path(memory_dir_) / "memory.failcnt");
    return !failcnt.empty() && failcnt != "0\n";
  }
  const std::string events = read_text(fs::path(memory_dir_) / "memory.events");
  const std::size_t at = events.find("oom_kill ");
  return at != std::string::npos && events.compare(at + 9, 2, "0\n") != 0;
}

// ---------------------------------------------------------------------------
// Sandbox

std::unique_ptr<Sandbox> Sandbox::start(const SandboxOptions& options, const SandboxSpec& spec, std::string* error) {
  const auto fail = [&](std::string message) -> std::unique_ptr<Sandbox> {
    if (error) *error = std::move(message);
    return nullptr;
  };
  std::unique_ptr<Sandbox> box(new Sandbox());
  const std::uint64_t serial = next_sandbox.fetch_add(1);
  std::string why;
  box->cgroup_ = Cgroup::create(options.cgroup_name, "env-" + std::to_string(::getpid()) + "-" + std::to_string(serial),
                                spec.memory_bytes, spec.max_tasks, &why);

  int info[2], block[2], output[2];
  if (::pipe2(info, O_CLOEXEC) != 0) return fail("pipe failed");
  if (::pipe2(block, O_CLOEXEC) != 0) {
    ::close(info[0]);
    ::close(info[1]);
    return fail("pipe failed");
  }
  if (::pipe2(output, O_CLOEXEC) != 0) {
    for (int fd : {info[0], info[1], block[0], block[1]}) ::close(fd);
    return fail("pipe failed");
  }

  std::vector<std::string> args;
  const bool root = ::geteuid() == 0;
  if (root) {
    args = {options.setpriv, "--reuid", std::to_string(options.host_uid), "--regid", std::to_string(options.host_gid),
            "--clear-groups", "--"};
  }
  const std::vector<std::string> base = {
      options.bwrap, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net",
      "--unshare-cgroup-try", "--disable-userns", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
      "--uid", "993", "--gid", "990", "--hostname", "localhost",
      "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
      "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin", "--proc", "/proc", "--dev", "/dev",
      "--perms", "1777", "--size", std::to_string(spec.tmp_bytes), "--tmpfs", "/tmp",
      "--ro-bind", spec.code_dir, "/var/task", "--ro-bind", spec.runtime_dir, "/var/runtime"};
  args.insert(args.end(), base.begin(), base.end());
  if (!spec.etc_dir.empty()) {
    args.insert(args.end(), {"--ro-bind", spec.etc_dir + "/passwd", "/etc/passwd", "--ro-bind", spec.etc_dir + "/group",
                             "/etc/group"});
  }
  for (const std::string& path : spec.extra_read_only) {
    args.insert(args.end(), {"--ro-bind", path, path});
  }
  args.insert(args.end(), {"--chdir", "/var/task", "--info-fd", "3", "--block-fd", "4", "--"});
  args.insert(args.end(), spec.command.begin(), spec.command.end());

  std::vector<std::string> env_text;
  for (const auto& [k, v] : spec.environment) env_text.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output[1], 1);
  posix_spawn_file_actions_adddup2(&actions, output[1], 2);
  posix_spawn_file_actions_adddup2(&actions, info[1], 3);
  posix_spawn_file_actions_adddup2(&actions, block[0], 4);
  // Nothing else of the server (its listening sockets, its store) reaches the sandbox.
  posix_spawn_file_actions_addclosefrom_np(&actions, 5);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  const int spawned = Spawner::instance().run([&] {
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
    return rc == 0 ? pid : -rc;
  });
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(info[1]);
  ::close(block[0]);
  ::close(output[1]);
  box->output_fd_ = output[0];
  ::fcntl(box->output_fd_, F_SETFL, O_NONBLOCK);
  if (spawned <= 0) {
    ::close(info[0]);
    ::close(block[1]);
    return fail("cannot start " + args[0] + ": " + std::strerror(-spawned));
  }
  box->outer_ = spawned;

  // bwrap writes {"child-pid": N} once the namespaces exist, then waits on the block fd.
  std::string info_text;
  char buffer[256];
  pollfd p{info[0], POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (info_text.find('}') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::read(info[0], buffer, sizeof buffer);
    if (n <= 0) break;
    info_text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(info[0]);
  const std::size_t at = info_text.find("\"child-pid\"");
  if (at != std::string::npos) {
    const std::size_t digits = info_text.find_first_of("0123456789", at);
    if (digits != std::string::npos) box->inner_ = static_cast<pid_t>(std::atoi(info_text.c_str() + digits));
  }
  if (box->inner_ <= 0) {
    ::close(block[1]);
    std::string said;
    for (int i = 0; i < 50; ++i) {
      const ssize_t n = ::read(box->output_fd_, buffer, sizeof buffer);
      if (n > 0) {
        said.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0) {
        break;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    return fail("bubblewrap could not create the sandbox" + (said.empty() ? std::string() : ": " + said));
  }
  if (box->cgroup_ && !box->cgroup_->add(box->inner_)) box->cgroup_.reset();
  for (std::uint16_t port : spec.loopback_ports) {
    std::string why;
    const int s = listen_inside(box->inner_, port, &why);
    if (s < 0) {
      ::close(block[1]);
      return fail("cannot listen inside the sandbox's network namespace (setns needs root): " + why);
    }
    box->listeners_.push_back(s);
  }
  // Limits the kernel applies per process tree; the cgroup's pids.max bounds the tree itself.
  const rlimit files{spec.max_files, spec.max_files};
  ::prlimit(box->inner_, RLIMIT_NOFILE, &files, nullptr);
  const bool released = ::write(block[1], "x", 1) == 1;
  ::close(block[1]);
  if (!released) return fail("the sandbox ended before its command started");
  return box;
}

bool Sandbox::exited() {
  if (reaped_) return true;
  int status = 0;
  if (::waitpid(outer_, &status, WNOHANG) == outer_) reaped_ = true;
  return reaped_;
}

void Sandbox::kill() {
  if (reaped_) return;
  if (inner_ > 0) ::kill(inner_, SIGKILL);
  ::kill(outer_, SIGKILL);
}

Sandbox::~Sandbox() {
  if (outer_ > 0 && !reaped_) {
    kill();
    int status = 0;
    ::waitpid(outer_, &status, 0);
    reaped_ = true;
  }
  close_fd(output_fd_);
  for (int& fd : listeners_) close_fd(fd);
}

namespace {

bool process_gone(pid_t pid) { return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH; }

// The server pid in "gatehouse-executor-<pid>-..." (0 when the text has none).
pid_t owner_in(std::string_view text) {
  constexpr std::string_view kMark = "gatehouse-executor-";
  const std::size_t at = text.find(kMark);
  if (at == std::string_view::npos) return 0;
  return static_cast<pid_t>(std::atoi(std::string(text.substr(at + kMark.size(), 12)).c_str()));
}

}  // namespace

void remove_leftovers(const SandboxOptions& options, const std::string& temp_dir) {
  std::error_code ec;
  // Sandboxes whose server is gone: every process whose command line names such a work directory.
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = read_text(it->path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(options.bwrap) == std::string::npos) continue;
    if (const pid_t owner = owner_in(cmdline); process_gone(owner)) ::kill(std::atoi(name.c_str()), SIGKILL);
  }
  // Their cgroups, once their tasks are gone.
  std::vector<fs::path> parents;
  for (const char* controller : {"memory", "pids"}) {
    if (auto own = own_cgroup(controller)) parents.push_back(*own / options.cgroup_name);
  }
  if (auto unified = own_cgroup("")) parents.push_back(unified->parent_path() / options.cgroup_name);
  for (const fs::path& parent : parents) {
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.starts_with("env-") || !process_gone(static_cast<pid_t>(std::atoi(name.c_str() + 4)))) continue;
      std::stringstream tasks(read_text(it->path() / "cgroup.procs"));
      for (pid_t task; tasks >> task;) ::kill(task, SIGKILL);
      for (int i = 0; i < 100 && ::rmdir(it->path().c_str()) != 0 && errno == EBUSY; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  // Their work directories.
  for (fs::directory_iterator it(temp_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with("gatehouse-executor-") && process_gone(owner_in(name))) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

HostSupport probe_host(const SandboxOptions& options) {
  HostSupport out;
  if (::access(options.bwrap.c_str(), X_OK) != 0) {
    out.problem = "bubblewrap (" + options.bwrap + ") is not installed (Debian package bubblewrap)";
    return out;
  }
  if (::geteuid() != 0) {
    out.problem = "the server must run as root to sandbox function code (it drops to uid " +
                  std::to_string(options.host_uid) + " inside bubblewrap)";
    return out;
  }
  if (::access(options.setpriv.c_str(), X_OK) != 0) {
    out.problem = "setpriv (" + options.setpriv + ", Debian package util-linux) is not installed";
    return out;
  }
  const fs::path empty = fs::temp_directory_path() / ("gatehouse-probe-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directory(empty, ec);
  fs::permissions(empty, fs::perms(0555), ec);
  SandboxSpec spec;
  spec.command = {"/usr/bin/true"};
  spec.code_dir = empty.string();
  spec.runtime_dir = empty.string();
  spec.loopback_ports = {9001};
  std::string error;
  {
    auto box = Sandbox::start(options, spec, &error);
    if (box) {
      if (!box->cgroup()) {
        std::string why;
        Cgroup::create(options.cgroup_name, "probe-" + std::to_string(::getpid()), 128ull << 20, 16, &why);
        out.no_memory_limit = why.empty() ? "the sandbox could not join its cgroup" : why;
      }
      int status = 0;
      for (int i = 0; i < 500 && !box->exited(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      (void)status;
    } else {
      out.problem = error;
    }
  }
  fs::remove(empty, ec);
  return out;
}

}  // namespace gatehouse::executor
