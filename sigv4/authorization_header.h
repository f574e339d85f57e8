// The Authorization header of header-based authentication (spec section 2).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "sigv4/rejection.h"
#include "sigv4/result.h"

namespace gatehouse::sigv4 {

inline constexpr std::size_t kMaxAuthorizationSize = 8192;

// Parameters as received (views into the header value). A parameter that was not sent is
// nullopt; one sent empty ("Credential=") is an empty view.
struct AuthorizationHeader {
  std::string_view value;  // the whole header value, leading and trailing blanks removed
  std::optional<std::string_view> credential;
  std::optional<std::string_view> signed_headers;
  std::optional<std::string_view> signature;
};

// AWS4-HMAC-SHA256 followed by name=value parameters separated by any run of commas and
// blanks, in any order. Rejects (IncompleteSignature) another algorithm, a token without '=',
// a repeated parameter and a value over kMaxAuthorizationSize bytes.
Result<AuthorizationHeader, Rejection> parse_authorization_header(std::string_view value);

}  // namespace gatehouse::sigv4
