// testdata/sigv4-verifier/cases.json: every accept and reject case, asserting the exact error
// type, HTTP status and message on the Lambda REST face (JSON) and the IAM/STS query face (XML).
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "sigv4/error_response.h"
#include "test_support.h"

namespace gatehouse::sigv4 {
namespace {

using testing::HttpRequest;
using testing::RequestHolder;

std::string header_of(const ErrorResponse& response, std::string_view name) {
  for (const auto& [header, value] : response.headers) {
    if (header == name) return value;
  }
  return "<absent>";
}

std::string xml_element(const std::string& body, const std::string& element) {
  const std::string open = "<" + element + ">";
  const std::size_t start = body.find(open);
  const std::size_t end = body.find("</" + element + ">");
  if (start == std::string::npos || end == std::string::npos) return "<absent>";
  std::string text = body.substr(start + open.size(), end - start - open.size());
  for (const auto& [entity, character] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
    for (std::size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, std::string_view(entity).size(), character);
    }
  }
  return text;
}

std::string json_member(const std::string& body, const char* member) {
  rapidjson::Document json;
  json.Parse(body.c_str());
  if (json.HasParseError() || !json.IsObject() || !json.HasMember(member)) return "<absent>";
  return json[member].GetString();
}

void check_message(const std::string& actual, const rapidjson::Value& expected, std::string_view face_text) {
  if (!face_text.empty()) {
    CHECK(actual == face_text);
  } else if (expected.HasMember("message")) {
    CHECK(actual == expected["message"].GetString());
  } else if (expected.HasMember("message_prefix")) {
    const std::string prefix = expected["message_prefix"].GetString();
    INFO("message: " << actual);
    CHECK(actual.rfind(prefix, 0) == 0);
  }
}

}  // namespace

TEST_CASE("verifier reproduces every outcome of cases.json on both faces", "[sigv4][cases]") {
  const auto document = testing::read_json(testing::data_dir() / "sigv4-verifier/cases.json");
  const auto& server = document["server"];
  const auto& cases = document["cases"].GetArray();
  REQUIRE(cases.Size() == 70);  // a case that is not run is a failure, never a skip

  int accepted = 0;
  int rejected = 0;
  for (const auto& test_case : cases) {
    const std::string id = test_case["id"].GetString();
    INFO("case " << id << ": " << test_case["description"].GetString());

    testing::VerifierRig rig;
    for (const auto& entry : server["credentials"].GetArray()) {
      Credential credential;
      credential.access_key_id = entry["access_key_id"].GetString();
      credential.secret_access_key = entry["secret_access_key"].GetString();
      if (entry["session_token"].IsString()) credential.session_token = entry["session_token"].GetString();
      if (entry["expires"].IsString()) credential.expiration = testing::parse_iso8601(entry["expires"].GetString());
      rig.store.put(std::move(credential));
    }
    std::string now = server["now"].GetString();
    std::int64_t skew = server["clock_skew_seconds"].GetInt64();
    if (test_case.HasMember("server_overrides")) {
      const auto& overrides = test_case["server_overrides"];
      for (auto it = overrides.MemberBegin(); it != overrides.MemberEnd(); ++it) {
        const std::string key = it->name.GetString();
        if (key == "now") now = it->value.GetString();
        else if (key == "clock_skew_seconds") skew = it->value.GetInt64();
        else FAIL("unknown override " << key);
      }
    }
    rig.clock.set(testing::parse_iso8601(now));
    const Endpoint endpoint{server["region"].GetString(), server["service"].GetString(), std::chrono::seconds(skew)};

    const auto& json_request = test_case["request"];
    HttpRequest request;
    request.method = json_request["method"].GetString();
    request.target = json_request["path"].GetString();
    for (const auto& header : json_request["headers"].GetArray()) {
      request.headers.emplace_back(header[0].GetString(), header[1].GetString());
    }
    request.body = json_request["body"].GetString();

    const auto outcome = rig.verifier.verify(RequestHolder(request).view(), endpoint);
    const auto& expected = test_case["expected"];
    if (expected["result"].GetString() == std::string("accept")) {
      INFO("rejected as " << (outcome ? "" : to_string(outcome.error().reason)) << ": "
                          << (outcome ? "" : outcome.error().message));
      CHECK(outcome.has_value());
      if (outcome) ++accepted;
      continue;
    }
    REQUIRE_FALSE(outcome.has_value());
    ++rejected;
    const Rejection& rejection = outcome.error();
    INFO("reason " << to_string(rejection.reason));

    const ErrorResponse lambda = render_error_response(rejection, Face::LambdaRest, "req-1");
    CHECK(lambda.http_status == expected["http_status"].GetInt());
    CHECK(header_of(lambda, "x-amzn-ErrorType") == expected["error"].GetString());
    CHECK(header_of(lambda, "Content-Type") == "application/json");
    check_message(json_member(lambda.body, "message"), expected, {});
    CHECK(json_member(lambda.body, "Message") == json_member(lambda.body, "message"));

    const bool missing_authentication = rejection.category() == Category::MissingAuthentication;
    for (const Face face : {Face::IamQuery, Face::StsQuery}) {
      const ErrorResponse query = render_error_response(rejection, face, "req-1");
      const auto& equivalent = expected["query_api_equivalent"];
      CHECK(query.http_status == equivalent["http_status"].GetInt());
      CHECK(xml_element(query.body, "Code") == equivalent["code"].GetString());
      CHECK(header_of(query, "Content-Type") == "text/xml");
      // The query face words only the missing-token case differently (spec section 12.2).
      check_message(xml_element(query.body, "Message"), expected,
                    missing_authentication ? "Request is missing Authentication Token" : "");
    }
  }
  CHECK(accepted == 14);
  CHECK(rejected == 56);
}

}  // namespace gatehouse::sigv4
