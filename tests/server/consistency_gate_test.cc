// The replica's consistency promise at the edges (server/consistency/gate.h): a replica whose
// view is not current refuses every decision with 503 + Retry-After in the request's own shape
// (Lambda's JSON, the Query API's XML, the sidecar's configured status, the Authorizer's
// UNAVAILABLE) and /healthz says not ready; x-gatehouse-min-revision waits for the revision it
// names; a write answers the revision it committed. Freshness is driven by a fake Source.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "server/consistency/gate.h"
#include "server/consistency/store_source.h"
#include "server/sidecar/authorizer.h"
#include "sigv4/result.h"
#include "tests/server/http_test_client.h"
#include "tests/server/query_test_world.h"
#include "tests/server/sidecar_test_support.h"

using namespace gatehouse;
using namespace std::chrono_literals;
using server::consistency::Gate;
using server::consistency::View;
namespace http = server::http;
namespace ext_authz = ::envoy::service::auth::v3;

namespace {

// A store's consistency as the test sets it. `written` plays the calling thread's last write.
class FakeSource : public server::consistency::Source {
 public:
  View view() const override {
    return {applied.load(), fresh.load() && !fenced.load(), distributed.load(), fenced.load()};
  }
  bool wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (applied.load() < revision) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
  std::uint64_t last_write_revision() const override { return written; }

  std::atomic<bool> fresh{true};
  std::atomic<bool> fenced{false};  // a large write's fence in the view
  std::atomic<bool> distributed{true};  // etcd; false: LMDB, whose applied revision is the newest
  std::atomic<std::uint64_t> applied{10};
  static thread_local std::uint64_t written;
};
thread_local std::uint64_t FakeSource::written = 0;

http::HttpRequest with_header(http::HttpRequest request, std::string name, std::string value) {
  request.headers.push_back({std::move(name), std::move(value)});
  return request;
}

void check_unavailable_lambda(const http::HttpResponse& response, std::string_view says = "cannot confirm") {
  CHECK(response.status == 503);
  REQUIRE(response.header("x-amzn-ErrorType"));
  CHECK(*response.header("x-amzn-ErrorType") == "ServiceException");
  REQUIRE(response.header("Retry-After"));
  CHECK(*response.header("Retry-After") == "1");
  CHECK(*response.header("Content-Type") == "application/json");
  rapidjson::Document doc;
  doc.Parse(response.body.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["Type"].GetString()) == "Service");
  CHECK(std::string(doc["Message"].GetString()).find(says) != std::string::npos);
}

// Function f, alice allowed to get it, the sidecar on that store and a fake view of it.
struct SidecarWorld {
  SidecarWorld() {
    world.seed_function("f");
    world.alice_policy(control_test::allow("lambda:GetFunction", control_test::fn_arn("f")));
  }
  control_test::World world;
  sidecar_test::Sidecar sidecar{world.store()};
  FakeSource source;
};

}  // namespace

TEST_CASE("consistency: a Lambda request on a replica that is not fresh is 503 ServiceException, JSON",
          "[consistency]") {
  control_test::World world;
  world.seed_function("f");
  FakeSource source;
  const Gate gate(source);
  const http::Handler handler =
      gate.guard([&world](const http::HttpRequest& r) { return world.api().handle(r); }, http::ErrorFamily::LambdaRest);
  const auto get = control_test::World::signed_request("GET", control_test::kFunctionsPath + "/f", "",
                                                       control_test::kAliceKey, control_test::kAliceSecret,
                                                       std::chrono::system_clock::now());
  const auto by_bob = control_test::World::signed_request("GET", control_test::kFunctionsPath + "/f", "",
                                                          control_test::kBobKey, control_test::kBobSecret,
                                                          std::chrono::system_clock::now());
  world.alice_policy(control_test::allow("lambda:GetFunction", control_test::fn_arn("f")));
  CHECK(handler(get).status == 200);
  CHECK(handler(by_bob).status == 403);

  source.fresh = false;
  check_unavailable_lambda(handler(get));     // not allowed from a stale view
  check_unavailable_lambda(handler(by_bob));  // nor denied
  source.fresh = true;
  CHECK(handler(get).status == 200);

  // A view holding a large write's fence (docs/scale-out.md): refused the same way, saying why.
  source.fenced = true;
  check_unavailable_lambda(handler(get), "large write");
  CHECK(gate.unfresh() == server::consistency::Refusal::LargeWrite);
  REQUIRE(gate.not_ready());
  CHECK(gate.not_ready()->find("large write") != std::string::npos);
  source.fenced = false;
  CHECK_FALSE(gate.unfresh());
  CHECK(handler(get).status == 200);
}

