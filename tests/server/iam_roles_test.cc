// IAM roles through the Query API: CreateRole, GetRole, DeleteRole, UpdateRole,
// UpdateAssumeRolePolicy, ListRoles (iam-sts-api.md 3.4).
#include "tests/server/iam_test_world.h"

using namespace gatehouse::iam_test;

namespace {

const std::string kSpacedTrust =
    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": "
    "\"lambda.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}";

}  // namespace

TEST_CASE("CreateRole answers the role with its URL-encoded trust policy", "[iam][roles]") {
  World w;
  const Response r = w.admin("CreateRole", {{"RoleName", "Deployer"},
                                            {"Path", "/app/"},
                                            {"AssumeRolePolicyDocument", kSpacedTrust},
                                            {"Description", "deploys things"},
                                            {"MaxSessionDuration", "7200"},
                                            {"PermissionsBoundary", kBasicExecution},
                                            {"Tags.member.1.Key", "team"},
                                            {"Tags.member.1.Value", "blue"}});
  require_success(r, "CreateRole", true);
  REQUIRE(r.text("Path") == "/app/");
  REQUIRE(r.text("RoleName") == "Deployer");
  REQUIRE(r.text("RoleId").starts_with("AROA"));
  REQUIRE(r.text("RoleId").size() == 21);
  REQUIRE(r.text("Arn") == "arn:aws:iam::111111111111:role/app/Deployer");
  const std::string encoded = r.text("AssumeRolePolicyDocument");
  REQUIRE(encoded.starts_with("%7B%22Version%22%3A%20%222012-10-17%22"));
  REQUIRE(encoded.find('+') == std::string::npos);
  REQUIRE(url_decode(encoded) == kSpacedTrust);
  REQUIRE(r.text("Description") == "deploys things");
  REQUIRE(r.text("MaxSessionDuration") == "7200");
  REQUIRE(r.text("PermissionsBoundaryArn") == kBasicExecution);
  REQUIRE(r.text("Key") == "team");
  REQUIRE_FALSE(r.has("RoleLastUsed"));

  const Response got = w.admin("GetRole", {{"RoleName", "deployer"}});
  require_success(got, "GetRole", true);
  REQUIRE(got.text("RoleName") == "Deployer");
  REQUIRE(got.text("MaxSessionDuration") == "7200");
  REQUIRE(got.has("RoleLastUsed"));
  REQUIRE(url_decode(got.text("AssumeRolePolicyDocument")) == kSpacedTrust);
}

