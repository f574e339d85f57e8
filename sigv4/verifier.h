// Verifies a request signed with AWS Signature Version 4, header or presigned form, following
// the check order of spec section 1 so each defect gets the error AWS would report.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sigv4/clock.h"
#include "sigv4/credential_store.h"
#include "sigv4/rejection.h"
#include "sigv4/request_view.h"
#include "sigv4/result.h"
#include "sigv4/signing_key_cache.h"

namespace gatehouse::sigv4 {

// What the endpoint that received the request accepts (spec sections 3.2, 5.2, 9).
struct Endpoint {
  std::string region;   // the only scope region accepted
  std::string service;  // the only scope service accepted, exact case
  std::chrono::seconds clock_skew{300};
  // Presigned URLs live min(X-Amz-Expires, this) seconds; X-Amz-Expires itself may not exceed
  // 7 days on any face.
  std::chrono::seconds max_presign_lifetime{604800};
  // Service policy beyond the spec: with header authentication the header carrying the
  // timestamp (x-amz-date, else date) must be signed, as every SDK does.
  bool require_signed_date = true;

  // Lambda REST face: scope service lambda, the endpoint's region, a 5-minute window.
  static Endpoint lambda(std::string region);
  // IAM query face: a global service scoped to us-east-1, a 15-minute window.
  static Endpoint iam();
  // STS query face: us-east-1 on the global host, else the host's region; a 15-minute window
  // and presigned URLs capped at 15 minutes, as AWS STS enforces.
  static Endpoint sts(std::string region);
};

struct Authenticated {
  std::shared_ptr<const Credential> credential;
  bool presigned = false;
};

// What the verifier computed for one request, for debug logging and `gatehouse sign`
// comparisons. Never holds a secret: a session token is replaced by kRedactedToken.
struct SignatureTrace {
  std::string_view access_key_id;
  std::string_view canonical_request;
  std::string_view string_to_sign;
  bool matched = false;
  bool known_key = true;  // false: no such access key (the signature was computed with a stand-in secret)
};

inline constexpr std::string_view kRedactedToken = "<redacted-session-token>";

using DebugHook = std::function<void(const SignatureTrace&)>;

class Verifier {
 public:
  // The store, clock and cache must outlive the verifier; the cache may be shared.
  Verifier(const CredentialStore& store, const Clock& clock, SigningKeyCache& cache);

  // Called after every signature computation (also for unknown keys and mismatches), on the
  // verifying thread; views are valid during the call only, and the hook must not verify.
  void set_debug_hook(DebugHook hook) { debug_hook_ = std::move(hook); }

  Result<Authenticated, Rejection> verify(const RequestView& request, const Endpoint& endpoint) const;

 private:
  const CredentialStore& store_;
  const Clock& clock_;
  SigningKeyCache& cache_;
  DebugHook debug_hook_;
};

}  // namespace gatehouse::sigv4
