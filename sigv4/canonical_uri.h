// Step 1b of "Create a canonical request": the canonical URI of a raw request path.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::sigv4 {

// Appends the canonical URI of `raw_path` (the request-target bytes before '?', never
// percent-decoded): dot segments and empty segments removed, then every byte except the
// unreserved set and '/' encoded once more, so a wire "%3A" becomes "%253A" (spec section 4.2,
// the rule for every service except S3).
void append_canonical_uri(std::string& out, std::string_view raw_path);

}  // namespace gatehouse::sigv4
