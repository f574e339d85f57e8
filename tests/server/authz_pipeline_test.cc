// The one authorization pipeline against a real store: SigV4 with the store's
// keys, the request context, the principal's policies, the decision, the message.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>

#include "policy/principal.h"
#include "policy/validate.h"
#include "server/authz/pipeline.h"
#include "sigv4/signer.h"
#include "store/mutation.h"

using namespace gatehouse;
using server::authz::ContextKey;
using server::authz::Pipeline;
using server::authz::Principal;
using server::authz::Query;
using server::authz::Transport;

namespace {

constexpr std::string_view kAliceKey = "AKIAALICEEXAMPLE0001";
constexpr std::string_view kAliceSecret = "aliceSecretKeyEXAMPLEaliceSecretKeyEXAM0";
constexpr std::string_view kBobKey = "AKIABOBEXAMPLE000001";
constexpr std::string_view kBobSecret = "bobSecretKeyEXAMPLEbobSecretKeyEXAMPLE00";
const std::string kF = "arn:aws:lambda:us-east-1:111111111111:function:F";

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("gatehouse-authz-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

void require_ok(const auto& result) {
  if (!result) FAIL(result.error().code << ": " << result.error().message);
}

// Account A with alice, account B with bob; each gets an access key.
std::unique_ptr<store::Store> make_world(const std::filesystem::path& dir) {
  store::Options options;
  options.data_dir = dir;
  options.sync = false;
  auto opened = store::Store::open(options);
  if (!opened) FAIL(opened.error().message);
  auto s = std::move(opened.value());
  require_ok(s->write([](store::Mutation& m) -> store::Result<void> {
    for (const char* account : {"111111111111", "222222222222"}) {
      if (auto r = m.create_account(account); !r) return r.error();
    }
    if (auto r = m.create_user({"111111111111", "alice", "/", "", {{"team", "blue"}}}); !r) return r.error();
    if (auto r = m.create_user({"222222222222", "bob", "/", "", {}}); !r) return r.error();
    if (auto r = m.import_access_key({"111111111111", "alice", std::string(kAliceKey), std::string(kAliceSecret)}); !r) {
      return r.error();
    }
    if (auto r = m.import_access_key({"222222222222", "bob", std::string(kBobKey), std::string(kBobSecret)}); !r) {
      return r.error();
    }
    return store::success();
  }));
  return s;
}

void put_policy(store::Store& s, std::string_view account, std::string_view user, const std::string& document) {
  require_ok(s.write([&](store::Mutation& m) {
    return m.put_inline_policy({store::EntityKind::User, std::string(account), std::string(user)}, "p", document);
  }));
}

struct Signed {
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<sigv4::Header> view_headers;
  sigv4::RequestView view() {
    view_headers.clear();
    for (const auto& [n, v] : headers) view_headers.push_back({n, v});
    const auto parts = sigv4::split_request_target(target);
    return sigv4::RequestView{"GET", parts.path, parts.query, view_headers, sigv4::PayloadHash::of_body({})};
  }
};

Signed sign_get(std::string_view target, std::string_view key, std::string_view secret, sigv4::TimePoint now) {
  const std::vector<sigv4::Header> headers = {{"Host", "127.0.0.1:9000"}};
  sigv4::SignInput input{"GET", target, headers, sigv4::PayloadHash::of_body({})};
  sigv4::SignOptions options{"us-east-1", "lambda", now, std::nullopt, false};
  auto signed_request = sigv4::sign_request(input, {key, secret, std::nullopt}, options);
  if (!signed_request) FAIL(signed_request.error());
  return Signed{signed_request.value().target, signed_request.value().headers, {}};
}

const std::string kGetConfiguration = "/2015-03-31/functions/F/configuration";

std::string allow(const std::string& action, const std::string& resource, const std::string& condition = "") {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":")" + action + R"(","Resource":")" +
         resource + "\"" + (condition.empty() ? "" : ",\"Condition\":" + condition) + "}]}";
}

}  // namespace

