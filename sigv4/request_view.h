// The neutral request view the verifier and signer work on: bytes as received on the wire,
// never a framework's decoded or re-serialized form (spec section 4, pitfall 3).
#pragma once

#include <span>
#include <string_view>

#include "sigv4/crypto.h"

namespace gatehouse::sigv4 {

// One header line. Names in any letter case; a name may repeat, in wire order. An obs-fold
// continuation may come as received (CRLF and blanks) or replaced by spaces, as HTTP parsers do.
struct Header {
  std::string_view name;
  std::string_view value;
};

// Where the payload line of the canonical request comes from: the body bytes (hashed during
// verification) or a SHA-256 the HTTP layer computed while it read the body.
class PayloadHash {
 public:
  static PayloadHash of_body(std::string_view body) noexcept { return PayloadHash(body); }
  static PayloadHash precomputed(const Digest& sha256) noexcept { return PayloadHash(sha256); }

  Digest digest() const noexcept { return precomputed_ ? digest_ : sha256(body_); }

 private:
  explicit PayloadHash(std::string_view body) noexcept : body_(body) {}
  explicit PayloadHash(const Digest& digest) noexcept : digest_(digest), precomputed_(true) {}

  std::string_view body_;
  Digest digest_{};
  bool precomputed_ = false;
};

struct RequestView {
  std::string_view method;  // as received, e.g. "POST"
  std::string_view path;    // raw request-target bytes before '?', not decoded
  std::string_view query;   // raw bytes after '?' up to any '#'; empty when none
  std::span<const Header> headers;
  PayloadHash payload = PayloadHash::of_body({});
};

struct RequestTarget {
  std::string_view path;
  std::string_view query;
};

// Splits a raw request-target ("/path?query#fragment") as it appears on the request line.
inline RequestTarget split_request_target(std::string_view target) noexcept {
  if (const auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  const auto question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

}  // namespace gatehouse::sigv4
