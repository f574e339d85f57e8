// Inline and attached policies of users and roles through the Query API: Put/Get/Delete/List
// {User,Role}Policy, Attach/Detach/ListAttached{User,Role}Policies (iam-sts-api.md 3.3).
#include "tests/server/iam_test_world.h"

using namespace gatehouse::iam_test;

namespace {

void create_role(World& w, const std::string& name, const std::string& path = "/") {
  require_success(w.root("CreateRole", {{"RoleName", name}, {"Path", path}, {"AssumeRolePolicyDocument", kTrust}}),
                  "CreateRole", true);
}

}  // namespace

TEST_CASE("PutUserPolicy, GetUserPolicy (URL-encoded), ListUserPolicies, DeleteUserPolicy", "[iam][inline]") {
  World w;
  const Response put =
      w.admin("PutUserPolicy", {{"UserName", "alice"}, {"PolicyName", "logs"}, {"PolicyDocument", kLogsPolicy}});
  require_success(put, "PutUserPolicy", false);
  const Response got = w.admin("GetUserPolicy", {{"UserName", "alice"}, {"PolicyName", "logs"}});
  require_success(got, "GetUserPolicy", true);
  REQUIRE(got.text("UserName") == "alice");
  REQUIRE(got.text("PolicyName") == "logs");
  const std::string encoded = got.text("PolicyDocument");
  REQUIRE(encoded.starts_with("%7B%22Version%22%3A%20%222012-10-17%22%2C%20"));
  REQUIRE(encoded.find('+') == std::string::npos);
  REQUIRE(url_decode(encoded) == kLogsPolicy);

  // Putting the same name replaces it.
  const std::string other = document(allow("iam:GetUser", "*"));
  require_success(w.admin("PutUserPolicy", {{"UserName", "alice"}, {"PolicyName", "logs"}, {"PolicyDocument", other}}),
                  "PutUserPolicy", false);
  REQUIRE(
      url_decode(w.admin("GetUserPolicy", {{"UserName", "alice"}, {"PolicyName", "logs"}}).text("PolicyDocument")) ==
      other);
  // ... and takes effect: alice may now GetUser.
  require_success(w.alice("GetUser"), "GetUser", true);

  require_success(
      w.admin("PutUserPolicy", {{"UserName", "alice"}, {"PolicyName", "extra"}, {"PolicyDocument", kLogsPolicy}}),
      "PutUserPolicy", false);
  const Response listed = w.admin("ListUserPolicies", {{"UserName", "alice"}});
  require_success(listed, "ListUserPolicies", true);
  REQUIRE(listed.body.find("<PolicyNames><member>extra</member><member>logs</member></PolicyNames>"
                           "<IsTruncated>false</IsTruncated>") != std::string::npos);
  const Response page = w.admin("ListUserPolicies", {{"UserName", "alice"}, {"MaxItems", "1"}});
  REQUIRE(page.body.find("<PolicyNames><member>extra</member></PolicyNames><IsTruncated>true</IsTruncated><Marker>logs"
                         "</Marker>") != std::string::npos);

  require_error(w.admin("DeleteUser", {{"UserName", "alice"}}), 409, "DeleteConflict");
  require_success(w.admin("DeleteUserPolicy", {{"UserName", "alice"}, {"PolicyName", "extra"}}), "DeleteUserPolicy",
                  false);
  require_error(w.admin("DeleteUserPolicy", {{"UserName", "alice"}, {"PolicyName", "extra"}}), 404, "NoSuchEntity",
                "The user policy with name extra cannot be found.");
  require_error(w.admin("GetUserPolicy", {{"UserName", "alice"}, {"PolicyName", "extra"}}), 404, "NoSuchEntity",
                "The user policy with name extra cannot be found.");
  require_error(w.admin("GetUserPolicy", {{"UserName", "nobody"}, {"PolicyName", "extra"}}), 404, "NoSuchEntity",
                "The user with name nobody cannot be found.");
  require_error(w.admin("ListUserPolicies", {{"UserName", "nobody"}}), 404, "NoSuchEntity");
}

