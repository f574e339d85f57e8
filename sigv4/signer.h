// Signs a request the way the AWS SDKs do, with the same canonicalization the verifier uses,
// for `gatehouse sign`, tests and clients (spec sections 4-9).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sigv4/request_view.h"
#include "sigv4/result.h"
#include "sigv4/timestamp.h"

namespace gatehouse::sigv4 {

struct SigningCredentials {
  std::string_view access_key_id;
  std::string_view secret_access_key;
  std::optional<std::string_view> session_token;
};

struct SignInput {
  std::string_view method;
  std::string_view target;          // raw path and query as they go on the request line
  std::span<const Header> headers;  // must include Host
  PayloadHash payload = PayloadHash::of_body({});
};

struct SignOptions {
  std::string_view region;
  std::string_view service;
  TimePoint time;
  // Set: a presigned URL valid this many seconds (1..604800); unset: an Authorization header.
  std::optional<std::int64_t> presign_expires;
  // Header form only: add and sign x-amz-content-sha256, as the Java v2 SDK and amazonka do.
  bool add_content_sha256 = false;
};

struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  // Header form: the input target. Presigned: with the X-Amz-* parameters appended, in
  // botocore's order, X-Amz-Signature last.
  std::string target;
  // Every header to send, in order: the input's, then X-Amz-Date, X-Amz-Security-Token,
  // X-Amz-Content-Sha256 and Authorization as they apply.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Signs every header except those clients leave unsigned on purpose (User-Agent,
// X-Amzn-Trace-Id, Expect and the hop-by-hop headers). Fails with a one-line reason on a
// missing Host header, an X-Amz-Expires out of range or a malformed query.
Result<SignedRequest, std::string> sign_request(const SignInput& input, const SigningCredentials& credentials,
                                                const SignOptions& options);

}  // namespace gatehouse::sigv4
