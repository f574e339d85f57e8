// A store world and signed in-process IAM Query requests for the iam_*_test.cc files: account A
// with its root key, alice (no policies unless a test gives her some) and admin (iam:*), account B
// with bob. Requests are POST / form bodies signed for iam in us-east-1, as botocore sends them.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "server/audit/audit_log.h"
#include "server/authz/pipeline.h"
#include "server/iam/operations.h"
#include "server/iam/resources.h"
#include "server/query/api.h"
#include "sigv4/signer.h"
#include "store/mutation.h"
#include "store/store.h"
#include "tests/server/scratch_store.h"
#include "tests/server/query_test_world.h"

namespace gatehouse::iam_test {

using query_test::form_encode;
using query_test::kA;
using query_test::kB;
using query_test::require_ok;

inline constexpr std::string_view kRootKey = "AKIAROOTEXAMPLE00001";
inline constexpr std::string_view kRootSecret = "rootSecretKeyEXAMPLErootSecretKeyEXAMPLE";
inline constexpr std::string_view kAliceKey = "AKIAALICEEXAMPLE0001";
inline constexpr std::string_view kAliceSecret = "aliceSecretKeyEXAMPLEaliceSecretKeyEXAMP";
inline constexpr std::string_view kAdminKey = "AKIAADMINEXAMPLE0001";
inline constexpr std::string_view kAdminSecret = "adminSecretKeyEXAMPLEadminSecretKeyEXAMP";
inline constexpr std::string_view kBobKey = "AKIABOBEXAMPLE000001";
inline constexpr std::string_view kBobSecret = "bobSecretKeyEXAMPLEbobSecretKeyEXAMPLE00";

inline const std::string kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
inline const std::string kLogsPolicy =
    R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]})";
inline const std::string kBasicExecution = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

inline std::string allow(const std::string& action, const std::string& resource, const std::string& condition = "") {
  return R"({"Effect":"Allow","Action":")" + action + R"(","Resource":")" + resource + "\"" +
         (condition.empty() ? "" : ",\"Condition\":" + condition) + "}";
}
inline std::string document(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

inline std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

using Form = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;
  std::string body;

  // The text of the first <tag>…</tag> (XML entities left as they are); "" when absent.
  std::string text(std::string_view tag) const {
    const std::string open = "<" + std::string(tag) + ">";
    const auto at = body.find(open);
    if (at == std::string::npos) return {};
    const auto start = at + open.size();
    const auto end = body.find("</" + std::string(tag) + ">", start);
    return end == std::string::npos ? std::string() : body.substr(start, end - start);
  }
  bool has(std::string_view tag) const {
    return body.find("<" + std::string(tag) + ">") != std::string::npos ||
           body.find("<" + std::string(tag) + "/>") != std::string::npos;
  }
  std::size_t count(std::string_view tag) const {
    const std::string open = "<" + std::string(tag) + ">";
    std::size_t n = 0;
    for (auto at = body.find(open); at != std::string::npos; at = body.find(open, at + 1)) ++n;
    return n;
  }
  std::string code() const { return text("Code"); }
  std::string message() const { return text("Message"); }
};

// Checks an error answer: HTTP status, code and (when given) the exact message.
inline void require_error(const Response& r, int status, std::string_view code, std::string_view message = {}) {
  INFO(r.body);
  REQUIRE(r.status == status);
  REQUIRE(r.code() == code);
  if (!message.empty()) REQUIRE(r.message() == message);
}

inline void require_success(const Response& r, std::string_view action, bool with_result) {
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(
      r.body.starts_with("<" + std::string(action) + "Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"));
  REQUIRE(r.has(std::string(action) + "Result") == with_result);
  REQUIRE(r.has("RequestId"));
}