TEST_CASE("consistency: an IAM or STS request on a replica that is not fresh is 503 ServiceUnavailable, XML",
          "[consistency]") {
  query_test::World world;
  FakeSource source;
  const Gate gate(source);
  const http::Handler handler =
      gate.guard([&world](const http::HttpRequest& r) { return world.api().handle(r); }, http::ErrorFamily::Query);
  const auto now = world.clock().now();
  const auto iam = query_test::signed_query_request("Action=ListUsers&Version=2010-05-08", "iam", "us-east-1",
                                                    query_test::kRootA, now, "00000000-0000-4000-8000-000000000001");
  const auto sts = query_test::signed_query_request("Action=GetCallerIdentity&Version=2011-06-15", "sts",
                                                    "us-east-1", query_test::kAlice, now,
                                                    "00000000-0000-4000-8000-000000000002");
  CHECK(handler(iam).status == 200);
  CHECK(handler(sts).status == 200);

  source.fresh = false;
  for (const auto* request : {&iam, &sts}) {
    const http::HttpResponse response = handler(*request);
    CHECK(response.status == 503);
    CHECK(*response.header("Content-Type") == "text/xml");
    REQUIRE(response.header("Retry-After"));
    CHECK(*response.header("Retry-After") == "1");
    CHECK(response.body.find("<Type>Receiver</Type>") != std::string::npos);
    CHECK(response.body.find("<Code>ServiceUnavailable</Code>") != std::string::npos);
    CHECK(response.body.find("<RequestId>" + request->request_id + "</RequestId>") != std::string::npos);
  }
  CHECK(handler(iam).body.find("https://iam.amazonaws.com/doc/2010-05-08/") != std::string::npos);
  CHECK(handler(sts).body.find("https://sts.amazonaws.com/doc/2011-06-15/") != std::string::npos);
}

// A handler as the APIs are: it authenticates (the fake says whether the caller is known and
// why not, and counts the calls), waits for the named revision only then, and decides (`decided`).
struct FakeApi {
  std::atomic<bool> known{true};
  std::atomic<sigv4::Reason> why_not{sigv4::Reason::SignatureMismatch};
  std::atomic<int> authentications{0};
  std::atomic<int> decided{0};

  http::HttpResponse operator()(const http::HttpRequest& r) {
    std::optional<server::consistency::Refusal> unavailable;
    const auto authenticated = server::consistency::authenticate_at_named_revision(
        [this]() -> sigv4::Result<int, sigv4::Rejection> {
          ++authentications;
          if (known) return 1;
          return sigv4::reject(why_not);
        },
        unavailable);
    if (unavailable) return Gate::refusal_response(*unavailable, http::ErrorFamily::LambdaRest, r);
    if (!authenticated) return http::lambda_error(403, "UnrecognizedClientException", "unknown key");
    ++decided;
    return http::HttpResponse{};
  }
};

TEST_CASE("consistency: x-gatehouse-min-revision waits for the revision, else 503; a bad one is 400",
          "[consistency]") {
  FakeSource source;
  const Gate gate(source, 300ms);
  FakeApi api;
  std::atomic<int>& ran = api.decided;
  const http::Handler handler =
      gate.guard([&api](const http::HttpRequest& r) { return api(r); }, http::ErrorFamily::LambdaRest);
  http::HttpRequest request;
  request.method = "GET";
  request.path = request.target = "/2015-03-31/functions/";

  CHECK(handler(with_header(request, "x-gatehouse-min-revision", "10")).status == 200);  // applied already
  CHECK(ran == 1);

  // Applied while the request waits: answered then, not before.
  std::thread later([&source] {
    std::this_thread::sleep_for(100ms);
    source.applied = 12;
  });
  const auto started = std::chrono::steady_clock::now();
  CHECK(handler(with_header(request, "X-Gatehouse-Min-Revision", "12")).status == 200);
  CHECK(std::chrono::steady_clock::now() - started >= 90ms);
  later.join();
  CHECK(ran == 2);

  // Never applied within the wait: refused, nothing decided.
  const http::HttpResponse late = handler(with_header(request, "x-gatehouse-min-revision", "13"));
  check_unavailable_lambda(late, "has not yet applied the revision named by x-gatehouse-min-revision");
  CHECK(ran == 2);

  for (const char* bad : {"", "abc", "-1", "1.5", " 3", "99999999999999999999999"}) {
    const http::HttpResponse response = handler(with_header(request, "x-gatehouse-min-revision", bad));
    CHECK(response.status == 400);
    CHECK(*response.header("x-amzn-ErrorType") == "InvalidParameterValueException");
  }
  const http::Handler query = gate.guard([](const http::HttpRequest&) { return http::HttpResponse{}; },
                                         http::ErrorFamily::Query);
  const http::HttpResponse bad_query = query(with_header(request, "x-gatehouse-min-revision", "x"));
  CHECK(bad_query.status == 400);
  CHECK(bad_query.body.find("<Code>InvalidParameterValue</Code>") != std::string::npos);
  CHECK(ran == 2);

  CHECK(Gate(source).fresh());  // the default wait is the spec's 1 s: admitted at once when applied
}

