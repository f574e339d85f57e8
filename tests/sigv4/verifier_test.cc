// Verifier rules beyond the conformance files: the timing path of unknown keys, the debug
// hook, the endpoint's clock window and presign cap, signed-date policy, payload-hash reasons,
// check order, bounds. Requests are produced with the library's own signer.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "sigv4/canonical_request.h"
#include "sigv4/signer.h"
#include "sigv4/signing_key.h"
#include "sigv4/string_to_sign.h"
#include "test_support.h"

namespace gatehouse::sigv4 {
namespace {

using testing::HttpRequest;
using testing::RequestHolder;
using namespace std::chrono_literals;

constexpr std::string_view kKeyId = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kTempKeyId = "ASIAEXAMPLETEMPKEY01";
constexpr std::string_view kTempSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTEMPORARY";
constexpr std::string_view kToken = "IQoJb3JpZ2luX2VjEXAMPLE-SESSION-TOKEN/abc+def==";
constexpr std::string_view kHost = "lambda.us-east-1.amazonaws.com";

TimePoint signing_time() { return *parse_amz_date("20240501T120000Z"); }

struct Signing {
  std::string method = "POST";
  std::string target = "/2015-03-31/functions/my-func/invocations";
  std::vector<std::pair<std::string, std::string>> headers = {{"Host", std::string(kHost)}};
  std::string body = "{\"key\":\"value\"}";
  std::string key_id = std::string(kKeyId);
  std::string secret = std::string(kSecret);
  std::optional<std::string> token;
  std::string region = "us-east-1";
  std::string service = "lambda";
  TimePoint time = signing_time();
  std::optional<std::int64_t> presign_expires;
  bool add_content_sha256 = false;
};

// Temporary credentials with their session token.
Signing temporary_signing() {
  Signing s;
  s.key_id = std::string(kTempKeyId);
  s.secret = std::string(kTempSecret);
  s.token = std::string(kToken);
  return s;
}

// Signs with the library's signer and returns the request as a server receives it.
HttpRequest signed_request(const Signing& s) {
  std::vector<Header> headers;
  for (const auto& [name, value] : s.headers) headers.push_back({name, value});
  std::optional<std::string_view> token;
  if (s.token) token = *s.token;
  const auto result = sign_request(SignInput{s.method, s.target, headers, PayloadHash::of_body(s.body)},
                                   SigningCredentials{s.key_id, s.secret, token},
                                   SignOptions{s.region, s.service, s.time, s.presign_expires, s.add_content_sha256});
  REQUIRE(result.has_value());
  HttpRequest request{s.method, result.value().target, result.value().headers, s.body};
  return request;
}

void set_header(HttpRequest& request, std::string_view name, std::string value) {
  for (auto& [header, existing] : request.headers) {
    if (header == name) {
      existing = std::move(value);
      return;
    }
  }
  request.headers.emplace_back(std::string(name), std::move(value));
}

void replace_in_authorization(HttpRequest& request, std::string_view from, std::string_view to) {
  for (auto& [header, value] : request.headers) {
    if (header == "Authorization") value.replace(value.find(from), from.size(), to);
  }
}

// A request stamped only by a Date header, which the library's signer never produces: built
// from the canonicalization steps directly.
HttpRequest date_stamped_request(std::string_view signed_headers, std::string date = "20240501T120000Z") {
  HttpRequest request{"POST", "/2015-03-31/functions/my-func/invocations",
                      {{"Host", std::string(kHost)}, {"Date", date}}, "{}"};
  const std::vector<Header> headers = request.header_views();
  const SignedHeaderNames names = split_signed_headers(signed_headers);
  DecodedQuery query;
  const HexDigest payload = to_hex(sha256(request.body));
  std::string canonical;
  append_canonical_request(canonical, {request.method, request.target, query, SignatureParameter::Include, names,
                                       signed_headers, headers, payload});
  const CredentialScope scope{"20240501", "us-east-1", "lambda"};
  std::string string_to_sign;
  append_string_to_sign(string_to_sign, date, scope, to_hex(sha256(canonical)));
  const HexDigest signature = calculate_signature(derive_signing_key(kSecret, scope), string_to_sign);
  request.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/lambda/"
                                                "aws4_request, SignedHeaders=" + std::string(signed_headers) +
                                                    ", Signature=" + std::string(as_view(signature)));
  return request;
}

struct Rig : testing::VerifierRig {
  Rig() {
    clock.set(signing_time() + 30s);
    store.put(Credential{std::string(kKeyId), std::string(kSecret), 0, std::nullopt, std::nullopt,
                         {"arn:aws:iam::111111111111:user/alice", "111111111111", "AIDAEXAMPLE"}});
    store.put(Credential{std::string(kTempKeyId), std::string(kTempSecret), 0, std::string(kToken),
                         signing_time() + 1h, {}});
    verifier.set_debug_hook([this](const SignatureTrace& trace) {
      traces.push_back({std::string(trace.access_key_id), std::string(trace.canonical_request),
                        std::string(trace.string_to_sign), trace.matched, trace.known_key});
    });
  }
  Result<Authenticated, Rejection> verify(const HttpRequest& request) {
    return verifier.verify(RequestHolder(request).view(), endpoint);
  }
  Reason reason(const HttpRequest& request) {
    const auto outcome = verify(request);
    REQUIRE_FALSE(outcome.has_value());
    return outcome.error().reason;
  }
  std::string message(const HttpRequest& request) {
    const auto outcome = verify(request);
    REQUIRE_FALSE(outcome.has_value());
    return outcome.error().message;
  }