TEST_CASE("the pipeline authenticates with the store's keys and authorizes with the principal's policies",
          "[server][authz]") {
  TempDir dir;
  auto s = make_world(dir.path);
  const sigv4::FixedClock clock(std::chrono::system_clock::now());
  const Pipeline pipeline(*s, clock);
  const sigv4::Endpoint endpoint = sigv4::Endpoint::lambda("us-east-1");
  const Transport transport{"10.1.2.3", false, "aws-cli/2", std::nullopt};
  const Query query{"lambda:GetFunctionConfiguration", kF, {}, "us-east-1", nullptr,
                    policy::ResourcePolicyKind::Function, {}};

  Signed request = sign_get(kGetConfiguration, kAliceKey, kAliceSecret, clock.now());
  auto principal = pipeline.authenticate(request.view(), endpoint);
  REQUIRE(principal);
  CHECK(principal.value().caller().arn == "arn:aws:iam::111111111111:user/alice");

  SECTION("no identity policy: AccessDenied in AWS's words") {
    const auto verdict = pipeline.authorize(principal.value(), transport, query);
    CHECK_FALSE(verdict.allowed());
    CHECK(verdict.message ==
          "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:GetFunctionConfiguration on "
          "resource: " + kF + " because no identity-based policy allows the lambda:GetFunctionConfiguration action");
  }
  SECTION("a policy written after authentication takes effect on the next request") {
    put_policy(*s, "111111111111", "alice", allow("lambda:GetFunctionConfiguration", kF));
    Signed again = sign_get(kGetConfiguration, kAliceKey, kAliceSecret, clock.now());
    auto fresh = pipeline.authenticate(again.view(), endpoint);
    REQUIRE(fresh);
    CHECK(pipeline.authorize(fresh.value(), transport, query).allowed());
  }
  SECTION("the transport's keys reach the conditions") {
    put_policy(*s, "111111111111", "alice",
               allow("lambda:*", "*", R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:PrincipalTag/team":"blue","aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"false"}})"));
    Signed again = sign_get(kGetConfiguration, kAliceKey, kAliceSecret, clock.now());
    auto fresh = pipeline.authenticate(again.view(), endpoint);
    REQUIRE(fresh);
    CHECK(pipeline.authorize(fresh.value(), transport, query).allowed());
    const Transport elsewhere{"203.0.113.9", false, std::nullopt, std::nullopt};
    CHECK_FALSE(pipeline.authorize(fresh.value(), elsewhere, query).allowed());
    const Transport tls{"10.1.2.3", true, std::nullopt, std::nullopt};
    CHECK_FALSE(pipeline.authorize(fresh.value(), tls, query).allowed());
  }
  SECTION("the query's own keys reach the conditions") {
    put_policy(*s, "111111111111", "alice",
               allow("lambda:AddPermission", kF, R"({"StringEquals":{"lambda:Principal":"s3.amazonaws.com"}})"));
    Signed again = sign_get(kGetConfiguration, kAliceKey, kAliceSecret, clock.now());
    auto fresh = pipeline.authenticate(again.view(), endpoint);
    REQUIRE(fresh);
    const std::vector<ContextKey> s3 = {{"lambda:Principal", {"s3.amazonaws.com"}, false}};
    const std::vector<ContextKey> sns = {{"lambda:Principal", {"sns.amazonaws.com"}, false}};
    Query add{"lambda:AddPermission", kF, {}, "us-east-1", nullptr, policy::ResourcePolicyKind::Function, s3};
    CHECK(pipeline.authorize(fresh.value(), transport, add).allowed());
    add.keys = sns;
    CHECK_FALSE(pipeline.authorize(fresh.value(), transport, add).allowed());
  }
}

TEST_CASE("authentication failures never reach authorization", "[server][authz]") {
  TempDir dir;
  auto s = make_world(dir.path);
  const sigv4::FixedClock clock(std::chrono::system_clock::now());
  const Pipeline pipeline(*s, clock);
  const sigv4::Endpoint endpoint = sigv4::Endpoint::lambda("us-east-1");

  SECTION("wrong secret") {
    Signed request = sign_get(kGetConfiguration, kAliceKey, "wrongSecretKeyEXAMPLEwrongSecretKeyEXAM0", clock.now());
    auto principal = pipeline.authenticate(request.view(), endpoint);
    REQUIRE_FALSE(principal);
    CHECK(principal.error().category() == sigv4::Category::SignatureDoesNotMatch);
  }
  SECTION("unknown key") {
    Signed request = sign_get(kGetConfiguration, "AKIAUNKNOWNEXAMPLE01", kAliceSecret, clock.now());
    auto principal = pipeline.authenticate(request.view(), endpoint);
    REQUIRE_FALSE(principal);
    CHECK(principal.error().category() == sigv4::Category::UnrecognizedClient);
  }
  SECTION("an inactive key reads as unknown") {
    require_ok(s->write([](store::Mutation& m) {
      return m.update_access_key("111111111111", "alice", kAliceKey, store::KeyStatus::Inactive);
    }));
    Signed request = sign_get(kGetConfiguration, kAliceKey, kAliceSecret, clock.now());
    auto principal = pipeline.authenticate(request.view(), endpoint);
    REQUIRE_FALSE(principal);
    CHECK(principal.error().category() == sigv4::Category::UnrecognizedClient);
  }
}

