// The OpenSSL wrappers: known answers, incremental hashing, hex and constant-time equality.
#include <catch2/catch.hpp>

#include <string>

#include "sigv4/crypto.h"

namespace gatehouse::sigv4 {
namespace {

std::string hex(const Digest& digest) { return std::string(as_view(to_hex(digest))); }

}  // namespace

TEST_CASE("crypto: SHA-256 and HMAC-SHA256 known answers", "[sigv4][crypto]") {
  CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256("{\"key\":\"value\"}")) == "e43abcf3375244839c012f9633f95862d232a95b00d5bc7348b3098b9fed7f32");
  // RFC 4231 test case 2.
  const std::string key = "Jefe";
  CHECK(hex(hmac_sha256({reinterpret_cast<const unsigned char*>(key.data()), key.size()},
                        "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("crypto: a body hashed in pieces equals the one-shot hash", "[sigv4][crypto]") {
  const std::string body(5000, 'x');
  Sha256 hasher;
  for (std::size_t at = 0; at < body.size(); at += 777) hasher.update(std::string_view(body).substr(at, 777));
  CHECK(hasher.finish() == sha256(body));
  hasher.update("");
  CHECK(hasher.finish() == sha256(""));  // finish() leaves the hasher ready for the next body
}

TEST_CASE("crypto: constant-time equality compares length and every byte", "[sigv4][crypto]") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK(constant_time_equal("", ""));
}

}  // namespace gatehouse::sigv4
