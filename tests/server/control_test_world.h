// A store world and signed in-process requests for the control-plane tests: accounts A and B,
// alice in A, bob in B, execution roles in A (spec/policy-semantics.md 6.6's setup).
#pragma once

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "server/authz/pipeline.h"
#include "server/control/lambda_api.h"
#include "sigv4/signer.h"
#include "store/mutation.h"
#include "store/store.h"
#include "tests/server/scratch_store.h"
#include "tests/zip_writer.h"

namespace gatehouse::control_test {

inline constexpr std::string_view kA = "111111111111";
inline constexpr std::string_view kB = "222222222222";
inline constexpr std::string_view kAliceKey = "AKIAALICEEXAMPLE0001";
inline constexpr std::string_view kAliceSecret = "aliceSecretKeyEXAMPLEaliceSecretKeyEXAMP";
inline constexpr std::string_view kBobKey = "AKIABOBEXAMPLE000001";
inline constexpr std::string_view kBobSecret = "bobSecretKeyEXAMPLEbobSecretKeyEXAMPLE00";
inline const std::string kRoleR = "arn:aws:iam::111111111111:role/app/R";
inline const std::string kRoleEc2 = "arn:aws:iam::111111111111:role/ec2only";
inline const std::string kFunctionsPath = "/2015-03-31/functions";
inline const std::string kZip = executor::testing::base64(executor::testing::small_zip());  // ZipFile member
// Another real package, for UpdateFunctionCode.
inline const std::string kChangedZip = executor::testing::base64(
    executor::testing::make_zip({{"app.py", "def handler(event, context):\n    return 'changed'\n"}}));
inline constexpr std::string_view kLambdaTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
inline constexpr std::string_view kEc2Trust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

inline std::string fn_arn(std::string_view name, std::string_view account = kA) {
  return "arn:aws:lambda:us-east-1:" + std::string(account) + ":function:" + std::string(name);
}

inline std::string allow(const std::string& action, const std::string& resource, const std::string& condition = "") {
  return R"({"Effect":"Allow","Action":")" + action + R"(","Resource":")" + resource + "\"" +
         (condition.empty() ? "" : ",\"Condition\":" + condition) + "}";
}
inline std::string document(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

template <class R>
void require_ok(const R& result) {
  if (!result) FAIL(result.error().code << ": " << result.error().message);
}

struct Response {
  int status = 0;
  std::string error_type;  // x-amzn-ErrorType
  std::string content_type;
  std::string body;
  rapidjson::Document json() const {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
  }
  std::string message() const {
    auto doc = json();
    return doc.HasMember("Message") ? doc["Message"].GetString() : "";
  }
};

class World {
 public:
  World()
      : dir_(make_dir()), store_(open(dir_)), clock_(std::chrono::system_clock::now()), pipeline_(*store_, clock_),
        api_(*store_, pipeline_, clock_, {.check_touches = true}) {
    require_ok(store_->write([](store::Mutation& m) -> store::Result<void> {
      for (auto account : {kA, kB}) {
        if (auto r = m.create_account(account); !r) return r.error();
      }
      if (auto r = m.create_user({std::string(kA), "alice", "/", "", {}}); !r) return r.error();
      if (auto r = m.create_user({std::string(kB), "bob", "/", "", {}}); !r) return r.error();
      if (auto r = m.import_access_key({std::string(kA), "alice", std::string(kAliceKey), std::string(kAliceSecret)}); !r) {
        return r.error();
      }
      if (auto r = m.import_access_key({std::string(kB), "bob", std::string(kBobKey), std::string(kBobSecret)}); !r) {
        return r.error();
      }
      store::CreateRoleInput r1{.account = std::string(kA), .name = "R", .path = "/app/", .assume_role_policy = std::string(kLambdaTrust), .description = {}, .max_session_duration = {}, .permissions_boundary = {}, .tags = {}};
      if (auto r = m.create_role(r1); !r) return r.error();
      store::CreateRoleInput r2{.account = std::string(kA), .name = "ec2only", .assume_role_policy = std::string(kEc2Trust), .description = {}, .max_session_duration = {}, .permissions_boundary = {}, .tags = {}};
      if (auto r = m.create_role(r2); !r) return r.error();
      return store::success();
    }));
  }
  ~World() { std::filesystem::remove_all(dir_); }

  store::Store& store() { return *store_; }
  const server::control::LambdaApi& api() const { return api_; }

  // Read back from the store, whatever the callers' policies say: whether function `name` of
  // account A exists; its published versions; its aliases; the Sids of its policy (qualifier "":
  // the unqualified function).
  bool has_function(std::string_view name) { return read_lambda(name, [](auto&, auto&) {}); }
  std::size_t version_count(std::string_view name) {
    std::size_t n = 0;
    read_lambda(name, [&](const store::Snapshot& s, const store::FunctionRef& ref) {
      if (auto v = s.list_versions(ref)) n = v.value().size() - 1;  // $LATEST comes first
    });
    return n;
  }
  std::vector<std::string> alias_names(std::string_view name) {
    std::vector<std::string> out;
    read_lambda(name, [&](const store::Snapshot& s, const store::FunctionRef& ref) {
      if (auto aliases = s.list_aliases(ref)) {
        for (const auto& a : aliases.value()) out.push_back(a.name);
      }
    });
    return out;
  }
  std::vector<std::string> statement_ids(std::string_view name, std::string_view qualifier = {}) {
    std::vector<std::string> out;
    read_lambda(name, [&](const store::Snapshot& s, const store::FunctionRef& ref) {
      if (auto policy = s.get_function_policy(ref, qualifier)) {
        for (const auto& statement : policy.value().statements) out.push_back(statement.sid);
      }
    });
    return out;
  }

  void alice_policy(const std::string& statements) { put_policy(kA, "alice", document(statements)); }
  void bob_policy(const std::string& statements) { put_policy(kB, "bob", document(statements)); }
  // Another role of account A, on path /app/, with this trust policy and no permissions.
  void add_role(std::string_view name, std::string_view trust) {
    require_ok(store_->write([&](store::Mutation& m) {
      store::CreateRoleInput role{.account = std::string(kA), .name = std::string(name), .path = "/app/",
                                  .assume_role_policy = std::string(trust), .description = {},
                                  .max_session_duration = {}, .permissions_boundary = {}, .tags = {}};
      return m.create_role(role);
    }));
  }
  // The identity policy of execution role R: what Lambda may do with the role (e.g. poll a queue).
  void role_policy(const std::string& statements) {
    put_policy(kA, "R", document(statements), store::EntityKind::Role);
  }

  // A function F of account A made directly in the store (no authorization involved).
  void seed_function(std::string_view name, store::Tags tags = {}) {
    require_ok(store_->write([&](store::Mutation& m) {
      store::CreateFunctionInput input;
      input.function = {std::string(kA), "us-east-1", std::string(name)};
      input.config.runtime = "python3.12";
      input.config.role = kRoleR;
      input.config.handler = "app.handler";
      input.zip = executor::testing::small_zip();
      input.tags = std::move(tags);
      return m.create_function(input);
    }));
  }

  Response call(std::string_view method, const std::string& target, const std::string& body = "",
                std::string_view key = kAliceKey, std::string_view secret = kAliceSecret,
                std::vector<std::pair<std::string, std::string>> extra_headers = {}) {
    return call_api(api_, signed_request(method, target, body, key, secret, clock_.now(), std::move(extra_headers)));
  }

  // A request as a SigV4 client sends it, signed for lambda in us-east-1 at `now`.
  static server::http::HttpRequest signed_request(std::string_view method, const std::string& target,
                                                  const std::string& body, std::string_view key,
                                                  std::string_view secret, sigv4::TimePoint now,
                                                  std::vector<std::pair<std::string, std::string>> extra_headers = {},
                                                  std::optional<std::string_view> session_token = std::nullopt) {
    std::vector<std::pair<std::string, std::string>> owned = {{"Host", "127.0.0.1:9000"}};
    if (!body.empty()) owned.emplace_back("Content-Type", "application/json");
    owned.insert(owned.end(), extra_headers.begin(), extra_headers.end());
    std::vector<sigv4::Header> headers;
    for (const auto& [n, v] : owned) headers.push_back({n, v});
    sigv4::SignInput input{method, target, headers, sigv4::PayloadHash::of_body(body)};
    sigv4::SignOptions options{"us-east-1", "lambda", now, std::nullopt, false};
    auto signed_request = sigv4::sign_request(input, {key, secret, session_token}, options);
    if (!signed_request) FAIL(signed_request.error());
    server::http::HttpRequest request;
    request.method = std::string(method);
    request.target = target;
    const auto parts = sigv4::split_request_target(target);
    request.path = std::string(parts.path);
    request.query = std::string(parts.query);
    for (const auto& [n, v] : signed_request.value().headers) request.headers.push_back({n, v});
    request.body = body;
    request.peer_address = "127.0.0.1";
    return request;
  }

  // Sends a request through an API and keeps what the tests look at.
  static Response call_api(const server::control::LambdaApi& api, const server::http::HttpRequest& request) {
    const server::http::HttpResponse response = api.handle(request);
    Response out;
    out.status = response.status;
    if (const auto* type = response.header("x-amzn-ErrorType")) out.error_type = *type;
    if (const auto* type = response.header("Content-Type")) out.content_type = *type;
    out.body = response.body;
    return out;
  }

  Response bob(std::string_view method, const std::string& target, const std::string& body = "",
               std::vector<std::pair<std::string, std::string>> extra_headers = {}) {
    return call(method, target, body, kBobKey, kBobSecret, std::move(extra_headers));
  }

 private:
  static std::filesystem::path make_dir() { return test_support::scratch_dir("gatehouse-control-"); }
  static std::unique_ptr<store::Store> open(const std::filesystem::path& dir) {
    return test_support::open_scratch_store(dir);
  }
  // Runs fn(snapshot, ref) when function `name` of account A exists; returns whether it does.
  template <class F>
  bool read_lambda(std::string_view name, F&& fn) {
    bool exists = false;
    require_ok(store_->read([&](const store::Snapshot& s) -> store::Result<void> {
      const store::FunctionRef ref{std::string(kA), "us-east-1", std::string(name)};
      exists = s.find_function(ref).has_value();
      if (exists) fn(s, ref);
      return store::success();
    }));
    return exists;
  }
  void put_policy(std::string_view account, std::string_view name, const std::string& doc,
                  store::EntityKind kind = store::EntityKind::User) {
    require_ok(store_->write([&](store::Mutation& m) {
      return m.put_inline_policy({kind, std::string(account), std::string(name)}, "p", doc);
    }));
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  sigv4::FixedClock clock_;
  server::authz::Pipeline pipeline_;
  server::control::LambdaApi api_;
};

// Around function `name` of account A (seeded already): version 1, alias `live` -> 1, the
// function-policy statement `s1` (s3.amazonaws.com may invoke) and a mapping from `queue`, tagged
// `mapping_tags`. Returns the mapping's UUID.
inline std::string seed_family(World& world, const std::string& name, const std::string& queue,
                               store::Tags mapping_tags = {}) {
  std::string uuid;
  require_ok(world.store().write([&](store::Mutation& m) -> store::Result<void> {
    const store::FunctionRef ref{std::string(kA), "us-east-1", name};
    if (auto r = m.publish_version(ref); !r) return r.error();
    if (auto r = m.create_alias(ref, {"live", "1", "", std::nullopt}); !r) return r.error();
    store::PermissionInput grant;
    grant.statement_id = "s1";
    grant.action = "lambda:InvokeFunction";
    grant.principal = "s3.amazonaws.com";
    if (auto r = m.add_permission(ref, "", grant); !r) return r.error();
    store::MappingInput mapping;
    mapping.account = std::string(kA);
    mapping.region = "us-east-1";
    mapping.event_source_arn = queue;
    mapping.function = ref;
    mapping.tags = std::move(mapping_tags);
    auto created = m.create_event_source_mapping(mapping);
    if (!created) return created.error();
    uuid = created.value().uuid;
    return store::success();
  }));
  return uuid;
}

inline std::string create_body(std::string_view name, std::string_view role, std::string_view extra = "") {
  return R"({"FunctionName":")" + std::string(name) + R"(","Runtime":"python3.12","Role":")" + std::string(role) +
         R"(","Handler":"app.handler","Code":{"ZipFile":")" + kZip + "\"}" + std::string(extra) + "}";
}

}  // namespace gatehouse::control_test
