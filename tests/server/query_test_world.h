// A store world and signed in-process Query-protocol requests (IAM and STS on `/`) for the
// IAM/STS API tests: accounts A and B with root keys, alice in A, bob in B.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "server/authz/pipeline.h"
#include "server/iam/common.h"
#include "server/iam/resources.h"
#include "server/query/api.h"
#include "server/sts/operations.h"
#include "sigv4/signer.h"
#include "store/mutation.h"
#include "store/store.h"
#include "tests/server/scratch_store.h"

namespace gatehouse::query_test {

inline constexpr std::string_view kA = "111111111111";
inline constexpr std::string_view kB = "222222222222";

struct Keys {
  std::string id, secret;
  std::optional<std::string> token;
};

inline const Keys kRootA{"AKIAROOTAEXAMPLE0001", "rootASecretEXAMPLErootASecretEXAMPLE0000", std::nullopt};
inline const Keys kRootB{"AKIAROOTBEXAMPLE0001", "rootBSecretEXAMPLErootBSecretEXAMPLE0000", std::nullopt};
inline const Keys kAlice{"AKIAALICEEXAMPLE0001", "aliceSecretKeyEXAMPLEaliceSecretKeyEXAMP", std::nullopt};
inline const Keys kBob{"AKIABOBEXAMPLE000001", "bobSecretKeyEXAMPLEbobSecretKeyEXAMPLE00", std::nullopt};

template <class R>
void require_ok(const R& result) {
  if (!result) FAIL(result.error().code << ": " << result.error().message);
}

struct Response {
  int status = 0;
  std::string body;
  std::string content_type;
  // The text of the first <tag>...</tag>, still XML-escaped; empty when absent.
  std::string element(std::string_view tag) const {
    const std::string open = "<" + std::string(tag) + ">";
    const std::string close = "</" + std::string(tag) + ">";
    const auto start = body.find(open);
    if (start == std::string::npos) return {};
    const auto end = body.find(close, start);
    if (end == std::string::npos) return {};
    return body.substr(start + open.size(), end - start - open.size());
  }
  std::string code() const { return element("Code"); }
  std::string message() const { return element("Message"); }
};

inline std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

// name=value pairs as a form body, each value encoded.
inline std::string form(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::string out;
  for (const auto& [n, v] : pairs) {
    if (!out.empty()) out += '&';
    out += form_encode(n);
    out += '=';
    out += form_encode(v);
  }
  return out;
}

// POST / with a form body as botocore sends it, signed for `service` in `region` at `now`.
inline server::http::HttpRequest signed_query_request(const std::string& body, std::string_view service,
                                                      std::string_view region, const Keys& keys,
                                                      sigv4::TimePoint now, std::string request_id) {
  const std::vector<sigv4::Header> headers = {
      {"Host", "127.0.0.1:9000"}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  sigv4::SignInput input{"POST", "/", headers, sigv4::PayloadHash::of_body(body)};
  sigv4::SignOptions options{region, service, now, std::nullopt, false};
  std::optional<std::string_view> token;
  if (keys.token) token = *keys.token;
  auto signed_request = sigv4::sign_request(input, {keys.id, keys.secret, token}, options);
  if (!signed_request) FAIL(signed_request.error());
  server::http::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.path = "/";
  for (const auto& [n, v] : signed_request.value().headers) request.headers.push_back({n, v});
  request.body = body;
  request.peer_address = "127.0.0.1";
  request.request_id = std::move(request_id);
  return request;
}

class World {
 public:
  World()
      : dir_(make_dir()), store_(open(dir_)), clock_(std::chrono::system_clock::now()), pipeline_(*store_, clock_),
        api_(*store_, pipeline_, clock_, server::iam::operations(), server::sts::operations(),
             {.check_touches = true, .declared = server::iam::declared_resources}) {
    require_ok(store_->write([](store::Mutation& m) -> store::Result<void> {
      for (auto account : {kA, kB}) {
        if (auto r = m.create_account(account); !r) return r.error();
      }
      if (auto r = m.import_access_key({std::string(kA), "", kRootA.id, kRootA.secret}); !r) return r.error();
      if (auto r = m.import_access_key({std::string(kB), "", kRootB.id, kRootB.secret}); !r) return r.error();
      if (auto r = m.create_user({std::string(kA), "alice", "/", "", {}}); !r) return r.error();
      if (auto r = m.create_user({std::string(kB), "bob", "/", "", {}}); !r) return r.error();
      if (auto r = m.import_access_key({std::string(kA), "alice", kAlice.id, kAlice.secret}); !r) return r.error();
      if (auto r = m.import_access_key({std::string(kB), "bob", kBob.id, kBob.secret}); !r) return r.error();
      return store::success();
    }));
  }
  ~World() { std::filesystem::remove_all(dir_); }

  store::Store& store() { return *store_; }
  sigv4::FixedClock& clock() { return clock_; }
  const server::query::QueryApi& api() const { return api_; }

  void put_user_policy(std::string_view account, std::string_view user, const std::string& document) {
    require_ok(store_->write([&](store::Mutation& m) {
      return m.put_inline_policy({store::EntityKind::User, std::string(account), std::string(user)}, "p", document);
    }));
  }

  // POST / with `body`, signed for `service` (iam or sts) in `region` by `keys`.
  Response call(std::string_view service, const std::string& body, const Keys& keys,
                std::string_view region = "us-east-1") {
    const server::http::HttpRequest request =
        signed_query_request(body, service, region, keys, clock_.now(), "00000000-0000-4000-8000-000000000000");
    const server::http::HttpResponse response = api_.handle(request);
    Response out;
    out.status = response.status;
    out.body = response.body;
    if (const auto* type = response.header("Content-Type")) out.content_type = *type;
    return out;
  }
  Response iam(const std::string& body, const Keys& keys) { return call("iam", body, keys); }
  Response sts(const std::string& body, const Keys& keys) { return call("sts", body, keys); }

  // Temporary credentials from an AssumeRole or GetSessionToken answer.
  static Keys credentials_of(const Response& response) {
    return Keys{response.element("AccessKeyId"), response.element("SecretAccessKey"),
                response.element("SessionToken")};
  }

 private:
  static std::filesystem::path make_dir() { return test_support::scratch_dir("gatehouse-query-"); }
  static std::unique_ptr<store::Store> open(const std::filesystem::path& dir) {
    return test_support::open_scratch_store(dir);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  sigv4::FixedClock clock_;
  server::authz::Pipeline pipeline_;
  server::query::QueryApi api_;
};

}  // namespace gatehouse::query_test
