// Functions, $LATEST, versions, aliases, code packages, function policies per
// qualifier and event-source mappings, with Lambda's errors (lambda-api.md).
#include "../shapes.h"

#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

const FunctionRef kHello{kAccount, "us-east-1", "hello"};
const std::string kArn = "arn:aws:lambda:us-east-1:111111111111:function:hello";

CreateFunctionInput hello(std::string zip = "zip-1") {
  CreateFunctionInput in;
  in.function = kHello;
  in.config.runtime = "python3.11";
  in.config.role = "arn:aws:iam::111111111111:role/exec";
  in.config.handler = "app.handler";
  in.config.environment = std::vector<std::pair<std::string, std::string>>{{"STAGE", "dev"}};
  in.zip = std::move(zip);
  return in;
}

std::unique_ptr<Store> store_with_hello(const TempDir& dir) {
  auto store = open_with_accounts(test_options(dir.path()));
  REQUIRE(store->write([](Mutation& m) { return m.create_function(hello()); }));
  return store;
}

std::optional<std::string> invariants(Store& store) {
  return store.read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); }).value();
}

}  // namespace

TEST_CASE("functions: create, read through qualifiers, and the not-found messages", "[store][lambda]") {
  TempDir dir;
  auto store = store_with_hello(dir);
  auto view = store->read([](const Snapshot& s) { return s.get_function(kHello); });
  REQUIRE(view);
  const FunctionConfig& c = view.value().config;
  CHECK(view.value().qualified_arn == kArn);
  CHECK(c.version == "$LATEST");
  CHECK(c.code_sha256 == "P/hoAWxvz81GyuKMYn44FEuDDmJsfzBSVBFyP5gxQ2Y=");  // base64 SHA-256 of "zip-1"
  CHECK(c.code_size == 5);
  CHECK(c.last_modified == kEpoch);
  CHECK(gatehouse::testing::is_uuid(c.revision_id));
  CHECK(c.state == "Active");
  CHECK(error_of(store->write([](Mutation& m) { return m.create_function(hello()); })) ==
        Error{"ResourceConflictException", 409, "Function already exist: hello"});
  struct Row {
    std::string qualifier, message;
  };
  const Row rows[] = {{"7", "Function not found: " + kArn + ":7"}, {"PROD", "Function not found: " + kArn + ":PROD"},
                      {"$latest", "Function not found: " + kArn + ":$latest"}};
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.qualifier) {
      CHECK(error_of(store->read([&](const Snapshot& s) { return s.get_function(kHello, row.qualifier); })) ==
            Error{"ResourceNotFoundException", 404, row.message});
    }
  }
  CHECK(error_of(store->read([](const Snapshot& s) { return s.get_function({kAccount, "us-east-1", "nope"}); })).message ==
        "Function not found: arn:aws:lambda:us-east-1:111111111111:function:nope");
  CHECK(error_of(store->write([](Mutation& m) {
          auto in = hello();
          in.function.name = std::string(65, 'f');
          return m.create_function(in);
        })).code == "InvalidParameterValueException");
  CHECK(error_of(store->write([](Mutation& m) {
          auto in = hello();
          in.function.name = "bad name";
          return m.create_function(in);
        })).code == "ValidationException");
}