  struct Trace {
    std::string access_key_id;
    std::string canonical_request;
    std::string string_to_sign;
    bool matched;
    bool known_key;
  };
  std::vector<Trace> traces;
  Endpoint endpoint = Endpoint::lambda("us-east-1");
};

}  // namespace

TEST_CASE("verifier: accepts a signed request and reports who signed it", "[sigv4][verifier]") {
  Rig rig;
  const auto outcome = rig.verify(signed_request({}));
  REQUIRE(outcome.has_value());
  CHECK(outcome.value().credential->principal.arn == "arn:aws:iam::111111111111:user/alice");
  CHECK_FALSE(outcome.value().presigned);
}

TEST_CASE("verifier: an unknown key takes the path of a wrong secret (invariant)", "[sigv4][verifier][timing]") {
  Rig rig;
  Signing wrong_secret;
  wrong_secret.secret = "not-the-secret";
  Signing unknown_key;
  unknown_key.key_id = "AKIDUNKNOWN000000000";

  const auto before = rig.cache.stats();
  CHECK(rig.reason(signed_request(wrong_secret)) == Reason::SignatureMismatch);
  CHECK(rig.reason(signed_request(wrong_secret)) == Reason::SignatureMismatch);
  const auto after_wrong = rig.cache.stats();
  CHECK(rig.reason(signed_request(unknown_key)) == Reason::UnknownAccessKey);
  CHECK(rig.reason(signed_request(unknown_key)) == Reason::UnknownAccessKey);
  const auto after_unknown = rig.cache.stats();

  // Both compute the canonical request, the string to sign and an HMAC with a cached key:
  // one derivation on first use, cache hits after.
  REQUIRE(rig.traces.size() == 4);
  CHECK(after_wrong.misses - before.misses == 1);
  CHECK(after_wrong.hits - before.hits == 1);
  CHECK(after_unknown.misses - after_wrong.misses == 1);
  CHECK(after_unknown.hits - after_wrong.hits == 1);
  CHECK(rig.traces[2].canonical_request == rig.traces[0].canonical_request);
  CHECK_FALSE(rig.traces[2].matched);
  CHECK(rig.traces[2].access_key_id == "AKIDUNKNOWN000000000");
  // The debug hook tells an unknown key from a wrong secret (gatehouse serve --debug-signatures).
  CHECK(rig.traces[0].known_key);
  CHECK_FALSE(rig.traces[2].known_key);

  // Another unknown key derives on first use, as a known key's first request of the day does:
  // a shared stand-in would answer faster and tell unknown keys apart.
  Signing other_unknown = unknown_key;
  other_unknown.key_id = "AKIDUNKNOWN000000001";
  CHECK(rig.reason(signed_request(other_unknown)) == Reason::UnknownAccessKey);
  CHECK(rig.cache.stats().misses - after_unknown.misses == 1);
}