TEST_CASE("Inline user policies: denials and errors", "[iam][inline]") {
  World w;
  for (const char* action : {"PutUserPolicy", "GetUserPolicy", "DeleteUserPolicy"}) {
    w.require_denied(action, {{"UserName", "admin"}, {"PolicyName", "all"}, {"PolicyDocument", kLogsPolicy}},
                     "user admin");
  }
  w.require_denied("ListUserPolicies", {{"UserName", "admin"}}, "user admin");
  require_error(w.admin("PutUserPolicy", {{"UserName", "alice"}, {"PolicyName", "p"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must "
                "not be null");
  require_error(w.admin("PutUserPolicy", {{"UserName", "alice"}, {"PolicyDocument", kLogsPolicy}}), 400,
                "ValidationError",
                "1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not "
                "be null");
  require_error(w.admin("PutUserPolicy", {{"PolicyName", "p"}, {"PolicyDocument", kLogsPolicy}}), 400,
                "ValidationError",
                "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not "
                "be null");
  require_error(w.admin("PutUserPolicy", {{"UserName", "alice"}, {"PolicyName", "p"}, {"PolicyDocument", "{not json"}}),
                400, "MalformedPolicyDocument", "Syntax errors in policy.");
  require_error(
      w.admin(
          "PutUserPolicy",
          {{"UserName", "alice"},
           {"PolicyName", "p"},
           {"PolicyDocument",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})"}}),
      400, "MalformedPolicyDocument", "Policy document should not specify a principal.");
  require_error(
      w.admin("PutUserPolicy", {{"UserName", "nobody"}, {"PolicyName", "p"}, {"PolicyDocument", kLogsPolicy}}), 404,
      "NoSuchEntity", "The user with name nobody cannot be found.");
  // Over 2048 characters of user inline policies.
  std::string big = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)";
  for (int i = 0; i < 120; ++i) big += std::string(i ? "," : "") + "\"s3:GetObject" + std::to_string(i) + "\"";
  big += R"(],"Resource":"*"}]})";
  require_error(w.admin("PutUserPolicy", {{"UserName", "alice"}, {"PolicyName", "big"}, {"PolicyDocument", big}}), 409,
                "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user alice");
}

TEST_CASE("PutUserPolicy is authorized with the user's iam:PermissionsBoundary", "[iam][inline]") {
  World w;
  require_success(
      w.admin("PutUserPermissionsBoundary", {{"UserName", "admin"}, {"PermissionsBoundary", kBasicExecution}}),
      "PutUserPermissionsBoundary", false);
  w.alice_policy(
      allow("iam:PutUserPolicy", "*", R"({"StringEquals":{"iam:PermissionsBoundary":")" + kBasicExecution + "\"}}"));
  // admin has the boundary; alice herself has none.
  require_success(
      w.alice("PutUserPolicy", {{"UserName", "admin"}, {"PolicyName", "x"}, {"PolicyDocument", kLogsPolicy}}),
      "PutUserPolicy", false);
  require_error(w.alice("PutUserPolicy", {{"UserName", "alice"}, {"PolicyName", "x"}, {"PolicyDocument", kLogsPolicy}}),
                403, "AccessDenied");
}

TEST_CASE("Role inline policies: PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy", "[iam][inline]") {
  World w;
  create_role(w, "r1", "/app/");
  require_success(
      w.admin("PutRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "logs"}, {"PolicyDocument", kLogsPolicy}}),
      "PutRolePolicy", false);
  const Response got = w.admin("GetRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "logs"}});
  require_success(got, "GetRolePolicy", true);
  REQUIRE(got.text("RoleName") == "r1");
  REQUIRE(url_decode(got.text("PolicyDocument")) == kLogsPolicy);
  REQUIRE(w.admin("ListRolePolicies", {{"RoleName", "r1"}}).body.find("<member>logs</member>") != std::string::npos);
  require_error(w.admin("GetRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "x"}}), 404, "NoSuchEntity",
                "The role policy with name x cannot be found.");
  require_error(w.admin("PutRolePolicy", {{"RoleName", "nope"}, {"PolicyName", "x"}, {"PolicyDocument", kLogsPolicy}}),
                404, "NoSuchEntity", "The role with name nope cannot be found.");
  require_error(w.admin("PutRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "x"}, {"PolicyDocument", "[]"}}), 400,
                "MalformedPolicyDocument");
  for (const char* action : {"PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy"}) {
    w.require_denied(action, {{"RoleName", "r1"}, {"PolicyName", "logs"}, {"PolicyDocument", kLogsPolicy}},
                     "role r1");
  }
  w.require_denied("ListRolePolicies", {{"RoleName", "r1"}}, "role r1");
  require_success(w.admin("DeleteRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "logs"}}), "DeleteRolePolicy", false);
  require_error(w.admin("DeleteRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "logs"}}), 404, "NoSuchEntity",
                "The role policy with name logs cannot be found.");
  REQUIRE(w.admin("ListRolePolicies", {{"RoleName", "r1"}}).body.find("<PolicyNames/>") != std::string::npos);
}

TEST_CASE("AttachUserPolicy, ListAttachedUserPolicies, DetachUserPolicy", "[iam][attached]") {
  World w;
  const std::string role_policy = "arn:aws:iam::aws:policy/service-role/AWSLambdaRole";
  require_success(w.admin("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", kBasicExecution}}),
                  "AttachUserPolicy", false);
  // Attaching twice is a no-op.
  require_success(w.admin("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", kBasicExecution}}),
                  "AttachUserPolicy", false);
  require_success(w.admin("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", role_policy}}), "AttachUserPolicy",
                  false);
  const Response listed = w.admin("ListAttachedUserPolicies", {{"UserName", "alice"}});
  require_success(listed, "ListAttachedUserPolicies", true);
  REQUIRE(listed.count("member") == 2);
  REQUIRE(listed.body.find("<member><PolicyName>AWSLambdaRole</PolicyName><PolicyArn>" + role_policy +
                           "</PolicyArn></member>") != std::string::npos);
  REQUIRE(w.admin("GetPolicy", {{"PolicyArn", kBasicExecution}}).text("AttachmentCount") == "1");
  const Response page = w.admin("ListAttachedUserPolicies", {{"UserName", "alice"}, {"MaxItems", "1"}});
  REQUIRE(page.count("member") == 1);
  REQUIRE(page.text("IsTruncated") == "true");
  REQUIRE(w.admin("ListAttachedUserPolicies", {{"UserName", "alice"}, {"PathPrefix", "/nothing/"}})
              .body.find("<AttachedPolicies/>") != std::string::npos);

  // The attached policy takes effect: AWSLambdaRole allows lambda:InvokeFunction, nothing in IAM.
  w.require_denied("ListUsers", {}, "*");
  require_error(w.admin("DeleteUser", {{"UserName", "alice"}}), 409, "DeleteConflict");

  require_success(w.admin("DetachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", role_policy}}), "DetachUserPolicy",
                  false);
  require_error(w.admin("DetachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", role_policy}}), 404, "NoSuchEntity",
                "Policy " + role_policy + " was not found.");
  require_error(
      w.admin("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", "arn:aws:iam::222222222222:policy/theirs"}}),
      404, "NoSuchEntity", "Policy arn:aws:iam::222222222222:policy/theirs does not exist or is not attachable.");
  require_error(w.admin("AttachUserPolicy", {{"UserName", "nobody"}, {"PolicyArn", kBasicExecution}}), 404,
                "NoSuchEntity", "The user with name nobody cannot be found.");
  require_error(w.admin("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", "arn:aws:s3:::bucket/policy/x"}}),
                400, "InvalidInput");
  require_error(w.admin("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", "short"}}), 400, "ValidationError",
                "1 validation error detected: Value 'short' at 'policyArn' failed to satisfy constraint: Member must "
                "have length greater than or equal to 20");
  require_error(w.admin("AttachUserPolicy", {{"UserName", "alice"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not "
                "be null");
  for (const char* action : {"AttachUserPolicy", "DetachUserPolicy"}) {
    w.require_denied(action, {{"UserName", "admin"}, {"PolicyArn", kBasicExecution}},
                     "user admin");
  }
  w.require_denied("ListAttachedUserPolicies", {{"UserName", "admin"}}, "user admin");
}

TEST_CASE("An 11th attached role policy is LimitExceeded; Attach*Policy sees iam:PolicyARN", "[iam][attached]") {
  World w;
  create_role(w, "r1");
  for (int i = 1; i <= 11; ++i) {
    const std::string name = "p" + std::to_string(i);
    require_success(w.root("CreatePolicy", {{"PolicyName", name}, {"PolicyDocument", kLogsPolicy}}), "CreatePolicy",
                    true);
    const Response r =
        w.root("AttachRolePolicy", {{"RoleName", "r1"}, {"PolicyArn", "arn:aws:iam::111111111111:policy/" + name}});
    if (i <= 10) {
      require_success(r, "AttachRolePolicy", false);
    } else {
      require_error(r, 409, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10");
    }
  }
  const Response listed = w.root("ListAttachedRolePolicies", {{"RoleName", "r1"}});
  require_success(listed, "ListAttachedRolePolicies", true);
  REQUIRE(listed.count("member") == 10);
  require_error(w.root("ListAttachedRolePolicies", {{"RoleName", "nope"}}), 404, "NoSuchEntity");
  w.require_denied("ListAttachedRolePolicies", {{"RoleName", "r1"}}, "role r1");

  create_role(w, "r2", "/app/");
  w.alice_policy(allow("iam:AttachRolePolicy", "arn:aws:iam::111111111111:role/app/*",
                       R"({"StringEquals":{"iam:PolicyARN":")" + kBasicExecution + "\"}}") +
                 "," + allow("iam:DetachRolePolicy", "*"));
  require_success(w.alice("AttachRolePolicy", {{"RoleName", "r2"}, {"PolicyArn", kBasicExecution}}), "AttachRolePolicy",
                  false);
  require_error(w.alice("AttachRolePolicy", {{"RoleName", "r2"}, {"PolicyArn", "arn:aws:iam::111111111111:policy/p1"}}),
                403, "AccessDenied");
  require_error(w.alice("AttachRolePolicy", {{"RoleName", "r1"}, {"PolicyArn", kBasicExecution}}), 403, "AccessDenied",
                World::denied("iam:AttachRolePolicy", "role r1"));
  require_success(w.alice("DetachRolePolicy", {{"RoleName", "r2"}, {"PolicyArn", kBasicExecution}}), "DetachRolePolicy",
                  false);
  require_error(w.alice("DetachRolePolicy", {{"RoleName", "r2"}, {"PolicyArn", kBasicExecution}}), 404, "NoSuchEntity");
}

TEST_CASE("The root can do anything in its account, nothing in another", "[iam][root]") {
  World w;
  create_role(w, "r1");
  require_success(w.root("PutRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "p"}, {"PolicyDocument", kLogsPolicy}}),
                  "PutRolePolicy", false);
  require_success(w.root("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", kBasicExecution}}),
                  "AttachUserPolicy", false);
  require_success(w.root("CreateGroup", {{"GroupName", "g"}}), "CreateGroup", true);
  require_success(w.root("AddUserToGroup", {{"GroupName", "g"}, {"UserName", "alice"}}), "AddUserToGroup", false);
  require_success(w.root("CreatePolicy", {{"PolicyName", "mine"}, {"PolicyDocument", kLogsPolicy}}), "CreatePolicy",
                  true);
  require_success(w.root("CreateAccessKey", {{"UserName", "alice"}}), "CreateAccessKey", true);
  // Account B's bob acts in his own account: A's r1 is not what he asks for, and he has no policies.
  require_error(w.bob("GetRole", {{"RoleName", "r1"}}), 403, "AccessDenied",
                "User: arn:aws:iam::222222222222:user/bob is not authorized to perform: iam:GetRole on resource: "
                "role r1 because no identity-based policy allows the iam:GetRole action");
}

TEST_CASE("Entity names are case-insensitive; answers name the entity as stored", "[iam][inline]") {
  World w;
  require_success(
      w.admin("PutUserPolicy", {{"UserName", "ALICE"}, {"PolicyName", "logs"}, {"PolicyDocument", kLogsPolicy}}),
      "PutUserPolicy", false);
  const Response got = w.admin("GetUserPolicy", {{"UserName", "Alice"}, {"PolicyName", "logs"}});
  require_success(got, "GetUserPolicy", true);
  REQUIRE(got.text("UserName") == "alice");
  // And a denial names the user as requested, never its stored spelling or path.
  w.require_denied("GetUserPolicy", {{"UserName", "ADMIN"}, {"PolicyName", "all"}}, "user ADMIN");
}
