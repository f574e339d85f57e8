// The world the HTTP benchmarks run against: account 111111111111, user `bench` with an access
// key and one inline policy, the execution role app/R (Lambda may assume it) and one function.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sigv4/signer.h"
#include "store/mutation.h"
#include "store/store.h"

namespace gatehouse::bench {

inline constexpr const char* kAccount = "111111111111";
inline constexpr const char* kKeyId = "AKIABENCHEXAMPLE0001";
inline constexpr const char* kSecret = "benchSecretKeyEXAMPLEbenchSecretKeyEXAMP";
inline constexpr const char* kRole = "arn:aws:iam::111111111111:role/app/R";
inline constexpr const char* kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

// A benchmark that cannot run as set up says why and exits 1.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "benchmark: %s\n", what.c_str());
  std::exit(1);
}

template <class R>
void require_ok(const R& result, const char* what) {
  if (!result) fail(std::string(what) + ": " + result.error().message);
}

// The whole request as bytes on the wire, so a hot loop only writes a buffer.
inline std::string raw_request(std::string_view method, std::string_view target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view body = {}) {
  std::string raw = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  for (const auto& [name, value] : headers) raw += name + ": " + value + "\r\n";
  if (!body.empty()) raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return raw + "\r\n" + std::string(body);
}

// Signed once as the user `bench` for lambda in us-east-1 (a header signature stays valid for
// 5 minutes, beyond a benchmark's phase), for a server on 127.0.0.1:port. `headers` view
// strings that outlive the call (literals).
inline std::string signed_request(std::string_view method, const std::string& target, std::uint16_t port,
                                  std::vector<sigv4::Header> headers = {}, const std::string& body = {}) {
  const std::string host = "127.0.0.1:" + std::to_string(port);  // the views below point into it
  headers.insert(headers.begin(), sigv4::Header{"Host", host});
  const sigv4::SignInput input{method, target, headers, sigv4::PayloadHash::of_body(body)};
  const sigv4::SignOptions options{"us-east-1", "lambda", std::chrono::system_clock::now(), std::nullopt, false};
  auto signed_headers = sigv4::sign_request(input, {kKeyId, kSecret, std::nullopt}, options);
  if (!signed_headers) fail("signing: " + signed_headers.error());
  return raw_request(method, target, signed_headers.value().headers, body);
}

// A store in a new directory under the temporary directory, without fsync; both go with it.
class ScratchStore {
 public:
  // On `etcd` when given (the data directory then holds only the replica's own files).
  explicit ScratchStore(std::string_view prefix, std::optional<store::EtcdOptions> etcd = std::nullopt) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           (std::string(prefix) + "-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    store::Options options;
    options.data_dir = dir_;
    options.sync = false;
    if (etcd) options.etcd = std::move(*etcd);
    auto opened = store::Store::open(options);
    if (!opened) fail("cannot open the store: " + opened.error().message);
    store_ = std::move(opened.value());
  }
  ~ScratchStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;
  store::Store& operator*() const { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

struct BenchFunction {
  std::string name, runtime, zip;
};

// Written in one transaction; the store's error otherwise.
inline store::Result<void> build_world(store::Store& s, std::string_view user_policy, const BenchFunction& f) {
  return s.write([&](store::Mutation& m) -> store::Result<void> {
    if (auto r = m.create_account(kAccount); !r) return r.error();
    if (auto r = m.create_user({kAccount, "bench", "/", "", {}}); !r) return r.error();
    if (auto r = m.import_access_key({kAccount, "bench", kKeyId, kSecret}); !r) return r.error();
    if (auto r = m.put_inline_policy({store::EntityKind::User, kAccount, "bench"}, "p", user_policy); !r) {
      return r.error();
    }
    store::CreateRoleInput role{.account = kAccount, .name = "R", .path = "/app/", .assume_role_policy = kTrust,
                                .description = {}, .max_session_duration = {}, .permissions_boundary = {}, .tags = {}};
    if (auto r = m.create_role(role); !r) return r.error();
    store::CreateFunctionInput function;
    function.function = {kAccount, "us-east-1", f.name};
    function.config.runtime = f.runtime;
    function.config.role = kRole;
    function.config.handler = "app.handler";
    function.zip = f.zip;
    if (auto r = m.create_function(function); !r) return r.error();
    return store::success();
  });
}

}  // namespace gatehouse::bench