TEST_CASE("consistency: only an authenticated caller waits for x-gatehouse-min-revision, and not for long",
          "[consistency]") {
  FakeSource source;
  const Gate gate(source, 300ms, 1);  // one waiter at a time
  FakeApi api;
  const http::Handler handler =
      gate.guard([&api](const http::HttpRequest& r) { return api(r); }, http::ErrorFamily::LambdaRest);
  http::HttpRequest request;
  request.method = "GET";
  request.path = request.target = "/2015-03-31/functions/";
  const auto timed = [&handler](const http::HttpRequest& r) {
    const auto started = std::chrono::steady_clock::now();
    http::HttpResponse response = handler(r);
    return std::pair{std::move(response), std::chrono::steady_clock::now() - started};
  };

  SECTION("an unknown caller gets its authentication error at once") {
    api.known = false;
    const auto [answer, held] = timed(with_header(request, "x-gatehouse-min-revision", "13"));
    CHECK(answer.status == 403);
    CHECK(held < 100ms);
    CHECK(api.authentications == 1);
  }
  SECTION("a key this replica does not know yet: 503 at once while the revision may still create it") {
    api.known = false;
    api.why_not = sigv4::Reason::UnknownAccessKey;
    const auto [answer, held] = timed(with_header(request, "x-gatehouse-min-revision", "13"));
    check_unavailable_lambda(answer, "has not yet applied the revision named by x-gatehouse-min-revision");
    CHECK(held < 100ms);
    // Without the header, or once the revision is applied, the key is simply unknown.
    CHECK(handler(request).status == 403);
    source.applied = 13;
    CHECK(handler(with_header(request, "x-gatehouse-min-revision", "13")).status == 403);
    // On LMDB no later revision can create it.
    source.distributed = false;
    CHECK(handler(with_header(request, "x-gatehouse-min-revision", "14")).status == 403);
    CHECK(api.decided == 0);
  }
  SECTION("after the wait the caller is authenticated again, on the view that has the revision") {
    // The revision waited for deleted the caller's key.
    std::thread later([&source, &api] {
      std::this_thread::sleep_for(100ms);
      api.known = false;
      source.applied = 12;
    });
    const auto [answer, held] = timed(with_header(request, "x-gatehouse-min-revision", "12"));
    later.join();
    CHECK(answer.status == 403);
    CHECK(held >= 90ms);
    CHECK(api.authentications == 2);
    CHECK(api.decided == 0);
  }
  SECTION("beyond the waiters' cap: the timeout's answer, at once") {
    std::thread waiting([&handler, &request] {
      CHECK(handler(with_header(request, "x-gatehouse-min-revision", "13")).status == 503);
    });
    std::this_thread::sleep_for(100ms);  // the first one waits
    const auto [answer, held] = timed(with_header(request, "x-gatehouse-min-revision", "13"));
    check_unavailable_lambda(answer, "has not yet applied the revision named by x-gatehouse-min-revision");
    CHECK(held < 100ms);
    waiting.join();
    // The cap counts only those waiting now.
    const auto [again, waited] = timed(with_header(request, "x-gatehouse-min-revision", "13"));
    CHECK(again.status == 503);
    CHECK(waited >= 250ms);
    CHECK(api.decided == 0);
  }
  SECTION("no wait where no later revision can come") {
    // LMDB: the applied revision is the newest there is.
    source.distributed = false;
    const auto [lmdb, held] = timed(with_header(request, "x-gatehouse-min-revision", "11"));
    check_unavailable_lambda(lmdb, "has not yet applied the revision named by x-gatehouse-min-revision");
    CHECK(held < 100ms);
    CHECK(handler(with_header(request, "x-gatehouse-min-revision", "10")).status == 200);
    // etcd counts revisions in int64.
    source.distributed = true;
    const auto [etcd, etcd_held] = timed(with_header(request, "x-gatehouse-min-revision", "9223372036854775808"));
    CHECK(etcd.status == 503);
    CHECK(etcd_held < 100ms);
    CHECK(api.decided == 1);
  }
}