TEST_CASE("cross-account calls need the function policy and the caller's identity policy", "[server][authz]") {
  TempDir dir;
  auto s = make_world(dir.path);
  const sigv4::FixedClock clock(std::chrono::system_clock::now());
  const Pipeline pipeline(*s, clock);
  put_policy(*s, "222222222222", "bob", allow("lambda:InvokeFunction", kF));
  Signed request = sign_get("/2015-03-31/functions/" + kF + "/invocations", kBobKey, kBobSecret, clock.now());
  auto principal = pipeline.authenticate(request.view(), sigv4::Endpoint::lambda("us-east-1"));
  REQUIRE(principal);

  auto document = policy::parse_and_validate(
      R"({"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"b","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"lambda:InvokeFunction","Resource":")" +
          kF + R"("}]})",
      policy::PolicyType::Resource);
  REQUIRE(document);
  const policy::CompiledPolicy rp = policy::compile_validated(document.value(), "F");
  const Transport transport{"10.1.2.3", true, std::nullopt, std::nullopt};
  Query query{"lambda:InvokeFunction", kF, {}, "us-east-1", nullptr, policy::ResourcePolicyKind::Function, {}};
  const auto without = pipeline.authorize(principal.value(), transport, query);
  CHECK(without.message ==
        "User: arn:aws:iam::222222222222:user/bob is not authorized to perform: lambda:InvokeFunction on resource: " +
            kF + " because no resource-based policy allows the lambda:InvokeFunction action");
  query.resource_policy = &rp;
  CHECK(pipeline.authorize(principal.value(), transport, query).allowed());

  // The function policy alone is not enough either: without bob's identity allow, refused.
  put_policy(*s, "222222222222", "bob", allow("lambda:GetFunction", kF));
  auto again = pipeline.authenticate(request.view(), sigv4::Endpoint::lambda("us-east-1"));
  REQUIRE(again);
  const auto resource_only = pipeline.authorize(again.value(), transport, query);
  CHECK_FALSE(resource_only.allowed());
  CHECK(resource_only.message ==
        "User: arn:aws:iam::222222222222:user/bob is not authorized to perform: lambda:InvokeFunction on resource: " +
            kF + " because no identity-based policy allows the lambda:InvokeFunction action");
}

TEST_CASE("the signature debug hook shows what the server computed, never the secret", "[server][authz]") {
  TempDir dir;
  auto s = make_world(dir.path);
  const sigv4::FixedClock clock(std::chrono::system_clock::now());
  Pipeline pipeline(*s, clock);
  std::vector<std::pair<bool, std::string>> seen;  // (matched, canonical request + string to sign)
  pipeline.set_signature_debug([&seen](const sigv4::SignatureTrace& trace) {
    seen.emplace_back(trace.matched, std::string(trace.canonical_request) + "\n" + std::string(trace.string_to_sign));
  });
  const sigv4::Endpoint endpoint = sigv4::Endpoint::lambda("us-east-1");
  Signed good = sign_get(kGetConfiguration, kAliceKey, kAliceSecret, clock.now());
  REQUIRE(pipeline.authenticate(good.view(), endpoint));
  Signed bad = sign_get(kGetConfiguration, kAliceKey, "wrongSecretKeyEXAMPLEwrongSecretKeyEXAM0", clock.now());
  REQUIRE_FALSE(pipeline.authenticate(bad.view(), endpoint));
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].first);
  CHECK_FALSE(seen[1].first);
  CHECK(seen[1].second.starts_with("GET\n/2015-03-31/functions/F/configuration\n"));
  CHECK(seen[1].second.find("AWS4-HMAC-SHA256") != std::string::npos);
  CHECK(seen[1].second.find(kAliceSecret) == std::string::npos);
}

// The pipeline's per-request savings: the credential adapter kept per ResolvedCredential and
// the request context kept per thread and brought up to date. Each check below fails if a
// cache served what it held without noticing the change.
namespace {

// A clock the test moves.
class ManualClock final : public sigv4::Clock {
 public:
  explicit ManualClock(sigv4::TimePoint start) : now_(start.time_since_epoch().count()) {}
  sigv4::TimePoint now() const noexcept override { return sigv4::TimePoint(sigv4::TimePoint::duration(now_.load())); }
  void advance(std::chrono::seconds by) { now_ += std::chrono::duration_cast<sigv4::TimePoint::duration>(by).count(); }