TEST_CASE("CreateRole errors", "[iam][roles]") {
  World w;
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust}}), "CreateRole",
                  true);
  require_error(w.admin("CreateRole", {{"RoleName", "R1"}, {"AssumeRolePolicyDocument", kTrust}}), 409,
                "EntityAlreadyExists", "Role with name R1 already exists.");
  require_error(w.admin("CreateRole", {{"RoleName", "r2"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: "
                "Member must not be null");
  require_error(w.admin("CreateRole", {{"AssumeRolePolicyDocument", kTrust}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not "
                "be null");
  require_error(w.admin("CreateRole", {{"RoleName", "r2"}, {"AssumeRolePolicyDocument", "not json"}}), 400,
                "MalformedPolicyDocument", "This policy contains invalid Json");
  require_error(
      w.admin(
          "CreateRole",
          {{"RoleName", "r2"},
           {"AssumeRolePolicyDocument",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]})"}}),
      400, "MalformedPolicyDocument", "Has prohibited field Resource.");
  require_error(
      w.admin("CreateRole", {{"RoleName", "r2"}, {"AssumeRolePolicyDocument", kTrust}, {"MaxSessionDuration", "60"}}),
      400, "ValidationError",
      "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member "
      "must have value greater than or equal to 3600");
  require_error(w.admin("CreateRole", {{"RoleName", "r2"},
                                       {"AssumeRolePolicyDocument", kTrust},
                                       {"PermissionsBoundary", "arn:aws:iam::111111111111:policy/none"}}),
                404, "NoSuchEntity",
                "Policy arn:aws:iam::111111111111:policy/none does not exist or is not attachable.");
  require_error(w.admin("CreateRole", {{"RoleName", "r2"}, {"AssumeRolePolicyDocument", "{\"a\":\"\x01\"}"}}), 400,
                "ValidationError");
  // A trust policy larger than 2048 characters (whitespace not counted).
  std::string big = R"({"Version":"2012-10-17","Statement":[)";
  for (int i = 0; i < 30; ++i) {
    big += std::string(i ? "," : "") +
           R"({"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Sid":"S)" +
           std::to_string(i) + "\"}";
  }
  big += "]}";
  require_error(w.admin("CreateRole", {{"RoleName", "r3"}, {"AssumeRolePolicyDocument", big}}), 409, "LimitExceeded",
                "Cannot exceed quota for ACLSizePerRole: 2048");
  REQUIRE(w.admin("ListRoles").count("member") == 1);
}

TEST_CASE("CreateRole is authorized on the role ARN with its keys; tags need iam:TagRole", "[iam][roles]") {
  World w;
  w.require_denied("CreateRole", {{"RoleName", "r1"}, {"Path", "/app/"}, {"AssumeRolePolicyDocument", kTrust}},
                   "arn:aws:iam::111111111111:role/app/r1");
  w.alice_policy(allow("iam:CreateRole", "arn:aws:iam::111111111111:role/app/*",
                       R"({"StringEquals":{"iam:PermissionsBoundary":")" + kBasicExecution + "\"}}"));
  require_error(w.alice("CreateRole", {{"RoleName", "r1"}, {"Path", "/app/"}, {"AssumeRolePolicyDocument", kTrust}}),
                403, "AccessDenied");
  const Form bounded{{"RoleName", "r1"},
                     {"Path", "/app/"},
                     {"AssumeRolePolicyDocument", kTrust},
                     {"PermissionsBoundary", kBasicExecution}};
  Form tagged = bounded;
  tagged.emplace_back("Tags.member.1.Key", "team");
  tagged.emplace_back("Tags.member.1.Value", "blue");
  const Response no_tag_permission = w.alice("CreateRole", tagged);
  require_error(no_tag_permission, 403, "AccessDenied",
                World::denied("iam:TagRole", "arn:aws:iam::111111111111:role/app/r1"));
  require_success(w.alice("CreateRole", bounded), "CreateRole", true);
}

TEST_CASE("GetRole, UpdateRole, UpdateAssumeRolePolicy", "[iam][roles]") {
  World w;
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"Path", "/app/"}, {"AssumeRolePolicyDocument", kTrust}}),
                  "CreateRole", true);
  require_error(w.admin("GetRole", {{"RoleName", "nope"}}), 404, "NoSuchEntity",
                "The role with name nope cannot be found.");
  w.require_denied("GetRole", {{"RoleName", "r1"}}, "role r1");
  w.require_denied("GetRole", {{"RoleName", "nope"}}, "role nope");

  const Response updated =
      w.admin("UpdateRole", {{"RoleName", "r1"}, {"Description", "new"}, {"MaxSessionDuration", "43200"}});
  require_success(updated, "UpdateRole", true);
  const Response got = w.admin("GetRole", {{"RoleName", "r1"}});
  REQUIRE(got.text("Description") == "new");
  REQUIRE(got.text("MaxSessionDuration") == "43200");
  require_error(w.admin("UpdateRole", {{"RoleName", "r1"}, {"MaxSessionDuration", "43201"}}), 400, "ValidationError");
  w.require_denied("UpdateRole", {{"RoleName", "r1"}, {"Description", "x"}}, "role r1");

  const std::string ec2 =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  require_success(w.admin("UpdateAssumeRolePolicy", {{"RoleName", "r1"}, {"PolicyDocument", ec2}}),
                  "UpdateAssumeRolePolicy", false);
  REQUIRE(url_decode(w.admin("GetRole", {{"RoleName", "r1"}}).text("AssumeRolePolicyDocument")) == ec2);
  require_error(
      w.admin(
          "UpdateAssumeRolePolicy",
          {{"RoleName", "r1"},
           {"PolicyDocument",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/nobody"},"Action":"sts:AssumeRole"}]})"}}),
      400, "MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111111111111:user/nobody\"");
  require_error(w.admin("UpdateAssumeRolePolicy", {{"RoleName", "nope"}, {"PolicyDocument", ec2}}), 404,
                "NoSuchEntity");
  require_error(w.admin("UpdateAssumeRolePolicy", {{"RoleName", "r1"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must "
                "not be null");
  w.require_denied("UpdateAssumeRolePolicy", {{"RoleName", "r1"}, {"PolicyDocument", ec2}},
                   "role r1");
}

TEST_CASE("DeleteRole with dependents is a DeleteConflict", "[iam][roles]") {
  World w;
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust}}), "CreateRole",
                  true);
  require_success(
      w.admin("PutRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "logs"}, {"PolicyDocument", kLogsPolicy}}),
      "PutRolePolicy", false);
  require_success(w.admin("AttachRolePolicy", {{"RoleName", "r1"}, {"PolicyArn", kBasicExecution}}), "AttachRolePolicy",
                  false);
  require_error(w.admin("DeleteRole", {{"RoleName", "r1"}}), 409, "DeleteConflict",
                "Cannot delete entity, must delete policies first.");
  require_success(w.admin("DeleteRolePolicy", {{"RoleName", "r1"}, {"PolicyName", "logs"}}), "DeleteRolePolicy", false);
  require_error(w.admin("DeleteRole", {{"RoleName", "r1"}}), 409, "DeleteConflict",
                "Cannot delete entity, must detach all policies first.");
  require_success(w.admin("DetachRolePolicy", {{"RoleName", "r1"}, {"PolicyArn", kBasicExecution}}), "DetachRolePolicy",
                  false);
  w.require_denied("DeleteRole", {{"RoleName", "r1"}}, "role r1");
  require_success(w.admin("DeleteRole", {{"RoleName", "r1"}}), "DeleteRole", false);
  require_error(w.admin("DeleteRole", {{"RoleName", "r1"}}), 404, "NoSuchEntity",
                "The role with name r1 cannot be found.");
  // A re-created role is a new role.
  const Response again = w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust}});
  require_success(again, "CreateRole", true);
}