TEST_CASE("versions: published versions are immutable snapshots, numbered without reuse", "[store][lambda]") {
  TempDir dir;
  auto store = store_with_hello(dir);
  auto v1 = store->write([](Mutation& m) { return m.publish_version(kHello, {}, std::string("first")); });
  REQUIRE(v1);
  CHECK(v1.value().version == "1");
  CHECK(v1.value().description == "first");
  // Nothing changed: the last version is returned, no new one.
  CHECK(store->write([](Mutation& m) { return m.publish_version(kHello); }).value().version == "1");
  // $LATEST changes; version 1 keeps code and configuration.
  REQUIRE(store->write([](Mutation& m) {
    FunctionConfigUpdate u;
    u.memory_size = 512;
    u.environment = std::vector<std::pair<std::string, std::string>>{{"STAGE", "prod"}};
    return m.update_function_configuration(kHello, u);
  }));
  REQUIRE(store->write([](Mutation& m) { return m.update_function_code(kHello, "zip-2", false); }));
  auto one = store->read([](const Snapshot& s) { return s.get_function(kHello, "1"); }).value();
  CHECK(one.config.memory_size == 128);
  CHECK(one.config.environment->at(0).second == "dev");
  CHECK(one.config.code_sha256 == v1.value().code_sha256);
  CHECK(one.qualified_arn == kArn + ":1");
  const std::string latest_sha = store->read([](const Snapshot& s) { return s.get_function(kHello); }).value().config.code_sha256;
  CHECK(error_of(store->write([](Mutation& m) { return m.publish_version(kHello, "AAAA"); })).message ==
        "CodeSHA256 (AAAA) is different from current CodeSHA256 in $LATEST (" + latest_sha +
            "). Please try again with the CodeSHA256 in $LATEST.");
  CHECK(error_of(store->write([](Mutation& m) { return m.publish_version(kHello, {}, std::nullopt, "stale"); })) ==
        Error{"PreconditionFailedException", 412,
              "The Revision Id provided does not match the latest Revision Id. Call the GetFunction API to retrieve the "
              "latest Revision Id"});
  auto v2 = store->write([&](Mutation& m) { return m.publish_version(kHello, latest_sha); });
  CHECK(v2.value().version == "2");
  CHECK(v2.value().memory_size == 512);
  REQUIRE(store->write([](Mutation& m) { return m.delete_function(kHello, "2"); }));
  REQUIRE(store->write([](Mutation& m) { return m.update_function_code(kHello, "zip-3", false); }));
  CHECK(store->write([](Mutation& m) { return m.publish_version(kHello); }).value().version == "3");
  auto versions = store->read([](const Snapshot& s) { return s.list_versions(kHello); }).value();
  REQUIRE(versions.size() == 3);
  CHECK(versions[0].version == "$LATEST");
  CHECK(versions[1].version == "1");
  CHECK(versions[2].version == "3");
  CHECK(invariants(*store) == std::nullopt);
}

TEST_CASE("versions and aliases: referential integrity with Lambda's errors", "[store][lambda]") {
  TempDir dir;
  auto store = store_with_hello(dir);
  REQUIRE(store->write([](Mutation& m) { return m.publish_version(kHello); }));
  auto alias = store->write([](Mutation& m) { return m.create_alias(kHello, {"PROD", "1", "live", std::nullopt}); });
  REQUIRE(alias);
  CHECK(alias.value().arn == kArn + ":PROD");
  check_error_cases(*store, {
      {"duplicate alias", [&](Mutation& m) { return discard(m.create_alias(kHello, {"PROD", "1", "", std::nullopt})); },
       {"ResourceConflictException", 409, "Alias already exists: " + kArn + ":PROD"}},
      {"alias to a missing version", [&](Mutation& m) { return discard(m.create_alias(kHello, {"BETA", "9", "", std::nullopt})); },
       {"ResourceNotFoundException", 404, "Function not found: " + kArn + ":9"}},
      {"numeric alias name", [&](Mutation& m) { return discard(m.create_alias(kHello, {"2024", "1", "", std::nullopt})); },
       {"ValidationException", 400,
        "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"}},
      {"delete a version an alias uses", [&](Mutation& m) { return m.delete_function(kHello, "1"); },
       {"ResourceConflictException", 409, "Unable to delete version because the following aliases reference it: [PROD]"}},
      {"delete $LATEST", [&](Mutation& m) { return m.delete_function(kHello, "$LATEST"); },
       {"InvalidParameterValueException", 400, "$LATEST version cannot be deleted without deleting the function."}},
      {"delete an alias through DeleteFunction", [&](Mutation& m) { return m.delete_function(kHello, "PROD"); },
       {"InvalidParameterValueException", 400, "Deletion of aliases is not currently supported."}},
      {"update a missing alias", [&](Mutation& m) { return discard(m.update_alias(kHello, "BETA", {})); },
       {"ResourceNotFoundException", 404, "Alias not found: " + kArn + ":BETA"}},
      {"stale alias revision", [&](Mutation& m) { return discard(m.update_alias(kHello, "PROD", {}, "stale")); },
       {"PreconditionFailedException", 412,
        "The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest "
        "Revision Id"}},
      {"routing to $LATEST",
       [&](Mutation& m) { return discard(m.create_alias(kHello, {"MIX", "1", "", std::make_pair(std::string("$LATEST"), 0.5)})); },
       {"InvalidParameterValueException", 400, "$LATEST is not supported for an alias pointing to more than 1 version"}},
  });
  CHECK(error_of(store->read([](const Snapshot& s) { return s.get_alias(kHello, "BETA"); })).message ==
        "Cannot find alias arn: " + kArn + ":BETA");
  // Reading through the alias resolves to its version; the ARN keeps the alias name.
  auto through = store->read([](const Snapshot& s) { return s.get_function(kHello, "PROD"); }).value();
  CHECK(through.config.version == "1");
  CHECK(through.qualified_arn == kArn + ":PROD");
  CHECK(through.alias->description == "live");
  // Deleting an unknown version or alias is idempotent.
  CHECK(store->write([](Mutation& m) { return m.delete_function(kHello, "42"); }));
  CHECK(store->write([](Mutation& m) { return m.delete_alias(kHello, "NOPE"); }));
  // Moving the alias frees version 1.
  REQUIRE(store->write([](Mutation& m) {
    AliasUpdate u;
    u.function_version = "$LATEST";
    return m.update_alias(kHello, "PROD", u);
  }));
  CHECK(store->write([](Mutation& m) { return m.delete_function(kHello, "1"); }));
  CHECK(invariants(*store) == std::nullopt);
}

