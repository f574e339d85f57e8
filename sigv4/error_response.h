// AWS-shaped error responses for an authentication failure, per face (spec section 12).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sigv4/rejection.h"

namespace gatehouse::sigv4 {

enum class Face : std::uint8_t {
  LambdaRest,  // rest-json: x-amzn-ErrorType header, JSON body, 403 throughout
  IamQuery,    // query protocol, XML ErrorResponse, namespace of IAM 2010-05-08
  StsQuery,    // query protocol, XML ErrorResponse, namespace of STS 2011-06-15
};

struct ErrorFields {
  std::string_view code;  // Lambda: x-amzn-ErrorType; IAM/STS: <Code>
  int http_status;
  std::string_view message;  // a view into the rejection or a constant
};

ErrorFields error_fields(const Rejection& rejection, Face face) noexcept;

struct ErrorResponse {
  int http_status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included
  std::string body;
};

ErrorResponse render_error_response(const Rejection& rejection, Face face, std::string_view request_id);

}  // namespace gatehouse::sigv4