TEST_CASE("verifier: bad session tokens are held back until the signature is computed", "[sigv4][verifier][timing]") {
  Rig rig;
  Signing forged = temporary_signing();
  forged.token = "IQoJb3JpZ2luX2VjFORGED";
  CHECK(rig.reason(signed_request(forged)) == Reason::InvalidSecurityToken);
  Signing missing = forged;
  missing.token.reset();
  CHECK(rig.reason(signed_request(missing)) == Reason::MissingSecurityToken);
  Signing unexpected;
  unexpected.token = std::string(kToken);  // long-term key with a token
  CHECK(rig.reason(signed_request(unexpected)) == Reason::UnexpectedSecurityToken);
  CHECK(rig.traces.size() == 3);
}

TEST_CASE("verifier: temporary credentials expire at their expiry instant", "[sigv4][verifier]") {
  Rig rig;
  Signing temporary = temporary_signing();
  temporary.time = signing_time() + 1h - 1s;
  rig.clock.set(signing_time() + 1h - 1s);
  CHECK(rig.verify(signed_request(temporary)).has_value());
  rig.clock.set(signing_time() + 1h);
  CHECK(rig.reason(signed_request(temporary)) == Reason::ExpiredSecurityToken);
}

TEST_CASE("verifier: the debug hook shows what was computed, never the token or secret", "[sigv4][verifier]") {
  // The trace is pinned exactly: the client's own canonical request with the token redacted
  // wherever it stands, and the client's string to sign. Exact equality leaves no room for the
  // stored secret, the key derived from it or the signature the server expected; the checks
  // after it name those values for the failure message. Both a matching request and a
  // mismatch (signed with another secret) are traced the same way.
  const CredentialScope scope{"20240501", "us-east-1", "lambda"};
  const std::string signing_key(as_view(to_hex(derive_signing_key(kTempSecret, scope))));
  for (const bool presign : {false, true}) {
    for (const bool wrong_secret : {false, true}) {
      INFO((presign ? "presigned" : "header") << " form, " << (wrong_secret ? "wrong" : "right") << " secret");
      Rig rig;
      Signing temporary = temporary_signing();
      temporary.presign_expires = presign ? std::optional<std::int64_t>(300) : std::nullopt;
      temporary.body = presign ? "" : temporary.body;
      if (wrong_secret) temporary.secret = "not-the-secret-not-the-secret-not-the-sec";
      std::vector<Header> headers = {{"Host", kHost}};
      const auto client = sign_request(
          SignInput{temporary.method, temporary.target, headers, PayloadHash::of_body(temporary.body)},
          SigningCredentials{temporary.key_id, temporary.secret, std::optional<std::string_view>(kToken)},
          SignOptions{"us-east-1", "lambda", signing_time(), temporary.presign_expires, false});
      REQUIRE(client.has_value());
      Signing right = temporary;
      right.secret = std::string(kTempSecret);
      const auto expected = sign_request(
          SignInput{right.method, right.target, headers, PayloadHash::of_body(right.body)},
          SigningCredentials{right.key_id, right.secret, std::optional<std::string_view>(kToken)},
          SignOptions{"us-east-1", "lambda", signing_time(), right.presign_expires, false});
      REQUIRE(expected.has_value());

      rig.traces.clear();
      const auto outcome = rig.verify(signed_request(temporary));
      CHECK(outcome.has_value() == !wrong_secret);
      REQUIRE(rig.traces.size() == 1);
      const Rig::Trace& trace = rig.traces.front();
      CHECK(trace.matched == !wrong_secret);

      std::string redacted = client.value().canonical_request;
      std::size_t replaced = 0;
      for (const std::string& token : {std::string(kToken), std::string("IQoJb3JpZ2luX2VjEXAMPLE-SESSION-TOKEN%2Fabc%2Bdef%3D%3D")}) {
        for (auto at = redacted.find(token); at != std::string::npos; at = redacted.find(token, at)) {
          redacted.replace(at, token.size(), kRedactedToken);
          ++replaced;
        }
      }
      CHECK(replaced == 1);
      CHECK(trace.canonical_request == redacted);
      CHECK(trace.string_to_sign == client.value().string_to_sign);
      CHECK(trace.access_key_id == kTempKeyId);
      for (const std::string& field : {trace.access_key_id, trace.canonical_request, trace.string_to_sign}) {
        CHECK(field.find(kTempSecret) == std::string::npos);
        CHECK(field.find(signing_key) == std::string::npos);
        CHECK(field.find(expected.value().signature) == std::string::npos);
        CHECK(field.find("IQoJb3JpZ2luX2VjEXAMPLE") == std::string::npos);
      }
    }
  }
  Rig rig;
  // Without a token the hook's canonical request is exactly what the signer computed.
  Signing plain;
  const HttpRequest request = signed_request(plain);
  std::vector<Header> headers = {{"Host", kHost}};
  const auto ours = sign_request(SignInput{plain.method, plain.target, headers, PayloadHash::of_body(plain.body)},
                                 SigningCredentials{kKeyId, kSecret, std::nullopt},
                                 SignOptions{"us-east-1", "lambda", signing_time(), std::nullopt, false});
  rig.traces.clear();
  REQUIRE(rig.verify(request).has_value());
  CHECK(rig.traces.front().canonical_request == ours.value().canonical_request);
  CHECK(rig.traces.front().string_to_sign == ours.value().string_to_sign);
}

