// Signing-key derivation and the bounded signing-key cache (spec section 7).
#include <catch2/catch.hpp>

#include <string>

#include "sigv4/signing_key.h"
#include "sigv4/signing_key_cache.h"

namespace gatehouse::sigv4 {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string hex(const Digest& digest) { return std::string(as_view(to_hex(digest))); }

}  // namespace

TEST_CASE("signing key: known-answer values of spec section 7", "[sigv4][signing-key]") {
  struct Row {
    CredentialScope scope;
    std::string_view signing_key;
  };
  const Row rows[] = {
      {{"20120215", "us-east-1", "iam"}, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"},
      {{"20150830", "us-east-1", "iam"}, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"},
      {{"20150830", "us-east-1", "service"}, "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75"},
      {{"20240501", "us-east-1", "lambda"}, "1249bc7ad19559f7087d8c3dc6e14e4cc294de9fb11c176ee82a1517fd724eda"},
  };
  for (const Row& row : rows) {
    INFO("scope " << row.scope.date << "/" << row.scope.region << "/" << row.scope.service);
    CHECK(hex(derive_signing_key(kSecret, row.scope)) == row.signing_key);
  }
}

TEST_CASE("signing key: the spec's worked example signs to its signature", "[sigv4][signing-key]") {
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/us-east-1/lambda/aws4_request\n"
      "188d7982b3d3fc15dce6eb6b025d29ea23ca04cca784ebe94160c0360a373e8f";
  const Digest key = derive_signing_key(kSecret, {"20240501", "us-east-1", "lambda"});
  CHECK(as_view(calculate_signature(key, string_to_sign)) ==
        "258ee4b98ecc0dd5893c3bfd0c7954cb1fa6e1492a8076b4338517f5042b9ad9");
}

TEST_CASE("signing-key cache: keyed by access key, secret version, date, region and service", "[sigv4][signing-key]") {
  SigningKeyCache cache(64);
  const CredentialScope lambda{"20240501", "us-east-1", "lambda"};
  const CachedSigningKey first = cache.signing_key("AKID1", 0, lambda, kSecret);
  CHECK(first.key == derive_signing_key(kSecret, lambda));
  CHECK(cache.stats().misses == 1);

  // A hit returns the cached key: a different secret passed with the same key is not used.
  const CachedSigningKey again = cache.signing_key("AKID1", 0, lambda, "another secret");
  CHECK(again.key == first.key);
  CHECK(again.id == first.id);
  CHECK(cache.stats().hits == 1);

  // Each part of the key separates entries.
  const CachedSigningKey rotated = cache.signing_key("AKID1", 1, lambda, "rotated");
  CHECK(rotated.key == derive_signing_key("rotated", lambda));
  CHECK(rotated.id != first.id);  // an id never names two different keys
  CHECK(cache.signing_key("AKID2", 0, lambda, "other").key == derive_signing_key("other", lambda));
  for (const CredentialScope scope : {CredentialScope{"20240502", "us-east-1", "lambda"},
                                      CredentialScope{"20240501", "eu-west-1", "lambda"},
                                      CredentialScope{"20240501", "us-east-1", "sts"}}) {
    CHECK(cache.signing_key("AKID1", 0, scope, kSecret).key == derive_signing_key(kSecret, scope));
  }
  CHECK(cache.stats().misses == 6);
  CHECK(cache.stats().size == 6);
}

TEST_CASE("signing-key cache: bounded, least recently used key gives way", "[sigv4][signing-key]") {
  SigningKeyCache cache(8);
  REQUIRE(cache.capacity() == 8);
  for (int i = 0; i < 1000; ++i) {
    const std::string key_id = "AKID" + std::to_string(i);
    cache.signing_key(key_id, 0, {"20240501", "us-east-1", "lambda"}, kSecret);
    REQUIRE(cache.stats().size <= cache.capacity());
  }
  CHECK(cache.stats().size == cache.capacity());
  CHECK(cache.stats().evictions == 1000 - cache.capacity());

  // One set of four: the three touched keys survive a fifth insertion, the untouched one goes.
  SigningKeyCache small(4);
  const CredentialScope scope{"20240501", "us-east-1", "lambda"};
  for (const char* id : {"A", "B", "C", "D"}) small.signing_key(id, 0, scope, kSecret);
  for (const char* id : {"A", "C", "D"}) small.signing_key(id, 0, scope, kSecret);
  small.signing_key("E", 0, scope, kSecret);
  const auto misses = small.stats().misses;
  for (const char* id : {"A", "C", "D", "E"}) small.signing_key(id, 0, scope, kSecret);
  CHECK(small.stats().misses == misses);
  small.signing_key("B", 0, scope, kSecret);
  CHECK(small.stats().misses == misses + 1);
}

TEST_CASE("signing-key cache: forget drops every key of an access key id", "[sigv4][signing-key]") {
  SigningKeyCache cache(64);
  const CredentialScope a{"20240501", "us-east-1", "lambda"};
  const CredentialScope b{"20240502", "us-east-1", "lambda"};
  cache.signing_key("AKID1", 0, a, kSecret);
  cache.signing_key("AKID1", 0, b, kSecret);
  cache.signing_key("AKID2", 0, a, kSecret);
  cache.forget("AKID1");
  CHECK(cache.stats().size == 1);
  const auto misses = cache.stats().misses;
  cache.signing_key("AKID2", 0, a, kSecret);
  CHECK(cache.stats().misses == misses);
  cache.signing_key("AKID1", 0, a, kSecret);
  CHECK(cache.stats().misses == misses + 1);
}

}  // namespace gatehouse::sigv4
