// IAM groups through the Query API: CreateGroup, GetGroup, ListGroups, ListGroupsForUser,
// AddUserToGroup, RemoveUserFromGroup, DeleteGroup, and group policies (iam-sts-api.md 3.2).
#include "tests/server/iam_test_world.h"

using namespace gatehouse::iam_test;

TEST_CASE("CreateGroup answers the group; names clash case-insensitively", "[iam][groups]") {
  World w;
  const Response r = w.admin("CreateGroup", {{"GroupName", "Devs"}, {"Path", "/eng/"}});
  require_success(r, "CreateGroup", true);
  REQUIRE(r.text("Path") == "/eng/");
  REQUIRE(r.text("GroupName") == "Devs");
  REQUIRE(r.text("GroupId").starts_with("AGPA"));
  REQUIRE(r.text("GroupId").size() == 21);
  REQUIRE(r.text("Arn") == "arn:aws:iam::111111111111:group/eng/Devs");
  REQUIRE(r.text("CreateDate").ends_with("Z"));
  require_error(w.admin("CreateGroup", {{"GroupName", "devs"}}), 409, "EntityAlreadyExists",
                "Group with name devs already exists.");
  require_error(w.admin("CreateGroup", {}), 400, "ValidationError",
                "1 validation error detected: Value null at 'groupName' failed to satisfy constraint: Member must not "
                "be null");
  require_error(w.admin("CreateGroup", {{"GroupName", "x"}, {"Path", "eng"}}), 400, "ValidationError");
  // An empty name is an empty string, not a missing member.
  require_error(w.admin("CreateGroup", {{"GroupName", ""}}), 400, "ValidationError",
                "1 validation error detected: Value '' at 'groupName' failed to satisfy constraint: Member must have "
                "length greater than or equal to 1");
  w.require_denied("CreateGroup", {{"GroupName", "ops"}, {"Path", "/eng/"}}, "arn:aws:iam::111111111111:group/eng/ops");
  // Refused writes leave nothing behind (read back as the admin).
  require_error(w.admin("GetGroup", {{"GroupName", "ops"}}), 404, "NoSuchEntity");
}

