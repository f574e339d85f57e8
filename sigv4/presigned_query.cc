#include "sigv4/presigned_query.h"

#include <algorithm>
#include <string>

#include <boost/container/small_vector.hpp>

#include "sigv4/string_to_sign.h"

namespace gatehouse::sigv4 {
namespace {

constexpr std::string_view kAmzPrefix = "X-Amz-";
constexpr std::string_view kReexamine = "Re-examine the query-string parameters.";

}  // namespace

Result<PresignedQuery, Rejection> parse_presigned_query(const DecodedQuery& query) {
  // Sorting the X-Amz-* names finds a repeat in O(n log n) however long the query is.
  boost::container::small_vector<std::string_view, 16> amz_names;
  for (const QueryParameter& p : query.parameters()) {
    if (p.name.starts_with(kAmzPrefix)) amz_names.push_back(p.name);
  }
  std::sort(amz_names.begin(), amz_names.end());
  if (const auto repeat = std::adjacent_find(amz_names.begin(), amz_names.end()); repeat != amz_names.end()) {
    return reject(Reason::DuplicateQueryParameter,
                  "Duplicate query-string parameter '" + std::string(*repeat) + "'. " + std::string(kReexamine));
  }
  if (query.find(kAlgorithmParameter) != kAlgorithm) return reject(Reason::UnsupportedQueryAlgorithm);

  PresignedQuery out;
  std::string missing;
  // Reported in the order AWS front ends use, X-Amz-Expires last (the service requires it too).
  const std::pair<std::string_view, std::string_view*> required[] = {
      {kCredentialParameter, &out.credential},         {kSignatureParameter, &out.signature},
      {kSignedHeadersParameter, &out.signed_headers}, {kDateParameter, &out.date},
      {kExpiresParameter, &out.expires},
  };
  for (const auto& [name, slot] : required) {
    const auto value = query.find(name);
    if (value && !value->empty()) {
      *slot = *value;
    } else {
      missing += "AWS query-string parameters must include '";
      missing += name;
      missing += "'. ";
    }
  }
  if (!missing.empty()) return reject(Reason::MissingQueryParameters, missing + std::string(kReexamine));
  out.security_token = query.find(kSecurityTokenParameter);
  return out;
}

Result<std::int64_t, Rejection> parse_presign_expires(std::string_view expires) {
  const bool digits_only = !expires.empty() && std::all_of(expires.begin(), expires.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  std::int64_t seconds = 0;
  if (digits_only) {
    for (const char c : expires) {
      // Saturates: any longer number is over the limit anyway.
      seconds = std::min<std::int64_t>(seconds * 10 + (c - '0'), kMaxPresignExpires + 1);
    }
  }
  if (!digits_only || seconds == 0) {
    return reject(Reason::InvalidExpires, "X-Amz-Expires must be a positive integer number of seconds");
  }
  if (seconds > kMaxPresignExpires) {
    return reject(Reason::ExpiresTooLarge,
                  "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires "
                  "must be less than 604800 seconds");
  }
  return seconds;
}

}  // namespace gatehouse::sigv4
