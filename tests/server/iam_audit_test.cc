// The audit records of IAM calls (audit-log.md 2, 5): a mutating call's responseElements are its
// result in lower-camel JSON; reads, deletes and failures have none.
#include <rapidjson/document.h>

#include "tests/server/iam_test_world.h"

using namespace gatehouse::iam_test;

namespace {

// The last record of `event`, parsed.
rapidjson::Document record_of(const World& w, std::string_view event) {
  std::istringstream lines(w.audit_text());
  std::string line, found;
  while (std::getline(lines, line)) {
    if (line.find("\"eventName\":\"" + std::string(event) + "\"") != std::string::npos) found = line;
  }
  rapidjson::Document doc;
  doc.Parse(found.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

}  // namespace

TEST_CASE("CreateRole and CreatePolicy log their results; reads and deletes log none", "[iam][audit]") {
  World w;
  w.enable_audit();
  require_success(w.admin("CreateRole", {{"RoleName", "r1"},
                                         {"AssumeRolePolicyDocument", kTrust},
                                         {"Description", "a&b <c>"},
                                         {"Tags.member.1.Key", "team"},
                                         {"Tags.member.1.Value", "a b"}}),
                  "CreateRole", true);
  auto created = record_of(w, "CreateRole");
  REQUIRE(created["readOnly"].GetBool() == false);
  const auto& role = created["responseElements"]["role"];
  REQUIRE(std::string(role["roleName"].GetString()) == "r1");
  REQUIRE(std::string(role["arn"].GetString()) == "arn:aws:iam::111111111111:role/r1");
  REQUIRE(std::string(role["roleId"].GetString()).starts_with("AROA"));
  REQUIRE(url_decode(role["assumeRolePolicyDocument"].GetString()) == kTrust);
  REQUIRE(role["tags"].IsArray());
  REQUIRE(std::string(role["tags"][0]["key"].GetString()) == "team");
  REQUIRE(std::string(role["tags"][0]["value"].GetString()) == "a b");
  REQUIRE(std::string(role["description"].GetString()) == "a&b <c>");

  require_success(w.admin("CreatePolicy", {{"PolicyName", "p"}, {"PolicyDocument", kLogsPolicy}}), "CreatePolicy",
                  true);
  const auto policy = record_of(w, "CreatePolicy");
  REQUIRE(std::string(policy["responseElements"]["policy"]["defaultVersionId"].GetString()) == "v1");

  require_success(w.admin("GetRole", {{"RoleName", "r1"}}), "GetRole", true);
  REQUIRE(record_of(w, "GetRole")["responseElements"].IsNull());
  require_success(w.admin("DeleteRole", {{"RoleName", "r1"}}), "DeleteRole", false);
  REQUIRE(record_of(w, "DeleteRole")["responseElements"].IsNull());
  require_error(w.alice("CreateGroup", {{"GroupName", "g"}}), 403, "AccessDenied");
  const auto denied = record_of(w, "CreateGroup");
  REQUIRE(std::string(denied["errorCode"].GetString()) == "AccessDenied");
  REQUIRE(denied["responseElements"].IsNull());
}

TEST_CASE("A call that fails authentication is recorded with userIdentity Unknown", "[iam][audit]") {
  World w;
  w.enable_audit();
  // alice's key with a wrong secret: SignatureDoesNotMatch.
  const Response r = w.call("ListUsers", {}, kAliceKey, "wrongSecretKeyEXAMPLEwrongSecretKeyEXAMP");
  REQUIRE(r.status == 403);
  const auto record = record_of(w, "ListUsers");
  REQUIRE(std::string(record["eventSource"].GetString()) == "iam.amazonaws.com");
  REQUIRE(std::string(record["userIdentity"]["type"].GetString()) == "Unknown");
  REQUIRE(std::string(record["errorCode"].GetString()) == "SignatureDoesNotMatch");
}

TEST_CASE("A session's source identity is in its records' sessionContext (issue 10 finding 9)", "[iam][audit]") {
  World w;
  w.enable_audit();
  gatehouse::store::TemporaryCredentials issued;
  require_ok(w.store().write([&](gatehouse::store::Mutation& m) -> gatehouse::store::Result<void> {
    gatehouse::store::CreateRoleInput role;
    role.account = "111111111111";
    role.name = "r1";
    role.assume_role_policy = kTrust;
    if (auto r = m.create_role(role); !r) return r.error();
    gatehouse::store::AssumeRoleInput input;
    input.account = "111111111111";
    input.role_name = "r1";
    input.session_name = "s1";
    input.source_identity = "alice";
    auto session = m.assume_role(input);
    if (!session) return session.error();
    issued = session.value();
    return gatehouse::store::success();
  }));
  const gatehouse::query_test::Keys keys{issued.access_key_id, issued.secret_access_key, issued.session_token};
  require_error(w.call("GetUser", {{"UserName", "alice"}}, keys), 403, "AccessDenied");
  const auto record = record_of(w, "GetUser");
  const auto& context = record["userIdentity"]["sessionContext"];
  REQUIRE(context.IsObject());
  REQUIRE(context.HasMember("sourceIdentity"));
  REQUIRE(std::string(context["sourceIdentity"].GetString()) == "alice");
}

TEST_CASE("requestParameters lists the members the call read, not members after a gap (adversarial review 3)",
          "[iam][audit]") {
  World w;
  w.enable_audit();
  // Members are read from .1 up to the first missing index; .3 (after a gap) and .01 are not read.
  require_success(w.admin("CreateRole", {{"RoleName", "r1"},
                                         {"AssumeRolePolicyDocument", kTrust},
                                         {"Tags.member.1.Key", "team"},
                                         {"Tags.member.1.Value", "a"},
                                         {"Tags.member.3.Key", "owner"},
                                         {"Tags.member.3.Value", "mallory"},
                                         {"Tags.member.01.Key", "shadow"},
                                         {"Tags.member.01.Value", "x"}}),
                  "CreateRole", true);
  const auto created = record_of(w, "CreateRole");
  const auto& stored = created["responseElements"]["role"]["tags"];
  REQUIRE(stored.IsArray());
  REQUIRE(stored.Size() == 1);
  const auto& logged = created["requestParameters"]["tags"];
  REQUIRE(logged.IsArray());
  CHECK(logged.Size() == stored.Size());
  REQUIRE(logged.Size() >= 1);
  CHECK(std::string(logged[0]["key"].GetString()) == "team");
  CHECK(std::string(logged[0]["value"].GetString()) == "a");

  // A list with no member 1 was not read at all: it is not in the record.
  require_success(w.admin("CreateRole", {{"RoleName", "r2"},
                                         {"AssumeRolePolicyDocument", kTrust},
                                         {"Tags.member.2.Key", "owner"},
                                         {"Tags.member.2.Value", "mallory"}}),
                  "CreateRole", true);
  const auto second = record_of(w, "CreateRole");
  CHECK_FALSE(second["requestParameters"].HasMember("tags"));
}
