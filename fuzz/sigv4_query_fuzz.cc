// Query parameters: decoding, the canonical query string and the presigned-URL parameters
// handle any bytes; the canonical query is encoded once, sorted by name then value, and a
// presigned request built from the bytes is never accepted.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sigv4/canonical_query.h"
#include "sigv4/clock.h"
#include "sigv4/credential_store.h"
#include "sigv4/percent_encoding.h"
#include "sigv4/presigned_query.h"
#include "sigv4/signing_key_cache.h"
#include "sigv4/verifier.h"

namespace sv = gatehouse::sigv4;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Every byte is unreserved or part of an upper-case %XX escape.
bool is_encoded_once(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (sv::is_unreserved(text[i])) continue;
    if (text[i] != '%' || text.size() - i < 3 || !is_upper_hex(text[i + 1]) || !is_upper_hex(text[i + 2])) return false;
    i += 2;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // No key is known: an unknown key still runs the whole pipeline (the same time path).
  static const sv::InMemoryCredentialStore store;
  static const sv::FixedClock clock(*sv::parse_amz_date("20240501T120030Z"));
  static sv::SigningKeyCache cache(64);
  static const sv::Verifier verifier(store, clock, cache);
  const std::string raw(reinterpret_cast<const char*>(data), size);

  sv::DecodedQuery query;
  query.assign(raw);
  for (const sv::QueryParameter& p : query.parameters()) require(p.name.size() + p.value.size() <= size);

  std::string canonical;
  sv::append_canonical_query(canonical, query, sv::SignatureParameter::Include);
  // Each byte encodes to at most three; "=" and "&" add at most two per parameter.
  require(canonical.size() <= 5 * size);
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  std::string_view rest = canonical;
  while (!rest.empty()) {
    const std::string_view pair = rest.substr(0, rest.find('&'));
    const std::size_t equals = pair.find('=');
    require(equals != std::string_view::npos);
    pairs.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
    require(is_encoded_once(pairs.back().first) && is_encoded_once(pairs.back().second));
    rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
  }
  require(pairs.size() == query.parameters().size());
  require(std::is_sorted(pairs.begin(), pairs.end()));

  if (query.find(sv::kAlgorithmParameter)) {
    const auto presigned = sv::parse_presigned_query(query);
    if (presigned) {
      const auto expires = sv::parse_presign_expires(presigned.value().expires);
      require(!expires || (expires.value() >= 1 && expires.value() <= sv::kMaxPresignExpires));
    }
  }

  const std::vector<sv::Header> headers = {{"Host", "lambda.us-east-1.amazonaws.com"}};
  const sv::RequestView request{"GET", "/2015-03-31/functions/f", raw, headers, sv::PayloadHash::of_body("")};
  require(!verifier.verify(request, sv::Endpoint::lambda("us-east-1")).has_value());
  return 0;
}