class World {
 public:
  // `operations`: the IAM operation table the API dispatches to (a test double may wire its own).
  explicit World(std::span<const server::query::Operation> operations = server::iam::operations())
      : dir_(make_dir()),
        store_(open(dir_)),
        clock_(std::chrono::system_clock::now()),
        pipeline_(*store_, clock_),
        operations_(operations) {
    require_ok(store_->write([](store::Mutation& m) -> store::Result<void> {
      for (auto account : {kA, kB}) {
        if (auto r = m.create_account(account); !r) return r.error();
      }
      if (auto r = m.import_access_key({std::string(kA), "", std::string(kRootKey), std::string(kRootSecret)}); !r) {
        return r.error();
      }
      for (const auto& [account, user, key, secret] :
           {std::tuple{kA, "alice", kAliceKey, kAliceSecret}, std::tuple{kA, "admin", kAdminKey, kAdminSecret},
            std::tuple{kB, "bob", kBobKey, kBobSecret}}) {
        if (auto r = m.create_user({std::string(account), user, "/", "", {}}); !r) return r.error();
        if (auto r = m.import_access_key({std::string(account), user, std::string(key), std::string(secret)}); !r) {
          return r.error();
        }
      }
      return m.put_inline_policy(
          {store::EntityKind::User, std::string(kA), "admin"}, "all",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]})");
    }));
    make_api(nullptr);
  }
  ~World() { std::filesystem::remove_all(dir_); }

  store::Store& store() { return *store_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Routes every later call through an audit log at dir()/audit.log.
  void enable_audit() {
    auto opened = server::audit::AuditLog::open(dir_ / "audit.log");
    if (!opened) FAIL(opened.error());
    audit_ = std::move(opened.value());
    make_api(audit_.get());
  }
  std::string audit_text() const {
    std::ifstream in(dir_ / "audit.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void alice_policy(const std::string& statements) {
    require_ok(store_->write([&](store::Mutation& m) {
      return m.put_inline_policy({store::EntityKind::User, std::string(kA), "alice"}, "p", document(statements));
    }));
  }

  // One IAM call by `key`; `form` without Action and Version.
  Response call(std::string_view action, const Form& form, std::string_view key, std::string_view secret) {
    return call(action, form, query_test::Keys{std::string(key), std::string(secret), std::nullopt});
  }
  // The same with any credentials, temporary ones (with their session token) included.
  Response call(std::string_view action, const Form& form, const query_test::Keys& keys) {
    std::string body = "Action=" + std::string(action) + "&Version=2010-05-08";
    for (const auto& [n, v] : form) body += "&" + form_encode(n) + "=" + form_encode(v);
    const server::http::HttpRequest request = query_test::signed_query_request(
        body, "iam", "us-east-1", keys, clock_.now(), "req-" + std::to_string(++requests_));
    const server::http::HttpResponse response = api_->handle(request);
    return Response{response.status, response.body};
  }
  Response root(std::string_view action, const Form& form = {}) { return call(action, form, kRootKey, kRootSecret); }
  Response admin(std::string_view action, const Form& form = {}) { return call(action, form, kAdminKey, kAdminSecret); }
  Response alice(std::string_view action, const Form& form = {}) { return call(action, form, kAliceKey, kAliceSecret); }
  Response bob(std::string_view action, const Form& form = {}) { return call(action, form, kBobKey, kBobSecret); }

  // The AccessDenied alice gets for `action` on `resource` without any policy (the pipeline
  // names no resource for "*").
  static std::string denied(std::string_view action, std::string_view resource) {
    const std::string on = resource == "*" ? std::string() : " on resource: " + std::string(resource);
    return "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: " + std::string(action) + on +
           " because no identity-based policy allows the " + std::string(action) + " action";
  }
  void require_denied(std::string_view action, const Form& form, std::string_view resource) {
    const Response r = alice(action, form);
    require_error(r, 403, "AccessDenied", denied("iam:" + std::string(action), resource));
  }

 private:
  void make_api(server::audit::AuditLog* log) {
    api_ = std::make_unique<server::query::QueryApi>(*store_, pipeline_, clock_, operations_,
                                                     std::span<const server::query::Operation>(),
                                                     server::query::Options{log, nullptr, /*check_touches=*/true,
                                                                            server::iam::declared_resources});
  }
  static std::filesystem::path make_dir() { return test_support::scratch_dir("gatehouse-iam-"); }
  static std::unique_ptr<store::Store> open(const std::filesystem::path& dir) {
    return test_support::open_scratch_store(dir);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  sigv4::FixedClock clock_;
  server::authz::Pipeline pipeline_;
  std::span<const server::query::Operation> operations_;
  std::unique_ptr<server::audit::AuditLog> audit_;
  std::unique_ptr<server::query::QueryApi> api_;
  int requests_ = 0;
};

}  // namespace gatehouse::iam_test
