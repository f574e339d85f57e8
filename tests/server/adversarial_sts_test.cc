// Findings of an adversarial review (issue 10's kind) in STS: a low-privilege caller must learn
// nothing from a refusal that a call on a role that does not exist would not also tell it.
#include <catch2/catch.hpp>

#include "tests/server/query_test_world.h"

using namespace gatehouse;
using namespace gatehouse::query_test;

namespace {

// The role `name` in `account`, trusting only Lambda: nobody here may assume it.
void lambda_role(World& w, std::string_view account, std::string_view name) {
  require_ok(w.store().write([&](store::Mutation& m) {
    store::CreateRoleInput input;
    input.account = std::string(account);
    input.name = std::string(name);
    input.assume_role_policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                               R"("Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
    return m.create_role(input);
  }));
}

std::string assume_role(const std::string& role_arn) {
  return form({{"Action", "AssumeRole"}, {"Version", "2011-06-15"}, {"RoleArn", role_arn}, {"RoleSessionName", "s1"}});
}

// The refusal's message with the role's name replaced, to compare the answers for two roles.
std::string message_for(World& w, const Keys& keys, std::string_view account, const std::string& name) {
  const std::string arn = "arn:aws:iam::" + std::string(account) + ":role/" + name;
  const Response r = w.sts(assume_role(arn), keys);
  CHECK(r.status == 403);
  CHECK(r.code() == "AccessDenied");
  std::string message = r.message();
  if (const auto at = message.find(arn); at != std::string::npos) message.replace(at, arn.size(), "ROLE");
  return message;
}

}  // namespace

TEST_CASE("AssumeRole: a caller without permissions cannot tell which of another account's roles exist",
          "[sts][adversarial]") {
  World w;
  lambda_role(w, kB, "deployer");
  // alice has no policy at all: every AssumeRole of hers is refused; the words must not say
  // whether the role is there.
  CHECK(message_for(w, kAlice, kB, "deployer") == message_for(w, kAlice, kB, "ghost"));

  // Nor when an identity policy denies the action on every role: an existing role is refused
  // for the deny, so must a missing one be.
  w.put_user_policy(kA, "alice",
                    R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole",)"
                    R"("Resource":"arn:aws:iam::*:role/*"}]})");
  CHECK(message_for(w, kAlice, kB, "deployer") == message_for(w, kAlice, kB, "ghost"));
  lambda_role(w, kA, "local");
  CHECK(message_for(w, kAlice, kA, "local") == message_for(w, kAlice, kA, "ghost"));
}

// Review 3: an account principal was matched by its account only, not its partition.
TEST_CASE("AssumeRole: a trust policy naming an account of another partition admits no one here",
          "[sts][adversarial]") {
  World w;
  require_ok(w.store().write([&](store::Mutation& m) {
    store::CreateRoleInput input;
    input.account = std::string(kB);
    input.name = "cn-only";
    input.assume_role_policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                               R"("Principal":{"AWS":"arn:aws-cn:iam::111111111111:root"},"Action":"sts:AssumeRole"}]})";
    return m.create_role(input);
  }));
  w.put_user_policy(kA, "alice",
                    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]})");
  // alice is of account 111111111111 in the aws partition, not the aws-cn account of that number.
  const Response r = w.sts(assume_role("arn:aws:iam::222222222222:role/cn-only"), kAlice);
  CHECK(r.status == 403);
}
