// validate_policy: AWS's first error (golden messages of policy-semantics 1.7,
// 1.8, 1.9, 1.10), further errors, and the warnings and suggestions of 1.12.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "policy/action_catalog.h"
#include "policy/validate.h"

using namespace gatehouse::policy;

namespace {

const std::string kOk = R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"})";

std::string policy(const std::string& statements, const std::string& version = "2012-10-17") {
  const std::string v = version.empty() ? "" : R"("Version":")" + version + R"(",)";
  return "{" + v + R"("Statement":[)" + statements + "]}";
}

// kOk with its members replaced or extended: members("\"Effect\":\"denY\"") etc.
std::string ok_with(const std::string& extra) {
  return R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket",)" + extra + "}";
}

std::vector<Finding> errors_of(const std::vector<Finding>& findings) {
  std::vector<Finding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [](const Finding& f) { return f.severity == Finding::Severity::Error; });
  return out;
}

// The first error of validate_policy; parse_and_validate must agree with it.
std::string first_error(const std::string& text, PolicyType type = PolicyType::Identity,
                        const PrincipalExists& exists = {}) {
  const auto findings = errors_of(validate_policy(text, type, exists));
  const auto parsed = parse_and_validate(text, type, exists);
  if (findings.empty()) {
    CHECK(parsed);
    return "";
  }
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message == findings.front().message);
  CHECK(parsed.error().code == findings.front().code);
  return findings.front().message;
}