 private:
  std::atomic<sigv4::TimePoint::rep> now_;
};

const Query kConfigurationQuery{"lambda:GetFunctionConfiguration", kF, {}, "us-east-1", nullptr,
                                policy::ResourcePolicyKind::Function, {}};
const Transport kCliTransport{"10.1.2.3", false, "aws-cli/2", std::nullopt};

// One request of alice end to end: a freshly signed GET authenticated, then kConfigurationQuery authorized.
bool alice_request(const Pipeline& pipeline, const sigv4::Clock& clock) {
  Signed request = sign_get(kGetConfiguration, kAliceKey, kAliceSecret, clock.now());
  auto principal = pipeline.authenticate(request.view(), sigv4::Endpoint::lambda("us-east-1"));
  return principal && pipeline.authorize(principal.value(), kCliTransport, kConfigurationQuery).allowed();
}

void tag_alice(store::Store& s, const std::string& team) {
  require_ok(s.write([&](store::Mutation& m) {
    return m.tag_entity({store::EntityKind::User, "111111111111", "alice"}, {{"team", team}});
  }));
}

// A principal of its own, not from the store, whose one identity policy allows lambda:* on *
// under `condition`: two of them may differ in a tag only.
Principal principal_with(const std::string& condition, const std::string& team = "blue") {
  auto document = policy::parse_and_validate(allow("lambda:*", "*", condition), policy::PolicyType::Identity);
  if (!document) FAIL(document.error().message);
  auto compiled = std::make_shared<const policy::CompiledPolicy>(policy::compile_validated(document.value(), "p"));
  auto credential = std::make_shared<store::ResolvedCredential>();
  credential->access_key_id = std::string(kAliceKey);
  credential->principal.caller = *policy::caller_from_arn("arn:aws:iam::111111111111:user/alice");
  credential->principal.caller.tags = {{"team", team}};
  credential->principal.policies.identity = {
      store::AppliedPolicy{compiled, store::PolicySource::UserInline, "p", "", "alice", false}};
  credential->principal.policies.build_views();
  return Principal{credential, false};
}

}  // namespace

TEST_CASE("a key's changes reach the very next request although its adapter is kept", "[server][authz][cache]") {
  TempDir dir;
  auto s = make_world(dir.path);
  put_policy(*s, "111111111111", "alice",
             allow("lambda:*", "*", R"({"StringEquals":{"aws:PrincipalTag/team":"blue"}})"));
  const ManualClock clock(std::chrono::system_clock::now());
  const Pipeline pipeline(*s, clock);
  REQUIRE(alice_request(pipeline, clock));
  REQUIRE(alice_request(pipeline, clock));  // served by the kept adapter and context

  SECTION("a deactivated key is refused, a reactivated one accepted") {
    require_ok(s->write([](store::Mutation& m) {
      return m.update_access_key("111111111111", "alice", kAliceKey, store::KeyStatus::Inactive);
    }));
    CHECK_FALSE(alice_request(pipeline, clock));
    require_ok(s->write([](store::Mutation& m) {
      return m.update_access_key("111111111111", "alice", kAliceKey, store::KeyStatus::Active);
    }));
    CHECK(alice_request(pipeline, clock));
  }
  SECTION("a deleted key is refused") {
    require_ok(s->write([](store::Mutation& m) { return m.delete_access_key("111111111111", "alice", kAliceKey); }));
    CHECK_FALSE(alice_request(pipeline, clock));
  }
  SECTION("a deleted policy no longer allows") {
    require_ok(s->write([](store::Mutation& m) {
      return m.delete_inline_policy({store::EntityKind::User, "111111111111", "alice"}, "p");
    }));
    CHECK_FALSE(alice_request(pipeline, clock));
  }
  SECTION("a changed principal tag reaches the conditions") {
    tag_alice(*s, "red");
    CHECK_FALSE(alice_request(pipeline, clock));
    tag_alice(*s, "blue");
    CHECK(alice_request(pipeline, clock));
  }
}

