// The pieces of "Create a canonical request": URI, query, headers, signed-headers list and
// percent-encoding (spec sections 4.2-4.5).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sigv4/canonical_headers.h"
#include "sigv4/canonical_query.h"
#include "sigv4/canonical_uri.h"
#include "sigv4/percent_encoding.h"

namespace gatehouse::sigv4 {
namespace {

std::string canonical_uri(std::string_view raw) {
  std::string out;
  append_canonical_uri(out, raw);
  return out;
}

std::string canonical_query(std::string_view raw, SignatureParameter signature = SignatureParameter::Include) {
  DecodedQuery query;
  query.assign(raw);
  std::string out;
  append_canonical_query(out, query, signature);
  return out;
}

std::string header_value(std::string_view raw) {
  std::string out;
  append_canonical_header_value(out, raw);
  return out;
}

}  // namespace

TEST_CASE("canonical URI: normalized, then the raw path encoded once more", "[sigv4][canonical]") {
  struct Row {
    std::string_view raw;
    std::string_view canonical;
  };
  const Row rows[] = {
      // Double encoding of what SDKs put on the wire (spec section 4.2 table).
      {"/2015-03-31/functions/my-func%3APROD/configuration", "/2015-03-31/functions/my-func%253APROD/configuration"},
      {"/2015-03-31/functions/my-func%3A%24LATEST/invocations",
       "/2015-03-31/functions/my-func%253A%2524LATEST/invocations"},
      {"/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations",
       "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Af/invocations"},
      {"/2015-03-31/functions/my-func:PROD/configuration", "/2015-03-31/functions/my-func%3APROD/configuration"},
      {"/f/my-func%3apr", "/f/my-func%253apr"},  // lower-case escapes stay as sent
      {"/example space/", "/example%20space/"},
      {"/\xE1\x88\xB4", "/%E1%88%B4"},
      {"/-_.~az09AZ", "/-_.~az09AZ"},
      {"/$@=+!'()*,;", "/%24%40%3D%2B%21%27%28%29%2A%2C%3B"},
      // Normalization (the suite's examples).
      {"/example/..", "/"},
      {"/./", "/"},
      {"//example//", "/example/"},
      {"/example1/example2/../..", "/"},
      {"/./example", "/example"},
      {"/a/b/../c", "/a/c"},
      {"/../..", "/"},
      {"/example/.", "/example"},
      {"/.well-known/..x/...", "/.well-known/..x/..."},  // dots inside names are not dot segments
      {"/a/b/", "/a/b/"},
      {"/a//b", "/a/b"},
      {"/a/./b/", "/a/b/"},
      {"relative/path", "/relative/path"},
      {"/%2E%2E/x", "/%252E%252E/x"},  // only literal dots are dot segments
      {"", "/"},
      {"/", "/"},
      // The trailing slash is kept as sent, never added or removed.
      {"/2015-03-31/functions", "/2015-03-31/functions"},
      {"/2015-03-31/functions/", "/2015-03-31/functions/"},
  };
  for (const Row& row : rows) {
    INFO("raw path " << row.raw);
    CHECK(canonical_uri(row.raw) == row.canonical);
  }
}

TEST_CASE("canonical query: decoded once, encoded once, pairs sorted by name then value", "[sigv4][canonical]") {
  struct Row {
    std::string_view raw;
    std::string_view canonical;
  };
  const Row rows[] = {
      {"", ""},
      {"Qualifier=%24LATEST", "Qualifier=%24LATEST"},
      {"MaxItems=10&Marker=abc%2Fdef%3D", "Marker=abc%2Fdef%3D&MaxItems=10"},
      {"Param-3=Value3&Param=Value2&%E1%88%B4=Value1", "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"},
      {"Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2"},
      {"b=2&a", "a=&b=2"},
      {"a=&b=", "a=&b="},
      {"a=1&&b=2&", "a=1&b=2"},
      {"k=a+b", "k=a%20b"},  // '+' read as a space
      {"k=%2b%2f", "k=%2B%2F"},
      {"k=%41%7e", "k=A~"},
      {"k=a=b", "k=a%3Db"},
      {"k=abc/def", "k=abc%2Fdef"},
      {"find=LayerVersion", "find=LayerVersion"},
      {"B=1&a=1", "B=1&a=1"},  // upper case sorts first
  };
  for (const Row& row : rows) {
    INFO("raw query " << row.raw);
    CHECK(canonical_query(row.raw) == row.canonical);
  }
}

TEST_CASE("canonical query: X-Amz-Signature left out only for presigned requests", "[sigv4][canonical]") {
  const std::string_view raw = "X-Amz-Signature=abc&X-Amz-Date=20240501T120000Z";
  CHECK(canonical_query(raw, SignatureParameter::Omit) == "X-Amz-Date=20240501T120000Z");
  CHECK(canonical_query(raw, SignatureParameter::Include) == "X-Amz-Date=20240501T120000Z&X-Amz-Signature=abc");
}

TEST_CASE("decoded query: malformed escapes are remembered, the other pieces kept", "[sigv4][canonical]") {
  struct Row {
    std::string_view raw;
    std::optional<std::string_view> malformed;
    std::size_t kept;
  };
  const Row rows[] = {
      {"a=%4", "a=%4", 0}, {"a=%zz&b=1", "a=%zz", 1}, {"%=1&b=%41", "%=1", 1}, {"a=1&b=2%", "b=2%", 1},
      {"a=%41", std::nullopt, 1},
  };
  for (const Row& row : rows) {
    INFO("raw query " << row.raw);
    DecodedQuery query;
    query.assign(row.raw);
    CHECK(query.malformed_piece() == row.malformed);
    CHECK(query.parameters().size() == row.kept);
  }
  DecodedQuery query;
  query.assign("X-Amz-Credential=AKID%2F20240501%2Fus-east-1%2Flambda%2Faws4_request&flag");
  CHECK(query.find("X-Amz-Credential") == "AKID/20240501/us-east-1/lambda/aws4_request");
  CHECK(query.find("flag") == "");
  CHECK_FALSE(query.find("x-amz-credential").has_value());  // names are case-sensitive
}

TEST_CASE("canonical header values: trimmed, inner blank runs collapsed, quotes included", "[sigv4][canonical]") {
  CHECK(header_value("  a   b  ") == "a b");
  CHECK(header_value("\"a   b   c\"") == "\"a b c\"");
  CHECK(header_value("value1, value2") == "value1, value2");
  CHECK(header_value("a\t \tb") == "a b");
  CHECK(header_value("value1\r\n  value2\r\n     value3") == "value1 value2 value3");  // obs-fold as received
  CHECK(header_value("") == "");
  CHECK(header_value("   ") == "");
}

TEST_CASE("canonical headers: listed names only, repeats joined in wire order, absent is a failure",
          "[sigv4][canonical]") {
  const std::vector<Header> headers = {
      {"Host", "example.com"}, {"My-Header1", "value2"}, {"User-Agent", "x"},
      {"MY-HEADER1", " value2 "}, {"my-header1", "value1"}, {"Content-Type", ""},
  };
  std::string out;
  REQUIRE(append_canonical_headers(out, split_signed_headers("content-type;host;my-header1"), headers));
  CHECK(out == "content-type:\nhost:example.com\nmy-header1:value2,value2,value1\n");

  std::string absent;
  CHECK_FALSE(append_canonical_headers(absent, split_signed_headers("host;x-amz-invocation-type"), headers));
}

TEST_CASE("canonical headers: HTTP/2 :authority supplies host only when no Host header is sent",
          "[sigv4][canonical]") {
  const std::vector<Header> http2 = {{":authority", "lambda.us-east-1.amazonaws.com"}};
  std::string out;
  REQUIRE(append_canonical_headers(out, split_signed_headers("host"), http2));
  CHECK(out == "host:lambda.us-east-1.amazonaws.com\n");

  const std::vector<Header> both = {{":authority", "a.example"}, {"Host", "b.example"}};
  std::string preferred;
  REQUIRE(append_canonical_headers(preferred, split_signed_headers("host"), both));
  CHECK(preferred == "host:b.example\n");
}

TEST_CASE("SignedHeaders shape: lower case, strictly ascending, no empty entries", "[sigv4][canonical]") {
  struct Row {
    std::string_view value;
    bool canonical;
  };
  const Row rows[] = {
      {"host;x-amz-date", true},
      {"content-type;host;x-amz-date;x-amz-security-token", true},
      {"host", true},
      {"Host;x-amz-date", false},
      {"x-amz-date;host", false},
      {"host;host;x-amz-date", false},
      {"host;;x-amz-date", false},
      {"host;", false},
      {"", false},
      {"host;x amz", false},
  };
  for (const Row& row : rows) {
    INFO("SignedHeaders=" << row.value);
    CHECK(is_canonical_signed_headers(split_signed_headers(row.value)) == row.canonical);
  }
  CHECK(lists_header(split_signed_headers("Host;X-Amz-Date"), "host"));
  CHECK_FALSE(lists_header(split_signed_headers("hostname"), "host"));
}

TEST_CASE("percent-encoding keeps exactly the unreserved bytes literal", "[sigv4][canonical]") {
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '_' || c == '.' || c == '~';
    std::string encoded;
    append_uri_encoded(encoded, std::string_view(&c, 1), SlashRule::Encode);
    INFO("byte " << byte);
    CHECK(is_unreserved(c) == unreserved);
    CHECK(encoded.size() == (unreserved ? 1u : 3u));
    std::string decoded;
    REQUIRE(append_percent_decoded(decoded, encoded));
    CHECK(decoded == std::string_view(&c, 1));
  }
  std::string path;
  append_uri_encoded(path, "/a b/", SlashRule::Keep);
  CHECK(path == "/a%20b/");
}

}  // namespace gatehouse::sigv4