const Finding* find_code(const std::vector<Finding>& findings, const std::string& code) {
  auto it = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.code == code; });
  return it == findings.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("the worked validation vectors V1-V32 give AWS's first error", "[policy][validate]") {
  struct Row {
    const char* id;
    std::string text;
    std::string message;  // empty: valid
  };
  const Row rows[] = {
      {"V1", "This is not a json document", "Syntax errors in policy."},
      {"V2", policy(kOk, ""), "Policy document must be version 2012-10-17 or greater."},
      {"V3", policy(kOk, "2008-10-17"), "Policy document must be version 2012-10-17 or greater."},
      {"V4", policy(kOk, "2013-10-17"), "Syntax errors in policy."},
      {"V5", R"({"Version":"2012-10-17"})", "Syntax errors in policy."},
      {"V6", policy(""), "Syntax errors in policy."},
      {"V7", policy(R"("afd")"), "Syntax errors in policy."},
      {"V8", policy(ok_with(R"("Extra field":"value")")), "Syntax errors in policy."},
      {"V9", policy(R"({"Effect":"invalid","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"})"),
       "Syntax errors in policy."},
      {"V10", policy(R"({"Effect":"denY","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"})"),
       "The policy failed legacy parsing"},
      {"V11", policy(R"({"Effect":"Allow","Action":"invalid","Resource":"arn:aws:s3:::example_bucket"})"),
       "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
      {"V12", policy(R"({"Effect":"Allow","NotAction":"","Resource":"arn:aws:s3:::example_bucket"})"),
       "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
      {"V13", policy(R"({"Effect":"Allow","Action":"a a:ListBucket","Resource":"arn:aws:s3:::example_bucket"})"),
       "Vendor a a is not valid"},
      {"V14", policy(R"({"Effect":"Allow","Action":"s3:List:Bucket","Resource":"arn:aws:s3:::example_bucket"})"),
       "Actions/Condition can contain only one colon."},
      {"V15", policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource"})"),
       "Resource invalid resource must be in ARN format or \"*\"."},
      {"V16", policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"a:b:c:d:e:f:g:h"})"),
       "Partition \"b\" is not valid for resource \"arn:b:c:d:e:f:g:h\"."},
      {"V17", policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws"})"),
       "Resource vendor must be fully qualified and cannot contain regexes."},
      {"V18", policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::example_bucket"})"),
       "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, "
       "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, "
       "access-report/."},
      {"V19",
       policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:us-east-1::example_bucket"})"),
       "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."},
      {"V20",
       policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket"})"),
       "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."},
      {"V21", policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket"})"),
       "The policy failed legacy parsing"},
      {"V22", policy(ok_with(R"("Sid":"sdf")") + "," + ok_with(R"("Sid":"sdf")")),
       "Statement IDs (SID) in a single policy must be unique."},
      {"V23", policy(R"({"Effect":"Allow","Resource":"arn:aws:s3:::b"})"), "Policy statement must contain actions."},
      {"V24", policy(R"({"Effect":"Allow","Action":"s3:ListBucket"})"), "Policy statement must contain resources."},
      {"V25", policy(R"({"Effect":"Allow","Action":"invalid"})"),
       "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
      {"V26", policy(ok_with(R"("Condition":{"DateGreaterThan":{"a":"sdfdsf"}})")), "The policy failed legacy parsing"},
      {"V27", policy(ok_with(R"("Condition":{"DateGreaterThan":{"a":"sdfdsf"}})"), ""),
       "Policy document must be version 2012-10-17 or greater."},
      {"V28", policy(ok_with(R"("Condition":{"x":{"a":"1"}})")), "Syntax errors in policy."},
      {"V29", policy(ok_with(R"("Condition":{"x":{},"y":{}})")), ""},
      {"V30", policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:kms:*:123456789012:key/*", null]})"),
       ""},
      {"V31", policy(ok_with(R"("Sid":"autogenerated-id")")),
       "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
      {"V32", policy(ok_with(R"("Principal":{"AWS":"*"})")), "Policy document should not specify a principal."},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.id) {
      INFO(row.text);
      CHECK(first_error(row.text) == row.message);
      if (!row.message.empty()) {
        const auto findings = validate_policy(row.text, PolicyType::Identity);
        CHECK(findings.front().code == "MalformedPolicyDocument");
      }
    }
  }
}

TEST_CASE("more of AWS's recorded answers for managed policies", "[policy][validate]") {
  struct Row {
    std::string text;
    std::string message;
  };
  auto resource = [](const std::string& r) {
    return policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":)" + r + "}");
  };
  const Row rows[] = {
      {resource(R"("")"), "Resource  must be in ARN format or \"*\"."},
      {resource(R"("aws:s3:::example_bucket")"),
       "Partition \"s3\" is not valid for resource \"arn:s3:::example_bucket:*\"."},
      {resource(R"("a:b")"), "Partition \"b\" is not valid for resource \"arn:b:*:*:*:*\"."},
      {resource(R"("arn:aws::fdsasf")"), "The policy failed legacy parsing"},
      {resource(R"("arn:aws::::example_bucket")"), "The policy failed legacy parsing"},
      {resource(R"("arn:aws:")"), "The policy failed legacy parsing"},
      {resource(R"("arn:aws:s3:us-east-1:111111111111:accesspoint/ap")"), ""},
      {resource(R"("arn:aws:iam::111111111111:*")"), ""},
      {resource(R"("arn:aws:iam::111111111111:role/app/R")"), ""},
      {resource(R"("arn:*:s3:::b")"), ""},
      {resource(R"(["arn:aws:s33:::x","arn:aws:fdsasf"])"), ""},
      // The reported value is the lexically smallest bad value of the last offending element.
      {resource(R"(["invalid resource","arn:aws"])"), "Resource vendor must be fully qualified and cannot contain regexes."},
      {resource(R"(["zz","arn:aws","aa"])"), "Resource aa must be in ARN format or \"*\"."},
      // Resource over all statements first, then NotResource.
      {policy(R"({"Effect":"Allow","Action":"s3:ListBucket","NotResource":"bad1"},)"
              R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"bad2"})"),
       "Resource bad1 must be in ARN format or \"*\"."},
      {policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"bad1"},)"
              R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"bad2"})"),
       "Resource bad2 must be in ARN format or \"*\"."},
      {policy(R"({"Effect":"allow","Action":"s3:ListBucket","Resource":"*"})"), "The policy failed legacy parsing"},
      {policy(R"({"Effect":"Allow","Action":[],"Resource":"*"})"), "Policy statement must contain actions."},
      {policy(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":[]})"), "Policy statement must contain resources."},
      {policy(R"({"Effect":"Allow","Action":"*","Resource":"*"})"), ""},
      {policy(R"({"Effect":"Allow","Action":":ListBucket","Resource":"*"})"), ""},
      {policy(R"({"Effect":"Allow","Action":"*:ListBucket","Resource":"*"})"), ""},
      {policy(R"({"Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"*"})"), ""},
      {policy(R"({"Effect":"Allow","Action":"s3:GetObject,PutObject","Resource":"*"})"), ""},
      {policy(R"({"Effect":"Allow","Action":"aaaaaadsfdsafsadfsadfaaaaa:ListBucket","Resource":"*"})"), ""},
      {R"({"Version":"2012-10-17","Id":"sdfsdfsdf","Statement":)" + kOk + "}", ""},
      {policy(ok_with(R"("Sid":"")") + "," + ok_with(R"("Sid":"")")), ""},
      {policy(ok_with(R"("Sid":"a b")")),
       "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.text) { CHECK(first_error(row.text) == row.message); }
  }
}

TEST_CASE("Date condition values are checked by legacy parsing", "[policy][validate]") {
  struct Row {
    std::string value;  // as written in JSON
    bool valid;
  };
  const Row rows[] = {
      {R"("2019-07-01T13:20:15Z")", true},
      {R"("2016-12-13T21:20:37.593194+00:00")", true},
      {R"("2016-12-13t2:00:00.593194+23")", true},
      {"1714564800", true},
      {R"(["01T", "-292275054"])", true},
      {R"("sdfdsf")", false},
      {R"("234-13")", false},
      {R"("2016-12-13t2:00:00.593194+1")", false},
      {R"("9223372036854775808")", false},
      {"true", false},
  };
  for (const auto* op : {"DateLessThan", "ForAnyValue:DateEqualsIfExists", "DateNotEqualsIfExists"}) {
    for (const Row& row : rows) {
      DYNAMIC_SECTION(op << " " << row.value) {
        const std::string text =
            policy(ok_with(std::string(R"("Condition":{")") + op + R"(":{"aws:CurrentTime":)" + row.value + "}}"));
        CHECK(first_error(text) == (row.valid ? "" : "The policy failed legacy parsing"));
      }
    }
  }
  // Other operators' values are not dates.
  CHECK(first_error(policy(ok_with(R"("Condition":{"StringEquals":{"a":"sdfdsf"}})"))).empty());
}

TEST_CASE("each step of the validation order comes before the next", "[policy][validate]") {
  struct Row {
    const char* what;
    std::string text;
    std::string message;
  };
  const Row rows[] = {
      {"syntax before version", policy(R"({"Effect":"invalid","Action":"s3:a","Resource":"*"})", ""),
       "Syntax errors in policy."},
      {"version before legacy",
       policy(R"({"Effect":"allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::b"})", ""),
       "Policy document must be version 2012-10-17 or greater."},
      {"legacy before Sid", policy(ok_with(R"("Sid":"a-b","Condition":{"DateLessThan":{"a":"x"}})")),
       "The policy failed legacy parsing"},
      {"Sid before action presence", policy(R"({"Sid":"a-b","Effect":"Allow","Resource":"*"})"),
       "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
      {"action presence before resource format", policy(R"({"Effect":"Allow","Resource":"bad"})"),
       "Policy statement must contain actions."},
      {"resource format before action format", policy(R"({"Effect":"Allow","Action":"bad","Resource":"bad"})"),
       "Resource bad must be in ARN format or \"*\"."},
      {"action format before resource presence", policy(R"({"Effect":"Allow","Action":"s3:a:b"})"),
       "Actions/Condition can contain only one colon."},
      {"resource presence before principal", policy(R"({"Effect":"Allow","Action":"s3:a","Principal":"*"})"),
       "Policy statement must contain resources."},
      {"legacy resource before a later resource format error",
       policy(R"({"Effect":"Allow","Action":"s3:a","Resource":"arn:aws:s3::b"},)"
              R"({"Effect":"Allow","Action":"s3:a","Resource":"bad"})"),
       "The policy failed legacy parsing"},
      // AWS checks an element's legacy form only while no format error has been found.
      {"an earlier resource format error masks legacy parsing",
       policy(R"({"Effect":"Allow","Action":"s3:a","Resource":["arn:aws:s3::b","bad"]})"),
       "Resource bad must be in ARN format or \"*\"."},
      {"a NotResource legacy problem after a Resource format error",
       policy(R"({"Effect":"Allow","Action":"s3:a","NotResource":"arn:aws:s3::b"},)"
              R"({"Effect":"Allow","Action":"s3:a","Resource":"bad"})"),
       "Resource bad must be in ARN format or \"*\"."},
      {"Action before NotAction across statements",
       policy(R"({"Effect":"Allow","NotAction":"a:b:c","Resource":"*"},{"Effect":"Allow","Action":"x","Resource":"*"})"),
       "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.what) { CHECK(first_error(row.text) == row.message); }
  }
}

TEST_CASE("every error is listed, AWS's first one first", "[policy][validate]") {
  const std::string text =
      policy(R"({"Sid":"x-1","Effect":"allow","Action":"bad","Resource":"bad"},)"
             R"({"Sid":"x-1","Effect":"Allow","Action":"s3:a","Resource":"arn:aws:s3:::b","Principal":"*"})");
  const auto findings = validate_policy(text, PolicyType::Identity);
  std::vector<std::string> messages;
  for (const Finding& f : findings) {
    if (f.severity == Finding::Severity::Error) messages.push_back(f.message);
  }
  const std::vector<std::string> expected = {
      "The policy failed legacy parsing",
      "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
      "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
      "Statement IDs (SID) in a single policy must be unique.",
      "Resource bad must be in ARN format or \"*\".",
      "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
      "Policy document should not specify a principal.",
  };
  CHECK(messages == expected);
  // Errors come before any warning.
  const auto first_warning = std::find_if(findings.begin(), findings.end(),
                                          [](const Finding& f) { return f.severity != Finding::Severity::Error; });
  CHECK(std::all_of(first_warning, findings.end(),
                    [](const Finding& f) { return f.severity != Finding::Severity::Error; }));
}

TEST_CASE("a legacy problem hidden by a format error is listed after it", "[policy][validate]") {
  const auto errors = errors_of(validate_policy(
      policy(R"({"Effect":"Allow","Action":"s3:a","Resource":["arn:aws:s3::b","bad"]})"), PolicyType::Identity));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].message == "Resource bad must be in ARN format or \"*\".");
  CHECK(errors[0].path == "Statement[0].Resource[1]");
  CHECK(errors[1].message == "The policy failed legacy parsing");
  CHECK(errors[1].path == "Statement[0].Resource[0]");
}

TEST_CASE("errors carry the JSON path, position and detail of the offending element", "[policy][validate]") {
  const std::string text = "{\"Version\": \"2012-10-17\",\n \"Statement\": [\n  " + kOk +
                           ",\n  {\"Effect\": \"Allow\", \"Action\": \"s3:x\", \"Resource\": [\"*\", \"arn:aws:s3::b\"]}]}";
  const auto findings = validate_policy(text, PolicyType::Identity);
  REQUIRE_FALSE(findings.empty());
  const Finding& f = findings.front();
  CHECK(f.message == "The policy failed legacy parsing");
  CHECK(f.path == "Statement[1].Resource[1]");
  CHECK(f.pos == Position{4, 59});
  CHECK(f.detail == "`arn:aws:s3::b` contains `::` but has fewer than five colons");

  const auto syntax = validate_policy(R"({"Statement":{"Effect":"Allow","Effect":"Deny"}})", PolicyType::Identity);
  REQUIRE(syntax.size() == 1);
  CHECK(syntax[0].path == "Statement.Effect");
  CHECK(syntax[0].detail == "duplicate key `Effect`");
  CHECK(syntax[0].pos == Position{1, 32});

  const auto missing = validate_policy(policy("{\"Effect\":\"Allow\",\"Action\":\"s3:a\"}"), PolicyType::Identity);
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].path == "Statement[0]");
  CHECK(missing[0].pos == Position{1, 38});
}

TEST_CASE("policy types require and forbid their own elements", "[policy][validate]") {
  struct Row {
    const char* what;
    PolicyType type;
    std::string text;
    std::string message;
  };
  const std::string no_version = policy(kOk, "");
  const Row rows[] = {
      {"inline user accepts no Version", PolicyType::InlineUser, no_version, ""},
      {"inline group accepts 2008-10-17", PolicyType::InlineGroup, policy(kOk, "2008-10-17"), ""},
      {"inline role accepts no Version", PolicyType::InlineRole, no_version, ""},
      {"session accepts no Version", PolicyType::Session, no_version, ""},
      {"simulator identity accepts no Version", PolicyType::SimulatorIdentity, no_version, ""},
      {"boundary is a managed policy", PolicyType::Boundary, no_version,
       "Policy document must be version 2012-10-17 or greater."},
      {"inline forbids Principal", PolicyType::InlineUser, policy(ok_with(R"("NotPrincipal":"*")")),
       "Policy document should not specify a principal."},
      {"session forbids Principal", PolicyType::Session, policy(ok_with(R"("Principal":"*")")),
       "Policy document should not specify a principal."},
      {"SCP forbids Principal", PolicyType::Scp, policy(ok_with(R"("Principal":"*")")),
       "Policy document should not specify a principal."},
      {"simulator resource policy needs a principal", PolicyType::SimulatorResource, policy(kOk),
       "Missing required field Principal"},
      {"simulator resource policy may omit Resource", PolicyType::SimulatorResource,
       policy(R"({"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"lambda:InvokeFunction"})"), ""},
      {"simulator resource policy accepts NotPrincipal", PolicyType::SimulatorResource,
       policy(ok_with(R"("NotPrincipal":{"AWS":"111111111111"})")), ""},
      {"RCP needs Principal *", PolicyType::Rcp,
       policy(R"({"Effect":"Deny","Principal":{"AWS":"1"},"Action":"s3:a","Resource":"*"})"),
       "Resource control policies must specify \"Principal\": \"*\"."},
      {"RCP is Deny only", PolicyType::Rcp,
       policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:a","Resource":"*"})"),
       "Resource control policies may only contain Deny statements."},
      {"RCP action is not *", PolicyType::Rcp, policy(R"({"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"})"),
       "Resource control policies cannot use \"*\" as an action."},
      {"RCP valid", PolicyType::Rcp, policy(R"({"Effect":"Deny","Principal":"*","Action":"s3:a","Resource":"*"})"), ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.what) { CHECK(first_error(row.text, row.type) == row.message); }
  }
}

TEST_CASE("trust policies follow their own rules", "[policy][validate]") {
  const std::string lambda_trust =
      R"({"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"})";
  auto trust = [](const std::string& principal, const std::string& action = R"("sts:AssumeRole")") {
    return policy(R"({"Effect":"Allow","Principal":)" + principal + R"(,"Action":)" + action + "}");
  };
  struct Row {
    const char* what;
    std::string text;
    std::string message;
  };
  const Row rows[] = {
      {"valid", policy(lambda_trust), ""},
      {"2008-10-17 is accepted", policy(lambda_trust, "2008-10-17"), ""},
      {"no Version is accepted", policy(lambda_trust, ""), ""},
      {"not JSON", "This is not a json document", "This policy contains invalid Json"},
      {"truncated JSON", R"({"Statement":[)", "This policy contains invalid Json"},
      {"root is not an object", "[]", "This policy contains invalid Json"},
      {"JSON of the wrong shape", policy(""), "Syntax errors in policy."},
      {"Resource is prohibited", policy(R"({"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"})"),
       "Has prohibited field Resource."},
      {"NotResource is prohibited",
       policy(R"({"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","NotResource":"*"})"),
       "Has prohibited field Resource."},
      {"action * is not a trust action", trust(R"("*")", R"("*")"),
       "AssumeRole policy may only specify STS AssumeRole actions."},
      {"sts:* is not a trust action", trust(R"("*")", R"("sts:*")"),
       "AssumeRole policy may only specify STS AssumeRole actions."},
      {"lambda:InvokeFunction is not a trust action", trust(R"("*")", R"(["sts:AssumeRole","lambda:InvokeFunction"])"),
       "AssumeRole policy may only specify STS AssumeRole actions."},
      {"trust actions in any case", trust(R"("*")", R"(["sts:assumerole","STS:TagSession","sts:SetSourceIdentity",)"
                                                     R"("sts:AssumeRoleWithSAML","sts:AssumeRoleWithWebIdentity","sts:SetContext"])"),
       ""},
      {"NotPrincipal", policy(R"({"Effect":"Deny","NotPrincipal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"})"),
       "AssumeRole policy must not contain NotPrincipal field."},
      {"missing Principal", policy(R"({"Effect":"Allow","Action":"sts:AssumeRole"})"), "Missing required field Principal"},
      {"missing Action", policy(R"({"Effect":"Allow","Principal":"*"})"), "Missing required field Action"},
      {"Sid rule", policy(R"({"Sid":"a-b","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"})"),
       "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
      {"Effect case", policy(R"({"Effect":"allow","Principal":"*","Action":"sts:AssumeRole"})"),
       "The policy failed legacy parsing"},
      {"account principals", trust(R"({"AWS":["111111111111","arn:aws:iam::222222222222:root","*"]})"), ""},
      {"session principal", trust(R"({"AWS":"arn:aws:sts::111111111111:assumed-role/R/s1"})"), ""},
      {"malformed principal ARN", trust(R"({"AWS":"arn:aws::iam::111111111111:root"})"),
       "Invalid principal in policy: \"AWS\":\"arn:aws::iam::111111111111:root\""},
      {"wildcard in a user principal", trust(R"({"AWS":"arn:aws:iam::111111111111:user/*"})"),
       "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111111111111:user/*\""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.what) { CHECK(first_error(row.text, PolicyType::Trust) == row.message); }
  }
}

TEST_CASE("trust policies name only users and roles that exist", "[policy][validate]") {
  std::vector<std::string> asked;
  const PrincipalExists exists = [&](std::string_view arn) {
    asked.emplace_back(arn);
    return arn == "arn:aws:iam::111111111111:user/alice";
  };
  const std::string text = policy(
      R"({"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:user/alice","111111111111",)"
      R"("arn:aws:sts::111111111111:assumed-role/R/s1","arn:aws:iam::111111111111:role/my-lambda-execution-role"],)"
      R"("Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"})");
  const auto errors = errors_of(validate_policy(text, PolicyType::Trust, exists));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message ==
        "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111111111111:role/my-lambda-execution-role\"");
  CHECK(errors[0].path == "Statement[0].Principal.AWS[3]");
  CHECK(errors[0].detail == "no such role");
  // Only users and roles are looked up.
  CHECK(asked == std::vector<std::string>{"arn:aws:iam::111111111111:user/alice",
                                          "arn:aws:iam::111111111111:role/my-lambda-execution-role"});
  // Without a callback nothing is looked up and the names are accepted.
  CHECK(first_error(text, PolicyType::Trust).empty());
}

TEST_CASE("Lambda function policies are what AddPermission builds", "[policy][validate]") {
  const std::string statement_ok =
      R"({"Sid":"s3invoke","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction",)"
      R"("Resource":"arn:aws:lambda:us-east-1:111111111111:function:F","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::b"}}})";
  auto lambda = [](const std::string& statements) {
    return R"({"Version":"2012-10-17","Id":"default","Statement":[)" + statements + "]}";
  };
  auto with = [](std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  struct Row {
    const char* what;
    std::string text;
    std::string code;
    std::string message;
  };
  const Row rows[] = {
      {"valid", lambda(statement_ok), "", ""},
      {"alias qualifier", lambda(with(statement_ok, "function:F", "function:F:PROD")), "", ""},
      {"Sid pattern", lambda(with(statement_ok, "s3invoke", "s3 invoke")), "ValidationException",
       "1 validation error detected: Value 's3 invoke' at 'statementId' failed to satisfy constraint: Member must "
       "satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"},
      {"Sid missing", lambda(with(statement_ok, R"("Sid":"s3invoke",)", "")), "ValidationException",
       "1 validation error detected: Value null at 'statementId' failed to satisfy constraint: Member must not be null"},
      {"Sid length", lambda(with(statement_ok, "s3invoke", std::string(101, 'a'))), "ValidationException",
       "1 validation error detected: Value '" + std::string(101, 'a') +
           "' at 'statementId' failed to satisfy constraint: Member must have length less than or equal to 100"},
      {"duplicate Sid", lambda(statement_ok + "," + statement_ok), "ResourceConflictException",
       "The statement id (s3invoke) provided already exists. Please provide a new statement id, or remove the "
       "existing statement."},
      {"Deny", lambda(with(statement_ok, "Allow", "Deny")), "InvalidParameterValueException",
       "Lambda function policies contain only Allow statements: AddPermission cannot express Effect `Deny`."},
      {"action pattern", lambda(with(statement_ok, "lambda:InvokeFunction", "lambda:Invoke_Function")),
       "ValidationException",
       "1 validation error detected: Value 'lambda:Invoke_Function' at 'action' failed to satisfy constraint: Member "
       "must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])"},
      {"one action", lambda(with(statement_ok, R"("lambda:InvokeFunction")", R"(["lambda:InvokeFunction","lambda:GetFunction"])")),
       "InvalidParameterValueException",
       "A function policy statement names exactly one action (AddPermission takes one Action)."},
      {"NotPrincipal", lambda(with(statement_ok, "\"Principal\"", "\"NotPrincipal\"")), "InvalidParameterValueException",
       "AddPermission cannot express NotPrincipal."},
      {"$LATEST", lambda(with(statement_ok, "function:F", "function:F:$LATEST")), "InvalidParameterValueException",
       "We currently do not support adding policies for $LATEST."},
      {"not a function ARN",
       lambda(with(statement_ok, "arn:aws:lambda:us-east-1:111111111111:function:F", "arn:aws:s3:::b")),
       "InvalidParameterValueException", "Resource arn:aws:s3:::b is not a Lambda function, version or alias ARN."},
      {"two functions",
       lambda(statement_ok + "," + with(with(statement_ok, "s3invoke", "other"), "function:F", "function:G")),
       "InvalidParameterValueException",
       "Every statement of one function policy names the same function, version or alias ARN."},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.what) {
      const auto errors = errors_of(validate_policy(row.text, PolicyType::Resource));
      if (row.code.empty()) {
        CHECK(errors.empty());
      } else {
        REQUIRE_FALSE(errors.empty());
        CHECK(errors.front().code == row.code);
        CHECK(errors.front().message == row.message);
      }
    }
  }
  // Lambda's compact serialization of a GetPolicy document is the document itself.
  const std::string compact = lambda(statement_ok);
  auto parsed = parse_and_validate(compact, PolicyType::Resource);
  REQUIRE(parsed);
  CHECK(lambda_policy_size(parsed.value()) == compact.size());
  // Lambda always writes "Version" and "Id":"default".
  auto bare = parse_and_validate(R"({"Statement":[)" + statement_ok + "]}", PolicyType::Resource);
  REQUIRE(bare);
  CHECK(lambda_policy_size(bare.value()) == compact.size());
}

TEST_CASE("size limits: a document at the limit passes, one character more fails", "[policy][validate]") {
  struct Row {
    PolicyType type;
    std::string prefix;
    std::string suffix;
    std::size_t limit;
    std::string code;
    std::string message;
  };
  const std::string identity_prefix =
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::)";
  const std::string identity_suffix = R"("}})";
  const Row rows[] = {
      {PolicyType::Identity, identity_prefix, identity_suffix, 6144, "LimitExceeded",
       "Cannot exceed quota for PolicySize: 6144"},
      {PolicyType::Boundary, identity_prefix, identity_suffix, 6144, "LimitExceeded",
       "Cannot exceed quota for PolicySize: 6144"},
      {PolicyType::InlineUser, identity_prefix, identity_suffix, 2048, "LimitExceeded",
       "Maximum policy size of 2048 bytes exceeded for user <UserName>"},
      {PolicyType::InlineGroup, identity_prefix, identity_suffix, 5120, "LimitExceeded",
       "Maximum policy size of 5120 bytes exceeded for group <GroupName>"},
      {PolicyType::InlineRole, identity_prefix, identity_suffix, 10240, "LimitExceeded",
       "Maximum policy size of 10240 bytes exceeded for role <RoleName>"},
      {PolicyType::Trust,
       R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Sid":"a)",
       R"("}})", 2048, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048"},
      {PolicyType::Resource,
       R"({"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"a","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:F","Condition":{"StringEquals":{"AWS:SourceAccount":")",
       R"("}}}]})", 20480, "PolicyLengthExceededException",
       "The final policy size (20481) is bigger than the limit (20480)."},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(policy_type_name(row.type)) {
      const std::size_t fixed = row.prefix.size() + row.suffix.size();
      const std::string at_limit = row.prefix + std::string(row.limit - fixed, 'a') + row.suffix;
      const std::string over = row.prefix + std::string(row.limit - fixed + 1, 'a') + row.suffix;
      const auto report = validate_report(at_limit, row.type);
      CHECK(errors_of(report.findings).empty());
      REQUIRE(report.size);
      CHECK(*report.size == row.limit);
      CHECK(report.limit == row.limit);
      const auto errors = errors_of(validate_policy(over, row.type));
      REQUIRE(errors.size() == 1);
      CHECK(errors[0].code == row.code);
      CHECK(errors[0].message == row.message);
    }
  }
  SECTION("white space between tokens is not counted") {
    std::string pretty = identity_prefix + std::string(6144 - identity_prefix.size() - identity_suffix.size(), 'a') +
                         identity_suffix;
    pretty.insert(1, "\n    ");
    pretty.insert(pretty.size() - 1, " \r\n\t ");
    CHECK(errors_of(validate_policy(pretty, PolicyType::Identity)).empty());
  }
  SECTION("white space inside strings is counted") {
    const std::string spaced = identity_prefix + std::string(6144 - identity_prefix.size() - identity_suffix.size(), ' ') +
                               identity_suffix;
    CHECK(errors_of(validate_policy(spaced, PolicyType::Identity)).empty());
    const std::string over = identity_prefix + std::string(6145 - identity_prefix.size() - identity_suffix.size(), ' ') +
                             identity_suffix;
    CHECK(first_error(over) == "Cannot exceed quota for PolicySize: 6144");
  }
  SECTION("size errors come after MalformedPolicyDocument errors") {
    const std::string bad = identity_prefix + std::string(7000, 'a') + R"(","NotAction":"x"}})";
    CHECK(first_error(bad) == "Syntax errors in policy.");
    const std::string sid = R"({"Version":"2012-10-17","Statement":{"Sid":"a-b","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::)" +
                            std::string(7000, 'a') + identity_suffix;
    const auto errors = errors_of(validate_policy(sid, PolicyType::Identity));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].code == "MalformedPolicyDocument");
    CHECK(errors[1].code == "LimitExceeded");
  }
  SECTION("inline limits are exposed for the sum over an entity") {
    CHECK(size_limit(PolicyType::InlineUser) == 2048u);
    CHECK(size_limit_message(PolicyType::InlineRole, 10241, "deployer") ==
          "Maximum policy size of 10240 bytes exceeded for role deployer");
  }
}

TEST_CASE("IAM API parameters accept only tab, LF, CR and U+0020-U+00FF", "[policy][validate]") {
  const std::string latin1 = policy(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::caf)"
                                    "\xC3\xA9"
                                    R"("})");
  CHECK(first_error(latin1).empty());

  const std::string cjk = "{\"Version\":\"2012-10-17\",\n\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                          "\"Resource\":\"arn:aws:s3:::\xE4\xB8\xAD\"}}";
  const auto findings = validate_policy(cjk, PolicyType::InlineUser);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "ValidationError");
  CHECK(findings[0].message == "1 validation error detected: Value '" + cjk +
                                   "' at 'policyDocument' failed to satisfy constraint: Member must satisfy regular "
                                   "expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
  CHECK(findings[0].pos == Position{2, 80});
  // A Lambda function policy is not an IAM parameter.
  const auto lambda_errors = errors_of(validate_policy(cjk, PolicyType::Resource));
  CHECK(std::none_of(lambda_errors.begin(), lambda_errors.end(),
                     [](const Finding& f) { return f.code == "ValidationError"; }));

  CHECK(first_error("", PolicyType::Identity) ==
        "1 validation error detected: Value '' at 'policyDocument' failed to satisfy constraint: Member must have "
        "length greater than or equal to 1");

  const std::string huge = policy(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::)" +
                                  std::string(131072, 'a') + "\"}");
  const auto too_long = validate_policy(huge, PolicyType::InlineRole);
  REQUIRE_FALSE(too_long.empty());
  CHECK(too_long[0].code == "ValidationError");
  CHECK(too_long[0].message.ends_with("at 'policyDocument' failed to satisfy constraint: Member must have length less "
                                      "than or equal to 131072"));

  const std::string session = policy(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::)" +
                                     std::string(2048, 'a') + "\"}");
  const auto session_findings = validate_policy(session, PolicyType::Session);
  REQUIRE_FALSE(session_findings.empty());
  CHECK(session_findings[0].code == "ValidationError");
  CHECK(session_findings[0].message.starts_with("1 validation error detected: Value '{"));
  CHECK(session_findings[0].message.ends_with(
      "' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048"));

  const std::string both = cjk + std::string(131072, ' ');
  const auto two = validate_policy(both, PolicyType::Identity);
  REQUIRE_FALSE(two.empty());
  CHECK(two[0].message.starts_with("2 validation errors detected: Value '"));
}

TEST_CASE("each warning and suggestion code, with its path", "[policy][validate]") {
  struct Row {
    const char* code;
    PolicyType type;
    std::string text;
    std::string path;
    std::string detail;  // checked when not empty
  };
  auto allow = [](const std::string& action, const std::string& resource = R"("*")", const std::string& extra = "") {
    return policy(R"({"Effect":"Allow","Action":)" + action + R"(,"Resource":)" + resource + extra + "}");
  };
  auto condition = [&](const std::string& block) {
    return allow(R"("s3:GetObject")", R"("arn:aws:s3:::b/*")", R"(,"Condition":)" + block);
  };
  const Row rows[] = {
      {"W1", PolicyType::Identity, allow(R"("s3:GetObject,PutObject")"), "Statement[0].Action", ""},
      {"W1", PolicyType::Identity, allow(R"(["s3:GetObject","s3:GetBucket  "])"), "Statement[0].Action[1]", ""},
      {"W1", PolicyType::Identity, allow(R"("s3:")"), "Statement[0].Action", ""},
      {"W1", PolicyType::Identity, allow(R"("aaaaaadsfdsafsadfsadfaaaaa:ListBucket")"), "Statement[0].Action", ""},
      {"W1", PolicyType::Identity, allow(R"("cloudwatchlog:PutLogEvents")"), "Statement[0].Action", ""},
      {"W2", PolicyType::Identity, condition(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})"),
       "Statement[0].Condition.ForAllValues:StringEquals.aws:TagKeys", ""},
      {"W3", PolicyType::Identity, condition(R"({"ForAnyValue:StringEquals":{"aws:username":"alice"}})"),
       "Statement[0].Condition.ForAnyValue:StringEquals.aws:username", ""},
      {"W4", PolicyType::Identity, condition(R"({"StringEquals":{"aws:TagKeys":"env"}})"),
       "Statement[0].Condition.StringEquals.aws:TagKeys", ""},
      {"W5", PolicyType::InlineUser,
       policy(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"})", ""),
       "Statement[0].Resource", ""},
      {"W5", PolicyType::InlineUser,
       policy(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:username}"}}})",
              "2008-10-17"),
       "Statement[0].Condition.StringEquals.s3:prefix", ""},
      {"W6", PolicyType::Identity, allow(R"("lambda:GetFunction")", R"("arn:aws:lambda:${aws:RequestedRegion}:111111111111:function:F")"),
       "Statement[0].Resource", ""},
      {"W7", PolicyType::Identity, condition(R"({"ArnLike":{"aws:SourceArn":"arn:aws:*"}})"),
       "Statement[0].Condition.ArnLike.aws:SourceArn", ""},
      {"W8", PolicyType::SimulatorResource,
       policy(R"({"Effect":"Allow","NotPrincipal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"*"})"),
       "Statement[0].NotPrincipal", ""},
      {"W8", PolicyType::SimulatorResource,
       policy(R"({"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"s3:GetObject","Resource":"*"})"),
       "Statement[0].NotPrincipal.AWS", "add \"arn:aws:iam::111111111111:root\""},
      {"W9", PolicyType::Identity, condition(R"({"StringEqualz":{}})"), "Statement[0].Condition.StringEqualz", ""},
      {"W10", PolicyType::Identity, condition(R"({"NumericLessThan":{"s3:max-keys":"ten"}})"),
       "Statement[0].Condition.NumericLessThan.s3:max-keys", ""},
      {"W10", PolicyType::Identity, condition(R"({"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}})"),
       "Statement[0].Condition.IpAddress.aws:SourceIp", ""},
      {"W10", PolicyType::Identity, condition(R"({"Bool":{"aws:SecureTransport":"yes"}})"),
       "Statement[0].Condition.Bool.aws:SecureTransport", ""},
      {"W10", PolicyType::Identity, condition(R"({"BinaryEquals":{"k":"not base64!"}})"),
       "Statement[0].Condition.BinaryEquals.k", ""},
      {"W11", PolicyType::Identity,
       allow(R"("lambda:ListFunctions")", R"("arn:aws:lambda:us-east-1:111111111111:function:F")"),
       "Statement[0].Resource", ""},
      {"W11", PolicyType::Resource,
       R"({"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"lambda:CreateFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:F"}]})",
       "Statement[0].Action", ""},
      {"W12", PolicyType::Identity, allow(R"("lambda:InvokeFuntion")"), "Statement[0].Action",
       "did you mean `lambda:InvokeFunction`?"},
      {"W12", PolicyType::Identity, allow(R"("lambda:Invoke")"), "Statement[0].Action",
       "did you mean `lambda:InvokeFunction`?"},
      {"W12", PolicyType::Identity, allow(R"("lambda:Frobnicate*")"), "Statement[0].Action", ""},
      {"W13", PolicyType::Identity, condition(R"({"IpAddress":{"aws:SourceIps":"10.0.0.0/8"}})"),
       "Statement[0].Condition.IpAddress.aws:SourceIps", "did you mean `aws:SourceIp`?"},
      {"W13", PolicyType::Identity, condition(R"({"StringEquals":{"aws:PrincipalTags/team":"blue"}})"),
       "Statement[0].Condition.StringEquals.aws:PrincipalTags/team", "did you mean `aws:PrincipalTag/`?"},
      {"W14", PolicyType::Identity, allow(R"("lambda:DescribeTags")"), "Statement[0].Action", ""},
      {"W14", PolicyType::Identity, allow(R"(["lambda:GetFunction","lambda:DescribeMountTargets"])"),
       "Statement[0].Action[1]", ""},
      {"S1", PolicyType::Identity, allow(R"("lambda:*")"), "Statement[0].Resource", ""},
      {"S2", PolicyType::Identity, allow(R"("iam:PassRole")"), "Statement[0].Action", ""},
      {"S3", PolicyType::Resource,
       R"({"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"a","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:F"}]})",
       "Statement[0].Principal", ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.code << " " << row.text) {
      const auto findings = validate_policy(row.text, row.type);
      const Finding* f = find_code(findings, row.code);
      REQUIRE(f);
      CHECK(f->path == row.path);
      CHECK(f->pos.line == 1);
      CHECK(f->pos.column > 1);
      CHECK(f->severity == (row.code[0] == 'S' ? Finding::Severity::Suggestion : Finding::Severity::Warning));
      if (!row.detail.empty()) CHECK(f->detail == row.detail);
      // Warnings never make a document invalid (W5's inline policy and every other row are valid).
      CHECK(errors_of(findings).empty());
    }
  }
}

TEST_CASE("correct policies raise no warning", "[policy][validate]") {
  const char* texts[] = {
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction","lambda:get*","LAMBDA:listfunctions"],)"
      R"("Resource":["arn:aws:lambda:us-east-1:111111111111:function:F","arn:aws:lambda:us-east-1:111111111111:function:G"]}]})",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*",)"
      R"("Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]},"Null":{"aws:TagKeys":"false"},)"
      R"("ForAnyValue:StringLike":{"aws:PrincipalServiceNamesList":"*.amazonaws.com"},"Bool":{"aws:SecureTransport":true},)"
      R"("NumericLessThan":{"aws:MultiFactorAuthAge":3600},"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]},)"
      R"("ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/*"},"StringEquals":{"aws:PrincipalTag/team":"blue","AWS:SourceIP":"x"}}}]})",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*",)"
      R"("Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}]})",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"lambda:InvokeAsync","NotResource":"arn:aws:s3:::b"}]})",
  };
  for (const char* text : texts) {
    DYNAMIC_SECTION(text) { CHECK(validate_policy(text, PolicyType::Identity).empty()); }
  }
}

TEST_CASE("warnings come after errors, suggestions last, each in document order", "[policy][validate]") {
  const std::string text = policy(
      R"({"Effect":"Allow","Action":"lambda:*","Resource":"*"},)"
      R"({"Effect":"Allow","Action":["lambda:Invok","s3:a,b"],"Resource":"*"},)"
      R"({"Sid":"a-1","Effect":"Allow","Action":"s3:a","Resource":"arn:aws:s3:::b"})");
  const auto findings = validate_policy(text, PolicyType::Identity);
  std::vector<std::string> codes;
  for (const Finding& f : findings) codes.push_back(f.code);
  CHECK(codes == std::vector<std::string>{"MalformedPolicyDocument", "W12", "W1", "S1"});
}

TEST_CASE("findings of one code are capped", "[policy][validate]") {
  std::string actions;
  for (int i = 0; i < 300; ++i) actions += (i ? "," : "") + std::string("\"lambda:Unknown") + std::to_string(i) + "\"";
  const auto findings = validate_policy(policy(R"({"Effect":"Allow","Action":[)" + actions + R"(],"Resource":"*"})"),
                                        PolicyType::Identity);
  CHECK(std::count_if(findings.begin(), findings.end(), [](const Finding& f) { return f.code == "W12"; }) ==
        static_cast<long>(kMaxFindingsPerCode));
}

TEST_CASE("policy type names round-trip", "[policy][validate]") {
  for (const char* name : {"identity", "inline-user", "inline-group", "inline-role", "boundary", "session", "trust",
                           "resource", "simulator-identity", "simulator-resource", "scp", "rcp"}) {
    const auto type = parse_policy_type(name);
    REQUIRE(type);
    CHECK(policy_type_name(*type) == name);
  }
  CHECK_FALSE(parse_policy_type("managed"));
}

TEST_CASE("the action catalog holds every action of lambda-actions.json once", "[policy][validate]") {
  // policy/data/lambda-actions.json is the spec's file verbatim (the ctest entry spec_copy compares them
  // where the spec folder is at hand); the catalog must list each of its actions.
  std::ifstream in(std::string(GATEHOUSE_SOURCE_DIR) + "/policy/data/lambda-actions.json", std::ios::binary);
  REQUIRE(in);
  const std::string spec((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  std::size_t from = 0;
  std::size_t listed = 0;
  while ((from = spec.find("\"iamAction\": \"", from)) != std::string::npos) {
    from += 14;
    const std::string action = spec.substr(from, spec.find('"', from) - from);
    ++listed;
    INFO(action);
    const auto id = find_action(action);
    REQUIRE(id);
    CHECK(known_actions()[*id].name == action);
  }
  CHECK(listed == 25);

  const auto actions = known_actions();
  for (std::size_t i = 0; i < actions.size(); ++i) {
    CHECK(find_action(actions[i].name) == static_cast<std::uint16_t>(i));
    CHECK(find_action(actions[i].lower) == static_cast<std::uint16_t>(i));
  }
  // Invoke and InvokeAsync share lambda:InvokeFunction: one entry.
  CHECK(std::count_if(actions.begin(), actions.end(),
                      [](const ActionInfo& a) { return a.lower == "lambda:invokefunction"; }) == 1);
}

TEST_CASE("catalog lookups are case-insensitive and carry the action's facts", "[policy][validate]") {
  CHECK(canonical_action_name("LAMBDA:invokefunction") == std::string_view("lambda:InvokeFunction"));
  CHECK(canonical_action_name("iam:passrole") == std::string_view("iam:PassRole"));
  CHECK(canonical_action_name("STS:AssumeRole") == std::string_view("sts:AssumeRole"));
  CHECK_FALSE(find_action("lambda:DescribeTags"));
  CHECK_FALSE(find_action("lambda:*"));
  CHECK_FALSE(find_action(""));

  const ActionInfo& invoke = known_actions()[*find_action("lambda:InvokeFunction")];
  CHECK(invoke.resource_level);
  CHECK(invoke.cross_account);
  CHECK_FALSE(invoke.read_only);
  CHECK(invoke.seed_status == "wrong");
  CHECK(std::find(invoke.condition_keys.begin(), invoke.condition_keys.end(), "lambda:EventSourceToken") !=
        invoke.condition_keys.end());
  const ActionInfo& list = known_actions()[*find_action("lambda:ListFunctions")];
  CHECK_FALSE(list.resource_level);
  CHECK(list.read_only);
  CHECK(list.seed_status == "typo");
  CHECK(known_actions()[*find_action("lambda:CreateAlias")].seed_status == "missing");
  CHECK(known_actions()[*find_action("iam:PassRole")].condition_keys.front() == "iam:PassedToService");
  CHECK(known_actions()[*find_action("sts:GetCallerIdentity")].seed_status.empty());

  const SeedMistake* tags = find_seed_mistake("lambda:describetags");
  REQUIRE(tags);
  CHECK(tags->operation == "Invoke");
  CHECK(tags->correct == "lambda:InvokeFunction");
  const SeedMistake* typo = find_seed_mistake("lambda>ListFunctions");
  REQUIRE(typo);
  CHECK(typo->status == "typo");
  CHECK(seed_mistakes().size() == 8);

  REQUIRE(find_condition_key("AWS:sourceip"));
  CHECK(find_condition_key("AWS:sourceip")->name == "aws:SourceIp");
  REQUIRE(find_condition_key("aws:ResourceTag/Team"));
  CHECK(find_condition_key("aws:ResourceTag/Team")->tag_prefix);
  CHECK_FALSE(find_condition_key("aws:ResourceTag/"));
  CHECK(find_condition_key("aws:TagKeys")->multi_valued);
  CHECK_FALSE(find_condition_key("aws:SourceIps"));

  CHECK(is_known_service_prefix("Lambda"));
  CHECK(is_known_service_prefix("execute-api"));
  CHECK_FALSE(is_known_service_prefix("cloudwatchlog"));
  CHECK_FALSE(is_known_service_prefix(""));
}

TEST_CASE("function policies: 1.7 steps 3-4 and Appendix B hold for them too", "[policy][validate]") {
  const std::string function = "arn:aws:lambda:us-east-1:111111111111:function:F";
  const auto function_policy = [&](const std::string& resource, const std::string& condition) {
    return R"({"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s3-invoke","Effect":"Allow",)"
           R"("Principal":{"AWS":"111111111111"},"Action":"lambda:InvokeFunction","Resource":")" +
           resource + "\"" + (condition.empty() ? "" : ",\"Condition\":" + condition) + "}]}";
  };
  const auto date_condition = [](const std::string& value) {
    return R"({"DateGreaterThan":{"aws:CurrentTime":")" + value + R"("}})";
  };
  // Appendix B: no -hh:mm zone, no month 13, no fractional epoch.
  for (const std::string value : {"2020-01-31T10:00:00-05:00", "2024-13-01T00:00:00Z", "1700000000.5", "sdfdsf"}) {
    INFO(value);
    const auto errors = errors_of(validate_policy(function_policy(function, date_condition(value)), PolicyType::Resource));
    REQUIRE(errors.size() == 1);
    CHECK(errors.front().code == "InvalidParameterValueException");
    CHECK(errors.front().message == "The policy failed legacy parsing");
    CHECK(errors.front().path == "Statement[0].Condition.DateGreaterThan.aws:CurrentTime");
  }
  // Valid dates of the grammar pass.
  for (const std::string value : {"2019-07-01T13:20:15Z", "2016-12-13T21:20:37.593194+00:00", "1714564800"}) {
    INFO(value);
    CHECK(first_error(function_policy(function, date_condition(value)), PolicyType::Resource).empty());
  }
  // Step 4: a partition outside the known ones, with IAM's message and Lambda's code.
  const auto errors = errors_of(
      validate_policy(function_policy("arn:aws-foo:lambda:us-east-1:111111111111:function:F", ""), PolicyType::Resource));
  REQUIRE(errors.size() == 1);
  CHECK(errors.front().code == "InvalidParameterValueException");
  CHECK(errors.front().message ==
        "Partition \"aws-foo\" is not valid for resource \"arn:aws-foo:lambda:us-east-1:111111111111:function:F\".");
  for (const std::string partition : {"aws", "aws-cn", "aws-us-gov"}) {
    INFO(partition);
    CHECK(first_error(function_policy("arn:" + partition + ":lambda:us-east-1:111111111111:function:F", ""),
                      PolicyType::Resource)
              .empty());
  }
  // The same values in the other types the spec names: identity (1.7) and trust (1.8, which
  // skips only the resource rules).
  CHECK(first_error(policy(R"({"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":)" +
                           date_condition("2024-13-01T00:00:00Z") + "}")) == "The policy failed legacy parsing");
  CHECK(first_error(policy(R"({"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":)" +
                           date_condition("1700000000.5") + "}"),
                    PolicyType::Trust) == "The policy failed legacy parsing");
}