TEST_CASE("consistency: an IAM or STS request waits for x-gatehouse-min-revision only once authenticated",
          "[consistency]") {
  query_test::World world;
  FakeSource source;
  const Gate gate(source, 200ms);
  const http::Handler handler =
      gate.guard([&world](const http::HttpRequest& r) { return world.api().handle(r); }, http::ErrorFamily::Query);
  auto iam = query_test::signed_query_request("Action=ListUsers&Version=2010-05-08", "iam", "us-east-1",
                                              query_test::kRootA, world.clock().now(),
                                              "00000000-0000-4000-8000-000000000004");
  iam.headers.push_back({"x-gatehouse-min-revision", "11"});
  auto started = std::chrono::steady_clock::now();
  const http::HttpResponse refused = handler(iam);
  CHECK(refused.status == 503);
  CHECK(refused.body.find("<Code>ServiceUnavailable</Code>") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started >= 190ms);

  http::HttpRequest unsigned_request = iam;
  std::erase_if(unsigned_request.headers,
                [](const http::Header& h) { return http::equals_ignore_case(h.name, "Authorization"); });
  started = std::chrono::steady_clock::now();
  const http::HttpResponse unknown = handler(unsigned_request);
  CHECK(unknown.status == 403);
  CHECK(std::chrono::steady_clock::now() - started < 100ms);
}

