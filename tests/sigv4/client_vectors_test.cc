// Requests signed by botocore 1.43.11 for the lambda, iam and sts faces
// (testdata/sigv4-clients): the verifier accepts each as sent, and the signer reproduces the
// canonical request, string to sign, signature and, for presigned URLs, the URL byte for byte.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>

#include "sigv4/canonical_headers.h"
#include "sigv4/signer.h"
#include "test_support.h"

namespace gatehouse::sigv4 {
namespace {

namespace fs = std::filesystem;
using testing::HttpRequest;
using testing::RequestHolder;

struct ClientFile {
  std::string name;
  HttpRequest request;
  std::string access_key_id;
  std::string secret;
  std::optional<std::string> token;
  std::string region;
  std::string service;
  std::string request_time;
  std::optional<std::int64_t> expires;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

ClientFile load(const fs::path& path) {
  const auto json = testing::read_json(path);
  ClientFile file;
  file.name = json["name"].GetString();
  file.request.method = json["method"].GetString();
  file.request.target = json["path"].GetString();
  for (const auto& header : json["headers"].GetArray()) {
    file.request.headers.emplace_back(header[0].GetString(), header[1].GetString());
  }
  file.request.body = json["body"].GetString();
  const auto& credentials = json["credentials"];
  file.access_key_id = credentials["access_key_id"].GetString();
  file.secret = credentials["secret_access_key"].GetString();
  if (credentials["session_token"].IsString()) file.token = credentials["session_token"].GetString();
  file.region = json["region"].GetString();
  file.service = json["service"].GetString();
  file.request_time = json["request_time"].GetString();
  if (json.HasMember("expires_seconds")) file.expires = json["expires_seconds"].GetInt64();
  file.canonical_request = json["expected"]["canonical_request"].GetString();
  file.string_to_sign = json["expected"]["string_to_sign"].GetString();
  file.signature = json["expected"]["signature"].GetString();
  return file;
}

std::vector<ClientFile> load_all() {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(testing::data_dir() / "sigv4-clients")) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<ClientFile> files;
  for (const fs::path& path : paths) files.push_back(load(path));
  return files;
}

Endpoint endpoint_for(const ClientFile& file) {
  if (file.service == "lambda") return Endpoint::lambda(file.region);
  if (file.service == "iam") return Endpoint::iam();
  return Endpoint::sts(file.region);
}

// The verifier of the file's endpoint, 10 s after signing, knowing the file's credentials.
struct ClientRig : testing::VerifierRig {
  explicit ClientRig(const ClientFile& file) : endpoint(endpoint_for(file)) {
    clock.set(*parse_amz_date(file.request_time) + std::chrono::seconds(10));
    store.put(Credential{file.access_key_id, file.secret, 0, file.token, std::nullopt, {}});
  }
  Result<Authenticated, Rejection> verify(const HttpRequest& request) {
    return verifier.verify(RequestHolder(request).view(), endpoint);
  }
  Endpoint endpoint;
};

// The second-to-last canonical request line lists the signed headers.
SignedHeaderNames signed_names_of(const std::string& canonical_request, std::string& storage) {
  const std::size_t last = canonical_request.rfind('\n');
  const std::size_t before = canonical_request.rfind('\n', last - 1);
  storage = canonical_request.substr(before + 1, last - before - 1);
  return split_signed_headers(storage);
}

// The request as the client had it before signing: the presign parameters removed from the
// query, or the headers the signer adds removed, and only signed headers kept.
SignInput unsigned_input(const ClientFile& file, std::string& target, std::vector<Header>& headers,
                         std::string& storage) {
  target = file.request.target;
  if (file.expires) target = target.substr(0, target.find("X-Amz-Algorithm=") - 1);
  const SignedHeaderNames names = signed_names_of(file.canonical_request, storage);
  for (const auto& [name, value] : file.request.headers) {
    if (lists_header(names, name)) headers.push_back({name, value});
  }
  return SignInput{file.request.method, target, headers, PayloadHash::of_body(file.request.body)};
}

}  // namespace

TEST_CASE("botocore-signed client requests verify as sent and sign byte-identically", "[sigv4][vectors]") {
  const std::vector<ClientFile> files = load_all();
  REQUIRE(files.size() == 15);  // a missing file is a failure, never a skip

  int verified = 0;
  int signed_identically = 0;
  for (const ClientFile& file : files) {
    INFO("client file " << file.name);
    ClientRig rig(file);
    const auto outcome = rig.verify(file.request);
    INFO("verifier said " << (outcome ? "accept" : to_string(outcome.error().reason)));
    CHECK(outcome.has_value());
    if (outcome) {
      CHECK(outcome.value().presigned == file.expires.has_value());
      CHECK(outcome.value().credential->access_key_id == file.access_key_id);
      ++verified;
    }

    std::string target;
    std::vector<Header> headers;
    std::string storage;
    const SignInput input = unsigned_input(file, target, headers, storage);
    std::optional<std::string_view> token;
    if (file.token) token = *file.token;
    const bool sends_content_sha256 = file.canonical_request.find("x-amz-content-sha256") != std::string::npos;
    const SignOptions options{file.region, file.service, *parse_amz_date(file.request_time), file.expires,
                              sends_content_sha256};
    const auto ours = sign_request(input, SigningCredentials{file.access_key_id, file.secret, token}, options);
    REQUIRE(ours.has_value());
    CHECK(ours.value().canonical_request == file.canonical_request);
    CHECK(ours.value().string_to_sign == file.string_to_sign);
    CHECK(ours.value().signature == file.signature);
    if (file.expires) {
      CHECK(ours.value().target == file.request.target);
    } else {
      for (const auto& [name, value] : file.request.headers) {
        if (name == "Authorization") CHECK(ours.value().headers.back().second == value);
      }
    }
    if (ours && ours.value().signature == file.signature) ++signed_identically;
  }
  CHECK(verified == 15);
  CHECK(signed_identically == 15);
}

TEST_CASE("the STS presigned URL signed for POST fails when sent as GET", "[sigv4][vectors]") {
  const ClientFile file = load(testing::data_dir() / "sigv4-clients/13-sts-presigned-get-caller-identity-token.json");
  ClientRig rig(file);
  HttpRequest as_get = file.request;
  as_get.method = "GET";
  const auto outcome = rig.verify(as_get);
  REQUIRE_FALSE(outcome.has_value());
  CHECK(outcome.error().reason == Reason::SignatureMismatch);
}

}  // namespace gatehouse::sigv4
