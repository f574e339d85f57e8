#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/lambda/request.h"

namespace lambda = gatehouse::server::lambda;
using lambda::Operation;

namespace {

auto parse(std::string_view method, std::string_view path, std::string_view query = {},
           std::string_view body = {}, std::vector<lambda::Header> headers = {}) {
  return lambda::parse_request({method, path, query, headers, body});
}

constexpr const char* kRolePattern =
    "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";
constexpr const char* kFunctionPattern =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
    "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";

const std::string kCreateBody =
    R"({"FunctionName":"f","Role":"arn:aws:iam::111111111111:role/r","Runtime":"python3.12","Handler":"h.h",)"
    R"("Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="},"Architectures":["x86_64"],"NewMember":{"x":[1]}})";

}  // namespace

TEST_CASE("request: parameters from labels, query, headers and body", "[server][lambda]") {
  SECTION("query parameters, %24LATEST decoded") {
    auto r = parse("GET", "/2015-03-31/functions/f/configuration", "Qualifier=%24LATEST&Unknown=1");
    REQUIRE(r);
    CHECK(r.value().operation == Operation::GetFunctionConfiguration);
    CHECK(r.value().qualifier == "$LATEST");
    CHECK(r.value().function_name->name == "f");
  }
  SECTION("paging") {
    auto r = parse("GET", "/2015-03-31/functions/", "Marker=abc%3D%3D&MaxItems=50&FunctionVersion=ALL");
    REQUIRE(r);
    CHECK(r.value().operation == Operation::ListFunctions);
    CHECK(r.value().marker == "abc==");
    CHECK(r.value().max_items == 50);
    CHECK(r.value().function_version == "ALL");
  }
  SECTION("ListEventSourceMappings filters") {
    auto r = parse("GET", "/2015-03-31/event-source-mappings",
                   "EventSourceArn=arn%3Aaws%3Akinesis%3Aus-east-1%3A111111111111%3Astream%2Fs&FunctionName=f%3A1");
    REQUIRE(r);
    CHECK(r.value().event_source_arn == "arn:aws:kinesis:us-east-1:111111111111:stream/s");
    CHECK(r.value().function_name->qualifier == "1");
  }
  SECTION("Invoke headers and payload") {
    auto r = parse("POST", "/2015-03-31/functions/f/invocations", "", R"({"k":1})",
                   {{"x-amz-invocation-type", "DryRun"}, {"X-Amz-Log-Type", "Tail"}, {"X-Amz-Client-Context", "e30="}});
    REQUIRE(r);
    CHECK(r.value().invoke.invocation_type == "DryRun");
    CHECK(r.value().invoke.log_type == "Tail");
    CHECK(r.value().invoke.client_context == "e30=");
    CHECK(r.value().payload == R"({"k":1})");
  }
  SECTION("Invoke defaults, empty payload") {
    auto r = parse("POST", "/2015-03-31/functions/f/invocations");
    REQUIRE(r);
    CHECK(r.value().invoke.invocation_type == "RequestResponse");
    CHECK(r.value().invoke.log_type == "None");
    CHECK_FALSE(r.value().invoke.client_context);
  }
  SECTION("CreateFunction body with unknown members tolerated") {
    auto r = parse("POST", "/2015-03-31/functions", "", kCreateBody);
    REQUIRE(r);
    CHECK(r.value().function_name->name == "f");
    CHECK(r.value().body_string("Role") == "arn:aws:iam::111111111111:role/r");
  }
  SECTION("empty body of a JSON operation reads as {}") {
    auto r = parse("POST", "/2015-03-31/functions/f/versions");
    REQUIRE(r);
    CHECK(r.value().body.IsObject());
  }
  SECTION("labels") {
    auto r = parse("DELETE", "/2015-03-31/functions/f/policy/sid.1", "Qualifier=PROD&RevisionId=r1");
    REQUIRE(r);
    CHECK(r.value().statement_id == "sid.1");
    CHECK(r.value().revision_id == "r1");
  }
}

