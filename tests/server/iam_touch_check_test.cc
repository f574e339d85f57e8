// The IAM/STS touch check (server/query/touch_check.h): another account's entities may be read
// or written only when the request put their ARN to the pipeline.
#include <catch2/catch.hpp>

#include "server/query/touch_check.h"

using gatehouse::server::query::arn_names;
using gatehouse::server::query::IamTouchCheck;
using gatehouse::store::TouchedKind;

TEST_CASE("touch check: an IAM ARN names its entity by account, type and name", "[server][query][bypass]") {
  CHECK(arn_names("arn:aws:iam::111111111111:role/deployer", TouchedKind::Role, "111111111111", "deployer"));
  CHECK(arn_names("arn:aws:iam::111111111111:role/ci/deployer", TouchedKind::Role, "111111111111", "deployer"));
  CHECK(arn_names("arn:aws:iam::111111111111:user/a/b/carol", TouchedKind::User, "111111111111", "carol"));
  CHECK(arn_names("arn:aws:iam::111111111111:group/ops", TouchedKind::Group, "111111111111", "ops"));
  CHECK_FALSE(arn_names("arn:aws:iam::111111111111:role/deployer", TouchedKind::User, "111111111111", "deployer"));
  CHECK_FALSE(arn_names("arn:aws:iam::222222222222:role/deployer", TouchedKind::Role, "111111111111", "deployer"));
  CHECK_FALSE(arn_names("arn:aws:iam::111111111111:role/deployer2", TouchedKind::Role, "111111111111", "deployer"));
  CHECK_FALSE(arn_names("arn:aws:iam:us-east-1:111111111111:role/deployer", TouchedKind::Role, "111111111111",
                        "deployer"));
  CHECK_FALSE(arn_names("*", TouchedKind::Role, "111111111111", "deployer"));
  CHECK(arn_names("arn:aws:iam::111111111111:policy/p", TouchedKind::Policy, "111111111111",
                  "arn:aws:iam::111111111111:policy/p"));
}

TEST_CASE("touch check: the caller's account and AWS's policies are free, another account needs its ARN",
          "[server][query][bypass]") {
  std::vector<std::string> authorized;
  IamTouchCheck check("222222222222", authorized);
  check.touched(TouchedKind::User, "222222222222", {}, "bob");
  check.touched(TouchedKind::Policy, "aws", {}, "arn:aws:iam::aws:policy/ReadOnlyAccess");
  check.touched(TouchedKind::Function, "111111111111", "us-east-1", "f");  // the Lambda check's
  CHECK_FALSE(check.violation());
  check.touched(TouchedKind::Role, "111111111111", {}, "deployer");
  REQUIRE(check.violation());
  CHECK(*check.violation() == "an IAM entity of account 111111111111 (deployer) that the request was not authorized for");
  // The operation went on to authorize the role (STS AssumeRole): judged at the end, it is covered.
  authorized.push_back("arn:aws:iam::111111111111:role/app/deployer");
  CHECK_FALSE(check.violation());
  check.touched(TouchedKind::User, "111111111111", {}, "alice");
  CHECK(check.violation());
}
