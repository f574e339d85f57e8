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
  static constexpr Digest kEmptySha256 = {
      0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
      0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

  static PayloadHash of_body(std::string_view body) noexcept { return PayloadHash(body); }
  static PayloadHash precomputed(const Digest& sha256) noexcept { return PayloadHash(sha256); }

  Digest digest() const noexcept {
    if (precomputed_) return digest_;
    // The hash of no bytes (every GET's), known: e3b0c442...b855.
    if (body_.empty()) return kEmptySha256;
    return sha256(body_);
  }

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
