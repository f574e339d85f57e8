#include "store/ids.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <cstdio>

#include "store/secrets.h"

namespace gatehouse::store::ids {

namespace {

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// 10 bytes -> 16 base32 characters.
std::string base32(const std::array<std::uint8_t, 10>& bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  return out;
}

std::optional<std::uint64_t> account_number(std::string_view account) {
  if (account.size() != 12) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : account) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// Bytes 0-5 hold (account << 7) | 7 random bits; bytes 6-9 are random.
std::string encoded_tail(std::string_view account) {
  std::array<std::uint8_t, 10> bytes{};
  random_bytes(bytes.data(), bytes.size());
  if (auto n = account_number(account)) {
    const std::uint64_t packed = (*n << 7) | (bytes[5] & 0x7F);
    for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(packed >> (8 * (5 - i)));
  }
  return base32(bytes);
}

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

std::string unique_id(std::string_view prefix, std::string_view account) {
  std::string id(prefix);
  if (prefix == kRolePrefix) {
    id += encoded_tail(account);
    std::uint8_t extra = 0;
    random_bytes(&extra, 1);
    id.push_back(kBase32[extra & 31]);
    return id;
  }
  std::array<std::uint8_t, 17> bytes{};
  random_bytes(bytes.data(), bytes.size());
  for (std::size_t i = 0; id.size() < 21; ++i) id.push_back(kBase32[bytes[i] & 31]);
  return id;
}

std::string access_key_id(std::string_view prefix, std::string_view account) {
  return std::string(prefix) + encoded_tail(account);
}

std::optional<std::string> account_of(std::string_view id) {
  if (id.size() < 20) return std::nullopt;
  const auto prefix = id.substr(0, 4);
  if (prefix != kAccessKeyPrefix && prefix != kTemporaryKeyPrefix && prefix != kRolePrefix) return std::nullopt;
  std::uint64_t packed = 0;
  // The first 48 bits: 9 characters give 45 bits and the 10th its top 3.
  for (std::size_t i = 4; i < 14; ++i) {
    const int v = base32_value(id[i]);
    if (v < 0) return std::nullopt;
    packed = (packed << 5) | static_cast<std::uint64_t>(v);
  }
  packed >>= 2;  // 50 bits read, keep 48
  const std::uint64_t account = (packed & 0x7FFFFFFFFF80ULL) >> 7;
  if (account > 999999999999ULL) return std::nullopt;
  char text[16];
  std::snprintf(text, sizeof text, "%012llu", static_cast<unsigned long long>(account));
  return std::string(text);
}

std::string secret_access_key() {
  std::array<unsigned char, 30> bytes{};
  random_bytes(bytes.data(), bytes.size());
  return base64(bytes.data(), bytes.size());  // 30 bytes -> exactly 40 characters, no padding
}

std::string session_token() {
  std::array<unsigned char, 192> bytes{};
  random_bytes(bytes.data(), bytes.size());
  return base64(bytes.data(), bytes.size());
}

std::string uuid() {
  std::array<std::uint8_t, 16> b{};
  random_bytes(b.data(), b.size());
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

bool is_access_key_id(std::string_view id) {
  if (id.size() != 20) return false;
  if (id.substr(0, 4) != kAccessKeyPrefix && id.substr(0, 4) != kTemporaryKeyPrefix) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool is_secret_access_key(std::string_view secret) {
  if (secret.size() != 40) return false;
  for (char c : secret) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '+';
    if (!ok) return false;
  }
  return true;
}

std::string sha256_base64(std::string_view bytes) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return base64(digest.data(), digest.size());
}

}  // namespace gatehouse::store::ids
