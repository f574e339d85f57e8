// Envoy's CheckRequest decoding into the sidecar's pipeline: the input is a serialized
// envoy.service.auth.v3.CheckRequest, decoded as the gRPC port decodes it and answered by
// CheckService::check against a scratch store. When the decoded request carries the header
// `x-fuzz-sign`, it is first signed (SigV4, a known key, the body hashed) so the input reaches
// routing, parsing, resolution and the policy decisions, not only signature verification.
// Every input must end in an answer with a status, an ok_response only when allowed, and reply
// text that is valid UTF-8 — or a failed RPC: never a crash, a hang or an empty allowing reply.
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>

#include "fuzz/scratch_store.h"
#include "server/authz/pipeline.h"
#include "server/control/lambda_api.h"
#include "server/sidecar/check.h"
#include "sigv4/clock.h"
#include "sigv4/signer.h"
#include "store/mutation.h"
#include "store/store.h"

using namespace gatehouse;
namespace ext_authz = ::envoy::service::auth::v3;

namespace {

constexpr std::string_view kAccount = "111111111111";
constexpr std::string_view kKey = "AKIAFUZZALICEEXAMPLE";
const std::string kSecret(40, 's');

struct Scratch {
  fuzz::ScratchStore scratch{"check-fuzz", [](store::Mutation& m) -> store::Result<void> {
    if (auto r = m.create_account(kAccount); !r) return r.error();
    if (auto r = m.create_user({std::string(kAccount), "alice", "/", "", {}}); !r) return r.error();
    if (auto r = m.import_access_key({std::string(kAccount), "alice", std::string(kKey), kSecret}); !r) {
      return r.error();
    }
    // Allows reads and invocations, denies deletes: every outcome is reachable.
    return m.put_inline_policy(
        {store::EntityKind::User, std::string(kAccount), "alice"}, "p",
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:Get*","lambda:List*","lambda:InvokeFunction"],"Resource":"*"},)"
        R"({"Effect":"Deny","Action":"lambda:Delete*","Resource":"*"}]})");
  }};
  store::Store* store = scratch.store.get();
  sigv4::SystemClock clock;
  std::unique_ptr<server::authz::Pipeline> pipeline;
  std::unique_ptr<server::control::LambdaApi> api;
  std::unique_ptr<server::sidecar::CheckService> check;

  Scratch() {
    pipeline = std::make_unique<server::authz::Pipeline>(*store, clock);
    api = std::make_unique<server::control::LambdaApi>(*store, *pipeline, clock, server::control::Options{});
    check = std::make_unique<server::sidecar::CheckService>(*api);
  }
};

bool valid_utf8(const std::string& text) { return server::sidecar::valid_utf8(text) == text; }

// Adds Authorization and X-Amz-Date for the decoded request, as a client with alice's key would.
void sign(ext_authz::CheckRequest& check, const sigv4::Clock& clock) {
  const server::sidecar::Forwarded forwarded = server::sidecar::forwarded_request(check);
  const server::http::HttpRequest& r = forwarded.request;
  std::vector<sigv4::Header> headers;
  for (const auto& h : r.headers) headers.push_back({h.name, h.value});
  const sigv4::SignInput input{r.method, r.target, headers, sigv4::PayloadHash::of_body(r.body)};
  const sigv4::SignOptions options{"us-east-1", "lambda", clock.now(), std::nullopt, false};
  auto signed_request = sigv4::sign_request(input, {kKey, kSecret, std::nullopt}, options);
  if (!signed_request) return;
  auto& http = *check.mutable_attributes()->mutable_request()->mutable_http();
  for (const auto& [name, value] : signed_request.value().headers) {
    if (!server::http::equals_ignore_case(name, "authorization") &&
        !server::http::equals_ignore_case(name, "x-amz-date")) {
      continue;
    }
    if (http.header_map().headers_size() > 0) {
      auto* header = http.mutable_header_map()->add_headers();
      header->set_key(name);
      header->set_raw_value(value);
    } else {
      auto* header = http.add_headers();
      header->set_key(name);
      header->set_value(value);
    }
  }
}

bool wants_signature(const ext_authz::CheckRequest& check) {
  const auto& http = check.attributes().request().http();
  for (const auto& h : http.header_map().headers()) {
    if (h.key() == "x-fuzz-sign") return true;
  }
  for (const auto& h : http.headers()) {
    if (h.key() == "x-fuzz-sign") return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Scratch scratch;
  ext_authz::CheckRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (wants_signature(request)) sign(request, scratch.clock);
  ext_authz::CheckResponse response;
  const grpc::Status status = scratch.check->check(request, response);
  if (!status.ok()) {
    if (status.error_code() != grpc::StatusCode::INTERNAL) std::abort();
    return 0;
  }
  if (!response.has_status()) std::abort();  // a missing status would allow
  if (response.status().code() == 0) {
    if (!response.has_ok_response()) std::abort();
  } else {
    if (!response.has_denied_response()) std::abort();
    const auto& denied = response.denied_response();
    if (denied.status().code() < 400 || denied.status().code() >= 500) std::abort();
    if (!valid_utf8(denied.body())) std::abort();
    for (const auto& h : denied.headers()) {
      if (!valid_utf8(h.header().key()) || !valid_utf8(h.header().value())) std::abort();
    }
  }
  if (!valid_utf8(response.status().message())) std::abort();
  return 0;
}
