#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "server/lambda/route_table.h"

namespace lambda = gatehouse::server::lambda;
using lambda::Label;
using lambda::Operation;

TEST_CASE("route table: 25 operations loaded from lambda-actions.json in enum order", "[server][lambda]") {
  const auto operations = lambda::operations();
  REQUIRE(operations.size() == lambda::kOperationCount);
  std::set<std::string> names;
  for (std::size_t i = 0; i < operations.size(); ++i) {
    CHECK(static_cast<std::size_t>(operations[i].operation) == i);
    CHECK(lambda::operation_name(operations[i].operation) == operations[i].name);
    CHECK(lambda::find_operation(operations[i].name) == operations[i].operation);
    names.insert(operations[i].name);
  }
  CHECK(names.size() == lambda::kOperationCount);
  CHECK_FALSE(lambda::find_operation("TagResource"));
  CHECK(lambda::operation_info(Operation::Invoke).success_status == 200);
  CHECK(lambda::operation_info(Operation::CreateFunction).success_status == 201);
  CHECK(lambda::operation_info(Operation::DeleteFunction).success_status == 204);
  CHECK(lambda::operation_info(Operation::InvokeAsync).success_status == 202);
}

TEST_CASE("route table: every operation routed as current SDKs and the seed send it", "[server][lambda]") {
  struct Row {
    const char* method;
    const char* path;
    Operation operation;
    const char* function_name;  // decoded {FunctionName}, "" when none
    const char* other_label;    // decoded {Name}/{StatementId}/{UUID}, "" when none
  };
  const Row rows[] = {
      {"POST", "/2015-03-31/functions/f/policy", Operation::AddPermission, "f", ""},
      {"POST", "/2015-03-31/functions/f/aliases", Operation::CreateAlias, "f", ""},
      {"POST", "/2015-03-31/event-source-mappings", Operation::CreateEventSourceMapping, "", ""},
      {"POST", "/2015-03-31/event-source-mappings/", Operation::CreateEventSourceMapping, "", ""},
      {"POST", "/2015-03-31/functions", Operation::CreateFunction, "", ""},
      {"POST", "/2015-03-31/functions/", Operation::CreateFunction, "", ""},
      {"DELETE", "/2015-03-31/functions/f/aliases/PROD", Operation::DeleteAlias, "f", "PROD"},
      {"DELETE", "/2015-03-31/event-source-mappings/1a2b-3c", Operation::DeleteEventSourceMapping, "", "1a2b-3c"},
      {"DELETE", "/2015-03-31/functions/f", Operation::DeleteFunction, "f", ""},
      {"GET", "/2016-08-19/account-settings", Operation::GetAccountSettings, "", ""},
      {"GET", "/2016-08-19/account-settings/", Operation::GetAccountSettings, "", ""},
      {"GET", "/2015-03-31/functions/f/aliases/PROD", Operation::GetAlias, "f", "PROD"},
      {"GET", "/2015-03-31/event-source-mappings/u-1", Operation::GetEventSourceMapping, "", "u-1"},
      {"GET", "/2015-03-31/functions/f", Operation::GetFunction, "f", ""},
      {"GET", "/2015-03-31/functions/f/configuration", Operation::GetFunctionConfiguration, "f", ""},
      {"GET", "/2015-03-31/functions/f/policy", Operation::GetPolicy, "f", ""},
      {"POST", "/2015-03-31/functions/f/invocations", Operation::Invoke, "f", ""},
      {"POST", "/2014-11-13/functions/f/invoke-async", Operation::InvokeAsync, "f", ""},
      {"POST", "/2014-11-13/functions/f/invoke-async/", Operation::InvokeAsync, "f", ""},
      {"GET", "/2015-03-31/functions/f/aliases", Operation::ListAliases, "f", ""},
      {"GET", "/2015-03-31/event-source-mappings", Operation::ListEventSourceMappings, "", ""},
      {"GET", "/2015-03-31/event-source-mappings/", Operation::ListEventSourceMappings, "", ""},
      {"GET", "/2015-03-31/functions", Operation::ListFunctions, "", ""},
      {"GET", "/2015-03-31/functions/", Operation::ListFunctions, "", ""},
      {"GET", "/2015-03-31/functions/f/versions", Operation::ListVersionsByFunction, "f", ""},
      {"POST", "/2015-03-31/functions/f/versions", Operation::PublishVersion, "f", ""},
      {"DELETE", "/2015-03-31/functions/f/policy/sid-1", Operation::RemovePermission, "f", "sid-1"},
      {"PUT", "/2015-03-31/functions/f/aliases/PROD", Operation::UpdateAlias, "f", "PROD"},
      {"PUT", "/2015-03-31/event-source-mappings/u-2", Operation::UpdateEventSourceMapping, "", "u-2"},
      {"PUT", "/2015-03-31/functions/f/code", Operation::UpdateFunctionCode, "f", ""},
      {"PUT", "/2015-03-31/functions/f/configuration", Operation::UpdateFunctionConfiguration, "f", ""},
      // Labels arrive percent-encoded with only -._~ left alone (lambda-api 1.1).
      {"GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3Afoo",
       Operation::GetFunction, "arn:aws:lambda:us-east-1:111111111111:function:foo", ""},
      {"POST", "/2015-03-31/functions/foo%3A%24LATEST/invocations", Operation::Invoke, "foo:$LATEST", ""},
      {"GET", "/2015-03-31/functions/111111111111%3Afunction%3Afoo/configuration",
       Operation::GetFunctionConfiguration, "111111111111:function:foo", ""},
      {"DELETE", "/2015-03-31/functions/foo%3APROD/policy/s3%2Dinvoke", Operation::RemovePermission, "foo:PROD",
       "s3-invoke"},
      {"GET", "/2015-03-31/functions/my-func.v2_x~/aliases/A", Operation::GetAlias, "my-func.v2_x~", "A"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.method << " " << row.path) {
      auto match = lambda::match_route(row.method, row.path);
      REQUIRE(match);
      CHECK(match.value().operation == row.operation);
      const auto& name = match.value().label(Label::FunctionName);
      CHECK(name.value_or("") == row.function_name);
      std::string other;
      for (Label label : {Label::Name, Label::StatementId, Label::UUID}) {
        if (match.value().label(label)) other = *match.value().label(label);
      }
      CHECK(other == row.other_label);
    }
  }
}