TEST_CASE("functions: deleting a function removes versions, aliases and policies, not mappings", "[store][lambda]") {
  TempDir dir;
  auto store = store_with_hello(dir);
  std::string uuid;
  REQUIRE(store->write([&](Mutation& m) -> Result<void> {
    if (auto r = m.publish_version(kHello); !r) return r.error();
    if (auto r = m.create_alias(kHello, {"PROD", "1", "", std::nullopt}); !r) return r.error();
    PermissionInput p{"s3", "lambda:InvokeFunction", "s3.amazonaws.com", "", "", "", "", ""};
    for (const char* q : {"", "1", "PROD"}) {
      if (auto r = m.add_permission(kHello, q, p); !r) return r.error();
    }
    MappingInput e;
    e.account = kAccount;
    e.region = "us-east-1";
    e.event_source_arn = "arn:aws:kinesis:us-east-1:111111111111:stream/s";
    e.function = kHello;
    e.starting_position = "LATEST";
    auto mapping = m.create_event_source_mapping(e);
    if (!mapping) return mapping.error();
    uuid = mapping.value().uuid;
    return success();
  }));
  REQUIRE(store->write([](Mutation& m) { return m.delete_function(kHello); }));
  CHECK(error_of(store->read([](const Snapshot& s) { return s.get_function(kHello); })).code == "ResourceNotFoundException");
  CHECK(store->read([&](const Snapshot& s) { return s.get_event_source_mapping({kAccount, "us-east-1", uuid}); }));
  CHECK(store->find_function_policy(kHello, "PROD").value() == nullptr);
  // The same name starts again at version 1 (lambda-api.md 8), with its own code.
  REQUIRE(store->write([](Mutation& m) { return m.create_function(hello()); }));
  CHECK(store->write([](Mutation& m) { return m.publish_version(kHello); }).value().version == "1");
  CHECK(store->read([](const Snapshot& s) { return s.list_aliases(kHello); }).value().empty());
  CHECK(invariants(*store) == std::nullopt);
}

TEST_CASE("code packages are stored once per SHA-256 and dropped with their last user", "[store][lambda]") {
  TempDir dir;
  auto store = store_with_hello(dir);
  const std::string sha = store->read([](const Snapshot& s) { return s.get_function(kHello); }).value().config.code_sha256;
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    auto in = hello();
    in.function.name = "twin";  // same bytes
    if (auto r = m.create_function(in); !r) return r.error();
    if (auto r = m.publish_version(kHello); !r) return r.error();
    return success();
  }));
  auto package = store->read([&](const Snapshot& s) -> Result<std::optional<CodePackage>> { return s.find_code(sha); });
  REQUIRE(package.value());
  CHECK(package.value()->references == 3);  // hello $LATEST, hello:1, twin $LATEST
  CHECK(package.value()->size == 5);
  REQUIRE(store->write([](Mutation& m) { return m.delete_function(kHello); }));
  CHECK(store->read([&](const Snapshot& s) -> Result<std::optional<CodePackage>> { return s.find_code(sha); }).value()->references == 1);
  REQUIRE(store->write([](Mutation& m) { return m.delete_function({kAccount, "us-east-1", "twin"}); }));
  CHECK_FALSE(store->read([&](const Snapshot& s) -> Result<std::optional<std::string>> { return s.code_bytes(sha); }).value());
  CHECK(invariants(*store) == std::nullopt);
}

