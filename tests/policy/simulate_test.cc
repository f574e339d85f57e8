// The simulator's own helpers: which kind of resource policy a request reads, and the compact
// text of a statement that --explain shows.
#include <catch2/catch.hpp>

#include "policy/simulate.h"

using namespace gatehouse::policy;

TEST_CASE("resource_policy_kind_for: trust for sts: on roles, function for lambda: on Lambda ARNs", "[policy][simulate]") {
  CHECK(resource_policy_kind_for("sts:AssumeRole", "arn:aws:iam::111111111111:role/app/R") == ResourcePolicyKind::Trust);
  CHECK(resource_policy_kind_for("STS:TagSession", "arn:aws:iam::111111111111:role/R") == ResourcePolicyKind::Trust);
  CHECK(resource_policy_kind_for("sts:AssumeRole", "arn:aws:iam::111111111111:user/alice") == ResourcePolicyKind::Generic);
  CHECK(resource_policy_kind_for("sts:AssumeRole", "*") == ResourcePolicyKind::Generic);
  CHECK(resource_policy_kind_for("iam:PassRole", "arn:aws:iam::111111111111:role/R") == ResourcePolicyKind::Generic);
  CHECK(resource_policy_kind_for("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111111111111:function:F:PROD") ==
        ResourcePolicyKind::Function);
  CHECK(resource_policy_kind_for("s3:GetObject", "arn:aws:s3:::b/k") == ResourcePolicyKind::Generic);

  SimulationInput in;
  in.action_names = {"sts:AssumeRole", "sts:TagSession"};
  in.resource_arns = {"arn:aws:iam::111111111111:role/R"};
  CHECK(resource_policy_kind_of(in) == ResourcePolicyKind::Trust);
  in.action_names.push_back("lambda:InvokeFunction");
  CHECK(resource_policy_kind_of(in) == ResourcePolicyKind::Generic);  // a mix
  in.resource_arns.clear();
  CHECK(resource_policy_kind_of(in) == ResourcePolicyKind::Generic);  // "*"
  for (auto kind : {ResourcePolicyKind::Trust, ResourcePolicyKind::Function, ResourcePolicyKind::Generic}) {
    CHECK(parse_resource_policy_kind(resource_policy_kind_name(kind)) == kind);
  }
  CHECK_FALSE(parse_resource_policy_kind("Trust"));
}

TEST_CASE("statement_text: the statement between its positions, white space outside strings removed", "[policy][simulate]") {
  const std::string text =
      "{\r\n  \"Version\": \"2012-10-17\",\n  \"Id\": \"éé\", \"Statement\": [ {\"Sid\": \"S1\", \"Effect\": \"Allow\",\n"
      "     \"Action\": \"s3:Get*\", \"Resource\": \"arn:aws:s3:::é b/\\\"q\\\" {x}\"}\n  ]\n}";
  SimulationInput in;
  in.policy_input_list = {text};
  in.action_names = {"s3:GetObject"};
  in.resource_arns = {"arn:aws:s3:::é b/\"q\" {x}"};
  const auto results = simulate_custom_policy(in);
  REQUIRE(results);
  REQUIRE(results.value().front().matched_statements.size() == 1);
  const MatchedStatement& m = results.value().front().matched_statements.front();
  CHECK(m.sid == "S1");
  CHECK(m.statement_index == 0);
  CHECK(m.start_position == Position{3, 31});  // columns count code points: "éé" is two
  CHECK(statement_text(text, m.start_position, m.end_position) ==
        "{\"Sid\":\"S1\",\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::é b/\\\"q\\\" {x}\"}");
  // Positions outside the text give nothing.
  CHECK(statement_text(text, Position{40, 1}, Position{41, 1}).empty());
  CHECK(statement_text(text, Position{1, 1}, Position{1, 1}).empty());
}
