// Secrets at rest: AES-256-GCM (OpenSSL EVP) under a 32-byte key kept in a key
// file beside the data (mode 0600) or wherever an option says.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "store/error.h"

namespace gatehouse::store {

inline constexpr std::size_t kSecretKeySize = 32;
using SecretKey = std::array<std::uint8_t, kSecretKeySize>;

class SecretBox {
 public:
  explicit SecretBox(const SecretKey& key) : key_(key) {}

  // format byte | 12-byte random nonce | ciphertext | 16-byte tag. `associated`
  // binds the ciphertext to its record (e.g. the access key id), so a sealed
  // secret moved to another record does not open.
  std::string seal(std::string_view plaintext, std::string_view associated) const;
  // nullopt: wrong key, wrong record, or tampered bytes.
  std::optional<std::string> open(std::string_view sealed, std::string_view associated) const;

 private:
  SecretKey key_;
};

// Reads a key file: 64 hexadecimal characters (an optional final newline), or
// exactly 32 raw bytes. Refuses a file others may read or write.
Result<SecretKey> read_key_file(const std::filesystem::path& path);
// Creates a new random key file with mode 0600; fails if the file exists.
Result<SecretKey> create_key_file(const std::filesystem::path& path);

// Random bytes from OpenSSL's RAND_bytes; aborts if the generator fails
// (nothing secret may be made from a broken source).
void random_bytes(void* out, std::size_t size);

}  // namespace gatehouse::store