TEST_CASE("function policies: one per qualifier, statements as AddPermission builds them", "[store][lambda]") {
  TempDir dir;
  auto store = store_with_hello(dir);
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    if (auto r = m.publish_version(kHello); !r) return r.error();
    if (auto r = m.create_alias(kHello, {"PROD", "1", "", std::nullopt}); !r) return r.error();
    return success();
  }));
  struct Row {
    const char* what;
    std::string qualifier;
    PermissionInput input;
    std::string statement;
  };
  const Row rows[] = {
      {"service with conditions", "PROD",
       {"s3-prod", "lambda:InvokeFunction", "s3.amazonaws.com", "arn:aws:s3:::examplebucket", "111111111111", "", "", ""},
       R"({"Sid":"s3-prod","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":")" +
           kArn +
           R"(:PROD","Condition":{"StringEquals":{"AWS:SourceAccount":"111111111111"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::examplebucket"}}})"},
      {"account id", "", {"acct", "lambda:GetFunction", "222222222222", "", "", "", "", ""},
       R"({"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"lambda:GetFunction","Resource":")" +
           kArn + R"("})"},
      {"IAM ARN on a version", "1", {"user", "lambda:*", "arn:aws:iam::222222222222:user/carol", "", "", "", "", ""},
       R"({"Sid":"user","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:user/carol"},"Action":"lambda:*","Resource":")" +
           kArn + R"(:1"})"},
      {"anyone with a token", "", {"any", "*", "*", "", "", "tok", "", ""},
       R"({"Sid":"any","Effect":"Allow","Principal":"*","Action":"*","Resource":")" + kArn +
           R"(","Condition":{"StringEquals":{"lambda:EventSourceToken":"tok"}}})"},
  };
  for (const auto& row : rows) {
    INFO(row.what);  // the statements accumulate: no sections here
    auto added = store->write([&](Mutation& m) { return m.add_permission(kHello, row.qualifier, row.input); });
    REQUIRE(added);
    CHECK(added.value().json == row.statement);
  }
  auto unqualified = store->read([](const Snapshot& s) { return s.get_function_policy(kHello); }).value();
  CHECK(unqualified.statements.size() == 2);
  CHECK(unqualified.document() == R"({"Version":"2012-10-17","Id":"default","Statement":[)" + rows[1].statement + "," +
                                      rows[3].statement + "]}");
  CHECK(store->read([](const Snapshot& s) { return s.get_function_policy(kHello, "PROD"); }).value().statements.size() == 1);

  const PermissionInput dup{"acct", "lambda:GetFunction", "222222222222", "", "", "", "", ""};
  const ErrorCase errors[] = {
      {"duplicate sid", [&](Mutation& m) { return discard(m.add_permission(kHello, "", dup)); },
       {"ResourceConflictException", 409,
        "The statement id (acct) provided already exists. Please provide a new statement id, or remove the existing "
        "statement."}},
      {"$LATEST", [&](Mutation& m) { return discard(m.add_permission(kHello, "$LATEST", dup)); },
       {"InvalidParameterValueException", 400, "We currently do not support adding policies for $LATEST."}},
      {"bad principal",
       [&](Mutation& m) {
         return discard(m.add_permission(kHello, "", {"x", "lambda:GetFunction", "invalid.nonaws.com", "", "", "", "", ""}));
       },
       {"InvalidParameterValueException", 400, "The provided principal was invalid. Please check the principal and try again."}},
      {"missing alias", [&](Mutation& m) { return discard(m.add_permission(kHello, "BETA", dup)); },
       {"ResourceNotFoundException", 404, "Cannot find alias arn: " + kArn + ":BETA"}},
      {"stale revision", [&](Mutation& m) { return discard(m.add_permission(kHello, "", {"y", "*", "*", "", "", "", "", ""}, "stale")); },
       {"PreconditionFailedException", 412,
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest "
        "Revision Id"}},
      {"remove, no statement", [&](Mutation& m) { return m.remove_permission(kHello, "", "zzz"); },
       {"ResourceNotFoundException", 404, "Statement zzz is not found in resource policy."}},
      {"remove, no policy", [&](Mutation& m) { return m.remove_permission(kHello, "1", "user"); }, {}},
      {"remove, no function", [&](Mutation& m) { return m.remove_permission({kAccount, "us-east-1", "nope"}, "", "x"); },
       {"ResourceNotFoundException", 404, "No policy found for: arn:aws:lambda:us-east-1:111111111111:function:nope"}},
  };
  for (const auto& row : errors) {
    DYNAMIC_SECTION(row.what) {
      if (row.expected.code.empty()) {
        CHECK(store->write(row.call));  // removing version 1's only statement
        CHECK(error_of(store->write(row.call)) ==
              Error{"ResourceNotFoundException", 404, "No policy is associated with the given resource."});
        CHECK(error_of(store->read([](const Snapshot& s) { return s.get_function_policy(kHello, "1"); })) ==
              Error{"ResourceNotFoundException", 404, "The resource you requested does not exist."});
      } else {
        CHECK(error_of(store->write(row.call)) == row.expected);
      }
    }
  }
  // Each change gets a new RevisionId.
  const std::string before = store->read([](const Snapshot& s) { return s.get_function_policy(kHello); }).value().revision_id;
  REQUIRE(store->write([&](Mutation& m) { return m.remove_permission(kHello, "", "any", before); }));
  CHECK(store->read([](const Snapshot& s) { return s.get_function_policy(kHello); }).value().revision_id != before);
}

