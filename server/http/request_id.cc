#include "server/http/request_id.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <random>

namespace gatehouse::server::http {
namespace {

// One getrandom call serves 32 ids; the kernel pool is never exhausted for getrandom(flags=0)
// once initialised, so a short read only happens on EINTR and is retried.
class RandomBuffer {
 public:
  void fill(std::uint8_t* out, std::size_t size) {
    if (used_ + size > pool_.size()) refill();
    std::memcpy(out, pool_.data() + used_, size);
    used_ += size;
  }

 private:
  void refill() {
    std::size_t filled = 0;
    while (filled < pool_.size()) {
      const ssize_t got = getrandom(pool_.data() + filled, pool_.size() - filled, 0);
      if (got > 0) {
        filled += static_cast<std::size_t>(got);
      } else if (got < 0 && errno != EINTR) {
        // No getrandom (a pre-3.17 kernel): std::random_device reads /dev/urandom instead.
        std::random_device device;
        for (; filled < pool_.size(); ++filled) pool_[filled] = static_cast<std::uint8_t>(device());
      }
    }
    used_ = 0;
  }

  std::array<std::uint8_t, 512> pool_{};
  std::size_t used_ = pool_.size();
};

}  // namespace

std::string new_request_id() {
  thread_local RandomBuffer random;
  std::uint8_t bytes[16];
  random.fill(bytes, sizeof bytes);
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[bytes[i] >> 4];
    id += kHex[bytes[i] & 0x0f];
  }
  return id;
}

}  // namespace gatehouse::server::http
