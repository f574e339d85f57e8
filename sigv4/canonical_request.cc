#include "sigv4/canonical_request.h"

#include "sigv4/canonical_uri.h"

namespace gatehouse::sigv4 {

bool append_canonical_request(std::string& out, const CanonicalRequestInput& input) {
  out.append(input.method);
  out.push_back('\n');
  append_canonical_uri(out, input.raw_path);
  out.push_back('\n');
  append_canonical_query(out, input.query, input.signature_parameter);
  out.push_back('\n');
  if (!append_canonical_headers(out, input.signed_header_names, input.headers)) return false;
  out.push_back('\n');
  out.append(input.signed_headers);
  out.push_back('\n');
  out.append(as_view(input.payload_hash));
  return true;
}

}  // namespace gatehouse::sigv4
