// Asserts what the example world allows and denies, against a real gatehouse started once for
// the whole run and reset before each test case.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "gatehouse/testing.h"  // after Catch2: defines CatchResetListener

using gatehouse::testing::CatchResetListener;
CATCH_REGISTER_LISTENER(CatchResetListener)

namespace {

const std::string kAccount = "111111111111";
const std::string kDev = "arn:aws:iam::" + kAccount + ":user/dev";
const std::string kOps = "arn:aws:iam::" + kAccount + ":user/ops";
const std::string kApp = "arn:aws:iam::" + kAccount + ":role/app";
const std::string kRoot = "arn:aws:iam::" + kAccount + ":root";

// One server for the whole run (started on first use; GATEHOUSE_BIN names the binary).
gatehouse::testing::Server& server() {
  static gatehouse::testing::Server instance(WORLD_FILE);
  return instance;
}

}  // namespace

TEST_CASE("dev reads functions but not payroll") {
  auto dev = server().credentials(kDev);
  auto hello = server().call(dev, "GET", "/2015-03-31/functions/hello", "lambda");
  CHECK(hello.status == 200);
  auto payroll = server().call(dev, "GET", "/2015-03-31/functions/payroll", "lambda");
  CHECK(payroll.status == 403);
  CHECK(payroll.header("x-amzn-ErrorType") == "AccessDeniedException");
  CHECK(payroll.body.find("with an explicit deny in an identity-based policy") != std::string::npos);

  auto why = server().explain(kDev, "lambda:GetFunction",
                              "arn:aws:lambda:us-east-1:" + kAccount + ":function:payroll");
  CHECK(why.decision == "explicitDeny");
  REQUIRE(why.matched_sids.size() == 1);
  CHECK(why.matched_sids[0] == "NoPayroll");
}

TEST_CASE("the app role may invoke hello and nothing else") {
  auto app = server().credentials(kApp);
  CHECK_FALSE(app.session_token.empty());
  CHECK(server().call(app, "GET", "/2015-03-31/functions/hello", "lambda").status == 200);
  CHECK(server().call(app, "GET", "/2015-03-31/functions/payroll", "lambda").status == 403);
  CHECK(server().explain(kApp, "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:" + kAccount + ":function:hello")
            .allowed());
  CHECK_FALSE(server().explain(kApp, "lambda:DeleteFunction", "*").allowed());
}

TEST_CASE("a user created by one test case") {
  auto root = server().credentials(kRoot);
  auto created = server().call(root, "POST", "/", "iam", "Action=CreateUser&UserName=scratch&Version=2010-05-08",
                               {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(created.status == 200);
  CHECK(server().call(root, "POST", "/", "iam", "Action=GetUser&UserName=scratch&Version=2010-05-08",
                      {{"Content-Type", "application/x-www-form-urlencoded"}})
            .status == 200);
}

TEST_CASE("is gone in the next: the listener reset the world") {
  auto root = server().credentials(kRoot);
  auto got = server().call(root, "POST", "/", "iam", "Action=GetUser&UserName=scratch&Version=2010-05-08",
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(got.status == 404);
  CHECK(got.body.find("NoSuchEntity") != std::string::npos);
}

TEST_CASE("ops may list functions until 2027") {
  auto ops = server().credentials(kOps);
  server().set_clock("2026-12-31T23:59:00Z");
  CHECK(server().call(ops, "GET", "/2015-03-31/functions/", "lambda").status == 200);
  server().advance_clock(std::chrono::minutes(2));
  CHECK(server().now() == "2027-01-01T00:01:00Z");
  CHECK(server().call(ops, "GET", "/2015-03-31/functions/", "lambda").status == 403);
}

TEST_CASE("a role session expires with the server's clock") {
  auto app = server().credentials(kApp);
  CHECK(server().call(app, "GET", "/2015-03-31/functions/hello", "lambda").status == 200);
  server().advance_clock(std::chrono::hours(2));
  auto expired = server().call(app, "GET", "/2015-03-31/functions/hello", "lambda");
  CHECK(expired.status == 403);
}