TEST_CASE("consistency: the sidecar's Check waits for x-gatehouse-min-revision only for an authenticated caller",
          "[consistency][sidecar]") {
  SidecarWorld setup;
  sidecar_test::Sidecar& sidecar = setup.sidecar;
  FakeSource& source = setup.source;
  const Gate gate(source, 200ms);
  const server::sidecar::CheckService check(sidecar.api, &gate);
  auto signed_request = sidecar.sign("GET", control_test::kFunctionsPath + "/f");
  signed_request.headers.push_back({"x-gatehouse-min-revision", "11"});
  const auto ask = [&check](const http::HttpRequest& r) {
    ext_authz::CheckResponse response;
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(check.check(sidecar_test::to_check(r), response).ok());
    return std::pair{response.status().code(), std::chrono::steady_clock::now() - started};
  };

  // Signed: waits for the revision, then decides.
  std::thread later([&source] {
    std::this_thread::sleep_for(100ms);
    source.applied = 11;
  });
  const auto [allowed, waited] = ask(signed_request);
  later.join();
  CHECK(allowed == grpc::StatusCode::OK);
  CHECK(waited >= 90ms);

  // Not in time: UNAVAILABLE once the wait is over.
  auto ahead = signed_request;
  ahead.headers.back().value = "12";
  const auto [refused, held] = ask(ahead);
  CHECK(refused == grpc::StatusCode::UNAVAILABLE);
  CHECK(held >= 190ms);

  // Envoy gives up at the RPC's deadline (0.5 s in docs/sidecar.md) and, with
  // failure_mode_allow, lets the request through: the wait ends before it, with a denial.
  const Gate serve_gate(source);  // serve's 1 s
  const server::sidecar::CheckService bounded(sidecar.api, &serve_gate);
  ext_authz::CheckResponse before_deadline;
  const auto asked = std::chrono::steady_clock::now();
  REQUIRE(bounded.check(sidecar_test::to_check(ahead), before_deadline, std::chrono::system_clock::now() + 500ms).ok());
  const auto answered_in = std::chrono::steady_clock::now() - asked;
  CHECK(before_deadline.status().code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(answered_in >= 300ms);
  CHECK(answered_in < 480ms);

  // A signature that does not verify: its error at once.
  auto forged = ahead;
  for (auto& header : forged.headers) {
    if (http::equals_ignore_case(header.name, "Authorization")) header.value.back() ^= 1;
  }
  const auto [unauthenticated, at_once] = ask(forged);
  CHECK(unauthenticated == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(at_once < 100ms);
}

TEST_CASE("consistency: a handler that wrote answers x-gatehouse-revision; one that did not, none",
          "[consistency]") {
  FakeSource source;
  const Gate gate(source);
  std::uint64_t next = 41;
  const http::Handler writes = gate.guard(
      [&next](const http::HttpRequest&) {
        FakeSource::written = ++next;  // the store's commit on this thread
        return http::HttpResponse{};
      },
      http::ErrorFamily::LambdaRest);
  const http::Handler reads = gate.guard([](const http::HttpRequest&) { return http::HttpResponse{}; },
                                         http::ErrorFamily::LambdaRest);
  const http::HttpRequest request;
  const http::HttpResponse first = writes(request);
  REQUIRE(first.header("x-gatehouse-revision"));
  CHECK(*first.header("x-gatehouse-revision") == "42");
  CHECK(*writes(request).header("x-gatehouse-revision") == "43");
  CHECK_FALSE(reads(request).header("x-gatehouse-revision"));
}

TEST_CASE("consistency: the sidecar's Check refuses with the configured status, never an allow or a failed RPC",
          "[consistency][sidecar]") {
  SidecarWorld setup;
  sidecar_test::Sidecar& sidecar = setup.sidecar;
  FakeSource& source = setup.source;
  const Gate gate(source);
  const server::sidecar::CheckService default_status(sidecar.api, &gate);
  const server::sidecar::CheckService configured(sidecar.api, &gate, {429});
  const auto request = sidecar.sign("GET", control_test::kFunctionsPath + "/f");

  ext_authz::CheckResponse allowed;
  REQUIRE(default_status.check(sidecar_test::to_check(request), allowed).ok());
  CHECK(allowed.status().code() == grpc::StatusCode::OK);

  source.fresh = false;
  for (const auto& [service, status] : {std::pair{&default_status, 503}, std::pair{&configured, 429}}) {
    ext_authz::CheckResponse response;
    const grpc::Status rpc = service->check(sidecar_test::to_check(request), response);
    REQUIRE(rpc.ok());  // a denial, so Envoy's failure_mode_allow cannot let it through
    CHECK(response.status().code() == grpc::StatusCode::UNAVAILABLE);
    CHECK_FALSE(response.has_ok_response());
    REQUIRE(response.has_denied_response());
    CHECK(response.denied_response().status().code() == status);
    bool retry_after = false;
    for (const auto& header : response.denied_response().headers()) {
      if (header.header().key() == "retry-after") retry_after = header.header().value() == "1";
    }
    CHECK(retry_after);
    CHECK(response.denied_response().body().find("cannot confirm") != std::string::npos);
  }
  // The HTTP forms: Envoy's HTTP mode answers the status; nginx's 403 carries it for error_page.
  http::HttpRequest envoy = request;
  envoy.path = std::string(server::sidecar::kEnvoyHttpPrefix) + request.path;
  envoy.target = envoy.path;
  const http::HttpResponse envoy_answer = configured.envoy_http(envoy);
  CHECK(envoy_answer.status == 429);
  CHECK(*envoy_answer.header("x-amzn-ErrorType") == "ServiceException");
  http::HttpRequest nginx = request;
  nginx.headers.push_back({"X-Original-Method", "GET"});
  nginx.headers.push_back({"X-Original-URI", request.target});
  const http::HttpResponse nginx_answer = default_status.nginx(nginx);
  CHECK(nginx_answer.status == 403);
  CHECK(*nginx_answer.header("X-Gatehouse-Status") == "503");
  CHECK(*nginx_answer.header("x-amzn-ErrorType") == "ServiceException");

  source.fresh = true;
  ext_authz::CheckResponse again;
  REQUIRE(default_status.check(sidecar_test::to_check(request), again).ok());
  CHECK(again.status().code() == grpc::StatusCode::OK);
}

TEST_CASE("consistency: the Authorizer answers UNAVAILABLE while not fresh", "[consistency][sidecar]") {
  control_test::World world;
  sidecar_test::Sidecar sidecar(world.store());
  FakeSource source;
  const Gate gate(source);
  const server::sidecar::Authorizer authorizer(world.store(), sidecar.pipeline, sidecar.clock, "us-east-1", nullptr,
                                               &gate);
  gatehouse::v1::AuthorizeRequest request;
  request.set_principal_arn("arn:aws:iam::111111111111:user/alice");
  request.set_action("lambda:GetFunction");
  gatehouse::v1::AuthorizeResponse response;
  CHECK(authorizer.authorize(request, response).ok());
  source.fresh = false;
  gatehouse::v1::AuthorizeResponse refused;
  const grpc::Status status = authorizer.authorize(request, refused);
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(refused.decision_id().empty());
}

TEST_CASE("consistency: /healthz is 503 not ready while not fresh, 200 again once fresh", "[consistency][http]") {
  FakeSource source;
  const Gate gate(source);
  http::ServerConfig config = http::testing::TestServer::quick_config();
  config.not_ready = [&gate] { return gate.not_ready(); };
  http::testing::TestServer server(http::Router{}, config);
  http::testing::Client client(server.port());
  CHECK(client.get("/healthz").result_int() == 200);
  source.fresh = false;
  const auto response = client.get("/healthz");
  CHECK(response.result_int() == 503);
  CHECK(http::testing::header_of(response, "Retry-After") == "1");
  CHECK(response.body().find("not ready") == 0);
  source.fresh = true;
  CHECK(client.get("/healthz").result_int() == 200);
}

TEST_CASE("consistency: on LMDB, a Lambda or IAM write answers the revision it committed and reads wait for it",
          "[consistency]") {
  control_test::World lambda_world;
  lambda_world.alice_policy(control_test::allow("lambda:*", "*") + "," + control_test::allow("iam:PassRole", "*"));
  const server::consistency::StoreSource lambda_source(lambda_world.store());
  const Gate lambda_gate(lambda_source, 200ms);
  const http::Handler lambda = lambda_gate.guard(
      [&lambda_world](const http::HttpRequest& r) { return lambda_world.api().handle(r); }, http::ErrorFamily::LambdaRest);
  const auto now = std::chrono::system_clock::now();
  const auto sign = [now](std::string_view method, const std::string& target, const std::string& body = "") {
    return control_test::World::signed_request(method, target, body, control_test::kAliceKey,
                                               control_test::kAliceSecret, now);
  };
  const std::uint64_t before = lambda_world.store().consistency().applied_revision;
  const http::HttpResponse created =
      lambda(sign("POST", control_test::kFunctionsPath, control_test::create_body("g", control_test::kRoleR)));
  REQUIRE(created.status == 201);
  REQUIRE(created.header("x-gatehouse-revision"));
  const std::uint64_t revision = std::stoull(*created.header("x-gatehouse-revision"));
  CHECK(revision > before);
  CHECK(revision == lambda_world.store().consistency().applied_revision);
  // A read names no revision of its own; a read after the write is admitted at once.
  const http::HttpResponse read = lambda(sign("GET", control_test::kFunctionsPath + "/g"));
  CHECK(read.status == 200);
  CHECK_FALSE(read.header("x-gatehouse-revision"));
  CHECK(lambda(with_header(sign("GET", control_test::kFunctionsPath + "/g"), "x-gatehouse-min-revision",
                           std::to_string(revision)))
            .status == 200);
  const http::HttpResponse ahead = lambda(with_header(sign("GET", control_test::kFunctionsPath + "/g"),
                                                      "x-gatehouse-min-revision", std::to_string(revision + 1)));
  CHECK(ahead.status == 503);
  // A refused write commits nothing and answers no revision.
  const http::HttpResponse refused =
      lambda(sign("POST", control_test::kFunctionsPath, control_test::create_body("g", control_test::kRoleR)));
  CHECK(refused.status == 409);
  CHECK_FALSE(refused.header("x-gatehouse-revision"));

  query_test::World iam_world;
  const server::consistency::StoreSource iam_source(iam_world.store());
  const Gate iam_gate(iam_source);
  const http::Handler iam = iam_gate.guard(
      [&iam_world](const http::HttpRequest& r) { return iam_world.api().handle(r); }, http::ErrorFamily::Query);
  const http::HttpResponse user = iam(query_test::signed_query_request(
      "Action=CreateUser&UserName=carol&Version=2010-05-08", "iam", "us-east-1", query_test::kRootA,
      iam_world.clock().now(), "00000000-0000-4000-8000-000000000003"));
  REQUIRE(user.status == 200);
  REQUIRE(user.header("x-gatehouse-revision"));
  CHECK(std::stoull(*user.header("x-gatehouse-revision")) == iam_world.store().consistency().applied_revision);
}
