// The sidecar over a control-test world: its own clock, pipeline, Lambda API and CheckService on
// the world's store, and a signed HTTP request turned into the CheckRequest Envoy would send.
#pragma once

#include <chrono>
#include <string>

#include "server/authz/pipeline.h"
#include "server/control/lambda_api.h"
#include "server/sidecar/check.h"
#include "tests/server/control_test_world.h"

namespace gatehouse::sidecar_test {

namespace ext_authz = ::envoy::service::auth::v3;

struct Sidecar {
  explicit Sidecar(store::Store& store)
      : clock(std::chrono::system_clock::now()), pipeline(store, clock), api(store, pipeline, clock, {}), check(api) {}

  // A request signed by `key` now.
  server::http::HttpRequest sign(std::string_view method, const std::string& target, const std::string& body = "",
                                 std::string_view key = control_test::kAliceKey,
                                 std::string_view secret = control_test::kAliceSecret,
                                 std::vector<std::pair<std::string, std::string>> extra = {}) const {
    return control_test::World::signed_request(method, target, body, key, secret, clock.now(), std::move(extra));
  }

  // A request signed now with temporary credentials (X-Amz-Security-Token).
  server::http::HttpRequest sign_session(std::string_view method, const std::string& target,
                                         const store::TemporaryCredentials& session) const {
    const std::vector<sigv4::Header> headers = {{"Host", "127.0.0.1:9000"}};
    const sigv4::SignInput input{method, target, headers, sigv4::PayloadHash::of_body({})};
    const sigv4::SignOptions options{"us-east-1", "lambda", clock.now(), std::nullopt, false};
    auto signed_request =
        sigv4::sign_request(input, {session.access_key_id, session.secret_access_key, session.session_token}, options);
    if (!signed_request) FAIL(signed_request.error());
    server::http::HttpRequest request;
    request.method = std::string(method);
    request.target = request.path = target;
    for (const auto& [n, v] : signed_request.value().headers) request.headers.push_back({n, v});
    request.peer_address = "127.0.0.1";
    return request;
  }

  struct Answer {
    grpc::Status rpc;
    ext_authz::CheckResponse response;
  };
  Answer ask(const ext_authz::CheckRequest& request) const {
    Answer answer;
    answer.rpc = check.check(request, answer.response);
    return answer;
  }

  sigv4::FixedClock clock;
  server::authz::Pipeline pipeline;
  server::control::LambdaApi api;
  server::sidecar::CheckService check;
};

// Envoy's CheckRequest for a request as the client sent it: encode_raw_headers (header_map with
// raw values, lower-case names), pack_as_bytes (raw_body), the body flagged complete; the Host
// header becomes the `host` field as Envoy's :authority.
inline ext_authz::CheckRequest to_check(const server::http::HttpRequest& r) {
  ext_authz::CheckRequest check;
  auto& attributes = *check.mutable_attributes();
  auto* socket = attributes.mutable_source()->mutable_address()->mutable_socket_address();
  socket->set_address(r.peer_address);
  socket->set_port_value(50000);
  auto& http = *attributes.mutable_request()->mutable_http();
  http.set_method(r.method);
  http.set_path(r.target);
  http.set_scheme("http");
  http.set_protocol("HTTP/1.1");
  auto add = [&http](std::string name, const std::string& value) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto* header = http.mutable_header_map()->add_headers();
    header->set_key(name);
    header->set_raw_value(value);
  };
  for (const auto& h : r.headers) {
    if (server::http::equals_ignore_case(h.name, "Host")) {
      http.set_host(h.value);
      add(":authority", h.value);
      continue;
    }
    add(h.name, h.value);
  }
  add(":method", r.method);
  add(":path", r.target);
  if (!r.body.empty()) {
    add("content-length", std::to_string(r.body.size()));
    add("x-envoy-auth-partial-body", "false");
    http.set_raw_body(r.body);
  }
  return check;
}

// A header of a reply (names compared case-insensitively); empty when absent.
inline std::string header_of(
    const google::protobuf::RepeatedPtrField<::envoy::config::core::v3::HeaderValueOption>& headers,
    std::string_view name) {
  for (const auto& option : headers) {
    if (server::http::equals_ignore_case(option.header().key(), name)) return option.header().value();
  }
  return {};
}

}  // namespace gatehouse::sidecar_test
