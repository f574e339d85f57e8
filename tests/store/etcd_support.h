// A single-member etcd for the store tests: its own free loopback ports and data directory
// (on tmpfs when there is one), started with the test and stopped with it.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/store/etcd_proxy.h"
#include "tests/store/store_test_support.h"

namespace gatehouse::store::test {

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_open(int port) {
  const int fd = connect_to(port);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

class Etcd {
 public:
  Etcd() {
    namespace fs = std::filesystem;
    dir_ = (fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path()) /
           ("gatehouse-etcd-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    client_port_ = free_port();
    const int peer_port = free_port();
    const std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
    const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port);
    std::vector<std::string> args = {"etcd",
                                     "--name=test",
                                     "--data-dir=" + (dir_ / "data").string(),
                                     "--listen-client-urls=" + client,
                                     "--advertise-client-urls=" + client,
                                     "--listen-peer-urls=" + peer,
                                     "--initial-advertise-peer-urls=" + peer,
                                     "--initial-cluster=test=" + peer,
                                     "--log-level=error",
                                     "--logger=zap"};
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      const std::string log = (dir_ / "etcd.log").string();
      if (std::FILE* f = std::fopen(log.c_str(), "w")) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      ::execvp("etcd", argv.data());
      ::_exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!port_open(client_port_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("etcd exited at start (is etcd-server installed? make deps)");
      }
      if (std::chrono::steady_clock::now() > until) FAIL("etcd did not start within 20 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~Etcd() {
    if (pid_ > 0) {
      ::kill(pid_, SIGCONT);
      ::kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Etcd(const Etcd&) = delete;
  Etcd& operator=(const Etcd&) = delete;

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  std::string url(const std::string& prefix = "") const { return "etcd://" + endpoint() + prefix; }
  void stop() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }
  // etcd's own JSON gateway (tests only): compacts the history up to `revision`.
  void compact(std::uint64_t revision) const {
    const std::string command = "curl -sf -X POST http://" + endpoint() + "/v3/kv/compaction -d '{\"revision\":\"" +
                                std::to_string(revision) + "\",\"physical\":true}' >/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
  }
  // The same gateway: puts or deletes one key (text without quotes or backslashes).
  void put(const std::string& key, const std::string& value) const {
    gateway("put", "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}");
  }
  void del(const std::string& key) const { gateway("deleterange", "{\"key\":\"" + base64(key) + "\"}"); }

 private:
  void gateway(const std::string& call, const std::string& body) const {
    const std::string command = "curl -sf -X POST http://" + endpoint() + "/v3/kv/" + call + " -d '" + body + "' >/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
  }
  static std::string base64(const std::string& text) {
    static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 3) {
      const std::size_t n = std::min<std::size_t>(3, text.size() - i);
      std::uint32_t bits = 0;
      for (std::size_t j = 0; j < 3; ++j) bits = bits << 8 | (j < n ? static_cast<unsigned char>(text[i + j]) : 0u);
      for (std::size_t j = 0; j < 4; ++j) out.push_back(j <= n ? kDigits[(bits >> (18 - 6 * j)) & 63] : '=');
    }
    return out;
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path dir_;
  int client_port_ = 0;
  pid_t pid_ = -1;
};

// Options for a store in `etcd` under `prefix`, its key file in `dir`.
inline Options etcd_options(const Etcd& etcd, const std::filesystem::path& dir, const std::string& prefix = "/gatehouse/v1/",
                            const Clock& clock = Clock{}) {
  auto parsed = parse_etcd_url(etcd.url(prefix));
  REQUIRE(parsed);
  Options o;
  o.etcd = parsed.value();
  o.key_file = dir / "secret.key";
  o.clock = clock.function();
  return o;
}

}  // namespace gatehouse::store::test
