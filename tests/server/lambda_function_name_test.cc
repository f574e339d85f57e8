#include <catch2/catch.hpp>

#include <string>

#include "server/lambda/function_name.h"

namespace lambda = gatehouse::server::lambda;
using lambda::Operation;

namespace {

const lambda::CallerView kCaller{"111111111111", "arn:aws:iam::111111111111:user/alice", "us-east-1"};

}  // namespace

TEST_CASE("function name: every accepted form parses into its pieces", "[server][lambda]") {
  struct Row {
    const char* text;
    const char* region;  // "" = absent
    const char* account;
    const char* name;
    const char* qualifier;
    bool arn;
  };
  const Row rows[] = {
      {"my-function", "", "", "my-function", "", false},
      {"my_function.v2", "", "", "my_function.v2", "", false},
      {"my-function:PROD", "", "", "my-function", "PROD", false},
      {"my-function:3", "", "", "my-function", "3", false},
      {"my-function:$LATEST", "", "", "my-function", "$LATEST", false},
      {"my-function:$LATEST.PUBLISHED", "", "", "my-function", "$LATEST.PUBLISHED", false},
      {"function:my-function", "", "", "my-function", "", false},
      {"function:my-function:7", "", "", "my-function", "7", false},
      {"111111111111:function:my-function", "", "111111111111", "my-function", "", false},
      {"111111111111:function:my-function:PROD", "", "111111111111", "my-function", "PROD", false},
      {"arn:aws:lambda:us-east-1:111111111111:function:my-function", "us-east-1", "111111111111", "my-function", "",
       true},
      {"arn:aws:lambda:us-east-1:111111111111:function:my-function:$LATEST", "us-east-1", "111111111111",
       "my-function", "$LATEST", true},
      {"arn:aws-cn:lambda:cn-north-1:111111111111:function:f:2", "cn-north-1", "111111111111", "f", "2", true},
      {"arn:aws-us-gov:lambda:us-gov-west-1:111111111111:function:f", "us-gov-west-1", "111111111111", "f", "",
       true},
      {"arn:aws:lambda:us-isob-east-1:111111111111:function:f", "us-isob-east-1", "111111111111", "f", "", true},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.text) {
      auto parts = lambda::parse_function_name(row.text);
      REQUIRE(parts);
      CHECK(parts->region.value_or("") == row.region);
      CHECK(parts->account.value_or("") == row.account);
      CHECK(parts->name == row.name);
      CHECK(parts->qualifier.value_or("") == row.qualifier);
      CHECK(parts->arn == row.arn);
    }
  }
}

TEST_CASE("function name: pattern failures (lambda-api 3.2 rule 1)", "[server][lambda]") {
  const char* rejected[] = {
      "",
      "my-function:$LATES",                                      // misspelled $LATEST
      "my-function:$latest",                                     // $LATEST is case-sensitive
      "f:1:2",                                                   // two qualifiers
      "arn:aws:lambda:111111111111:function:f",                  // ARN without region
      "arn:aws:lambda:us-east-1:function:f",                     // ARN without account
      "arn:aws:s3:::bucket",                                     // not Lambda
      "arn:aws:lambda:us-east-1:111111111111:layer:l:1",         // not a function
      "arn:aws:lambda:US-EAST-1:111111111111:function:f",        // region pattern
      "arn:aws:lambda:us-east-1:11111111111:function:f",         // 11-digit account
      "my function",
      "f/g",
      "f:",
      ":f",
      "arn:aws:lambda:us-east-1:111111111111:function:f:1:2",
  };
  for (const char* text : rejected) {
    DYNAMIC_SECTION(text) { CHECK_FALSE(lambda::parse_function_name(text)); }
  }
}

