// IAM access keys through the Query API: CreateAccessKey (secret once, never in the audit log),
// UpdateAccessKey, DeleteAccessKey, ListAccessKeys (iam-sts-api.md 3.1); ListUsers pages.
#include "tests/server/iam_test_world.h"

using namespace gatehouse::iam_test;

namespace {

std::string first_key(const Response& r) { return r.text("AccessKeyId"); }

}  // namespace

TEST_CASE("CreateAccessKey answers the key with its secret, and the audit record has no secret", "[iam][keys]") {
  World w;
  w.enable_audit();
  const Response r = w.admin("CreateAccessKey", {{"UserName", "alice"}});
  require_success(r, "CreateAccessKey", true);
  REQUIRE(r.text("UserName") == "alice");
  REQUIRE(r.text("AccessKeyId").starts_with("AKIA"));
  REQUIRE(r.text("AccessKeyId").size() == 20);
  REQUIRE(r.text("Status") == "Active");
  const std::string secret = r.text("SecretAccessKey");
  REQUIRE(secret.size() == 40);
  REQUIRE(r.text("CreateDate").ends_with("Z"));

  const std::string audit = w.audit_text();
  REQUIRE(audit.find("\"eventName\":\"CreateAccessKey\"") != std::string::npos);
  REQUIRE(audit.find("\"accessKey\":{\"userName\":\"alice\",\"accessKeyId\":\"" + r.text("AccessKeyId") +
                     "\",\"status\":\"Active\",\"createDate\":\"" + r.text("CreateDate") + "\"}") != std::string::npos);
  REQUIRE(audit.find(secret) == std::string::npos);
  REQUIRE(audit.find("ecretAccessKey") == std::string::npos);

  // The new key works: alice signs with it.
  const Response me = w.call("GetUser", {}, r.text("AccessKeyId"), secret);
  require_error(me, 403, "AccessDenied");
  REQUIRE(me.message().starts_with("User: arn:aws:iam::111111111111:user/alice is not authorized"));
}

