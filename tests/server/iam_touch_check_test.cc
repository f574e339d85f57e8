// The IAM/STS touch check (server/query/touch_check.h): an entity may be read or written when the
// request put its ARN to the pipeline, or when the operation declares it for this request
// (server/iam/resources.h) in the caller's account; anything else fails, same account or not.
#include <catch2/catch.hpp>

#include "server/query/touch_check.h"

using gatehouse::server::query::arn_names;
using gatehouse::server::query::EntityKey;
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

TEST_CASE("touch check: another account needs its ARN authorized, declared resources count in the caller's only",
          "[server][query][bypass]") {
  std::vector<std::string> authorized;
  std::vector<EntityKey> declared{{TouchedKind::Policy, "aws", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
                                  {TouchedKind::User, "111111111111", "alice"}};
  IamTouchCheck check("222222222222", authorized, declared);
  check.touched(TouchedKind::Policy, "aws", {}, "arn:aws:iam::aws:policy/ReadOnlyAccess");
  check.touched(TouchedKind::Function, "111111111111", "us-east-1", "f");  // the Lambda check's
  CHECK_FALSE(check.violation());
  check.touched(TouchedKind::Role, "111111111111", {}, "deployer");
  REQUIRE(check.violation());
  CHECK(*check.violation() ==
        "role deployer of account 111111111111, which the request was neither authorized for nor declares");
  // The operation went on to authorize the role (STS AssumeRole): judged at the end, it is covered.
  authorized.push_back("arn:aws:iam::111111111111:role/app/deployer");
  CHECK_FALSE(check.violation());
  // Declared, but in another account than the caller's: never accepted.
  check.touched(TouchedKind::User, "111111111111", {}, "alice");
  CHECK(check.violation());
}

TEST_CASE("touch check: a same-account entity neither authorized nor declared fails", "[server][query][bypass]") {
  // AddUserToGroup devs/carol: authorized on the group, declares carol.
  const std::vector<std::string> authorized{"arn:aws:iam::111111111111:group/devs"};
  const std::vector<EntityKey> declared{{TouchedKind::Group, "111111111111", "devs"},
                                        {TouchedKind::User, "111111111111", "carol"}};
  IamTouchCheck check("111111111111", authorized, declared);
  check.touched(TouchedKind::Group, "111111111111", {}, "DEVS");  // names compare without case
  check.touched(TouchedKind::User, "111111111111", {}, "Carol");
  CHECK_FALSE(check.violation());
  check.touched(TouchedKind::User, "111111111111", {}, "admin");
  REQUIRE(check.violation());
  CHECK(*check.violation() ==
        "user admin of account 111111111111, which the request was neither authorized for nor declares");
}

TEST_CASE("touch check: a declared wildcard covers its kind in its account only", "[server][query][bypass]") {
  const std::vector<std::string> authorized{"*"};
  const std::vector<EntityKey> declared{{TouchedKind::User, "111111111111", {}, true},
                                        {TouchedKind::Policy, "aws", {}, true},
                                        // A name from the request is a name, never a pattern.
                                        {TouchedKind::Role, "111111111111", "*", false}};
  IamTouchCheck check("111111111111", authorized, declared);
  check.touched(TouchedKind::User, "111111111111", {}, "alice");
  check.touched(TouchedKind::Policy, "aws", {}, "arn:aws:iam::aws:policy/ReadOnlyAccess");
  CHECK_FALSE(check.violation());
  check.touched(TouchedKind::Role, "111111111111", {}, "deployer");
  REQUIRE(check.violation());
  CHECK(*check.violation() ==
        "role deployer of account 111111111111, which the request was neither authorized for nor declares");
}