TEST_CASE("ListRoles pages with MaxItems and Marker, without tags or boundary", "[iam][roles][pagination]") {
  World w;
  for (const char* name : {"r1", "r2", "r3"}) {
    require_success(w.root("CreateRole", {{"RoleName", name},
                                          {"AssumeRolePolicyDocument", kTrust},
                                          {"Tags.member.1.Key", "team"},
                                          {"Tags.member.1.Value", "blue"}}),
                    "CreateRole", true);
  }
  require_success(
      w.root("CreateRole", {{"RoleName", "svc"}, {"Path", "/service-role/"}, {"AssumeRolePolicyDocument", kTrust}}),
      "CreateRole", true);
  const Response all = w.root("ListRoles");
  require_success(all, "ListRoles", true);
  REQUIRE(all.count("member") == 4);
  REQUIRE(all.count("AssumeRolePolicyDocument") == 4);
  REQUIRE_FALSE(all.has("Tags"));
  REQUIRE_FALSE(all.has("RoleLastUsed"));
  const Response page1 = w.root("ListRoles", {{"MaxItems", "2"}});
  REQUIRE(page1.count("RoleName") == 2);
  REQUIRE(page1.text("IsTruncated") == "true");
  const Response page2 = w.root("ListRoles", {{"MaxItems", "2"}, {"Marker", page1.text("Marker")}});
  REQUIRE(page2.count("RoleName") == 2);
  REQUIRE(page2.text("RoleName") == "r3");
  REQUIRE(page2.text("IsTruncated") == "false");
  const Response service = w.root("ListRoles", {{"PathPrefix", "/service-role/"}});
  REQUIRE(service.count("RoleName") == 1);
  REQUIRE(service.text("Arn") == "arn:aws:iam::111111111111:role/service-role/svc");
  // A PathPrefix is any beginning of a path (pathPrefixType), not a path itself.
  const Response partial = w.root("ListRoles", {{"PathPrefix", "/service"}});
  require_success(partial, "ListRoles", true);
  REQUIRE(partial.count("RoleName") == 1);
  require_error(w.root("ListRoles", {{"PathPrefix", "service/"}}), 400, "ValidationError",
                "1 validation error detected: Value 'service/' at 'pathPrefix' failed to satisfy constraint: Member "
                "must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*");
  require_error(w.root("ListUsers", {{"PathPrefix", ""}}), 400, "ValidationError");
  require_success(w.root("ListUsers", {{"PathPrefix", "/a"}}), "ListUsers", true);
  // ListPolicies and ListAttached*Policies take a whole policy path (policyPathType).
  require_error(w.root("ListPolicies", {{"PathPrefix", "/service"}}), 400, "ValidationError",
                "1 validation error detected: Value '/service' at 'pathPrefix' failed to satisfy constraint: Member "
                "must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/");
  require_success(w.root("ListPolicies", {{"PathPrefix", "/service-role/"}}), "ListPolicies", true);
  require_error(w.root("ListRoles", {{"Marker", ""}}), 400, "ValidationError");
  w.require_denied("ListRoles", {}, "*");
}