TEST_CASE("AddUserToGroup, GetGroup with its users, ListGroupsForUser, RemoveUserFromGroup", "[iam][groups]") {
  World w;
  require_success(w.admin("CreateGroup", {{"GroupName", "devs"}, {"Path", "/eng/"}}), "CreateGroup", true);
  // Authorized on the group, not the user.
  w.require_denied("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "alice"}},
                   "group devs");
  REQUIRE(w.admin("ListGroupsForUser", {{"UserName", "alice"}}).body.find("devs") == std::string::npos);
  require_success(w.admin("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "alice"}}), "AddUserToGroup", false);
  require_success(w.admin("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "admin"}}), "AddUserToGroup", false);
  // Joining twice is no error.
  require_success(w.admin("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "alice"}}), "AddUserToGroup", false);
  require_error(w.admin("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "nobody"}}), 404, "NoSuchEntity",
                "The user with name nobody cannot be found.");
  require_error(w.admin("AddUserToGroup", {{"GroupName", "nope"}, {"UserName", "alice"}}), 404, "NoSuchEntity",
                "The group with name nope cannot be found.");
  require_error(w.admin("AddUserToGroup", {{"GroupName", "devs"}}), 400, "ValidationError");

  const Response g = w.admin("GetGroup", {{"GroupName", "devs"}});
  require_success(g, "GetGroup", true);
  REQUIRE(g.body.find("<GetGroupResult><Group><Path>/eng/</Path><GroupName>devs</GroupName>") != std::string::npos);
  REQUIRE(g.body.find("</Group><Users><member><Path>/</Path><UserName>admin</UserName>") != std::string::npos);
  REQUIRE(g.count("UserName") == 2);
  REQUIRE(g.text("IsTruncated") == "false");
  const Response page = w.admin("GetGroup", {{"GroupName", "devs"}, {"MaxItems", "1"}});
  REQUIRE(page.count("UserName") == 1);
  REQUIRE(page.text("Marker") == "alice");
  require_error(w.admin("GetGroup", {{"GroupName", "nope"}}), 404, "NoSuchEntity");
  w.require_denied("GetGroup", {{"GroupName", "devs"}}, "group devs");

  const Response mine = w.admin("ListGroupsForUser", {{"UserName", "alice"}});
  require_success(mine, "ListGroupsForUser", true);
  REQUIRE(mine.text("GroupName") == "devs");
  REQUIRE(mine.count("member") == 1);
  w.require_denied("ListGroupsForUser", {{"UserName", "alice"}}, "user alice");
  require_error(w.admin("ListGroupsForUser", {{"UserName", "nobody"}}), 404, "NoSuchEntity");

  require_error(w.admin("DeleteUser", {{"UserName", "admin"}}), 409, "DeleteConflict");
  require_error(w.admin("DeleteGroup", {{"GroupName", "devs"}}), 409, "DeleteConflict",
                "Cannot delete entity, must remove users from group first.");

  w.require_denied("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "alice"}},
                   "group devs");
  require_success(w.admin("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "alice"}}), "RemoveUserFromGroup",
                  false);
  require_error(w.admin("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "alice"}}), 404, "NoSuchEntity");
  REQUIRE(w.admin("ListGroupsForUser", {{"UserName", "alice"}}).body.find("<Groups/>") != std::string::npos);
}

TEST_CASE("A user joins at most 10 groups", "[iam][groups]") {
  World w;
  for (int i = 1; i <= 11; ++i) {
    const std::string name = "g" + std::to_string(i);
    require_success(w.root("CreateGroup", {{"GroupName", name}}), "CreateGroup", true);
    const Response r = w.root("AddUserToGroup", {{"GroupName", name}, {"UserName", "alice"}});
    if (i <= 10) {
      require_success(r, "AddUserToGroup", false);
    } else {
      require_error(r, 409, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10");
    }
  }
}

TEST_CASE("ListGroups pages and filters by path", "[iam][groups][pagination]") {
  World w;
  for (const char* name : {"a", "b", "c"})
    require_success(w.root("CreateGroup", {{"GroupName", name}}), "CreateGroup", true);
  require_success(w.root("CreateGroup", {{"GroupName", "d"}, {"Path", "/ops/"}}), "CreateGroup", true);
  const Response all = w.root("ListGroups");
  require_success(all, "ListGroups", true);
  REQUIRE(all.count("member") == 4);
  const Response page1 = w.root("ListGroups", {{"MaxItems", "3"}});
  REQUIRE(page1.count("member") == 3);
  REQUIRE(page1.text("IsTruncated") == "true");
  const Response page2 = w.root("ListGroups", {{"MaxItems", "3"}, {"Marker", page1.text("Marker")}});
  REQUIRE(page2.count("member") == 1);
  REQUIRE(page2.text("GroupName") == "d");
  const Response ops = w.root("ListGroups", {{"PathPrefix", "/ops/"}});
  REQUIRE(ops.count("member") == 1);
  w.require_denied("ListGroups", {}, "*");
}

TEST_CASE("Group policies: PutGroupPolicy, AttachGroupPolicy and the DeleteGroup conflicts", "[iam][groups]") {
  World w;
  require_success(w.admin("CreateGroup", {{"GroupName", "devs"}}), "CreateGroup", true);
  require_success(
      w.admin("PutGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "logs"}, {"PolicyDocument", kLogsPolicy}}),
      "PutGroupPolicy", false);
  const Response got = w.admin("GetGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "logs"}});
  require_success(got, "GetGroupPolicy", true);
  REQUIRE(got.text("GroupName") == "devs");
  REQUIRE(url_decode(got.text("PolicyDocument")) == kLogsPolicy);
  REQUIRE(w.admin("ListGroupPolicies", {{"GroupName", "devs"}})
              .body.find("<PolicyNames><member>logs</member></PolicyNames>") != std::string::npos);
  w.require_denied("PutGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "x"}, {"PolicyDocument", kLogsPolicy}},
                   "group devs");
  require_error(w.admin("GetGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "x"}}), 404, "NoSuchEntity");
  require_error(w.admin("PutGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "bad"}, {"PolicyDocument", "{"}}), 400,
                "MalformedPolicyDocument", "Syntax errors in policy.");

  // A group member gets the group's permissions.
  require_success(w.admin("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "alice"}}), "AddUserToGroup", false);
  require_success(w.admin("PutGroupPolicy", {{"GroupName", "devs"},
                                             {"PolicyName", "read"},
                                             {"PolicyDocument", document(allow("iam:GetGroup", "*"))}}),
                  "PutGroupPolicy", false);
  require_success(w.alice("GetGroup", {{"GroupName", "devs"}}), "GetGroup", true);

  require_error(w.admin("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", "arn:aws:iam::aws:policy/Nope"}}),
                404, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.");
  w.require_denied("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", kBasicExecution}},
                   "group devs");
  REQUIRE(w.admin("ListAttachedGroupPolicies", {{"GroupName", "devs"}}).body.find(kBasicExecution) ==
          std::string::npos);
  require_success(w.admin("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", kBasicExecution}}),
                  "AttachGroupPolicy", false);
  const Response attached = w.admin("ListAttachedGroupPolicies", {{"GroupName", "devs"}});
  require_success(attached, "ListAttachedGroupPolicies", true);
  REQUIRE(
      attached.body.find("<AttachedPolicies><member><PolicyName>AWSLambdaBasicExecutionRole</PolicyName><PolicyArn>" +
                         kBasicExecution + "</PolicyArn></member></AttachedPolicies>") != std::string::npos);

  require_success(w.admin("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "alice"}}), "RemoveUserFromGroup",
                  false);
  require_error(w.admin("DeleteGroup", {{"GroupName", "devs"}}), 409, "DeleteConflict",
                "Cannot delete entity, must delete policies first.");
  for (const char* name : {"logs", "read"}) {
    require_success(w.admin("DeleteGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", name}}), "DeleteGroupPolicy",
                    false);
  }
  require_error(w.admin("DeleteGroup", {{"GroupName", "devs"}}), 409, "DeleteConflict",
                "Cannot delete entity, must detach all policies first.");
  require_success(w.admin("DetachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", kBasicExecution}}),
                  "DetachGroupPolicy", false);
  w.require_denied("DeleteGroup", {{"GroupName", "devs"}}, "group devs");
  require_success(w.admin("GetGroup", {{"GroupName", "devs"}}), "GetGroup", true);  // still there
  require_success(w.admin("DeleteGroup", {{"GroupName", "devs"}}), "DeleteGroup", false);
  require_error(w.admin("DeleteGroup", {{"GroupName", "devs"}}), 404, "NoSuchEntity",
                "The group with name devs cannot be found.");
}

TEST_CASE("AttachGroupPolicy is authorized with iam:PolicyARN", "[iam][groups]") {
  World w;
  require_success(w.admin("CreateGroup", {{"GroupName", "devs"}}), "CreateGroup", true);
  w.alice_policy(
      allow("iam:AttachGroupPolicy", "*", R"({"ArnLike":{"iam:PolicyARN":"arn:aws:iam::aws:policy/service-role/*"}})"));
  require_success(w.alice("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", kBasicExecution}}),
                  "AttachGroupPolicy", false);
  require_error(
      w.alice("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", "arn:aws:iam::aws:policy/AWSLambdaExecute"}}),
      403, "AccessDenied");
}

TEST_CASE("Group, tag and boundary calls deny a user without permission, on the entity's ARN", "[iam][groups]") {
  World w;
  require_success(w.admin("CreateGroup", {{"GroupName", "devs"}, {"Path", "/eng/"}}), "CreateGroup", true);
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"Path", "/app/"}, {"AssumeRolePolicyDocument", kTrust}}),
                  "CreateRole", true);
  // A denial names the entity by kind and name, not by its ARN (iam-sts-api.md 1.4).
  const std::string group = "group devs";
  const std::string role = "role r1";
  const std::string user = "user admin";
  const std::vector<std::tuple<std::string, Form, std::string>> calls = {
      {"GetGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "p"}}, group},
      {"DeleteGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "p"}}, group},
      {"ListGroupPolicies", {{"GroupName", "devs"}}, group},
      {"DetachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", kBasicExecution}}, group},
      {"ListAttachedGroupPolicies", {{"GroupName", "devs"}}, group},
      {"UntagRole", {{"RoleName", "r1"}, {"TagKeys.member.1", "k"}}, role},
      {"ListRoleTags", {{"RoleName", "r1"}}, role},
      {"DeleteUserPermissionsBoundary", {{"UserName", "admin"}}, user},
  };
  for (const auto& [action, form, resource] : calls) {
    INFO(action);
    w.require_denied(action, form, resource);
  }
}
