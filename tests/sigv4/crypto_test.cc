// The OpenSSL wrappers: known answers, incremental hashing, hex and constant-time equality.
#include <catch2/catch.hpp>

#include <string>

#include "sigv4/crypto.h"
#include "sigv4/request_view.h"

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

TEST_CASE("crypto: a repeated key's kept HMAC state gives the plain HMAC, across evictions", "[sigv4][crypto]") {
  // Six keys take turns through four per-thread slots, so states are evicted and rebuilt.
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t id = 1; id <= 6; ++id) {
      Digest key{};
      key[0] = static_cast<unsigned char>(id);
      const std::string message = "message " + std::to_string(round) + "/" + std::to_string(id);
      INFO("key " << id << " round " << round);
      CHECK(hmac_sha256_repeated_key(id, key, message) == hmac_sha256(key, message));
      CHECK(hmac_sha256_repeated_key(id, key, "again") == hmac_sha256(key, "again"));
    }
  }
}

TEST_CASE("crypto: from_lower_hex accepts exactly 64 lower-case hex digits", "[sigv4][crypto]") {
  const std::string hex = "cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013";
  const auto digest = from_lower_hex(hex);
  REQUIRE(digest.has_value());
  CHECK(as_view(to_hex(*digest)) == hex);
  CHECK_FALSE(from_lower_hex("CFDEBCDE8E6AD0FE2041058675B443A5B44E5D6CF4348E2DB9490D5F4AD76013").has_value());
  CHECK_FALSE(from_lower_hex(hex.substr(1)).has_value());
  CHECK_FALSE(from_lower_hex(hex + "0").has_value());
  for (const char bad : {'g', 'G', ' ', '\0', '\xFF', 'A', '/', ':', '`'}) {
    std::string broken = hex;
    broken[17] = bad;
    INFO("byte " << static_cast<int>(static_cast<unsigned char>(bad)));
    CHECK_FALSE(from_lower_hex(broken).has_value());
  }
}

// What can be checked of the comparison's result: every byte and the length count, NULs
// included (a C-string compare would stop at the first NUL and call these equal). That it
// takes the same time whatever the contents is a property of CRYPTO_memcmp, which the source
// rule (source_rules_test.cc) requires constant_time_equal to be, with no loop of its own.
TEST_CASE("crypto: constant_time_equal compares the length and every byte, NULs included", "[sigv4][crypto]") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "xbc"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("ab", "abc"));
  CHECK(constant_time_equal("", ""));
  using std::string_literals::operator""s;
  CHECK_FALSE(constant_time_equal("a\0b"s, "a\0c"s));
  CHECK_FALSE(constant_time_equal("\0\0\0"s, "\0\0"s));
  CHECK(constant_time_equal("a\0b"s, "a\0b"s));
  // 64-character hex signatures differing in one position anywhere.
  const std::string signature(64, 'a');
  for (std::size_t i = 0; i < signature.size(); ++i) {
    std::string other = signature;
    other[i] = 'b';
    CHECK_FALSE(constant_time_equal(signature, other));
  }
}

TEST_CASE("crypto: an empty body's payload hash is SHA-256 of no bytes, without hashing", "[sigv4][crypto]") {
  CHECK(PayloadHash::of_body({}).digest() == sha256(""));
  CHECK(PayloadHash::of_body("x").digest() == sha256("x"));
}

}  // namespace gatehouse::sigv4