TEST_CASE("verifier: the clock window comes from the endpoint and the injected clock", "[sigv4][verifier]") {
  CHECK(Endpoint::lambda("eu-west-1").clock_skew == 5min);
  CHECK(Endpoint::lambda("eu-west-1").region == "eu-west-1");
  CHECK(Endpoint::iam().clock_skew == 15min);
  CHECK(Endpoint::iam().region == "us-east-1");
  CHECK(Endpoint::iam().service == "iam");
  CHECK(Endpoint::sts("us-east-1").clock_skew == 15min);
  CHECK(Endpoint::sts("us-east-1").max_presign_lifetime == 15min);

  Rig rig;
  const HttpRequest request = signed_request({});
  rig.clock.set(signing_time() + 5min);
  CHECK(rig.verify(request).has_value());
  rig.clock.set(signing_time() + 5min + 1ms);
  CHECK(rig.message(request) == "Signature expired: 20240501T120000Z is now earlier than 20240501T120000Z "
                                "(20240501T120500Z - 5 min.)");
  rig.clock.set(signing_time() - 5min - 1s);
  CHECK(rig.message(request) == "Signature not yet current: 20240501T120000Z is still later than "
                                "20240501T115959Z (20240501T115459Z + 5 min.)");
  rig.endpoint.clock_skew = 15min;
  CHECK(rig.verify(request).has_value());
  rig.endpoint.clock_skew = 90s;
  rig.clock.set(signing_time() + 91s);
  CHECK(rig.message(request) == "Signature expired: 20240501T120000Z is now earlier than 20240501T120001Z "
                                "(20240501T120131Z - 90 sec.)");
}

TEST_CASE("verifier: timestamps at the ends of the calendar are judged, not overflowed (regression)",
          "[sigv4][verifier]") {
  Rig rig;
  for (const auto& [date, reason] : {std::pair{"99991231T235959Z", Reason::SignatureNotYetCurrent},
                                     {"00000101T000000Z", Reason::SignatureExpired}}) {
    HttpRequest request = signed_request({});
    set_header(request, "X-Amz-Date", date);
    INFO("X-Amz-Date " << date);
    CHECK(rig.reason(request) == reason);
  }
}

TEST_CASE("verifier: presigned URLs live X-Amz-Expires seconds, capped per endpoint", "[sigv4][verifier][presign]") {
  Rig rig;
  Signing presign;
  presign.method = "GET";
  presign.target = "/2015-03-31/functions/my-func";
  presign.body = "";
  presign.presign_expires = 604800;
  const HttpRequest week = signed_request(presign);
  rig.clock.set(signing_time() + std::chrono::seconds(604800));
  CHECK(rig.verify(week).has_value());
  rig.clock.set(signing_time() + std::chrono::seconds(604801));
  CHECK(rig.reason(week) == Reason::SignatureExpired);

  presign.presign_expires = 3600;
  const HttpRequest hour = signed_request(presign);
  rig.clock.set(signing_time() + 16min);
  CHECK(rig.verify(hour).has_value());
  rig.endpoint.max_presign_lifetime = 15min;  // as Endpoint::sts sets it
  CHECK(rig.message(hour) == "Signature expired: 20240501T120000Z is now earlier than 20240501T120100Z "
                             "(20240501T121600Z - 15 min.)");

  presign.presign_expires = 90;
  rig.clock.set(signing_time() + 91s);
  CHECK(rig.message(signed_request(presign)) == "Signature expired: 20240501T120000Z is now earlier than "
                                                "20240501T120001Z (20240501T120131Z - 90 sec.)");
  rig.clock.set(signing_time() - 6min);
  CHECK(rig.reason(signed_request(presign)) == Reason::SignatureNotYetCurrent);
}

