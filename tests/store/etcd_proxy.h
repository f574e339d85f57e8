// A loopback TCP relay for the etcd tests: a replica reaches etcd through it, and the test cuts
// it (every connection closed, new ones refused) and restores it, as a network partition.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace gatehouse::store::test {

inline sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

// A socket connected to 127.0.0.1:port, or -1.
inline int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class Relay {
 public:
  explicit Relay(int target_port) : target_(target_port) { open(); }
  ~Relay() { close_all(); }
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  int port() const { return port_; }
  void cut() { close_all(); }
  void restore() { open(); }

 private:
  static int listen_on(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = loopback(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  void open() {
    int fd = -1;
    for (int i = 0; i < 100 && fd < 0; ++i) {
      fd = listen_on(port_);
      if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(fd >= 0);
    if (port_ == 0) {
      sockaddr_in addr = loopback(0);
      socklen_t len = sizeof addr;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
      port_ = ntohs(addr.sin_port);
    }
    running_ = true;
    listener_ = fd;
    threads_.emplace_back([this, fd] { accept_loop(fd); });
  }

  void accept_loop(int listener) {
    while (running_) {
      pollfd p{listener, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept(listener, nullptr, nullptr);
      if (client < 0) continue;
      const int server = connect_to(target_);
      if (server < 0) {
        ::close(client);
        continue;
      }
      std::lock_guard lock(mutex_);
      sockets_.push_back(client);
      sockets_.push_back(server);
      threads_.emplace_back([this, client, server] { pump(client, server); });
    }
  }

  void pump(int a, int b) {
    char buffer[16384];
    while (running_) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::read(p[i].fd, buffer, sizeof buffer);
        if (n <= 0) return;
        const int to = i == 0 ? b : a;
        for (ssize_t done = 0; done < n;) {
          const ssize_t w = ::write(to, buffer + done, static_cast<std::size_t>(n - done));
          if (w <= 0) return;
          done += w;
        }
      }
    }
  }

  void close_all() {
    running_ = false;
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
    std::lock_guard lock(mutex_);
    for (int fd : sockets_) ::close(fd);
    sockets_.clear();
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
  }

  int target_;
  int port_ = 0;
  int listener_ = -1;
  std::atomic<bool> running_{false};
  std::mutex mutex_;  // guards sockets_ and threads_
  std::vector<int> sockets_;
  std::vector<std::thread> threads_;
};

}  // namespace gatehouse::store::test
