// The condition truth table of the policy semantics (3.14, C1-C50) and the
// coercion examples of 3.3, evaluated through compile and decide.
#include <catch2/catch.hpp>

#include "policy_test_support.h"

using namespace gatehouse::policy;
using namespace gatehouse::policy::testing;

namespace {

struct Row {
  const char* id;
  const char* condition;  // the Condition element
  bool holds;
};

// The context of 3.14.
RequestContext truth_table_context() {
  RequestContext c;
  c.set("aws:username", "alice");
  c.set("aws:PrincipalTag/team", "blue");
  c.set("aws:SourceIp", "203.0.113.7");
  c.set("aws:CurrentTime", "2024-05-01T12:00:00Z");
  c.set("aws:EpochTime", "1714564800");
  c.set("aws:SecureTransport", "false");
  c.set_list("aws:TagKeys", {"env", "owner"});
  c.set("aws:PrincipalArn", "arn:aws:iam::111111111111:user/alice");
  return c;
}

bool holds(const std::string& condition, const RequestContext& context) {
  World world;
  world.identity_policy(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":)" +
                        condition + "}}");
  const Caller alice = caller("arn:aws:iam::111111111111:user/alice");
  Request request{"s3:GetObject", "arn:aws:s3:::b/k", {}, &alice, &context};
  return decide(world.policies(), request).decision == Decision::Allowed;
}

}  // namespace

TEST_CASE("condition truth table (3.14)", "[policy][conditions]") {
  const Row rows[] = {
      {"C1", R"({"StringEquals":{"aws:PrincipalTag/team":"blue"}})", true},
      {"C2", R"({"StringEquals":{"AWS:PRINCIPALTAG/TEAM":"blue"}})", true},
      {"C3", R"({"StringEquals":{"aws:PrincipalTag/team":"BLUE"}})", false},
      {"C4", R"({"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}})", true},
      {"C5", R"({"StringEquals":{"aws:PrincipalTag/dept":"x"}})", false},
      {"C6", R"({"StringNotEquals":{"aws:PrincipalTag/dept":"x"}})", true},
      {"C7", R"({"StringNotEquals":{"aws:PrincipalTag/team":["red","green"]}})", true},
      {"C8", R"({"StringNotEquals":{"aws:PrincipalTag/team":["red","blue"]}})", false},
      {"C9", R"({"StringLike":{"aws:username":"al*"}})", true},
      {"C10", R"({"StringLike":{"aws:username":"al?ce"}})", true},
      {"C11", R"({"StringEquals":{"aws:username":"al*"}})", false},
      {"C12", R"({"StringEqualsIfExists":{"aws:PrincipalTag/dept":"x"}})", true},
      {"C13", R"({"StringEqualsIfExists":{"aws:PrincipalTag/team":"red"}})", false},
      {"C14", R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", true},
      {"C15", R"({"IpAddress":{"aws:SourceIp":"203.0.113.7"}})", true},
      {"C16", R"({"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}})", false},
      {"C17", R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", false},
      {"C18", R"({"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})", true},
      {"C19", R"({"DateLessThan":{"aws:CurrentTime":"1714564801"}})", true},
      {"C20", R"({"DateEquals":{"aws:CurrentTime":"2024-05-01T17:30:00+05:30"}})", true},
      {"C21", R"({"NumericLessThanEquals":{"aws:EpochTime":"1714564800"}})", true},
      {"C22", R"({"NumericGreaterThan":{"aws:MultiFactorAuthAge":"0"}})", false},
      {"C23", R"({"Bool":{"aws:SecureTransport":"true"}})", false},
      {"C24", R"({"Bool":{"aws:SecureTransport":false}})", true},
      {"C25", R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}})", true},
      {"C26", R"({"Null":{"aws:TokenIssueTime":"true"}})", true},
      {"C27", R"({"Null":{"aws:username":"true"}})", false},
      {"C28", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env","owner","cost"]}})", true},
      {"C29", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})", false},
      {"C30", R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["cost","env"]}})", true},
      {"C31", R"({"StringEquals":{"aws:TagKeys":"env"}})", false},
      {"C32", R"({"ForAllValues:StringEquals":{"aws:RequestTag/x":"y"}})", true},
      {"C33", R"({"ForAnyValue:StringEquals":{"aws:RequestTag/x":"y"}})", false},
      {"C34", R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}})", true},
      {"C35", R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:*"}})", false},
      {"C36", R"({"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:user/bob"}})", true},
      {"C37", R"({"StringLike":{"aws:PrincipalArn":"arn:aws:*"}})", true},
      {"C38", R"({"StringEquals":{"aws:PrincipalTag/team":"${aws:username}"}})", false},
      {"C39", R"({"StringEquals":{"aws:username":"${aws:username}"}})", true},
      {"C40", R"({"StringEquals":{"aws:username":"${aws:PrincipalTag/dept}"}})", false},
      {"C41", R"({"StringNotEquals":{"aws:username":"${aws:PrincipalTag/dept}"}})", true},
      {"C42", R"({"StringEquals":{"aws:username":"${aws:PrincipalTag/dept, 'alice'}"}})", true},
      {"C43", R"({"StringLike":{"aws:username":"${*}"}})", false},
      {"C44", R"({"NumericEquals":{"aws:EpochTime":"abc"}})", false},
      {"C45", R"({"NumericNotEquals":{"aws:EpochTime":"abc"}})", false},
      {"C46", R"({"StringNotEquals":{"aws:username":[]}})", true},
      {"C47", R"({"StringEquals":{"aws:username":[]}})", false},
      {"C48", R"({"StringEquals":{}})", true},
      {"C49", R"({"ForAllValues:StringNotEquals":{"aws:TagKeys":["env"]}})", false},
      {"C50", R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}})", true},
  };
  const RequestContext context = truth_table_context();
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.id << " " << row.condition) { CHECK(holds(row.condition, context) == row.holds); }
  }
}