TEST_CASE("request: validation failures with AWS's messages", "[server][lambda]") {
  struct Row {
    const char* name;
    const char* method;
    std::string path;
    const char* query;
    std::string body;
    const char* type;
    std::string message;
  };
  const std::string prefix = "1 validation error detected: ";
  const Row rows[] = {
      {"misspelled $LATEST in the name", "GET", "/2015-03-31/functions/f%3A%24LATES", "", "", "ValidationException",
       prefix + "Value 'f:$LATES' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
                "expression pattern: " + kFunctionPattern},
      {"name over 256", "GET", "/2015-03-31/functions/" + std::string(257, 'a'), "", "",
       "ValidationException",
       prefix + "Value '" + std::string(257, 'a') +
           "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256"},
      {"bad qualifier", "GET", "/2015-03-31/functions/f", "Qualifier=a.b", "", "ValidationException",
       prefix + "Value 'a.b' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression "
                "pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"},
      {"MaxItems over range", "GET", "/2015-03-31/functions", "MaxItems=10001", "", "ValidationException",
       prefix + "Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or "
                "equal to 10000"},
      {"MaxItems zero", "GET", "/2015-03-31/functions/f/versions", "MaxItems=0", "", "ValidationException",
       prefix + "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or "
                "equal to 1"},
      {"numeric alias name", "POST", "/2015-03-31/functions/f/aliases", "",
       R"({"Name":"2024","FunctionVersion":"1"})", "ValidationException",
       prefix + "Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression "
                "pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"},
      {"bad role", "POST", "/2015-03-31/functions", "",
       R"({"FunctionName":"f","Role":"r1","Code":{}})", "ValidationException",
       prefix + "Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression "
                "pattern: " + kRolePattern},
      {"two failures", "PUT", "/2015-03-31/functions/f/configuration", "",
       R"({"Timeout":1000,"MemorySize":64})", "ValidationException",
       "2 validation errors detected: Value '1000' at 'timeout' failed to satisfy constraint: Member must have "
       "value less than or equal to 900; Value '64' at 'memorySize' failed to satisfy constraint: Member must "
       "have value greater than or equal to 128"},
      {"missing required members", "POST", "/2015-03-31/functions/f/policy", "", R"({"StatementId":"s"})",
       "ValidationException",
       "2 validation errors detected: Value null at 'action' failed to satisfy constraint: Member must not be null; "
       "Value null at 'principal' failed to satisfy constraint: Member must not be null"},
      {"nested member", "PUT", "/2015-03-31/functions/f/configuration", "",
       R"({"VpcConfig":{"SecurityGroupIds":["a","b","c","d","e","f"]}})", "ValidationException",
       prefix + "Value '[a, b, c, d, e, f]' at 'vpcConfig.securityGroupIds' failed to satisfy constraint: Member "
                "must have length less than or equal to 5"},
      {"environment key", "PUT", "/2015-03-31/functions/f/configuration", "",
       R"({"Environment":{"Variables":{"1BAD":"v"}}})", "ValidationException",
       prefix + "Value '{1BAD=v}' at 'environment.variables' failed to satisfy constraint: Map keys must satisfy "
                "constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"},
      {"layer ARN", "PUT", "/2015-03-31/functions/f/configuration", "", R"({"Layers":["nope"]})",
       "ValidationException",
       prefix + "Value '[nope]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member "
                "must satisfy regular expression pattern: "
                "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]"},
      {"missing starting-position type enum", "POST", "/2015-03-31/event-source-mappings", "",
       R"({"FunctionName":"f","StartingPosition":"OLDEST"})", "ValidationException",
       prefix + "Value 'OLDEST' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value "
                "set: [TRIM_HORIZON, LATEST, AT_TIMESTAMP]"},
      {"invocation type", "POST", "/2015-03-31/functions/f/invocations", "", "", "ValidationException",
       prefix + "Value 'Sync' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value "
                "set: [Event, RequestResponse, DryRun]"},
      {"new function name over 64", "POST", "/2015-03-31/functions", "",
       R"({"FunctionName":")" + std::string(65, 'x') +
           R"(","Role":"arn:aws:iam::111111111111:role/r","Code":{}})",
       "InvalidParameterValueException",
       prefix + "Value '" + std::string(65, 'x') +
           "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
      {"body not JSON", "POST", "/2015-03-31/functions/f/policy", "", "{not json", "InvalidRequestContentException",
       "Could not parse request body into json: Missing a name for object member. (at offset 1)"},
      {"body not an object", "PUT", "/2015-03-31/functions/f/code", "", "[]", "InvalidRequestContentException",
       "Could not parse request body into json: the request body must be a JSON object"},
      {"wrong member type", "PUT", "/2015-03-31/functions/f/configuration", "", R"({"MemorySize":"128"})",
       "InvalidRequestContentException",
       "Could not parse request body into json: member 'MemorySize' must be an integer"},
      {"wrong nested type", "POST", "/2015-03-31/functions", "",
       R"({"FunctionName":"f","Role":"arn:aws:iam::111111111111:role/r","Code":{"ZipFile":5}})",
       "InvalidRequestContentException", "Could not parse request body into json: member 'ZipFile' must be a string"},
      {"Invoke payload not JSON", "POST", "/2015-03-31/functions/f/invocations", "", "hello",
       "InvalidRequestContentException",
       "Could not parse request body into json: Could not parse payload into json: Invalid value. (at offset 0)"},
      {"InvokeAsync without payload", "POST", "/2014-11-13/functions/f/invoke-async/", "", "", "ValidationException",
       prefix + "Value null at 'invokeArgs' failed to satisfy constraint: Member must not be null"},
      {"bad query encoding", "GET", "/2015-03-31/functions", "Marker=%zz", "", "ValidationException",
       prefix + "Value 'Marker=%zz' failed to satisfy constraint: Member must be a valid percent-encoded query "
                "parameter"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      std::vector<lambda::Header> headers;
      if (std::string_view(row.name) == "invocation type") headers.push_back({"X-Amz-Invocation-Type", "Sync"});
      auto r = parse(row.method, row.path, row.query, row.body, headers);
      REQUIRE_FALSE(r);
      CHECK(r.error().type == row.type);
      CHECK(r.error().status == 400);
      CHECK(r.error().message == row.message);
    }
  }
}