TEST_CASE("the kept request context follows every input of the next authorization", "[server][authz][cache]") {
  TempDir dir;
  auto s = make_world(dir.path);
  ManualClock clock(std::chrono::system_clock::now());
  const Pipeline pipeline(*s, clock);
  const auto allowed = [&](const Principal& who, const Transport& transport, const Query& query) {
    return pipeline.authorize(who, transport, query).allowed();
  };
  const Query& q = kConfigurationQuery;
  const Transport& cli = kCliTransport;

  SECTION("the principal") {
    const std::string condition = R"({"StringEquals":{"aws:PrincipalTag/team":"blue"}})";
    const Principal blue = principal_with(condition, "blue"), red = principal_with(condition, "red");
    CHECK(allowed(blue, cli, q));
    CHECK_FALSE(allowed(red, cli, q));
    CHECK(allowed(blue, cli, q));
  }
  SECTION("the time") {
    const auto soon = std::chrono::floor<std::chrono::seconds>(clock.now()) + std::chrono::seconds(2);
    const auto epoch = std::chrono::duration_cast<std::chrono::seconds>(soon.time_since_epoch()).count();
    const Principal who = principal_with(R"({"NumericLessThan":{"aws:EpochTime":")" + std::to_string(epoch) + "\"}}");
    CHECK(allowed(who, cli, q));
    CHECK(allowed(who, cli, q));
    clock.advance(std::chrono::seconds(3));
    CHECK_FALSE(allowed(who, cli, q));
  }
  SECTION("the transport") {
    const Principal who = principal_with(
        R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:UserAgent":"aws-cli/2"},"Bool":{"aws:SecureTransport":"false"}})");
    CHECK(allowed(who, cli, q));
    CHECK_FALSE(allowed(who, {"203.0.113.9", false, "aws-cli/2", std::nullopt}, q));
    CHECK(allowed(who, cli, q));
    CHECK_FALSE(allowed(who, {"10.1.2.3", true, "aws-cli/2", std::nullopt}, q));
    CHECK_FALSE(allowed(who, {"10.1.2.3", false, "boto3", std::nullopt}, q));
    CHECK_FALSE(allowed(who, {"10.1.2.3", false, std::nullopt, std::nullopt}, q));
    CHECK_FALSE(allowed(who, {"", false, "aws-cli/2", std::nullopt}, q));
    CHECK(allowed(who, cli, q));
  }
  SECTION("the referer") {
    const Principal who = principal_with(R"({"StringEquals":{"aws:Referer":"https://a.example/"}})");
    CHECK(allowed(who, {"10.1.2.3", false, std::nullopt, "https://a.example/"}, q));
    CHECK_FALSE(allowed(who, {"10.1.2.3", false, std::nullopt, "https://b.example/"}, q));
    CHECK_FALSE(allowed(who, cli, q));
    CHECK(allowed(who, {"10.1.2.3", false, std::nullopt, "https://a.example/"}, q));
  }
  SECTION("the region") {
    const Principal who = principal_with(R"({"StringEquals":{"aws:RequestedRegion":"us-east-1"}})");
    CHECK(allowed(who, cli, q));
    Query query = q;
    query.region = "eu-west-1";
    CHECK_FALSE(allowed(who, cli, query));
    query.region = "";
    CHECK_FALSE(allowed(who, cli, query));
    CHECK(allowed(who, cli, q));
  }
  SECTION("the resource account and the operation's own keys") {
    const Principal who =
        principal_with(R"({"StringEquals":{"aws:ResourceAccount":"111111111111","lambda:Principal":"s3.amazonaws.com"}})");
    const std::vector<ContextKey> s3 = {{"lambda:Principal", {"s3.amazonaws.com"}, false}};
    const std::vector<ContextKey> sns = {{"lambda:Principal", {"sns.amazonaws.com"}, false}};
    Query mine = q;
    mine.keys = s3;
    CHECK(allowed(who, cli, mine));
    Query other = mine;
    other.resource = "arn:aws:lambda:us-east-1:222222222222:function:F";
    CHECK_FALSE(allowed(who, cli, other));
    CHECK(allowed(who, cli, mine));
    Query none = mine;
    none.keys = {};
    CHECK_FALSE(allowed(who, cli, none));
    mine.keys = sns;
    CHECK_FALSE(allowed(who, cli, mine));
    mine.keys = s3;
    CHECK(allowed(who, cli, mine));
  }
  SECTION("an operation key that names a global key wins over it, as in a new context") {
    const Principal who = principal_with(R"({"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}})");
    const std::vector<ContextKey> override_ip = {{"aws:SourceIp", {"192.0.2.7"}, false}};
    Query query = q;
    query.keys = override_ip;
    CHECK(allowed(who, cli, query));
    CHECK(allowed(who, {"10.9.9.9", false, "aws-cli/2", std::nullopt}, query));
    CHECK_FALSE(allowed(who, cli, q));
  }
}
