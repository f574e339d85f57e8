// Every JSON answer of the Lambda face is valid UTF-8 JSON whatever bytes the request held:
// a path or query value that is not UTF-8 is echoed with U+FFFD in place of the bad bytes.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include "server/http/errors.h"
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

// The body parses as strict UTF-8 JSON; returns its Message.
std::string parsed_message(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  INFO(body);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  REQUIRE(doc.HasMember("Message"));
  REQUIRE(doc["Message"].IsString());
  REQUIRE(doc["message"].IsString());
  const std::string message(doc["Message"].GetString(), doc["Message"].GetStringLength());
  CHECK(message == std::string(doc["message"].GetString(), doc["message"].GetStringLength()));
  return message;
}

}  // namespace

TEST_CASE("lambda_error writes bytes that are not UTF-8 as U+FFFD", "[server][http]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(parsed_message(server::http::lambda_error(400, "ValidationException", "a\xFF\xFE" "b").body) ==
        "a" + fffd + fffd + "b");
  // Overlong encodings and encoded surrogates are not UTF-8 either.
  CHECK(parsed_message(server::http::lambda_error(400, "ValidationException", "\xC0\xAF").body) == fffd + fffd);
  CHECK(parsed_message(server::http::lambda_error(400, "ValidationException", "\xED\xA0\x80").body).find("\xED") ==
        std::string::npos);
  // A NUL and a truncated sequence at the end.
  CHECK(parsed_message(server::http::lambda_error(400, "ValidationException", std::string("x\0\xE2\x82", 4)).body) ==
        "x" + std::string("\0", 1) + fffd + fffd);
  // Well-formed text is kept as it is.
  CHECK(parsed_message(server::http::lambda_error(404, "ResourceNotFoundException", "caf\xC3\xA9 \xE2\x82\xAC").body) ==
        "caf\xC3\xA9 \xE2\x82\xAC");
}

TEST_CASE("signed Lambda requests with non-UTF-8 paths and queries get parseable JSON errors", "[server][http]") {
  World w;
  for (const std::string target :
       {"/2015-03-31/functions/%FF%FE", "/2015-03-31/functions/%C0%AF", "/2015-03-31/functions/%FF%FE/configuration",
        "/2015-03-31/functions/?Marker=%00%FF", "/2015-03-31/functions/%ED%A0%80/policy",
        "/2015-03-31/functions/F/aliases?Marker=%FF&FunctionVersion=%C0%AF"}) {
    INFO(target);
    const auto r = w.call("GET", target);
    CHECK(r.status >= 400);
    CHECK(r.status < 500);
    const std::string message = parsed_message(r.body);
    CHECK_FALSE(message.empty());
  }
}
