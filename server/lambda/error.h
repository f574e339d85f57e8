// Lambda's error value (spec/lambda-api.md section 2.2): the error type that goes into
// x-amzn-ErrorType, the HTTP status and the message. The wire shape is rendered by the
// front end's one renderer, server::http::lambda_error(status, type, message).
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::server::lambda {

struct LambdaError {
  std::string type;  // x-amzn-ErrorType, e.g. ResourceNotFoundException
  int status = 400;
  std::string message;

  bool operator==(const LambdaError&) const = default;
};

// The error types this layer produces (lambda-api 2.2).
namespace error_type {
inline constexpr std::string_view kValidation = "ValidationException";
inline constexpr std::string_view kInvalidParameterValue = "InvalidParameterValueException";
inline constexpr std::string_view kInvalidRequestContent = "InvalidRequestContentException";
inline constexpr std::string_view kResourceNotFound = "ResourceNotFoundException";
inline constexpr std::string_view kAccessDenied = "AccessDeniedException";
inline constexpr std::string_view kUnknownOperation = "UnknownOperationException";
}  // namespace error_type

inline LambdaError make_error(std::string_view type, int status, std::string message) {
  return LambdaError{std::string(type), status, std::move(message)};
}

}  // namespace gatehouse::server::lambda