TEST_CASE("UpdateRoleDescription answers the role; Description is required", "[iam][roles]") {
  World w;
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust}}), "CreateRole",
                  true);
  const Response r = w.admin("UpdateRoleDescription",
                             {{"RoleName", "r1"}, {"Description", "runs jobs"}, {"MaxSessionDuration", "7200"}});
  require_success(r, "UpdateRoleDescription", true);
  REQUIRE(r.text("RoleName") == "r1");
  REQUIRE(r.text("Description") == "runs jobs");
  // MaxSessionDuration is no member of UpdateRoleDescription.
  REQUIRE(r.text("MaxSessionDuration") == "3600");
  require_error(w.admin("UpdateRoleDescription", {{"RoleName", "r1"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must "
                "not be null");
  require_error(w.admin("UpdateRoleDescription", {{"RoleName", "nope"}, {"Description", "x"}}), 404, "NoSuchEntity");
  w.require_denied("UpdateRoleDescription", {{"RoleName", "r1"}, {"Description", "x"}},
                   "role r1");
}

TEST_CASE("An explicit deny names its reason", "[iam][roles]") {
  World w;
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust}}), "CreateRole",
                  true);
  w.alice_policy(allow("iam:*", "*") + R"(,{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"*"})");
  require_success(w.alice("GetRole", {{"RoleName", "r1"}}), "GetRole", true);
  require_error(w.alice("DeleteRole", {{"RoleName", "r1"}}), 403, "AccessDenied",
                "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:DeleteRole on resource: "
                "role r1 with an explicit deny in an identity-based policy");
  // CreateUser checks its boundary parameter like CreateRole does.
  require_error(
      w.alice("CreateUser", {{"UserName", "u"}, {"PermissionsBoundary", "arn:aws:iam::111111111111:user/alice"}}), 400,
      "InvalidInput", "ARN arn:aws:iam::111111111111:user/alice is not valid.");
}

TEST_CASE("ListInstanceProfilesForRole: the service keeps none", "[iam][roles]") {
  World w;
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust}}), "CreateRole",
                  true);
  const Response r = w.admin("ListInstanceProfilesForRole", {{"RoleName", "r1"}});
  require_success(r, "ListInstanceProfilesForRole", true);
  REQUIRE(r.body.find("<InstanceProfiles/><IsTruncated>false</IsTruncated>") != std::string::npos);
  require_error(w.admin("ListInstanceProfilesForRole", {{"RoleName", "nope"}}), 404, "NoSuchEntity");
  w.require_denied("ListInstanceProfilesForRole", {{"RoleName", "r1"}}, "role r1");
}

TEST_CASE("CreateRole with tags sees them as aws:ResourceTag too", "[iam][roles]") {
  World w;
  w.alice_policy(allow("iam:CreateRole", "*", R"({"StringEquals":{"aws:ResourceTag/team":"blue"}})") + "," +
                 allow("iam:TagRole", "*"));
  require_error(w.alice("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust}}), 403, "AccessDenied");
  require_success(w.alice("CreateRole", {{"RoleName", "r1"},
                                         {"AssumeRolePolicyDocument", kTrust},
                                         {"Tags.member.1.Key", "team"},
                                         {"Tags.member.1.Value", "blue"}}),
                  "CreateRole", true);
}

TEST_CASE("A role's description is Latin-1 text without control characters", "[iam][roles]") {
  World w;
  const Response bad = w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust},
                                              {"Description", "a\x01" "b"}});
  require_error(bad, 400, "ValidationError",
                "1 validation error detected: Value 'a\xEF\xBF\xBD" "b' at 'description' failed to satisfy constraint: Member must "
                "satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*");
  require_error(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust},
                                       {"Description", "\xE2\x82\xAC"}}),
                400, "ValidationError");
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust},
                                         {"Description", "caf\xC3\xA9\tok"}}),
                  "CreateRole", true);
  require_error(w.admin("UpdateRole", {{"RoleName", "r1"}, {"Description", "x\x7F"}}), 400, "ValidationError");
  CHECK(w.admin("GetRole", {{"RoleName", "r1"}}).text("Description") == "caf\xC3\xA9\tok");
}
