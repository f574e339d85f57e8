// Step 1c of "Create a canonical request": the canonical query string (spec section 4.3).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

namespace gatehouse::sigv4 {

// One query parameter after percent-decoding; views into the owning DecodedQuery.
struct QueryParameter {
  std::string_view name;
  std::string_view value;
};

// The raw query split on '&' (empty pieces skipped) and each name and value decoded once.
class DecodedQuery {
 public:
  // Replaces the content with `raw_query` decoded. A piece with a bad percent-escape is
  // left out and remembered in malformed_piece(); the others are still decoded, so callers
  // can tell "unauthenticated" from "authenticated with a broken query".
  void assign(std::string_view raw_query);

  const boost::container::small_vector<QueryParameter, 16>& parameters() const noexcept {
    return parameters_;
  }
  // The first raw piece whose percent-escapes are malformed, if any.
  std::optional<std::string_view> malformed_piece() const noexcept { return malformed_; }

  // The value of the first parameter called `name` (case-sensitive, as AWS matches X-Amz-* names).
  std::optional<std::string_view> find(std::string_view name) const noexcept;

 private:
  std::string storage_;
  boost::container::small_vector<QueryParameter, 16> parameters_;
  std::optional<std::string_view> malformed_;
};

enum class SignatureParameter : bool { Include, Omit };

// Appends the canonical query: each name and value encoded with only the unreserved bytes
// literal, pairs sorted by name then value (bytewise), joined as name=value with '&'.
// With SignatureParameter::Omit, X-Amz-Signature is left out (presigned form, spec section 9).
void append_canonical_query(std::string& out, const DecodedQuery& query, SignatureParameter signature);

}  // namespace gatehouse::sigv4
