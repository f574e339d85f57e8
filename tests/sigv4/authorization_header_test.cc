// The Authorization header grammar and its error texts (spec section 2).
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "sigv4/authorization_header.h"

namespace gatehouse::sigv4 {
namespace {

constexpr std::string_view kCredential = "AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request";
constexpr std::string_view kSignedHeaders = "host;x-amz-date";
constexpr std::string_view kSignature = "cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013";

}  // namespace

TEST_CASE("Authorization: separators are any run of commas and blanks, order is free", "[sigv4][authorization]") {
  const std::string_view accepted[] = {
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, "
      "Signature=cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request,SignedHeaders=host;x-amz-date,"
      "Signature=cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013",
      "  AWS4-HMAC-SHA256\tCredential=AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request ,  "
      "SignedHeaders=host;x-amz-date\t,Signature=cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013 , ",
      "AWS4-HMAC-SHA256 Signature=cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013 "
      "SignedHeaders=host;x-amz-date Credential=AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request, Extra=ignored, "
      "SignedHeaders=host;x-amz-date, credential=also-ignored, "
      "Signature=cfdebcde8e6ad0fe2041058675b443a5b44e5d6cf4348e2db9490d5f4ad76013",
  };
  for (const std::string_view value : accepted) {
    INFO("Authorization: " << value);
    const auto parsed = parse_authorization_header(value);
    REQUIRE(parsed.has_value());
    CHECK(parsed.value().credential == kCredential);
    CHECK(parsed.value().signed_headers == kSignedHeaders);
    CHECK(parsed.value().signature == kSignature);
  }
}

TEST_CASE("Authorization: absent and empty parameters are told apart", "[sigv4][authorization]") {
  const auto parsed = parse_authorization_header("AWS4-HMAC-SHA256 Credential=, Signature=abc");
  REQUIRE(parsed.has_value());
  CHECK(parsed.value().credential == std::optional<std::string_view>(""));
  CHECK_FALSE(parsed.value().signed_headers.has_value());
  CHECK(parsed.value().signature == std::optional<std::string_view>("abc"));
  CHECK(parsed.value().value == "AWS4-HMAC-SHA256 Credential=, Signature=abc");
}

TEST_CASE("Authorization: malformed headers are IncompleteSignature with AWS's texts", "[sigv4][authorization]") {
  struct Row {
    std::string_view value;
    Reason reason;
    std::string_view message;
  };
  const Row rows[] = {
      {"AWS4-HMAC-SHA512 Credential=a, SignedHeaders=host, Signature=b", Reason::UnsupportedAlgorithm,
       "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."},
      {"AWS4-ECDSA-P256-SHA256 Credential=a", Reason::UnsupportedAlgorithm,
       "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'."},
      {"Bearer abc", Reason::UnsupportedAlgorithm, "Unsupported AWS 'algorithm': 'Bearer'."},
      {"aws4-hmac-sha256 Credential=a", Reason::UnsupportedAlgorithm,
       "Unsupported AWS 'algorithm': 'aws4-hmac-sha256'."},
      {"", Reason::UnsupportedAlgorithm, "Unsupported AWS 'algorithm': ''."},
      {"AWS4-HMAC-SHA256 Credential AKID/x, SignedHeaders=host", Reason::MalformedAuthorizationParameter,
       "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: "
       "'AWS4-HMAC-SHA256 Credential AKID/x, SignedHeaders=host'."},
      {"AWS4-HMAC-SHA256 Credential= AKID/x", Reason::MalformedAuthorizationParameter,
       "'AKID/x' not a valid key=value pair (missing equal-sign) in Authorization header: "
       "'AWS4-HMAC-SHA256 Credential= AKID/x'."},
      {"AWS4-HMAC-SHA256 Credential = X", Reason::MalformedAuthorizationParameter,
       "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: "
       "'AWS4-HMAC-SHA256 Credential = X'."},
      {"AWS4-HMAC-SHA256 Credential=a, Credential=b", Reason::DuplicateAuthorizationParameter,
       "Authorization header contains duplicate parameter 'Credential'."},
      {"AWS4-HMAC-SHA256 Signature=a Signature=a", Reason::DuplicateAuthorizationParameter,
       "Authorization header contains duplicate parameter 'Signature'."},
  };
  for (const Row& row : rows) {
    INFO("Authorization: " << row.value);
    const auto parsed = parse_authorization_header(row.value);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().reason == row.reason);
    CHECK(parsed.error().category() == Category::IncompleteSignature);
    CHECK(parsed.error().message == row.message);
  }
}

TEST_CASE("Authorization: token boundaries fall anywhere in the scanned words", "[sigv4][authorization]") {
  for (const std::string_view separator : {",", " ", ", ", "\t,\t", " , , "}) {
    for (std::size_t credential_size = 0; credential_size <= 20; ++credential_size) {
      for (std::size_t signature_size = 0; signature_size <= 20; ++signature_size) {
        const std::string credential(credential_size, 'c');
        const std::string signature(signature_size, 's');
        const std::string value = "AWS4-HMAC-SHA256 Credential=" + credential + std::string(separator) +
                                  "Signature=" + signature + std::string(separator) + "SignedHeaders=host";
        INFO("Authorization: " << value);
        const auto parsed = parse_authorization_header(value);
        REQUIRE(parsed.has_value());
        CHECK(parsed.value().credential == std::optional<std::string_view>(credential));
        CHECK(parsed.value().signature == std::optional<std::string_view>(signature));
        CHECK(parsed.value().signed_headers == std::optional<std::string_view>("host"));
      }
    }
  }
}

TEST_CASE("Authorization: the work is bounded at 8 KiB", "[sigv4][authorization]") {
  std::string value = "AWS4-HMAC-SHA256 Credential=";
  value.resize(kMaxAuthorizationSize, 'a');
  CHECK(parse_authorization_header(value).has_value());
  value.push_back('a');
  const auto parsed = parse_authorization_header(value);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().reason == Reason::AuthorizationTooLong);
}

TEST_CASE("Authorization: bytes outside ASCII are ordinary token bytes", "[sigv4][authorization]") {
  const auto parsed = parse_authorization_header("AWS4-HMAC-SHA256 Credential=\xE1\x88\xB4/\xFF, Signature=x");
  REQUIRE(parsed.has_value());
  CHECK(parsed.value().credential == std::optional<std::string_view>("\xE1\x88\xB4/\xFF"));
}

}  // namespace gatehouse::sigv4
