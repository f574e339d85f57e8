// The request log (server/http/request_log.h): what one line says about a request and its answer.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "server/http/request_log.h"

namespace gatehouse::server::http {
namespace {

HttpRequest request(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.request_id = "11111111-2222-4333-8444-555555555555";
  return r;
}

}  // namespace

TEST_CASE("request log: principal and decision as the API set them; a Lambda refusal's message", "[http][log]") {
  HttpResponse response;
  response.status = 403;
  response.operation = "DeleteFunction";
  response.principal = "arn:aws:iam::111111111111:user/alice";
  response.decision = "implicitDeny";
  response.body =
      R"({"Type":"User","Message":"User: alice is not authorized","message":"User: alice is not authorized"})";
  const HttpRequest r = request("DELETE", "/2015-03-31/functions/f");  // the entry views it
  const auto entry = request_log_entry(r, response, 2.345);
  CHECK(format_request_log(entry, LogFormat::Text) ==
        "DELETE /2015-03-31/functions/f DeleteFunction principal=arn:aws:iam::111111111111:user/alice "
        "decision=implicitDeny status=403 2.3ms reason=\"User: alice is not authorized\"");
}

TEST_CASE("request log: an unauthenticated request names its access key; a Query error's XML message", "[http][log]") {
  HttpRequest r = request("POST", "/");
  r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWNEXAMPLE00/20240501/us-east-1/iam/"
                                        "aws4_request, SignedHeaders=host, Signature=00"});
  HttpResponse response;
  response.status = 403;
  response.operation = "ListUsers";
  response.body = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security "
                  "token &amp; &lt;key&gt; is invalid.</Message></Error></ErrorResponse>";
  const auto entry = request_log_entry(r, response, 0.04);
  CHECK(entry.principal == "AKIAUNKNOWNEXAMPLE00");
  CHECK(entry.reason == "The security token & <key> is invalid.");
  CHECK(format_request_log(entry, LogFormat::Text) ==
        "POST / ListUsers principal=AKIAUNKNOWNEXAMPLE00 decision=- status=403 0.0ms "
        "reason=\"The security token & <key> is invalid.\"");

  HttpRequest presigned = request("GET", "/");
  presigned.query = "Action=GetCallerIdentity&X-Amz-Credential=ASIAEXAMPLETEMPKEY01%2F20240501%2Fus-east-1%2Fsts";
  CHECK(request_log_entry(presigned, HttpResponse{}, 1).principal == "ASIAEXAMPLETEMPKEY01");
  CHECK(request_log_entry(request("GET", "/healthz"), HttpResponse{}, 1).principal.empty());
}

TEST_CASE("request log: JSON lines parse, whatever the client sent", "[http][log]") {
  HttpResponse response;
  response.status = 400;
  response.operation = "GetFunction";
  response.body = R"({"message":"bad \"name\"\nwith a newline"})";
  const HttpRequest r = request("GET", "/2015-03-31/functions/a\"b\x01");
  const auto entry = request_log_entry(r, response, 1.05);
  const std::string line = format_request_log(entry, LogFormat::Json);
  CHECK(line.find('\n') == std::string::npos);
  rapidjson::Document doc;
  doc.Parse(line.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["path"].GetString()) == "/2015-03-31/functions/a\"b ");
  CHECK(doc["status"].GetInt() == 400);
  CHECK(doc["ms"].GetDouble() == Approx(1.1).margin(0.051));
  CHECK(std::string(doc["reason"].GetString()) == "bad \"name\" with a newline");
  CHECK(std::string(doc["decision"].GetString()).empty());
  // Text lines stay on one line too.
  CHECK(format_request_log(entry, LogFormat::Text).find('\n') == std::string::npos);
  CHECK(parse_log_format("json") == LogFormat::Json);
  CHECK_FALSE(parse_log_format("JSON"));
}

}  // namespace gatehouse::server::http
