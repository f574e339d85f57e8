#include "sigv4/signer.h"

#include <algorithm>
#include <array>

#include "sigv4/canonical_headers.h"
#include "sigv4/canonical_query.h"
#include "sigv4/canonical_request.h"
#include "sigv4/credential_scope.h"
#include "sigv4/crypto.h"
#include "sigv4/percent_encoding.h"
#include "sigv4/presigned_query.h"
#include "sigv4/signing_key.h"
#include "sigv4/string_to_sign.h"

namespace gatehouse::sigv4 {
namespace {

// Headers SDKs leave unsigned because proxies may change them (botocore's exclusion list plus
// the hop-by-hop headers; spec section 4.4).
constexpr std::array<std::string_view, 11> kUnsignedHeaders = {
    "user-agent", "x-amzn-trace-id", "expect",  "connection",         "keep-alive",          "te",
    "trailer",    "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization",
};

// Headers the signer itself sets; a caller's own copy is replaced. A caller's
// x-amz-content-sha256 is an ordinary header unless the signer is asked to add its own.
constexpr std::array<std::string_view, 3> kReplacedHeaders = {"authorization", "x-amz-date", "x-amz-security-token"};
constexpr std::string_view kContentSha256Header = "x-amz-content-sha256";

bool is_one_of(std::string_view name, std::span<const std::string_view> names) noexcept {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return equals_ignore_case(name, n); });
}

std::string lower_case(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

void append_query_parameter(std::string& target, std::string_view name, std::string_view value) {
  const char last = target.back();
  if (last != '?' && last != '&') target.push_back(target.find('?') == std::string::npos ? '?' : '&');
  target.append(name);
  target.push_back('=');
  append_uri_encoded(target, value, SlashRule::Encode);
}

}  // namespace

Result<SignedRequest, std::string> sign_request(const SignInput& input, const SigningCredentials& credentials,
                                                const SignOptions& options) {
  const bool presigned = options.presign_expires.has_value();
  if (!input.target.starts_with('/')) return std::string("the request target must start with '/'");
  if (presigned && (*options.presign_expires < 1 || *options.presign_expires > kMaxPresignExpires)) {
    return std::string("expires must be between 1 and 604800 seconds");
  }
  const AmzDate amz_date = format_amz_date(options.time);
  const std::string_view date = as_view(amz_date);
  const CredentialScope scope{date.substr(0, 8), options.region, options.service};
  const HexDigest payload_hash = to_hex(input.payload.digest());

  SignedRequest out;
  for (const Header& header : input.headers) {
    if (is_one_of(header.name, kReplacedHeaders)) continue;
    if (options.add_content_sha256 && equals_ignore_case(header.name, kContentSha256Header)) continue;
    out.headers.emplace_back(header.name, header.value);
  }
  if (std::none_of(out.headers.begin(), out.headers.end(),
                   [](const auto& header) { return equals_ignore_case(header.first, "host"); })) {
    return std::string("a Host header is required");
  }
  if (!presigned) {
    out.headers.emplace_back("X-Amz-Date", date);
    if (credentials.session_token) out.headers.emplace_back("X-Amz-Security-Token", *credentials.session_token);
    if (options.add_content_sha256) out.headers.emplace_back("X-Amz-Content-Sha256", as_view(payload_hash));
  }

  // SignedHeaders: every header but the deliberately unsigned ones, lower case, sorted, unique.
  std::vector<std::string> lowered;
  for (const auto& [name, value] : out.headers) {
    if (!is_one_of(name, kUnsignedHeaders)) lowered.push_back(lower_case(name));
  }
  std::sort(lowered.begin(), lowered.end());
  lowered.erase(std::unique(lowered.begin(), lowered.end()), lowered.end());
  SignedHeaderNames signed_names(lowered.begin(), lowered.end());
  std::string signed_headers;
  for (const std::string& name : lowered) {
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += name;
  }

  std::string credential(credentials.access_key_id);
  credential.push_back('/');
  append_credential_scope(credential, scope);
  out.target.assign(input.target.substr(0, input.target.find('#')));
  if (presigned) {
    // botocore's order: Algorithm, Credential, Date, Expires, SignedHeaders, Security-Token.
    append_query_parameter(out.target, kAlgorithmParameter, kAlgorithm);
    append_query_parameter(out.target, kCredentialParameter, credential);
    append_query_parameter(out.target, kDateParameter, date);
    append_query_parameter(out.target, kExpiresParameter, std::to_string(*options.presign_expires));
    append_query_parameter(out.target, kSignedHeadersParameter, signed_headers);
    if (credentials.session_token) append_query_parameter(out.target, kSecurityTokenParameter, *credentials.session_token);
  }

  const RequestTarget target = split_request_target(out.target);
  DecodedQuery query;
  query.assign(target.query);
  if (const auto bad = query.malformed_piece()) {
    return "malformed percent-encoding in the query parameter '" + std::string(*bad) + "'";
  }
  std::vector<Header> header_views;
  for (const auto& [name, value] : out.headers) header_views.push_back({name, value});
  const CanonicalRequestInput canonical{input.method,
                                        target.path,
                                        query,
                                        presigned ? SignatureParameter::Omit : SignatureParameter::Include,
                                        signed_names,
                                        signed_headers,
                                        header_views,
                                        payload_hash};
  // Every signed name was taken from the header list, so none can be absent.
  append_canonical_request(out.canonical_request, canonical);
  append_string_to_sign(out.string_to_sign, date, scope, to_hex(sha256(out.canonical_request)));
  Digest signing_key = derive_signing_key(credentials.secret_access_key, scope);
  out.signature = std::string(as_view(calculate_signature(signing_key, out.string_to_sign)));
  cleanse(signing_key);

  if (presigned) {
    append_query_parameter(out.target, kSignatureParameter, out.signature);
  } else {
    out.headers.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" + credential +
                                                  ", SignedHeaders=" + signed_headers + ", Signature=" + out.signature);
  }
  return out;
}

}  // namespace gatehouse::sigv4
