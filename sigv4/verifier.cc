#include "sigv4/verifier.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "sigv4/authorization_header.h"
#include "sigv4/canonical_headers.h"
#include "sigv4/canonical_query.h"
#include "sigv4/canonical_request.h"
#include "sigv4/credential_scope.h"
#include "sigv4/crypto.h"
#include "sigv4/percent_encoding.h"
#include "sigv4/presigned_query.h"
#include "sigv4/signing_key.h"
#include "sigv4/string_to_sign.h"
#include "sigv4/timestamp.h"

namespace gatehouse::sigv4 {
namespace {

constexpr std::size_t kMaxSecurityTokenSize = 8192;
constexpr std::string_view kAuthorizationHeader = "authorization";
constexpr std::string_view kDateHeader = "x-amz-date";
constexpr std::string_view kHttpDateHeader = "date";
constexpr std::string_view kSecurityTokenHeader = "x-amz-security-token";
constexpr std::string_view kContentSha256Header = "x-amz-content-sha256";

// An unknown access key is checked against a stand-in secret, cached under its own id like a
// real key (first use of the day derives, later uses hit), so it costs what a known key with a
// wrong secret costs.
constexpr std::string_view kUnknownKeySecret = "gatehouse-sigv4-unknown-access-key-secret";

// Per-thread buffers: after warm-up a verification allocates only for a rejection message.
struct Scratch {
  DecodedQuery query;
  std::string date;
  std::string token;
  std::string canonical_request;
  std::string string_to_sign;
  std::string redacted;
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

std::string_view trim_blanks(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The headers the pipeline looks up, found in one pass over the request.
struct KnownHeaders {
  struct Occurrences {
    std::size_t count = 0;
    std::string_view first;
  };
  Occurrences authorization;
  Occurrences amz_date;
  Occurrences http_date;
  Occurrences security_token;
  Occurrences content_sha256;
};

KnownHeaders find_known_headers(std::span<const Header> headers) noexcept {
  KnownHeaders known;
  const auto note = [](KnownHeaders::Occurrences& occurrences, std::string_view value) {
    if (occurrences.count++ == 0) occurrences.first = value;
  };
  for (const Header& header : headers) {
    if (equals_ignore_case(header.name, kAuthorizationHeader)) note(known.authorization, header.value);
    else if (equals_ignore_case(header.name, kDateHeader)) note(known.amz_date, header.value);
    else if (equals_ignore_case(header.name, kHttpDateHeader)) note(known.http_date, header.value);
    else if (equals_ignore_case(header.name, kSecurityTokenHeader)) note(known.security_token, header.value);
    else if (equals_ignore_case(header.name, kContentSha256Header)) note(known.content_sha256, header.value);
  }
  return known;
}

// The values of every `name` header, blanks trimmed, joined with ',' in wire order (spec 3.1:
// a repeated date header yields a joined value that is never valid).
std::optional<std::string_view> joined_header(std::span<const Header> headers, std::string_view name,
                                              const KnownHeaders::Occurrences& occurrences, std::string& storage) {
  if (occurrences.count == 0) return std::nullopt;
  if (occurrences.count == 1) return trim_blanks(occurrences.first);
  storage.clear();
  for (const Header& header : headers) {
    if (!equals_ignore_case(header.name, name)) continue;
    if (!storage.empty()) storage.push_back(',');
    storage.append(trim_blanks(header.value));
  }
  return std::string_view(storage);
}

// Whole-second instants against the clock's sub-second `now`, in seconds so that a well-formed
// timestamp of year 0000 or 9999 cannot overflow a nanosecond time_point.
bool is_before(Seconds instant, TimePoint now) noexcept {
  const Seconds now_seconds = std::chrono::floor<std::chrono::seconds>(now);
  return instant < now_seconds || (instant == now_seconds && now > now_seconds);
}

bool is_after(Seconds instant, TimePoint now) noexcept {
  return instant > std::chrono::floor<std::chrono::seconds>(now);
}

std::string text_of(TimePoint time) { return std::string(as_view(format_amz_date(time))); }

// "5 min." for whole minutes, else "90 sec." (spec sections 3.2 and 9).
std::string describe(std::chrono::seconds duration) {
  if (duration.count() % 60 == 0) return std::to_string(duration.count() / 60) + " min.";
  return std::to_string(duration.count()) + " sec.";
}

Rejection signature_expired(std::string_view timestamp, TimePoint now, std::chrono::seconds allowed) {
  return reject(Reason::SignatureExpired, "Signature expired: " + std::string(timestamp) + " is now earlier than " +
                                              text_of(now - allowed) + " (" + text_of(now) + " - " +
                                              describe(allowed) + ")");
}

Rejection signature_not_yet_current(std::string_view timestamp, TimePoint now, std::chrono::seconds skew) {
  return reject(Reason::SignatureNotYetCurrent, "Signature not yet current: " + std::string(timestamp) +
                                                    " is still later than " + text_of(now + skew) + " (" +
                                                    text_of(now) + " + " + describe(skew) + ")");
}

// Everything the later steps need, whichever carrier it came in.
struct Carrier {
  bool presigned = false;
  std::string_view credential;
  std::string_view signed_headers;
  std::string_view signature;
  std::string_view date;
  std::string_view date_header;  // header form: which header carried the date
  std::optional<std::string_view> security_token;
  std::string_view expires;      // presigned form only
};

// Steps 2-3 for header authentication.
Result<Carrier, Rejection> read_authorization_carrier(std::span<const Header> headers, const KnownHeaders& known,
                                                      Scratch& scratch) {
  auto parsed = parse_authorization_header(known.authorization.first);
  if (!parsed) return std::move(parsed).error();
  const AuthorizationHeader& header = parsed.value();

  Carrier carrier;
  if (auto date = joined_header(headers, kDateHeader, known.amz_date, scratch.date)) {
    carrier.date = *date;
    carrier.date_header = kDateHeader;
  } else if (auto http_date = joined_header(headers, kHttpDateHeader, known.http_date, scratch.date)) {
    carrier.date = *http_date;
    carrier.date_header = kHttpDateHeader;
  }
  // "Authorization header requires ..." sentences, all missing items at once, in AWS's order.
  std::string missing;
  const auto require = [&](const std::optional<std::string_view>& value, std::string_view name) {
    if (value && !value->empty()) return;
    missing += "Authorization header requires '";
    missing += name;
    missing += "' parameter. ";
  };
  require(header.credential, "Credential");
  require(header.signature, "Signature");
  require(header.signed_headers, "SignedHeaders");
  if (carrier.date_header.empty()) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) {
    missing += "Authorization=";
    missing += header.value;
    return reject(Reason::MissingAuthorizationParameters, std::move(missing));
  }
  carrier.credential = *header.credential;
  carrier.signed_headers = *header.signed_headers;
  carrier.signature = *header.signature;
  carrier.security_token = joined_header(headers, kSecurityTokenHeader, known.security_token, scratch.token);
  return carrier;
}

// Steps 2-3 for query authentication.
Result<Carrier, Rejection> read_query_carrier(const Scratch& scratch) {
  auto parsed = parse_presigned_query(scratch.query);
  if (!parsed) return std::move(parsed).error();
  const PresignedQuery& query = parsed.value();
  Carrier carrier;
  carrier.presigned = true;
  carrier.credential = query.credential;
  carrier.signed_headers = query.signed_headers;
  carrier.signature = query.signature;
  carrier.date = query.date;
  carrier.security_token = query.security_token;
  carrier.expires = query.expires;
  return carrier;
}

// Step 4: headers that must be covered by the signature.
std::optional<Rejection> check_required_signed_headers(const Carrier& carrier, const SignedHeaderNames& names,
                                                       const Endpoint& endpoint) {
  if (!lists_header(names, "host") && !lists_header(names, ":authority")) {
    return reject(Reason::HostNotSigned, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (carrier.presigned) return std::nullopt;  // the query's X-Amz-Date and token are in the canonical query
  if (carrier.security_token && !lists_header(names, kSecurityTokenHeader)) {
    return reject(Reason::SecurityTokenNotSigned,
                  "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (endpoint.require_signed_date && !lists_header(names, carrier.date_header)) {
    return reject(Reason::DateNotSigned, carrier.date_header == kDateHeader
                                             ? "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."
                                             : "'Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return std::nullopt;
}

// Step 8: every failing scope check in one message, in the order of spec section 5.2.
std::optional<Rejection> check_scope(const CredentialParts& credential, std::string_view amz_date,
                                     const Endpoint& endpoint) {
  std::string message;
  const CredentialScope& scope = credential.scope;
  if (scope.region != endpoint.region) {
    message += "Credential should be scoped to a valid region, not '" + std::string(scope.region) + "'. ";
  }
  if (scope.service != endpoint.service) {
    message += "Credential should be scoped to correct service: '" + endpoint.service + "'. ";
  }
  if (credential.terminator != kScopeTerminator) {
    message += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
               std::string(credential.terminator) + "'. ";
  }
  const std::string_view request_date = amz_date.substr(0, 8);
  if (scope.date != request_date) {
    message += "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
               std::string(scope.date) + "' != '" + std::string(request_date) + "', from '" + std::string(amz_date) +
               "'.";
  }
  if (message.empty()) return std::nullopt;
  return reject(Reason::CredentialScopeMismatch, std::move(message));
}

// Step 9. The outcome is held back until the signature has been computed, so that unknown keys
// and bad tokens cost what a wrong secret costs.
std::optional<Reason> check_credential(const Credential* credential, const std::optional<std::string_view>& token,
                                       TimePoint now) {
  if (credential == nullptr) return Reason::UnknownAccessKey;
  if (!credential->session_token) {
    if (token) return Reason::UnexpectedSecurityToken;
    return std::nullopt;
  }
  if (!token) return Reason::MissingSecurityToken;
  if (!constant_time_equal(*token, *credential->session_token)) return Reason::InvalidSecurityToken;
  if (credential->expiration && now >= *credential->expiration) return Reason::ExpiredSecurityToken;
  return std::nullopt;
}

// Step 10, payload part: x-amz-content-sha256 may only restate the body hash (spec 4.6).
std::optional<Reason> check_content_sha256(std::span<const Header> headers, const KnownHeaders& known,
                                           const HexDigest& payload_hash) {
  if (known.content_sha256.count == 0) return std::nullopt;
  for (const Header& header : headers) {
    if (!equals_ignore_case(header.name, kContentSha256Header)) continue;
    const std::string_view value = trim_blanks(header.value);
    if (value == "UNSIGNED-PAYLOAD" || value.starts_with("STREAMING-")) return Reason::UnsignedPayload;
    if (value != as_view(payload_hash)) return Reason::ContentSha256Mismatch;
  }
  return std::nullopt;
}

// The canonical request with the session token replaced, for the debug hook.
std::string_view redact_token(std::string_view canonical_request, const std::optional<std::string_view>& token,
                              bool presigned, std::string& storage) {
  if (!token || token->empty()) return canonical_request;
  std::string needle;
  if (presigned) {
    append_uri_encoded(needle, *token, SlashRule::Encode);
  } else {
    append_canonical_header_value(needle, *token);
  }
  if (needle.empty()) return canonical_request;
  storage.assign(canonical_request);
  for (std::size_t at = storage.find(needle); at != std::string::npos;
       at = storage.find(needle, at + kRedactedToken.size())) {
    storage.replace(at, needle.size(), kRedactedToken);
  }
  return storage;
}

}  // namespace

Endpoint Endpoint::lambda(std::string region) {
  return Endpoint{std::move(region), "lambda", std::chrono::minutes(5)};
}

Endpoint Endpoint::iam() { return Endpoint{"us-east-1", "iam", std::chrono::minutes(15)}; }

Endpoint Endpoint::sts(std::string region) {
  return Endpoint{std::move(region), "sts", std::chrono::minutes(15), std::chrono::minutes(15)};
}

Verifier::Verifier(const CredentialStore& store, const Clock& clock, SigningKeyCache& cache)
    : store_(store), clock_(clock), cache_(cache) {}

Result<Authenticated, Rejection> Verifier::verify(const RequestView& request, const Endpoint& endpoint) const {
  Scratch& scratch = thread_scratch();

  // Step 1: the credentials carrier.
  const KnownHeaders known = find_known_headers(request.headers);
  const std::size_t authorization_count = known.authorization.count;
  scratch.query.assign(request.query);
  const bool query_carrier = scratch.query.find(kAlgorithmParameter).has_value();
  if (authorization_count == 0 && !query_carrier) return reject(Reason::NoAuthentication);
  if (authorization_count > 0 && query_carrier) return reject(Reason::BothAuthenticationCarriers);
  if (authorization_count > 1) {
    return reject(Reason::MultipleAuthorizationHeaders, "Request contains more than one Authorization header.");
  }

  // Steps 2-3: parse it; every required item present. The canonical query needs every
  // percent-escape well formed (spec section 4.3).
  if (const auto piece = scratch.query.malformed_piece()) {
    return reject(Reason::MalformedQueryEncoding, "Query-string parameter '" + std::string(*piece) +
                                                      "' has a malformed percent-encoding. Re-examine the "
                                                      "query-string parameters.");
  }
  auto read = query_carrier ? read_query_carrier(scratch) : read_authorization_carrier(request.headers, known, scratch);
  if (!read) return std::move(read).error();
  const Carrier& carrier = read.value();
  const SignedHeaderNames signed_names = split_signed_headers(carrier.signed_headers);
  if (signed_names.size() > kMaxSignedHeaders) {
    return reject(Reason::TooManySignedHeaders,
                  "SignedHeaders lists more than " + std::to_string(kMaxSignedHeaders) + " headers.");
  }
  if (carrier.security_token && carrier.security_token->size() > kMaxSecurityTokenSize) {
    return reject(Reason::SecurityTokenTooLong,
                  "X-Amz-Security-Token is longer than " + std::to_string(kMaxSecurityTokenSize) + " bytes.");
  }

  // Step 4: host (and the token and date headers) signed.
  if (auto unsigned_header = check_required_signed_headers(carrier, signed_names, endpoint)) {
    return std::move(*unsigned_header);
  }

  // Step 5: timestamp syntax ("Handling dates in Signature Version 4"), then X-Amz-Expires.
  const std::optional<Seconds> timestamp = parse_amz_date(carrier.date);
  if (!timestamp) {
    return reject(Reason::MalformedDate, "Date must be in ISO-8601 'basic format'. Got '" + std::string(carrier.date) +
                                             "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  std::chrono::seconds lifetime{0};
  if (carrier.presigned) {
    auto expires = parse_presign_expires(carrier.expires);
    if (!expires) return std::move(expires).error();
    lifetime = std::min(std::chrono::seconds(expires.value()), endpoint.max_presign_lifetime);
  }

  // Step 6: clock window; presigned URLs expire after their lifetime instead.
  const TimePoint now = clock_.now();
  // Not yet current when T > N + W; expired when T < N - W, or for a URL when T + lifetime < N.
  if (is_after(*timestamp - endpoint.clock_skew, now)) {
    return signature_not_yet_current(carrier.date, now, endpoint.clock_skew);
  }
  const std::chrono::seconds allowed = carrier.presigned ? lifetime : endpoint.clock_skew;
  if (is_before(*timestamp + allowed, now)) return signature_expired(carrier.date, now, allowed);

  // Step 7: five credential parts.
  const std::optional<CredentialParts> credential_parts = split_credential(carrier.credential);
  if (!credential_parts) {
    return reject(Reason::MalformedCredential,
                  "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
                      std::string(carrier.credential) + "'");
  }

  // Step 8: the scope names this endpoint and the request's own day.
  if (auto scope_problem = check_scope(*credential_parts, carrier.date, endpoint)) return std::move(*scope_problem);

  // Step 9: the access key and its session token.
  std::shared_ptr<const Credential> credential = store_.find(credential_parts->access_key_id);
  const std::optional<Reason> held_back = check_credential(credential.get(), carrier.security_token, now);
  // A held-back step-9 outcome outranks any later finding.
  const auto held_back_or = [&](Reason reason) { return reject(held_back.value_or(reason)); };

  // Step 10: shapes the service insists on.
  if (!is_canonical_signed_headers(signed_names)) return held_back_or(Reason::MalformedSignedHeaders);
  // Exactly 64 lower-case hex digits (service policy: upper case is refused, spec section 8).
  const std::optional<Digest> received_signature = from_lower_hex(carrier.signature);
  if (!received_signature) return held_back_or(Reason::MalformedSignature);
  const HexDigest payload_hash = to_hex(request.payload.digest());
  if (auto payload_problem = check_content_sha256(request.headers, known, payload_hash)) return held_back_or(*payload_problem);

  // Step 11: canonical request, string to sign, signing key, signature; compare in constant time.
  scratch.canonical_request.clear();
  const CanonicalRequestInput input{request.method,
                                    request.path,
                                    scratch.query,
                                    carrier.presigned ? SignatureParameter::Omit : SignatureParameter::Include,
                                    signed_names,
                                    carrier.signed_headers,
                                    request.headers,
                                    payload_hash};
  if (!append_canonical_request(scratch.canonical_request, input)) return held_back_or(Reason::SignedHeaderAbsent);
  scratch.string_to_sign.clear();
  append_string_to_sign(scratch.string_to_sign, carrier.date, credential_parts->scope,
                        to_hex(sha256(scratch.canonical_request)));
  CachedSigningKey signing_key =
      credential ? cache_.signing_key(credential->access_key_id, credential->secret_version, credential_parts->scope,
                                      credential->secret_access_key)
                 : cache_.signing_key(credential_parts->access_key_id, kUnknownKeySecretVersion, credential_parts->scope,
                                      kUnknownKeySecret);
  const Digest signature = calculate_signature_digest(signing_key, scratch.string_to_sign);
  cleanse(signing_key.key);
  // "Create a signed AWS API request": compare in constant time (CRYPTO_memcmp).
  const bool matched = constant_time_equal(as_view(signature), as_view(*received_signature));

  if (debug_hook_) {
    debug_hook_(SignatureTrace{
        credential_parts->access_key_id,
        redact_token(scratch.canonical_request, carrier.security_token, carrier.presigned, scratch.redacted),
        scratch.string_to_sign, matched, credential != nullptr});
  }
  if (held_back) return reject(*held_back);
  if (!matched) return reject(Reason::SignatureMismatch);
  return Authenticated{std::move(credential), carrier.presigned};
}

}  // namespace gatehouse::sigv4