TEST_CASE("function name: resolution rules 2-4 in order with AWS's messages", "[server][lambda]") {
  struct Row {
    const char* text;
    const char* query_qualifier;  // nullptr = absent
    Operation operation;
    const char* error_type;  // nullptr = resolves
    int status;
    const char* result;  // message, or the resolved ARN
  };
  const Row rows[] = {
      {"f", nullptr, Operation::GetFunction, nullptr, 0, "arn:aws:lambda:us-east-1:111111111111:function:f"},
      {"f:PROD", nullptr, Operation::GetFunction, nullptr, 0, "arn:aws:lambda:us-east-1:111111111111:function:f:PROD"},
      {"f", "7", Operation::GetFunction, nullptr, 0, "arn:aws:lambda:us-east-1:111111111111:function:f:7"},
      {"f:7", "7", Operation::Invoke, nullptr, 0, "arn:aws:lambda:us-east-1:111111111111:function:f:7"},
      {"f", "$LATEST", Operation::Invoke, nullptr, 0, "arn:aws:lambda:us-east-1:111111111111:function:f:$LATEST"},
      {"f", "$latest", Operation::Invoke, nullptr, 0, "arn:aws:lambda:us-east-1:111111111111:function:f:$latest"},
      {"111111111111:function:f", nullptr, Operation::DeleteFunction, nullptr, 0,
       "arn:aws:lambda:us-east-1:111111111111:function:f"},
      {"arn:aws:lambda:us-east-1:222222222222:function:f", nullptr, Operation::Invoke, nullptr, 0,
       "arn:aws:lambda:us-east-1:222222222222:function:f"},
      {"222222222222:function:f:PROD", nullptr, Operation::GetPolicy, nullptr, 0,
       "arn:aws:lambda:us-east-1:222222222222:function:f:PROD"},
      {"arn:aws:lambda:eu-west-1:111111111111:function:f", nullptr, Operation::GetFunction,
       "ResourceNotFoundException", 404, "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"},
      // Another partition names no function here, in any region or account (review 3).
      {"arn:aws-cn:lambda:us-east-1:111111111111:function:f", nullptr, Operation::GetFunction,
       "ResourceNotFoundException", 404, "Function not found: arn:aws-cn:lambda:us-east-1:111111111111:function:f"},
      {"arn:aws-us-gov:lambda:us-east-1:222222222222:function:f:PROD", nullptr, Operation::AddPermission,
       "ResourceNotFoundException", 404,
       "Function not found: arn:aws-us-gov:lambda:us-east-1:222222222222:function:f:PROD"},
      // Region is checked before the account (rule 2 before rule 3).
      {"arn:aws:lambda:eu-west-1:222222222222:function:f", nullptr, Operation::AddPermission,
       "ResourceNotFoundException", 404, "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"},
      {"222222222222:function:f", nullptr, Operation::AddPermission, "AccessDeniedException", 403,
       "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:AddPermission on resource: "
       "arn:aws:lambda:us-east-1:222222222222:function:f because no resource-based policy allows the "
       "lambda:AddPermission action"},
      {"222222222222:function:f", "PROD", Operation::RemovePermission, "AccessDeniedException", 403,
       "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:RemovePermission on "
       "resource: arn:aws:lambda:us-east-1:222222222222:function:f:PROD because no resource-based policy allows "
       "the lambda:RemovePermission action"},
      {"arn:aws:lambda:us-east-1:222222222222:function:f", nullptr, Operation::UpdateFunctionConfiguration,
       "AccessDeniedException", 403,
       "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
       "lambda:UpdateFunctionConfiguration on resource: arn:aws:lambda:us-east-1:222222222222:function:f because "
       "no resource-based policy allows the lambda:UpdateFunctionConfiguration action"},
      {"222222222222:function:f", nullptr, Operation::CreateEventSourceMapping, "AccessDeniedException", 403,
       "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:CreateEventSourceMapping "
       "on resource: * because no resource-based policy allows the lambda:CreateEventSourceMapping action"},
      // Rule 3 before rule 4.
      {"222222222222:function:f:1", "2", Operation::AddPermission, "AccessDeniedException", 403,
       "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:AddPermission on resource: "
       "arn:aws:lambda:us-east-1:222222222222:function:f:1 because no resource-based policy allows the "
       "lambda:AddPermission action"},
      {"f:PROD", "DEV", Operation::GetFunction, "InvalidParameterValueException", 400,
       "The derived qualifier from the function name does not match the specified qualifier."},
      {"f:$LATEST", "$latest", Operation::Invoke, "InvalidParameterValueException", 400,
       "The derived qualifier from the function name does not match the specified qualifier."},
      {"arn:aws:lambda:us-east-1:222222222222:function:f:1", "2", Operation::Invoke,
       "InvalidParameterValueException", 400,
       "The derived qualifier from the function name does not match the specified qualifier."},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.text << " ?Qualifier=" << (row.query_qualifier ? row.query_qualifier : "-")) {
      auto parts = lambda::parse_function_name(row.text);
      REQUIRE(parts);
      std::optional<std::string_view> query;
      if (row.query_qualifier) query = row.query_qualifier;
      auto resolved = lambda::resolve_function(*parts, query, kCaller, row.operation);
      if (row.error_type) {
        REQUIRE_FALSE(resolved);
        CHECK(resolved.error().type == row.error_type);
        CHECK(resolved.error().status == row.status);
        CHECK(resolved.error().message == row.result);
      } else {
        REQUIRE(resolved);
        CHECK(resolved.value().arn() == row.result);
      }
    }
  }
}

TEST_CASE("function name: the owner defaults to the caller and the region to the request's", "[server][lambda]") {
  auto resolved = lambda::resolve_function(*lambda::parse_function_name("f:PROD"), std::nullopt, kCaller,
                                           Operation::GetAlias);
  REQUIRE(resolved);
  CHECK(resolved.value().name == "f");
  CHECK(resolved.value().account == "111111111111");
  CHECK(resolved.value().region == "us-east-1");
  CHECK(resolved.value().qualifier == "PROD");
  CHECK(resolved.value().unqualified_arn() == "arn:aws:lambda:us-east-1:111111111111:function:f");
}