TEST_CASE("request: a bare name over 64 characters is a validation error before any lookup", "[server][lambda]") {
  // AWS's API reference: "If you specify only the function name, it is limited to 64 characters
  // in length" (the spec's lambda-api 3.1 had Get*/Invoke answer 404; AWS's documentation wins).
  const std::string name(65, 'a');
  const std::string message = "1 validation error detected: Value '" + name +
                              "' at 'functionName' failed to satisfy constraint: Member must have length less than "
                              "or equal to 64";
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/2015-03-31/functions/" + name},
           {"POST", "/2015-03-31/functions/" + name + "/invocations"},
           {"DELETE", "/2015-03-31/functions/" + name}}) {
    INFO(method << " " << path);
    auto r = parse(method, path);
    REQUIRE_FALSE(r);
    CHECK(r.error() == gatehouse::server::lambda::LambdaError{"ValidationException", 400, message});
  }
  // With the qualifier the name is still the bare part; 64 characters are fine.
  CHECK_FALSE(parse("GET", "/2015-03-31/functions/" + name + ":1"));
  CHECK(parse("GET", "/2015-03-31/functions/" + std::string(64, 'a')));
  // In an ARN only the whole ARN's length counts: a 65-character name there is simply not found.
  CHECK(parse("GET", "/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:" + name));
}

TEST_CASE("request: a modelled query parameter given twice is refused, naming it", "[server][lambda]") {
  // A reader that takes the first value and one that takes the last would act on different
  // requests (the sidecar authorizes, the upstream acts), so neither value is chosen.
  for (const char* query : {"Qualifier=1&Qualifier=2", "Qualifier=1&Qualifier=1", "Qualifier=1&x=0&Qualifier="}) {
    INFO(query);
    auto r = parse("GET", "/2015-03-31/functions/f/configuration", query);
    REQUIRE_FALSE(r);
    CHECK(r.error() == gatehouse::server::lambda::LambdaError{"InvalidParameterValueException", 400,
                                                              "Duplicate query parameter 'Qualifier'"});
  }
  auto paging = parse("GET", "/2015-03-31/functions/", "MaxItems=1&MaxItems=50");
  REQUIRE_FALSE(paging);
  CHECK(paging.error().message == "Duplicate query parameter 'MaxItems'");
  // A parameter the operation does not model is not read, so a repeat changes nothing.
  auto unmodelled = parse("GET", "/2015-03-31/functions/f/configuration", "Qualifier=1&Other=a&Other=b");
  REQUIRE(unmodelled);
  CHECK(unmodelled.value().qualifier == "1");
}
