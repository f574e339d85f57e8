// Step 1 of "Create a signed AWS API request": the canonical request (spec section 4).
#pragma once

#include <string>
#include <string_view>

#include "sigv4/canonical_headers.h"
#include "sigv4/canonical_query.h"
#include "sigv4/crypto.h"
#include "sigv4/request_view.h"

namespace gatehouse::sigv4 {

struct CanonicalRequestInput {
  std::string_view method;
  std::string_view raw_path;
  const DecodedQuery& query;
  SignatureParameter signature_parameter;
  const SignedHeaderNames& signed_header_names;  // already checked by is_canonical_signed_headers
  std::string_view signed_headers;               // the SignedHeaders value as received
  std::span<const Header> headers;
  const HexDigest& payload_hash;
};

// Appends Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n
// PayloadHash (no final newline). Returns false when a signed header is absent.
bool append_canonical_request(std::string& out, const CanonicalRequestInput& input);

}  // namespace gatehouse::sigv4