TEST_CASE("CreateAccessKey without UserName is for the caller; the root creates root keys", "[iam][keys]") {
  World w;
  w.require_denied("CreateAccessKey", {}, "user alice");
  w.alice_policy(allow("iam:CreateAccessKey", "arn:aws:iam::111111111111:user/${aws:username}"));
  const Response mine = w.alice("CreateAccessKey");
  require_success(mine, "CreateAccessKey", true);
  REQUIRE(mine.text("UserName") == "alice");
  // Alice already had one key: this was her second, a third exceeds the quota.
  require_error(w.alice("CreateAccessKey"), 409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2");
  // Another user is not hers to give keys to.
  w.require_denied("CreateAccessKey", {{"UserName", "admin"}}, "user admin");

  const Response root = w.root("CreateAccessKey");
  require_success(root, "CreateAccessKey", true);
  REQUIRE_FALSE(root.has("UserName"));
  const Response listed = w.root("ListAccessKeys");
  require_success(listed, "ListAccessKeys", true);
  REQUIRE(listed.count("member") == 2);
  REQUIRE(listed.body.find(std::string(kRootKey)) != std::string::npos);
}

TEST_CASE("CreateAccessKey errors: unknown user, third key, bad user name", "[iam][keys]") {
  World w;
  require_error(w.admin("CreateAccessKey", {{"UserName", "nobody"}}), 404, "NoSuchEntity",
                "The user with name nobody cannot be found.");
  require_success(w.admin("CreateAccessKey", {{"UserName", "alice"}}), "CreateAccessKey", true);
  require_error(w.admin("CreateAccessKey", {{"UserName", "alice"}}), 409, "LimitExceeded",
                "Cannot exceed quota for AccessKeysPerUser: 2");
  require_error(w.admin("CreateAccessKey", {{"UserName", "a b"}}), 400, "ValidationError");
  // Unknown users are still authorized first: no existence oracle for the unauthorized.
  w.require_denied("CreateAccessKey", {{"UserName", "nobody"}}, "user nobody");
}

TEST_CASE("ListAccessKeys lists metadata without secrets, in pages", "[iam][keys]") {
  World w;
  const Response created = w.admin("CreateAccessKey", {{"UserName", "alice"}});
  const Response r = w.admin("ListAccessKeys", {{"UserName", "alice"}});
  require_success(r, "ListAccessKeys", true);
  REQUIRE(r.count("member") == 2);
  REQUIRE(r.body.find(std::string(kAliceKey)) != std::string::npos);
  REQUIRE(r.body.find(first_key(created)) != std::string::npos);
  REQUIRE(r.body.find("SecretAccessKey") == std::string::npos);
  REQUIRE(r.text("IsTruncated") == "false");
  REQUIRE_FALSE(r.has("Marker"));

  const Response page1 = w.admin("ListAccessKeys", {{"UserName", "alice"}, {"MaxItems", "1"}});
  REQUIRE(page1.count("member") == 1);
  REQUIRE(page1.text("IsTruncated") == "true");
  const Response page2 = w.admin("ListAccessKeys", {{"UserName", "alice"}, {"Marker", page1.text("Marker")}});
  REQUIRE(page2.count("member") == 1);
  REQUIRE(page2.text("IsTruncated") == "false");
  REQUIRE(page1.text("AccessKeyId") != page2.text("AccessKeyId"));

  require_error(w.admin("ListAccessKeys", {{"UserName", "nobody"}}), 404, "NoSuchEntity");
  w.require_denied("ListAccessKeys", {{"UserName", "admin"}}, "user admin");
  // A user with no keys: an empty list element.
  require_success(w.admin("CreateUser", {{"UserName", "carol"}}), "CreateUser", true);
  const Response empty = w.admin("ListAccessKeys", {{"UserName", "carol"}});
  REQUIRE(empty.body.find("<AccessKeyMetadata/>") != std::string::npos);
}

TEST_CASE("UpdateAccessKey deactivates a key; the key then fails to sign", "[iam][keys]") {
  World w;
  const Response created = w.admin("CreateAccessKey", {{"UserName", "alice"}});
  const std::string id = first_key(created), secret = created.text("SecretAccessKey");
  require_error(w.admin("UpdateAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}, {"Status", "Paused"}}), 400,
                "ValidationError",
                "1 validation error detected: Value 'Paused' at 'status' failed to satisfy constraint: Member must "
                "satisfy enum value set: [Active, Inactive]");
  require_error(w.admin("UpdateAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'status' failed to satisfy constraint: Member must not be "
                "null");
  w.require_denied("UpdateAccessKey", {{"AccessKeyId", id}, {"Status", "Inactive"}},
                   "user alice");
  const Response r = w.admin("UpdateAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}, {"Status", "Inactive"}});
  require_success(r, "UpdateAccessKey", false);
  const Response listed = w.admin("ListAccessKeys", {{"UserName", "alice"}});
  REQUIRE(listed.body.find("<AccessKeyId>" + id + "</AccessKeyId><Status>Inactive</Status>") != std::string::npos);
  REQUIRE(w.call("GetUser", {}, id, secret).status == 403);
  require_error(w.admin("UpdateAccessKey", {{"UserName", "admin"}, {"AccessKeyId", id}, {"Status", "Active"}}), 404,
                "NoSuchEntity", "The Access Key with id " + id + " cannot be found.");
}

TEST_CASE("DeleteAccessKey removes a key; DeleteUser needs its keys gone first", "[iam][keys]") {
  World w;
  require_error(w.admin("DeleteAccessKey", {{"UserName", "alice"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must "
                "not be null");
  require_error(w.admin("DeleteAccessKey", {{"UserName", "alice"}, {"AccessKeyId", "AKIANOSUCHKEY0000000"}}), 404,
                "NoSuchEntity", "The Access Key with id AKIANOSUCHKEY0000000 cannot be found.");
  w.require_denied("DeleteAccessKey", {{"AccessKeyId", std::string(kAliceKey)}},
                   "user alice");
  require_error(w.admin("DeleteUser", {{"UserName", "alice"}}), 409, "DeleteConflict",
                "Cannot delete entity, must delete access keys first.");
  const Response r = w.admin("DeleteAccessKey", {{"UserName", "alice"}, {"AccessKeyId", std::string(kAliceKey)}});
  require_success(r, "DeleteAccessKey", false);
  REQUIRE(w.admin("ListAccessKeys", {{"UserName", "alice"}}).count("member") == 0);
  require_success(w.admin("DeleteUser", {{"UserName", "alice"}}), "DeleteUser", false);
}

TEST_CASE("ListUsers pages with MaxItems and Marker", "[iam][pagination]") {
  World w;
  for (const char* name : {"u1", "u2", "u3"})
    require_success(w.root("CreateUser", {{"UserName", name}}), "CreateUser", true);
  // admin, alice, u1, u2, u3
  const Response page1 = w.root("ListUsers", {{"MaxItems", "2"}});
  require_success(page1, "ListUsers", true);
  REQUIRE(page1.count("member") == 2);
  REQUIRE(page1.text("IsTruncated") == "true");
  REQUIRE(page1.text("UserName") == "admin");
  const Response page2 = w.root("ListUsers", {{"MaxItems", "2"}, {"Marker", page1.text("Marker")}});
  REQUIRE(page2.count("member") == 2);
  REQUIRE(page2.text("UserName") == "u1");
  const Response page3 = w.root("ListUsers", {{"MaxItems", "2"}, {"Marker", page2.text("Marker")}});
  REQUIRE(page3.count("member") == 1);
  REQUIRE(page3.text("UserName") == "u3");
  REQUIRE(page3.text("IsTruncated") == "false");
  REQUIRE_FALSE(page3.has("Marker"));
  require_error(w.root("ListUsers", {{"MaxItems", "0"}}), 400, "ValidationError",
                "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have "
                "value greater than or equal to 1");
  w.require_denied("ListUsers", {}, "*");
}

TEST_CASE("The root manages its own keys without UserName", "[iam][keys]") {
  World w;
  const Response created = w.root("CreateAccessKey");
  const std::string id = created.text("AccessKeyId");
  require_success(w.root("UpdateAccessKey", {{"AccessKeyId", id}, {"Status", "Inactive"}}), "UpdateAccessKey", false);
  REQUIRE(w.root("ListAccessKeys").body.find("<AccessKeyId>" + id + "</AccessKeyId><Status>Inactive</Status>") !=
          std::string::npos);
  // A user's key is not the root's.
  require_error(w.root("DeleteAccessKey", {{"AccessKeyId", std::string(kAliceKey)}}), 404, "NoSuchEntity",
                "The Access Key with id " + std::string(kAliceKey) + " cannot be found.");
  require_success(w.root("DeleteAccessKey", {{"AccessKeyId", id}}), "DeleteAccessKey", false);
  REQUIRE(w.root("ListAccessKeys").count("member") == 1);
}
