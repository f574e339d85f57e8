#include "store/secrets.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace gatehouse::store {

namespace {

constexpr std::uint8_t kSealFormat = 1;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Error key_error(std::string message) { return Error{"StoreKeyError", 500, std::move(message)}; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void random_bytes(void* out, std::size_t size) {
  if (size == 0) return;
  if (RAND_bytes(static_cast<unsigned char*>(out), static_cast<int>(size)) != 1) std::abort();
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated) const {
  std::string out(1 + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  bytes[0] = kSealFormat;
  random_bytes(bytes + 1, kNonceSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  // INVARIANT: AES-256-GCM with a 32-byte key and 12-byte nonce cannot fail to set up.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), bytes + 1) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, u8(associated), static_cast<int>(associated.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes + 1 + kNonceSize, &len, u8(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes + 1 + kNonceSize + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          bytes + 1 + kNonceSize + plaintext.size()) != 1) {
    std::abort();
  }
  return out;
}

std::optional<std::string> SecretBox::open(std::string_view sealed, std::string_view associated) const {
  if (sealed.size() < 1 + kNonceSize + kTagSize || static_cast<std::uint8_t>(sealed[0]) != kSealFormat) {
    return std::nullopt;
  }
  const std::size_t n = sealed.size() - 1 - kNonceSize - kTagSize;
  std::string out(n, '\0');
  auto* plain = reinterpret_cast<unsigned char*>(out.data());
  const unsigned char* nonce = u8(sealed) + 1;
  std::array<unsigned char, kTagSize> tag;
  std::memcpy(tag.data(), u8(sealed) + 1 + kNonceSize + n, kTagSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, u8(associated), static_cast<int>(associated.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain, &len, nonce + kNonceSize, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plain + len, &len) != 1) {
    return std::nullopt;
  }
  return out;
}

Result<SecretKey> read_key_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return key_error("cannot read the secret key file " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) == 0 && st.st_size <= 4096) {
    text.resize(static_cast<std::size_t>(st.st_size));
    const ssize_t got = ::read(fd, text.data(), text.size());
    if (got < 0) text.clear();
    text.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
  }
  ::close(fd);
  if ((st.st_mode & S_IRWXO) != 0) {
    return key_error("the secret key file " + path.string() +
                     " may be read or written by other users; restrict it with chmod 600");
  }
  SecretKey key{};
  if (text.size() == kSecretKeySize && text.find('\n') == std::string::npos) {
    std::memcpy(key.data(), text.data(), kSecretKeySize);
    return key;
  }
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.size() != 2 * kSecretKeySize) {
    return key_error("the secret key file " + path.string() +
                     " must hold 64 hexadecimal characters (a 32-byte AES-256 key)");
  }
  for (std::size_t i = 0; i < kSecretKeySize; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return key_error("the secret key file " + path.string() + " holds a non-hexadecimal character");
    }
    key[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return key;
}

Result<SecretKey> create_key_file(const std::filesystem::path& path) {
  SecretKey key{};
  random_bytes(key.data(), key.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (std::uint8_t b : key) {
    text.push_back(kHex[b >> 4]);
    text.push_back(kHex[b & 15]);
  }
  text.push_back('\n');
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return key_error("cannot create the secret key file " + path.string() + ": " + std::strerror(errno));
  }
  // The umask may have narrowed the mode; make it exactly 0600.
  const bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return key_error("cannot write the secret key file " + path.string() + ": " + std::strerror(saved));
  }
  return key;
}

}  // namespace gatehouse::store