TEST_CASE("unparsable values make both positive and negated comparisons false (3.3)", "[policy][conditions]") {
  struct Coercion {
    const char* condition;
    const char* key;
    const char* value;
    bool holds;
  };
  const Coercion rows[] = {
      {R"({"NumericEquals":{"k:k":"abc"}})", "k:k", "5", false},
      {R"({"NumericNotEquals":{"k:k":"abc"}})", "k:k", "5", false},
      {R"({"NumericLessThan":{"k:k":"10"}})", "k:k", "abc", false},
      {R"({"NumericNotEquals":{"k:k":"10"}})", "k:k", "abc", false},
      {R"({"NumericLessThan":{"k:k":"10"}})", "k:k", "5", true},
      {R"({"NumericEquals":{"k:k":"10"}})", "k:k", "+10.0", true},
      {R"({"Bool":{"k:k":"yes"}})", "k:k", "true", false},
      {R"({"DateLessThan":{"aws:CurrentTime":"2030-01-01"}})", "aws:CurrentTime", "garbage", false},
      {R"({"DateNotEquals":{"aws:CurrentTime":"2030-01-01"}})", "aws:CurrentTime", "garbage", false},
      {R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", "aws:SourceIp", "not-an-ip", false},
      {R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", "aws:SourceIp", "2001:db8::1", true},
      {R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::b"}})", "aws:SourceArn", "not-an-arn", false},
      {R"({"BinaryEquals":{"k:k":"aGVsbG8="}})", "k:k", "aGVsbG8=", true},
      {R"({"BinaryEquals":{"k:k":"aGVsbG8="}})", "k:k", "d29ybGQ=", false},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.condition << " with " << row.value) {
      RequestContext context;
      context.set(row.key, row.value);
      CHECK(holds(row.condition, context) == row.holds);
    }
  }
}

TEST_CASE("set operators over the tag-keys table of AWS (3.12)", "[policy][conditions]") {
  struct SetRow {
    const char* condition;
    std::vector<std::string> keys;  // empty: absent
    bool holds;
  };
  const SetRow rows[] = {
      {R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}})", {"key1:legal"}, false},
      {R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}})", {"key1:hr", "key1:personnel"}, false},
      {R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}})", {"key2:audit"}, true},
      {R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}})", {}, true},
      {R"({"ForAnyValue:StringNotLike":{"aws:TagKeys":"key1*"}})", {"key1:hr", "key2:audit"}, true},
      {R"({"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"x"}})", {}, true},
      {R"({"ForAnyValue:StringEquals":{"aws:TagKeys":"x"}})", {""}, false},
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":"x"}})", {""}, true},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.condition << " over " << row.keys.size() << " keys") {
      RequestContext context;
      if (!row.keys.empty()) context.set_list("aws:TagKeys", row.keys);
      CHECK(holds(row.condition, context) == row.holds);
    }
  }
}

TEST_CASE("Null tests presence, empty strings and empty lists (3.10)", "[policy][conditions]") {
  RequestContext context;
  context.set("k:empty", "");
  context.set_list("k:none", std::span<const std::string>{});
  context.set("k:set", "v");
  CHECK(holds(R"({"Null":{"k:empty":"true"}})", context));
  CHECK(holds(R"({"Null":{"k:none":"true"}})", context));
  CHECK(holds(R"({"Null":{"k:absent":"TRUE"}})", context));
  CHECK(holds(R"({"Null":{"k:set":false}})", context));
  CHECK_FALSE(holds(R"({"Null":{"k:set":"true"}})", context));
  CHECK(holds(R"({"Null":{"k:set":["true","false"]}})", context));
  CHECK(holds(R"({"StringEquals":{"k:empty":""}})", context));
}