TEST_CASE("verifier: presigned query parameters are checked before anything is computed", "[sigv4][verifier][presign]") {
  Rig rig;
  HttpRequest request{"GET", "/f?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240501T120000Z", {{"Host", std::string(kHost)}}, ""};
  CHECK(rig.message(request) ==
        "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include "
        "'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string "
        "parameters must include 'X-Amz-Expires'. Re-examine the query-string parameters.");
  request.target = "/f?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Foo=1&X-Amz-Foo=2";
  CHECK(rig.message(request) == "Duplicate query-string parameter 'X-Amz-Foo'. Re-examine the query-string parameters.");
  request.target = "/f?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=%zz";
  CHECK(rig.reason(request) == Reason::MalformedQueryEncoding);
  CHECK(rig.traces.empty());
}

TEST_CASE("verifier: host and the timestamp header must be signed (regression)", "[sigv4][verifier]") {
  Rig rig;
  HttpRequest request = signed_request({});
  replace_in_authorization(request, "SignedHeaders=host;x-amz-date", "SignedHeaders=host");
  CHECK(rig.reason(request) == Reason::DateNotSigned);
  CHECK(rig.message(request) == "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  rig.endpoint.require_signed_date = false;
  CHECK(rig.reason(request) == Reason::SignatureMismatch);  // allowed by policy, then it is just a wrong signature

  // When the Date header carries the timestamp, it is the one that must be signed.
  rig.endpoint.require_signed_date = true;
  CHECK(rig.message(date_stamped_request("host")) == "'Date' must be a 'SignedHeader' in the AWS Authorization.");

  HttpRequest no_host = signed_request({});
  replace_in_authorization(no_host, "SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date");
  CHECK(rig.reason(no_host) == Reason::HostNotSigned);
}

TEST_CASE("verifier: the Date header stands in for a missing X-Amz-Date", "[sigv4][verifier]") {
  Rig rig;
  CHECK(rig.verify(date_stamped_request("date;host")).has_value());
  CHECK(rig.reason(date_stamped_request("date;host", "Wed, 01 May 2024 12:00:00 GMT")) == Reason::MalformedDate);
}

TEST_CASE("verifier: HTTP/2 requests carry the host in :authority", "[sigv4][verifier]") {
  Rig rig;
  HttpRequest request = signed_request({});
  for (auto& [name, value] : request.headers) {
    if (name == "Host") name = ":authority";
  }
  CHECK(rig.verify(request).has_value());
}

TEST_CASE("verifier: x-amz-content-sha256 may only restate the body hash; UNSIGNED-PAYLOAD is S3-only",
          "[sigv4][verifier][payload]") {
  Rig rig;
  Signing s;
  s.add_content_sha256 = true;
  CHECK(rig.verify(signed_request(s)).has_value());

  // Signed as an ordinary header over the real body hash: only the explicit check refuses these.
  for (const auto& [value, reason] : {std::pair{"UNSIGNED-PAYLOAD", Reason::UnsignedPayload},
                                      {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", Reason::UnsignedPayload},
                                      {"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                                       Reason::ContentSha256Mismatch}}) {
    INFO("x-amz-content-sha256: " << value);
    Signing claimed;
    claimed.headers.emplace_back("X-Amz-Content-Sha256", value);
    HttpRequest request = signed_request(claimed);
    CHECK(rig.reason(request) == reason);
  }

  // A body hash computed while reading is as good as the body.
  const HttpRequest request = signed_request({});
  RequestHolder holder(request);
  RequestView view = holder.view();
  view.payload = PayloadHash::precomputed(sha256(request.body));
  CHECK(rig.verifier.verify(view, rig.endpoint).has_value());
  view.payload = PayloadHash::precomputed(sha256("other body"));
  CHECK_FALSE(rig.verifier.verify(view, rig.endpoint).has_value());
}

TEST_CASE("verifier: the first failing step decides the error", "[sigv4][verifier]") {
  Rig rig;
  Signing unknown;
  unknown.key_id = "AKIDUNKNOWN000000000";
  HttpRequest bad_shape = signed_request(unknown);
  replace_in_authorization(bad_shape, "SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date;host");
  CHECK(rig.reason(bad_shape) == Reason::UnknownAccessKey);  // step 9 before step 10

  Signing foreign_region = unknown;
  foreign_region.region = "us-west-2";
  CHECK(rig.reason(signed_request(foreign_region)) == Reason::CredentialScopeMismatch);  // step 8 before 9

  HttpRequest old = signed_request(foreign_region);
  rig.clock.set(signing_time() + 1h);
  CHECK(rig.reason(old) == Reason::SignatureExpired);  // step 6 before 8

  Signing expired_token = temporary_signing();
  expired_token.secret = "wrong";
  expired_token.time = signing_time() + 1h;
  CHECK(rig.reason(signed_request(expired_token)) == Reason::ExpiredSecurityToken);  // step 9 before 11
}

TEST_CASE("verifier: carriers, repeats and bounds", "[sigv4][verifier]") {
  Rig rig;
  HttpRequest request = signed_request({});
  HttpRequest twice = request;
  twice.headers.push_back(twice.headers.back());
  CHECK(rig.reason(twice) == Reason::MultipleAuthorizationHeaders);

  HttpRequest both = request;
  both.target += "?X-Amz-Algorithm=AWS4-HMAC-SHA256";
  CHECK(rig.reason(both) == Reason::BothAuthenticationCarriers);

  HttpRequest none{"GET", "/2015-03-31/functions", {{"Host", std::string(kHost)}}, ""};
  CHECK(rig.reason(none) == Reason::NoAuthentication);

  HttpRequest broken_query = request;
  broken_query.target += "?Qualifier=%2";
  CHECK(rig.reason(broken_query) == Reason::MalformedQueryEncoding);

  std::string many = "host";
  for (int i = 0; i < 64; ++i) many += ";x-h" + std::to_string(100 + i);
  HttpRequest too_many = request;
  replace_in_authorization(too_many, "SignedHeaders=host;x-amz-date", "SignedHeaders=" + many);
  CHECK(rig.reason(too_many) == Reason::TooManySignedHeaders);

  Signing long_token = temporary_signing();
  long_token.token = std::string(8193, 't');
  CHECK(rig.reason(signed_request(long_token)) == Reason::SecurityTokenTooLong);

  HttpRequest bad_signature = request;
  for (auto& [name, value] : bad_signature.headers) {
    if (name == "Authorization") value.back() = 'g';
  }
  CHECK(rig.reason(bad_signature) == Reason::MalformedSignature);
}

TEST_CASE("verifier: threads share one verifier and one signing-key cache", "[sigv4][verifier]") {
  Rig rig;
  rig.verifier.set_debug_hook(nullptr);
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 8; ++i) {
    const std::string key_id = "AKIDTHREAD" + std::to_string(i);
    rig.store.put(Credential{key_id, "secret-" + std::to_string(i), 0, std::nullopt, std::nullopt, {}});
    Signing s;
    s.key_id = key_id;
    s.secret = "secret-" + std::to_string(i);
    requests.push_back(signed_request(s));
  }
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        // Each thread cycles through more keys than it keeps HMAC states for.
        if (rig.verify(requests[static_cast<std::size_t>((i + t) % 8)]).has_value()) ++accepted;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(accepted == 4 * 200);
  CHECK(rig.cache.stats().size == 8);
}

TEST_CASE("verifier: a rotated secret never verifies with a cached key of the old one (regression)",
          "[sigv4][verifier]") {
  Rig rig;
  CHECK(rig.verify(signed_request({})).has_value());
  rig.store.put(Credential{std::string(kKeyId), "rotated-secret", 1, std::nullopt, std::nullopt, {}});
  CHECK(rig.reason(signed_request({})) == Reason::SignatureMismatch);
  Signing rotated;
  rotated.secret = "rotated-secret";
  CHECK(rig.verify(signed_request(rotated)).has_value());
}

}  // namespace gatehouse::sigv4
