#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policy/context.h"
#include "server/lambda/authorization.h"

namespace lambda = gatehouse::server::lambda;
using lambda::CheckMode;
using lambda::ContextEntry;
using lambda::Operation;

namespace {

const lambda::CallerView kCaller{"111111111111", "arn:aws:iam::111111111111:user/alice", "us-east-1"};
constexpr const char* kFn = "arn:aws:lambda:us-east-1:111111111111:function:f";
constexpr const char* kEsm = "arn:aws:lambda:us-east-1:111111111111:event-source-mapping:u-1";

lambda::Resolution resolve(std::string_view method, std::string_view path, std::string_view query = {},
                           std::string_view body = {}, const lambda::CallerView& caller = kCaller) {
  auto request = lambda::parse_request({method, path, query, {}, body});
  REQUIRE(request);
  auto resolution = lambda::resolve_request(request.value(), caller);
  REQUIRE(resolution);
  return std::move(resolution).value();
}

const ContextEntry* find_entry(const std::vector<ContextEntry>& entries, std::string_view key) {
  for (const ContextEntry& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("authorization: IAM action and request resource of every operation", "[server][lambda]") {
  struct Row {
    const char* method;
    const char* path;
    const char* query;
    const char* body;
    const char* action;
    std::string resource;
  };
  const std::string fn = kFn;
  const Row rows[] = {
      {"POST", "/2015-03-31/functions/f/policy", "", R"({"StatementId":"s","Action":"lambda:InvokeFunction","Principal":"*"})",
       "lambda:AddPermission", fn},
      {"POST", "/2015-03-31/functions/f/policy", "Qualifier=PROD",
       R"({"StatementId":"s","Action":"lambda:InvokeFunction","Principal":"*"})", "lambda:AddPermission", fn + ":PROD"},
      {"POST", "/2015-03-31/functions/f%3A1/policy", "",
       R"({"StatementId":"s","Action":"lambda:InvokeFunction","Principal":"*"})", "lambda:AddPermission", fn + ":1"},
      {"POST", "/2015-03-31/functions/f/aliases", "", R"({"Name":"PROD","FunctionVersion":"1"})",
       "lambda:CreateAlias", fn},
      {"POST", "/2015-03-31/event-source-mappings", "", R"({"FunctionName":"f"})", "lambda:CreateEventSourceMapping",
       "*"},
      {"POST", "/2015-03-31/functions", "",
       R"({"FunctionName":"f","Role":"arn:aws:iam::111111111111:role/r","Code":{}})", "lambda:CreateFunction", fn},
      {"DELETE", "/2015-03-31/functions/f/aliases/PROD", "", "", "lambda:DeleteAlias", fn},
      {"DELETE", "/2015-03-31/event-source-mappings/u-1", "", "", "lambda:DeleteEventSourceMapping", kEsm},
      {"DELETE", "/2015-03-31/functions/f", "", "", "lambda:DeleteFunction", fn},
      {"DELETE", "/2015-03-31/functions/f", "Qualifier=3", "", "lambda:DeleteFunction", fn + ":3"},
      {"GET", "/2016-08-19/account-settings/", "", "", "lambda:GetAccountSettings", "*"},
      {"GET", "/2015-03-31/functions/f/aliases/PROD", "", "", "lambda:GetAlias", fn},
      {"GET", "/2015-03-31/event-source-mappings/u-1", "", "", "lambda:GetEventSourceMapping", kEsm},
      {"GET", "/2015-03-31/functions/f", "", "", "lambda:GetFunction", fn},
      {"GET", "/2015-03-31/functions/f", "Qualifier=PROD", "", "lambda:GetFunction", fn + ":PROD"},
      {"GET", "/2015-03-31/functions/f/configuration", "", "", "lambda:GetFunctionConfiguration", fn},
      {"GET", "/2015-03-31/functions/f/configuration", "Qualifier=%24LATEST", "", "lambda:GetFunctionConfiguration",
       fn + ":$LATEST"},
      {"GET", "/2015-03-31/functions/f/policy", "", "", "lambda:GetPolicy", fn},
      {"GET", "/2015-03-31/functions/f/policy", "Qualifier=7", "", "lambda:GetPolicy", fn + ":7"},
      {"POST", "/2015-03-31/functions/f/invocations", "", "", "lambda:InvokeFunction", fn},
      {"POST", "/2015-03-31/functions/f%3A%24LATEST/invocations", "", "", "lambda:InvokeFunction", fn + ":$LATEST"},
      {"POST", "/2015-03-31/functions/f/invocations", "Qualifier=PROD", "", "lambda:InvokeFunction", fn + ":PROD"},
      {"POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3Af%3A2/invocations",
       "", "", "lambda:InvokeFunction", fn + ":2"},
      {"POST", "/2014-11-13/functions/f/invoke-async/", "", "{}", "lambda:InvokeFunction", fn},
      {"GET", "/2015-03-31/functions/f/aliases", "", "", "lambda:ListAliases", fn},
      {"GET", "/2015-03-31/event-source-mappings", "FunctionName=f", "", "lambda:ListEventSourceMappings", "*"},
      {"GET", "/2015-03-31/functions", "", "", "lambda:ListFunctions", "*"},
      {"GET", "/2015-03-31/functions/f/versions", "", "", "lambda:ListVersionsByFunction", fn},
      {"POST", "/2015-03-31/functions/f/versions", "", "", "lambda:PublishVersion", fn},
      {"DELETE", "/2015-03-31/functions/f/policy/s", "", "", "lambda:RemovePermission", fn},
      {"DELETE", "/2015-03-31/functions/f/policy/s", "Qualifier=PROD", "", "lambda:RemovePermission", fn + ":PROD"},
      {"PUT", "/2015-03-31/functions/f/aliases/PROD", "", R"({"FunctionVersion":"2"})", "lambda:UpdateAlias", fn},
      {"PUT", "/2015-03-31/event-source-mappings/u-1", "", R"({"Enabled":false})", "lambda:UpdateEventSourceMapping",
       kEsm},
      {"PUT", "/2015-03-31/functions/f/code", "", R"({"ZipFile":"UEsFBg=="})", "lambda:UpdateFunctionCode", fn},
      {"PUT", "/2015-03-31/functions/f/configuration", "", R"({"Timeout":30})", "lambda:UpdateFunctionConfiguration",
       fn},
      // Operations authorized on the unqualified function even when named with a qualifier.
      {"GET", "/2015-03-31/functions/f%3A1/versions", "", "", "lambda:ListVersionsByFunction", fn},
      {"PUT", "/2015-03-31/functions/f%3A1/code", "", "{}", "lambda:UpdateFunctionCode", fn},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.method << " " << row.path << "?" << row.query) {
      const lambda::Resolution r = resolve(row.method, row.path, row.query, row.body);
      CHECK(r.authorization.action == row.action);
      CHECK(r.authorization.resource == row.resource);
      CHECK(r.authorization.resource_account == "111111111111");
      CHECK_FALSE(r.authorization.cross_account);
    }
  }
}

TEST_CASE("authorization: the seed's wrong mappings are not used", "[server][lambda]") {
  // seed-notes 8: the seed prints EFS actions for these operations.
  const lambda::Resolution config = resolve("GET", "/2015-03-31/functions/f/configuration");
  CHECK(config.authorization.action != "lambda:DescribeMountTargetSecurityGroups");
  CHECK(resolve("GET", "/2015-03-31/functions/f/policy").authorization.action != "lambda:DescribeMountTargets");
  CHECK(resolve("POST", "/2015-03-31/functions/f/invocations").authorization.action != "lambda:DescribeTags");
  CHECK(resolve("POST", "/2014-11-13/functions/f/invoke-async", {}, "{}").authorization.action !=
        "lambda:ModifyMountTargetSecurityGroups");
}

TEST_CASE("authorization: cross-account capability follows lambda-actions.json", "[server][lambda]") {
  const lambda::Resolution invoke =
      resolve("POST", "/2015-03-31/functions/222222222222%3Afunction%3Af%3APROD/invocations");
  CHECK(invoke.authorization.cross_account);
  CHECK(invoke.authorization.cross_account_capable);
  CHECK(invoke.authorization.resource_account == "222222222222");
  CHECK(invoke.authorization.resource == "arn:aws:lambda:us-east-1:222222222222:function:f:PROD");
  const lambda::Resolution list = resolve("GET", "/2015-03-31/functions");
  CHECK_FALSE(list.authorization.cross_account_capable);
  CHECK(list.authorization.resource_account == "111111111111");
}

TEST_CASE("authorization: condition keys each request carries", "[server][lambda]") {
  SECTION("AddPermission: lambda:Principal as sent, lambda:FunctionUrlAuthType when given") {
    const auto r = resolve("POST", "/2015-03-31/functions/f/policy", "",
                           R"({"StatementId":"s","Action":"lambda:InvokeFunctionUrl","Principal":"111111111111",)"
                           R"("FunctionUrlAuthType":"AWS_IAM"})");
    CHECK(r.authorization.context ==
          std::vector<ContextEntry>{{"lambda:Principal", {"111111111111"}, false},
                                    {"lambda:FunctionUrlAuthType", {"AWS_IAM"}, false}});
    CHECK(r.authorization.needs_resource_tags);
  }
  SECTION("RemovePermission takes the principal from the stored statement") {
    const auto r = resolve("DELETE", "/2015-03-31/functions/f/policy/s");
    CHECK(r.authorization.context.empty());
    CHECK(r.authorization.needs_statement_principal);
  }
  SECTION("CreateFunction: layers, VPC, code signing, tags, PassRole, TagResource, GetLayerVersion") {
    const auto r = resolve(
        "POST", "/2015-03-31/functions", "",
        R"({"FunctionName":"f","Role":"arn:aws:iam::111111111111:role/app/r","Code":{"ZipFile":"UEsFBg=="},)"
        R"("Layers":["arn:aws:lambda:us-east-1:222222222222:layer:l:3"],)"
        R"("VpcConfig":{"SubnetIds":["subnet-1","subnet-2"],"SecurityGroupIds":["sg-1"]},)"
        R"("CodeSigningConfigArn":"arn:aws:lambda:us-east-1:111111111111:code-signing-config:csc-0123456789abcdefg",)"
        R"("Tags":{"team":"a","env":"prod"}})");
    const auto& context = r.authorization.context;
    CHECK(*find_entry(context, "lambda:Layer") ==
          ContextEntry{"lambda:Layer", {"arn:aws:lambda:us-east-1:222222222222:layer:l:3"}, true});
    CHECK(*find_entry(context, "lambda:SubnetIds") == ContextEntry{"lambda:SubnetIds", {"subnet-1", "subnet-2"}, true});
    CHECK(*find_entry(context, "lambda:SecurityGroupIds") == ContextEntry{"lambda:SecurityGroupIds", {"sg-1"}, true});
    CHECK_FALSE(find_entry(context, "lambda:VpcIds"));
    CHECK(find_entry(context, "lambda:CodeSigningConfigArn")->values ==
          std::vector<std::string>{"arn:aws:lambda:us-east-1:111111111111:code-signing-config:csc-0123456789abcdefg"});
    CHECK(*find_entry(context, "aws:RequestTag/team") == ContextEntry{"aws:RequestTag/team", {"a"}, false});
    CHECK(*find_entry(context, "aws:ResourceTag/env") == ContextEntry{"aws:ResourceTag/env", {"prod"}, false});
    CHECK(*find_entry(context, "aws:TagKeys") == ContextEntry{"aws:TagKeys", {"team", "env"}, true});
    CHECK_FALSE(r.authorization.needs_resource_tags);

    const auto& extra = r.authorization.extra;
    REQUIRE(extra.size() == 3);
    CHECK(extra[0].action == "iam:PassRole");
    CHECK(extra[0].resource == "arn:aws:iam::111111111111:role/app/r");
    CHECK(extra[0].context == std::vector<ContextEntry>{{"iam:PassedToService", {"lambda.amazonaws.com"}, false},
                                                        {"iam:AssociatedResourceArn", {kFn}, false}});
    CHECK_FALSE(extra[0].resource_tags);
    CHECK_FALSE(extra[0].refusal);
    CHECK(extra[1].action == "lambda:GetLayerVersion");
    CHECK(extra[1].resource == "arn:aws:lambda:us-east-1:222222222222:layer:l:3");
    CHECK(extra[2].action == "lambda:TagResource");
    CHECK(extra[2].resource == kFn);
    CHECK(find_entry(extra[2].context, "aws:TagKeys"));
    CHECK_FALSE(find_entry(extra[2].context, "aws:ResourceTag/env"));
  }
  SECTION("a role of another account is refused after the primary check") {
    const auto r = resolve("PUT", "/2015-03-31/functions/f/configuration", "",
                           R"({"Role":"arn:aws:iam::222222222222:role/r"})");
    REQUIRE(r.authorization.extra.size() == 1);
    REQUIRE(r.authorization.extra[0].refusal);
    CHECK(*r.authorization.extra[0].refusal ==
          lambda::LambdaError{"AccessDeniedException", 403, "Cross-account pass role is not allowed."});
  }
  SECTION("UpdateFunctionConfiguration without Role needs no PassRole") {
    const auto r = resolve("PUT", "/2015-03-31/functions/f/configuration", "", R"({"MemorySize":256})");
    CHECK(r.authorization.extra.empty());
    CHECK(r.authorization.context.empty());
  }
  SECTION("event-source mappings: lambda:FunctionArn resolved, qualified when given") {
    const auto create = resolve("POST", "/2015-03-31/event-source-mappings", "",
                                R"({"FunctionName":"f:PROD","EventSourceArn":"arn:aws:sqs:us-east-1:111111111111:q",)"
                                R"("Tags":{"k":"v"}})");
    CHECK(*find_entry(create.authorization.context, "lambda:FunctionArn") ==
          ContextEntry{"lambda:FunctionArn", {std::string(kFn) + ":PROD"}, false});
    CHECK(*find_entry(create.authorization.context, "aws:TagKeys") == ContextEntry{"aws:TagKeys", {"k"}, true});
    CHECK_FALSE(create.authorization.needs_mapping_function_arn);
    const auto get = resolve("GET", "/2015-03-31/event-source-mappings/u-1");
    CHECK(get.authorization.needs_mapping_function_arn);
    // Update acts on the mapping's current function (read from the store); a new target is a
    // second check of the same action with lambda:FunctionArn = the new function.
    const auto update = resolve("PUT", "/2015-03-31/event-source-mappings/u-1", "", R"({"FunctionName":"g"})");
    CHECK(update.authorization.needs_mapping_function_arn);
    CHECK(find_entry(update.authorization.context, "lambda:FunctionArn") == nullptr);
    REQUIRE(update.authorization.extra.size() == 1);
    CHECK(update.authorization.extra[0].action == "lambda:UpdateEventSourceMapping");
    CHECK(update.authorization.extra[0].resource == update.authorization.resource);
    CHECK(update.authorization.extra[0].context ==
          std::vector<ContextEntry>{{"lambda:FunctionArn", {"arn:aws:lambda:us-east-1:111111111111:function:g"}, false}});
    CHECK(update.mapping->arn() == "arn:aws:lambda:us-east-1:111111111111:event-source-mapping:u-1");
    CHECK_FALSE(update.authorization.function_is_resource);
  }
  SECTION("InvokeAsync also honours an explicit deny of lambda:InvokeAsync") {
    const auto r = resolve("POST", "/2014-11-13/functions/f/invoke-async", "", "{}");
    REQUIRE(r.authorization.extra.size() == 1);
    CHECK(r.authorization.extra[0].action == "lambda:InvokeAsync");
    CHECK(r.authorization.extra[0].mode == CheckMode::DenyOnly);
    CHECK(r.authorization.extra[0].resource == kFn);
  }
  SECTION("GetFunction asks lambda:ListTags softly") {
    const auto r = resolve("GET", "/2015-03-31/functions/f", "Qualifier=1");
    REQUIRE(r.authorization.extra.size() == 1);
    CHECK(r.authorization.extra[0].action == "lambda:ListTags");
    CHECK(r.authorization.extra[0].mode == CheckMode::Soft);
    CHECK(r.authorization.extra[0].resource == kFn);
  }
  SECTION("Invoke carries no lambda:EventSourceToken on a direct call") {
    const auto r = resolve("POST", "/2015-03-31/functions/f/invocations");
    CHECK(r.authorization.context.empty());
    CHECK(r.authorization.extra.empty());
  }
}

TEST_CASE("authorization: entries go into a policy::RequestContext as single or list keys", "[server][lambda]") {
  gatehouse::policy::RequestContext context;
  const std::vector<ContextEntry> entries = {{"lambda:Principal", {"*"}, false},
                                             {"lambda:Layer", {"a", "b"}, true},
                                             {"aws:TagKeys", {}, true}};
  lambda::add_to_context(entries, context);
  const auto principal = context.find("lambda:principal");
  REQUIRE(principal);
  CHECK_FALSE(principal.multi);
  CHECK(principal.values.size() == 1);
  const auto layers = context.find("lambda:Layer");
  REQUIRE(layers);
  CHECK(layers.multi);
  CHECK(layers.values.size() == 2);
  const auto keys = context.find("aws:TagKeys");
  REQUIRE(keys);  // present with an empty list, not absent
  CHECK(keys.values.empty());
}

TEST_CASE("authorization: resolution errors surface before any fact", "[server][lambda]") {
  auto request = lambda::parse_request(
      {"GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A111111111111%3Afunction%3Af", {}, {}, {}});
  REQUIRE(request);
  auto resolution = lambda::resolve_request(request.value(), kCaller);
  REQUIRE_FALSE(resolution);
  CHECK(resolution.error().type == "ResourceNotFoundException");
  CHECK(resolution.error().message == "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
}