TEST_CASE("route table: unknown paths and methods answer UnknownOperationException 404", "[server][lambda]") {
  struct Row {
    const char* method;
    const char* path;
  };
  const Row rows[] = {
      {"GET", "/"},
      {"GET", ""},
      {"GET", "2015-03-31/functions"},
      {"PATCH", "/2015-03-31/functions/f"},
      {"PUT", "/2015-03-31/functions"},
      {"GET", "/2015-03-31/functions/f/invocations"},
      {"GET", "/2015-03-31/functions//configuration"},
      {"GET", "/2015-03-31/functions/f/configuration/"},
      {"GET", "/2015-03-31/functions/f/unknown"},
      {"get", "/2015-03-31/functions/f"},
      {"GET", "/2017-03-31/functions/f"},
      {"POST", "/2015-03-31/functions/f/invoke-async"},
      {"GET", "/2015-03-31/functions/f/aliases/A/B/C/D/E/F/G/H"},
      {"GET", "/2015-03-31/functions/f/aliases/"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.method << " " << row.path) {
      auto match = lambda::match_route(row.method, row.path);
      REQUIRE_FALSE(match);
      CHECK(match.error().type == "UnknownOperationException");
      CHECK(match.error().status == 404);
      CHECK(match.error().message == "Unknown operation");
    }
  }
}

TEST_CASE("route table: bad percent-encoding in a label is a 400, never a crash", "[server][lambda]") {
  const char* paths[] = {"/2015-03-31/functions/foo%/configuration", "/2015-03-31/functions/foo%2",
                         "/2015-03-31/functions/foo%zz", "/2015-03-31/functions/f/aliases/%G1"};
  for (const char* path : paths) {
    DYNAMIC_SECTION(path) {
      auto match = lambda::match_route("GET", path);
      REQUIRE_FALSE(match);
      CHECK(match.error().type == "ValidationException");
      CHECK(match.error().status == 400);
      CHECK_THAT(match.error().message, Catch::StartsWith("1 validation error detected: Value '"));
    }
  }
  auto uuid = lambda::match_route("GET", "/2015-03-31/event-source-mappings/%");
  REQUIRE_FALSE(uuid);
  CHECK(uuid.error().message ==
        "1 validation error detected: Value '%' at 'uUID' failed to satisfy constraint: Member must be a valid "
        "percent-encoded URI component");
}

TEST_CASE("route table: percent_decode", "[server][lambda]") {
  CHECK(lambda::percent_decode("%24LATEST") == "$LATEST");
  CHECK(lambda::percent_decode("a%3ab%3A") == "a:b:");
  CHECK(lambda::percent_decode("a+b") == "a+b");
  CHECK(lambda::percent_decode("a+b", true) == "a b");
  CHECK(lambda::percent_decode("%00") == std::string(1, '\0'));
  CHECK_FALSE(lambda::percent_decode("%"));
  CHECK_FALSE(lambda::percent_decode("%4"));
  CHECK_FALSE(lambda::percent_decode("%4g"));
}

TEST_CASE("route table: resource templates expand", "[server][lambda]") {
  CHECK(lambda::expand_template("arn:aws:lambda:{region}:{account}:function:{function}:{qualifier}",
                                {.region = "us-east-1", .account = "111111111111", .function = "f", .qualifier = "3"}) ==
        "arn:aws:lambda:us-east-1:111111111111:function:f:3");
  CHECK(lambda::expand_template("arn:aws:lambda:{region}:{account}:event-source-mapping:{uuid}",
                                {.region = "eu-west-1", .account = "222222222222", .uuid = "u"}) ==
        "arn:aws:lambda:eu-west-1:222222222222:event-source-mapping:u");
  CHECK(lambda::expand_template("*", {}) == "*");
}

TEST_CASE("route: a Lambda operation that is not served is named in the answer", "[server][lambda]") {
  using namespace gatehouse::server::lambda;
  const auto tag = match_route("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3Af");
  REQUIRE_FALSE(tag);
  CHECK(tag.error() == LambdaError{"UnknownOperationException", 404,
                                   "TagResource is a Lambda operation that gatehouse does not serve"});
  CHECK(match_route("GET", "/2021-10-31/functions/f/url").error().message ==
        "GetFunctionUrlConfig is a Lambda operation that gatehouse does not serve");
  CHECK(match_route("GET", "/2018-10-31/layers").error().message ==
        "ListLayers is a Lambda operation that gatehouse does not serve");
  CHECK(match_route("GET", "/2020-04-22/code-signing-configs/").error().message ==
        "ListCodeSigningConfigs is a Lambda operation that gatehouse does not serve");
  // Neither served nor a Lambda operation: the plain answer.
  CHECK(match_route("GET", "/2017-03-31/tags").error() == LambdaError{"UnknownOperationException", 404, "Unknown operation"});
  CHECK(match_route("PATCH", "/2021-10-31/functions/f/url").error().message == "Unknown operation");
  CHECK(match_route("GET", "/2021-10-31/functions//url").error().message == "Unknown operation");
}
