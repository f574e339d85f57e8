#include "sigv4/string_to_sign.h"

namespace gatehouse::sigv4 {

void append_string_to_sign(std::string& out, std::string_view amz_date, const CredentialScope& scope,
                           const HexDigest& canonical_request_hash) {
  out.append(kAlgorithm);
  out.push_back('\n');
  out.append(amz_date);
  out.push_back('\n');
  append_credential_scope(out, scope);
  out.push_back('\n');
  out.append(as_view(canonical_request_hash));
}

}  // namespace gatehouse::sigv4