TEST_CASE("function policies: the 20 KB limit", "[store][lambda]") {
  TempDir dir;
  auto store = store_with_hello(dir);
  Result<PolicyStatement> last = Error{};
  int added = 0;
  for (; added < 100; ++added) {
    last = store->write([&](Mutation& m) {
      return m.add_permission(kHello, "", {"statement-" + std::to_string(added), "lambda:InvokeFunction",
                                           "arn:aws:iam::222222222222:role/" + std::string(40, 'r'),
                                           "arn:aws:s3:::" + std::string(60, 'b'), "", "", "", ""});
    });
    if (!last) break;
  }
  REQUIRE_FALSE(last);
  CHECK(added > 10);
  CHECK(last.error().code == "PolicyLengthExceededException");
  CHECK_THAT(last.error().message, Catch::Matches(R"(The final policy size \(\d+\) is bigger than the limit \(20480\)\.)"));
}

TEST_CASE("event-source mappings", "[store][lambda]") {
  TempDir dir;
  Clock clock;
  auto store = open_with_accounts(test_options(dir.path(), clock));
  REQUIRE(store->write([](Mutation& m) { return m.create_function(hello()); }));
  MappingInput in;
  in.account = kAccount;
  in.region = "us-east-1";
  in.event_source_arn = "arn:aws:kinesis:us-east-1:111111111111:stream/s";
  in.function = kHello;
  struct Row {
    const char* what;
    std::function<void(MappingInput&)> change;
    std::string message;
  };
  const Row rows[] = {
      {"no starting position", [](MappingInput&) {},
       "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."},
      {"unknown source", [](MappingInput& i) { i.event_source_arn = "arn:aws:s3:::b"; }, "Unrecognized event source."},
      {"missing function", [](MappingInput& i) { i.function.name = "nope"; i.starting_position = "LATEST"; }, "Function does not exist"},
      {"missing alias", [](MappingInput& i) { i.qualifier = "PROD"; i.starting_position = "LATEST"; }, "Function does not exist"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      MappingInput bad = in;
      row.change(bad);
      CHECK(error_of(store->write([&](Mutation& m) { return m.create_event_source_mapping(bad); })) ==
            Error{"InvalidParameterValueException", 400, row.message});
    }
  }
  in.starting_position = "TRIM_HORIZON";
  auto created = store->write([&](Mutation& m) { return m.create_event_source_mapping(in); });
  REQUIRE(created);
  const auto& e = created.value();
  CHECK(gatehouse::testing::is_uuid(e.uuid));
  CHECK(e.function_arn == kArn);
  CHECK(e.batch_size == 100);
  CHECK(e.state == "Enabled");
  CHECK(e.last_modified == kEpoch);
  CHECK(error_of(store->write([&](Mutation& m) { return m.create_event_source_mapping(in); })).message ==
        "The event source arn (\" arn:aws:kinesis:us-east-1:111111111111:stream/s \") and function (\" hello \") "
        "provided mapping already exists. Please update or delete the existing mapping with UUID " + e.uuid);
  *clock.now += 1000;
  auto updated = store->write([&](Mutation& m) {
    MappingUpdate u;
    u.enabled = false;
    u.batch_size = 10;
    return m.update_event_source_mapping({kAccount, "us-east-1", e.uuid}, u);
  });
  CHECK(updated.value().state == "Disabled");
  CHECK(updated.value().batch_size == 10);
  CHECK(updated.value().last_modified == kEpoch + 1000);
  CHECK(error_of(store->write([&](Mutation& m) {
          MappingUpdate u;
          u.batch_size = 10001;
          return m.update_event_source_mapping({kAccount, "us-east-1", e.uuid}, u);
        })).code == "ValidationException");
  CHECK(store->read([&](const Snapshot& s) -> Result<std::size_t> {
    return s.list_event_source_mappings(kAccount, "us-east-1", "", kArn).size();
  }).value() == 1);
  auto deleted = store->write([&](Mutation& m) { return m.delete_event_source_mapping({kAccount, "us-east-1", e.uuid}); });
  CHECK(deleted.value().state == "Deleting");
  CHECK(error_of(store->read([&](const Snapshot& s) {
          return s.get_event_source_mapping({kAccount, "us-east-1", e.uuid});
        })) == Error{"ResourceNotFoundException", 404, "The resource you requested does not exist."});
}
