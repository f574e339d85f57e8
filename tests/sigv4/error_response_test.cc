// AWS-shaped error responses per face (spec section 12): full bodies for one rejection of each
// category, and bodies that stay valid JSON/XML whatever the client echoed.
#include <catch2/catch.hpp>

#include <string>

#include <rapidjson/document.h>

#include "sigv4/error_response.h"

namespace gatehouse::sigv4 {

TEST_CASE("error responses: every reason maps to its category's type, code and status", "[sigv4][errors]") {
  struct Row {
    Reason reason;
    std::string_view lambda_type;
    std::string_view query_code;
    int query_status;
    std::string_view lambda_message;
    std::string_view query_message;
  };
  const Row rows[] = {
      {Reason::NoAuthentication, "MissingAuthenticationTokenException", "MissingAuthenticationToken", 403,
       "Missing Authentication Token", "Request is missing Authentication Token"},
      {Reason::UnsupportedQueryAlgorithm, "MissingAuthenticationTokenException", "MissingAuthenticationToken", 403,
       "Missing Authentication Token", "Request is missing Authentication Token"},
      {Reason::SignatureMismatch, "InvalidSignatureException", "SignatureDoesNotMatch", 403, kSignatureMismatchMessage,
       kSignatureMismatchMessage},
      {Reason::SignedHeaderAbsent, "InvalidSignatureException", "SignatureDoesNotMatch", 403,
       kSignatureMismatchMessage, kSignatureMismatchMessage},
      {Reason::UnknownAccessKey, "UnrecognizedClientException", "InvalidClientTokenId", 403, kInvalidTokenMessage,
       kInvalidTokenMessage},
      {Reason::InvalidSecurityToken, "UnrecognizedClientException", "InvalidClientTokenId", 403,
       kInvalidTokenMessage, kInvalidTokenMessage},
      {Reason::ExpiredSecurityToken, "ExpiredTokenException", "ExpiredToken", 403, kExpiredTokenMessage,
       kExpiredTokenMessage},
  };
  for (const Row& row : rows) {
    INFO("reason " << to_string(row.reason));
    const Rejection rejection = reject(row.reason);
    const ErrorFields lambda = error_fields(rejection, Face::LambdaRest);
    CHECK(lambda.code == row.lambda_type);
    CHECK(lambda.http_status == 403);
    CHECK(lambda.message == row.lambda_message);
    for (const Face face : {Face::IamQuery, Face::StsQuery}) {
      const ErrorFields query = error_fields(rejection, face);
      CHECK(query.code == row.query_code);
      CHECK(query.http_status == row.query_status);
      CHECK(query.message == row.query_message);
    }
  }
  const Rejection incomplete = reject(Reason::MalformedDate, "Date must be in ISO-8601 'basic format'. Got 'x'.");
  CHECK(error_fields(incomplete, Face::LambdaRest).code == "IncompleteSignatureException");
  CHECK(error_fields(incomplete, Face::LambdaRest).http_status == 403);
  CHECK(error_fields(incomplete, Face::IamQuery).code == "IncompleteSignature");
  CHECK(error_fields(incomplete, Face::IamQuery).http_status == 400);
}

TEST_CASE("error responses: the Lambda face answers JSON with x-amzn-ErrorType", "[sigv4][errors]") {
  const ErrorResponse response = render_error_response(reject(Reason::SignatureMismatch), Face::LambdaRest, "rid-1");
  CHECK(response.http_status == 403);
  CHECK(response.headers == std::vector<std::pair<std::string, std::string>>{
                                {"Content-Type", "application/json"},
                                {"x-amzn-ErrorType", "InvalidSignatureException"},
                                {"x-amzn-RequestId", "rid-1"}});
  CHECK(response.body == "{\"Type\":\"User\",\"Message\":\"" + std::string(kSignatureMismatchMessage) +
                             "\",\"message\":\"" + std::string(kSignatureMismatchMessage) + "\"}");
}

TEST_CASE("error responses: the IAM and STS faces answer an XML ErrorResponse in their namespace", "[sigv4][errors]") {
  const Rejection rejection = reject(Reason::UnknownAccessKey);
  const ErrorResponse iam = render_error_response(rejection, Face::IamQuery, "rid-2");
  CHECK(iam.http_status == 403);
  CHECK(iam.body ==
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
        "  <Error>\n"
        "    <Type>Sender</Type>\n"
        "    <Code>InvalidClientTokenId</Code>\n"
        "    <Message>The security token included in the request is invalid.</Message>\n"
        "  </Error>\n"
        "  <RequestId>rid-2</RequestId>\n"
        "</ErrorResponse>\n");
  const ErrorResponse sts = render_error_response(rejection, Face::StsQuery, "rid-3");
  CHECK(sts.body.rfind("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">", 0) == 0);
  CHECK(sts.headers.front() == std::pair<std::string, std::string>{"Content-Type", "text/xml"});
}

TEST_CASE("error responses: echoed client bytes are escaped and kept valid UTF-8", "[sigv4][errors]") {
  const Rejection rejection = reject(Reason::UnsupportedAlgorithm, "Unsupported AWS 'algorithm': '<a&b>\"\\\x01\xE1\x88\xB4\xFF'.");
  const ErrorResponse lambda = render_error_response(rejection, Face::LambdaRest, "r");
  rapidjson::Document json;
  json.Parse<rapidjson::kParseValidateEncodingFlag>(lambda.body.c_str());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(std::string(json["message"].GetString()) == "Unsupported AWS 'algorithm': '<a&b>\"\\\x01\xE1\x88\xB4\xEF\xBF\xBD'.");

  const ErrorResponse xml = render_error_response(rejection, Face::StsQuery, "r");
  CHECK(xml.body.find("<Message>Unsupported AWS 'algorithm': '&lt;a&amp;b&gt;\"\\\xEF\xBF\xBD\xE1\x88\xB4\xEF\xBF\xBD'.</Message>") !=
        std::string::npos);
}

}  // namespace gatehouse::sigv4
