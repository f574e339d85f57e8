// One sandboxed process tree (spec/executor.md section 6): bubblewrap with its own user, PID,
// IPC, UTS, network, cgroup and mount namespaces, run as an unprivileged host uid with every
// capability dropped, seeing only /usr (read-only), the function's code at /var/task, the
// service's bootstraps at /var/runtime, its own /tmp, /proc and /dev. Its memory and its
// number of tasks are bounded by a cgroup (v1 or v2) where the machine lets us create one.
// Listening sockets are made inside its network namespace before its command starts, so only
// it can reach them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gatehouse::executor {

struct SandboxOptions {
  std::string bwrap = "/usr/bin/bwrap";
  std::string setpriv = "/usr/bin/setpriv";
  uid_t host_uid = 65534;  // what the sandbox's processes are on the host (nobody)
  gid_t host_gid = 65534;
  std::string cgroup_name = "gatehouse";  // our cgroups live below the server's own
};

// What the sandbox of one environment holds.
struct SandboxSpec {
  std::vector<std::string> command;  // inside the sandbox
  std::vector<std::pair<std::string, std::string>> environment;  // exactly the command's environment
  std::string code_dir;     // host directory shown read-only at /var/task
  std::string runtime_dir;  // host directory shown read-only at /var/runtime
  std::string etc_dir;      // host directory whose passwd and group are shown at /etc (none: no /etc)
  std::vector<std::string> extra_read_only;  // host paths shown at the same place (an interpreter's tree)
  std::uint64_t tmp_bytes = 512ull << 20;
  std::uint64_t memory_bytes = 128ull << 20;
  std::uint32_t max_tasks = 1024;
  std::uint32_t max_files = 1024;
  std::vector<std::uint16_t> loopback_ports;  // 127.0.0.1 ports to listen on inside
};

// The memory/pids cgroup of one sandbox.
class Cgroup {
 public:
  // nullopt when the machine does not let us create one (the reason in `why`).
  static std::unique_ptr<Cgroup> create(const std::string& parent_name, const std::string& name, std::uint64_t memory_bytes,
                                      std::uint32_t max_tasks, std::string* why);
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  ~Cgroup();
  bool add(pid_t pid) const;
  std::uint64_t peak_bytes() const;  // since the last reset_peak()
  void reset_peak() const;
  bool oom_killed() const;  // the kernel killed a task for memory

 private:
  Cgroup() = default;
  std::string memory_dir_, pids_dir_;
  int version_ = 1;
};

class Sandbox {
 public:
  // Starts the sandbox; the error message says what the machine lacks.
  static std::unique_ptr<Sandbox> start(const SandboxOptions& options, const SandboxSpec& spec, std::string* error);
  ~Sandbox();  // kills the whole tree, reaps it, removes its cgroup

  int output_fd() const { return output_fd_; }  // stdout+stderr of everything inside (non-blocking)
  int listener(std::size_t i) const { return listeners_.at(i); }
  bool exited();  // the sandbox's process tree is gone
  void kill();    // SIGKILL to the namespace's init: the whole tree dies
  const Cgroup* cgroup() const { return cgroup_.get(); }

 private:
  Sandbox() = default;
  pid_t outer_ = -1;  // bwrap as we started it
  pid_t inner_ = -1;  // PID 1 of the sandbox's namespace
  bool reaped_ = false;
  int output_fd_ = -1;
  std::vector<int> listeners_;
  std::unique_ptr<Cgroup> cgroup_;
};

// What start-up checks: can a sandbox start here, and can it have a memory cgroup.
struct HostSupport {
  std::optional<std::string> problem;  // set: no sandbox, no code runs
  std::optional<std::string> no_memory_limit;  // set: sandboxes run, without a cgroup (why)
};
HostSupport probe_host(const SandboxOptions& options);

// What a server killed with SIGKILL can leave: its sandboxes (bubblewrap's PID 1 may outlive
// it), their cgroups and its work directory, named gatehouse-executor-<pid>-*. Removed for
// every such pid that is no longer running.
void remove_leftovers(const SandboxOptions& options, const std::string& temp_dir);

}  // namespace gatehouse::executor
