// Managed policies through the Query API: CreatePolicy, GetPolicy, GetPolicyVersion,
// CreatePolicyVersion, ListPolicyVersions, SetDefaultPolicyVersion, DeletePolicyVersion,
// DeletePolicy, ListPolicies (iam-sts-api.md 3.5).
#include "tests/server/iam_test_world.h"

using namespace gatehouse::iam_test;

namespace {

const std::string kMine = "arn:aws:iam::111111111111:policy/team/logs";

void create_logs(World& w) {
  require_success(
      w.admin("CreatePolicy", {{"PolicyName", "logs"}, {"Path", "/team/"}, {"PolicyDocument", kLogsPolicy}}),
      "CreatePolicy", true);
}

}  // namespace

TEST_CASE("CreatePolicy answers the policy; GetPolicy and GetPolicyVersion read it", "[iam][managed]") {
  World w;
  const Response r = w.admin("CreatePolicy", {{"PolicyName", "logs"},
                                              {"Path", "/team/"},
                                              {"PolicyDocument", kLogsPolicy},
                                              {"Description", "log access"},
                                              {"Tags.member.1.Key", "team"},
                                              {"Tags.member.1.Value", "blue"}});
  require_success(r, "CreatePolicy", true);
  REQUIRE(r.body.find("<CreatePolicyResult><Policy><PolicyName>logs</PolicyName><PolicyId>ANPA") != std::string::npos);
  REQUIRE(r.text("PolicyId").size() == 21);
  REQUIRE(r.text("Arn") == kMine);
  REQUIRE(r.text("Path") == "/team/");
  REQUIRE(r.text("DefaultVersionId") == "v1");
  REQUIRE(r.text("AttachmentCount") == "0");
  REQUIRE(r.text("PermissionsBoundaryUsageCount") == "0");
  REQUIRE(r.text("IsAttachable") == "true");
  REQUIRE(r.text("Description") == "log access");
  REQUIRE(r.text("Key") == "team");
  REQUIRE(r.text("CreateDate") == r.text("UpdateDate"));

  const Response got = w.admin("GetPolicy", {{"PolicyArn", kMine}});
  require_success(got, "GetPolicy", true);
  REQUIRE(got.text("PolicyId") == r.text("PolicyId"));
  REQUIRE(got.text("Description") == "log access");

  const Response v1 = w.admin("GetPolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v1"}});
  require_success(v1, "GetPolicyVersion", true);
  REQUIRE(v1.text("Document").starts_with("%7B%22Version%22%3A%20%22"));
  REQUIRE(url_decode(v1.text("Document")) == kLogsPolicy);
  REQUIRE(v1.text("VersionId") == "v1");
  REQUIRE(v1.text("IsDefaultVersion") == "true");

  require_error(w.admin("GetPolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v9"}}), 404, "NoSuchEntity",
                "Policy " + kMine + " version v9 does not exist or is not attachable.");
  require_error(w.admin("GetPolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "x1"}}), 400, "ValidationError");
  require_error(w.admin("GetPolicyVersion", {{"PolicyArn", kMine}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'versionId' failed to satisfy constraint: Member must not "
                "be null");
  require_error(w.admin("GetPolicy", {{"PolicyArn", "arn:aws:iam::111111111111:policy/none"}}), 404, "NoSuchEntity",
                "Policy arn:aws:iam::111111111111:policy/none was not found.");
  require_error(w.admin("GetPolicy", {{"PolicyArn", "this is no ARN at all"}}), 400, "ValidationError",
                "Invalid ARN:  Could not be parsed!");
  w.require_denied("GetPolicy", {{"PolicyArn", kMine}}, kMine);
  w.require_denied("GetPolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v1"}}, kMine);
}

TEST_CASE("CreatePolicy errors and authorization", "[iam][managed]") {
  World w;
  create_logs(w);
  require_error(w.admin("CreatePolicy", {{"PolicyName", "logs"}, {"PolicyDocument", kLogsPolicy}}), 409,
                "EntityAlreadyExists", "A policy called logs already exists. Duplicate names are not allowed.");
  require_error(w.admin("CreatePolicy", {{"PolicyName", "bad"}, {"PolicyDocument", "{\"Version\":\"2012-10-17\"}"}}),
                400, "MalformedPolicyDocument");
  require_error(w.admin("CreatePolicy", {{"PolicyName", "bad"}, {"PolicyDocument", "nope"}}), 400,
                "MalformedPolicyDocument", "Syntax errors in policy.");
  require_error(
      w.admin("CreatePolicy", {{"PolicyName", "bad"}, {"Path", "/a*b/"}, {"PolicyDocument", kLogsPolicy}}), 400,
      "ValidationError",
      "1 validation error detected: Value '/a*b/' at 'path' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/");
  require_error(w.admin("CreatePolicy", {{"PolicyName", "bad"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must "
                "not be null");
  require_error(w.admin("CreatePolicy", {{"PolicyDocument", kLogsPolicy}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not "
                "be null");
  std::string big = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)";
  for (int i = 0; i < 400; ++i) big += std::string(i ? "," : "") + "\"s3:GetObject" + std::to_string(i) + "\"";
  big += R"(],"Resource":"*"}]})";
  require_error(w.admin("CreatePolicy", {{"PolicyName", "big"}, {"PolicyDocument", big}}), 409, "LimitExceeded",
                "Cannot exceed quota for PolicySize: 6144");

  w.require_denied("CreatePolicy", {{"PolicyName", "x"}, {"Path", "/a/"}, {"PolicyDocument", kLogsPolicy}},
                   "arn:aws:iam::111111111111:policy/a/x");
  w.alice_policy(allow("iam:CreatePolicy", "arn:aws:iam::111111111111:policy/a/*"));
  require_success(w.alice("CreatePolicy", {{"PolicyName", "x"}, {"Path", "/a/"}, {"PolicyDocument", kLogsPolicy}}),
                  "CreatePolicy", true);
  require_error(w.alice("CreatePolicy", {{"PolicyName", "y"},
                                         {"Path", "/a/"},
                                         {"PolicyDocument", kLogsPolicy},
                                         {"Tags.member.1.Key", "k"},
                                         {"Tags.member.1.Value", "v"}}),
                403, "AccessDenied", World::denied("iam:TagPolicy", "arn:aws:iam::111111111111:policy/a/y"));
}

TEST_CASE("Policy versions: create, list, set default, delete; at most 5", "[iam][managed]") {
  World w;
  create_logs(w);
  const std::string v2_doc = document(allow("iam:GetUser", "*"));
  require_error(w.admin("CreatePolicyVersion", {{"PolicyArn", kMine}, {"PolicyDocument", "{"}}), 400,
                "MalformedPolicyDocument");
  const Response v2 =
      w.admin("CreatePolicyVersion", {{"PolicyArn", kMine}, {"PolicyDocument", v2_doc}, {"SetAsDefault", "true"}});
  require_success(v2, "CreatePolicyVersion", true);
  REQUIRE(v2.body.find("<CreatePolicyVersionResult><PolicyVersion><VersionId>v2</VersionId><IsDefaultVersion>true<"
                       "/IsDefaultVersion><CreateDate>") != std::string::npos);
  REQUIRE_FALSE(v2.has("Document"));
  REQUIRE(w.admin("GetPolicy", {{"PolicyArn", kMine}}).text("DefaultVersionId") == "v2");
  for (int i = 3; i <= 5; ++i) {
    const Response r = w.admin("CreatePolicyVersion", {{"PolicyArn", kMine}, {"PolicyDocument", kLogsPolicy}});
    require_success(r, "CreatePolicyVersion", true);
    REQUIRE(r.text("VersionId") == "v" + std::to_string(i));
    REQUIRE(r.text("IsDefaultVersion") == "false");
  }
  require_error(w.admin("CreatePolicyVersion", {{"PolicyArn", kMine}, {"PolicyDocument", kLogsPolicy}}), 409,
                "LimitExceeded",
                "A managed policy can have up to 5 versions. Before you create a new version, you must delete an "
                "existing version.");
  require_error(w.admin("CreatePolicyVersion",
                        {{"PolicyArn", "arn:aws:iam::111111111111:policy/none"}, {"PolicyDocument", kLogsPolicy}}),
                404, "NoSuchEntity", "Policy arn:aws:iam::111111111111:policy/none was not found.");
  require_error(
      w.admin("CreatePolicyVersion", {{"PolicyArn", kMine}, {"PolicyDocument", kLogsPolicy}, {"SetAsDefault", "yes"}}),
      400, "ValidationError");

  const Response versions = w.admin("ListPolicyVersions", {{"PolicyArn", kMine}});
  require_success(versions, "ListPolicyVersions", true);
  REQUIRE(versions.count("VersionId") == 5);
  REQUIRE_FALSE(versions.has("Document"));
  REQUIRE(versions.body.find("<VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion>") !=
          std::string::npos);
  const Response page = w.admin("ListPolicyVersions", {{"PolicyArn", kMine}, {"MaxItems", "2"}});
  REQUIRE(page.count("VersionId") == 2);
  REQUIRE(page.text("IsTruncated") == "true");

  require_error(w.admin("DeletePolicy", {{"PolicyArn", kMine}}), 409, "DeleteConflict",
                "This policy has more than one version. Before you delete a policy, you must delete the policy's "
                "versions. The default version is deleted with the policy.");
  require_error(w.admin("DeletePolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v2"}}), 409, "DeleteConflict");
  require_success(w.admin("SetDefaultPolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v5"}}),
                  "SetDefaultPolicyVersion", false);
  REQUIRE(w.admin("GetPolicy", {{"PolicyArn", kMine}}).text("DefaultVersionId") == "v5");
  require_error(w.admin("SetDefaultPolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v7"}}), 404, "NoSuchEntity");
  for (const char* v : {"v1", "v2", "v3", "v4"}) {
    require_success(w.admin("DeletePolicyVersion", {{"PolicyArn", kMine}, {"VersionId", v}}), "DeletePolicyVersion",
                    false);
  }
  require_error(w.admin("DeletePolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v1"}}), 404, "NoSuchEntity");
  // Version ids are never reused.
  REQUIRE(w.admin("CreatePolicyVersion", {{"PolicyArn", kMine}, {"PolicyDocument", kLogsPolicy}}).text("VersionId") ==
          "v6");

  w.require_denied("CreatePolicyVersion", {{"PolicyArn", kMine}, {"PolicyDocument", kLogsPolicy}}, kMine);
  w.require_denied("ListPolicyVersions", {{"PolicyArn", kMine}}, kMine);
  w.require_denied("SetDefaultPolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v5"}}, kMine);
  w.require_denied("DeletePolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v6"}}, kMine);
}

TEST_CASE("DeletePolicy: attached policies conflict; deleted policies are gone", "[iam][managed]") {
  World w;
  create_logs(w);
  require_success(w.admin("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", kMine}}), "AttachUserPolicy",
                  false);
  REQUIRE(w.admin("GetPolicy", {{"PolicyArn", kMine}}).text("AttachmentCount") == "1");
  require_error(w.admin("DeletePolicy", {{"PolicyArn", kMine}}), 409, "DeleteConflict",
                "Cannot delete a policy attached to entities.");
  require_success(w.admin("DetachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", kMine}}), "DetachUserPolicy",
                  false);
  w.require_denied("DeletePolicy", {{"PolicyArn", kMine}}, kMine);
  require_success(w.admin("DeletePolicy", {{"PolicyArn", kMine}}), "DeletePolicy", false);
  require_error(w.admin("GetPolicy", {{"PolicyArn", kMine}}), 404, "NoSuchEntity",
                "Policy " + kMine + " was not found.");
  require_error(w.admin("DeletePolicy", {{"PolicyArn", kMine}}), 404, "NoSuchEntity");
}

TEST_CASE("AWS managed policies are readable and cannot be changed", "[iam][managed]") {
  World w;
  const Response got = w.root("GetPolicy", {{"PolicyArn", kBasicExecution}});
  require_success(got, "GetPolicy", true);
  REQUIRE(got.text("PolicyId") == "ANPAJNCQGXC42545SKXIK");
  REQUIRE(got.text("Path") == "/service-role/");
  REQUIRE(got.text("CreateDate") == "2015-04-09T15:03:43Z");
  const Response doc = w.root("GetPolicyVersion", {{"PolicyArn", kBasicExecution}, {"VersionId", "v1"}});
  REQUIRE(url_decode(doc.text("Document")).find("logs:CreateLogGroup") != std::string::npos);

  require_error(w.root("CreatePolicyVersion", {{"PolicyArn", kBasicExecution}, {"PolicyDocument", kLogsPolicy}}), 400,
                "InvalidInput", "Policy " + kBasicExecution + " is an AWS managed policy and cannot be modified.");
  const Response deleted = w.admin("DeletePolicy", {{"PolicyArn", kBasicExecution}});
  require_error(deleted, 400, "InvalidInput",
                "Policy " + kBasicExecution + " is an AWS managed policy and cannot be modified.");
  require_error(w.admin("SetDefaultPolicyVersion", {{"PolicyArn", kBasicExecution}, {"VersionId", "v1"}}), 400,
                "InvalidInput");
  REQUIRE(w.root("GetPolicy", {{"PolicyArn", kBasicExecution}}).text("DefaultVersionId") == "v1");
}

TEST_CASE("ListPolicies: scope, attachment, path and pages", "[iam][managed][pagination]") {
  World w;
  for (const char* name : {"a", "b", "c"}) {
    require_success(
        w.root("CreatePolicy", {{"PolicyName", name}, {"PolicyDocument", kLogsPolicy}, {"Description", "d"}}),
        "CreatePolicy", true);
  }
  const Response local = w.root("ListPolicies", {{"Scope", "Local"}});
  require_success(local, "ListPolicies", true);
  REQUIRE(local.count("PolicyName") == 3);
  REQUIRE_FALSE(local.has("Description"));
  REQUIRE(local.text("IsTruncated") == "false");

  const Response aws = w.root("ListPolicies", {{"Scope", "AWS"}});
  REQUIRE(aws.count("PolicyName") >= 7);
  REQUIRE(aws.body.find("arn:aws:iam::111111111111:") == std::string::npos);
  const Response all = w.root("ListPolicies");
  REQUIRE(all.count("PolicyName") == local.count("PolicyName") + aws.count("PolicyName"));

  const Response page1 = w.root("ListPolicies", {{"Scope", "Local"}, {"MaxItems", "2"}});
  REQUIRE(page1.count("PolicyName") == 2);
  REQUIRE(page1.text("IsTruncated") == "true");
  const Response page2 =
      w.root("ListPolicies", {{"Scope", "Local"}, {"MaxItems", "2"}, {"Marker", page1.text("Marker")}});
  REQUIRE(page2.count("PolicyName") == 1);
  REQUIRE(page2.text("PolicyName") == "c");
  REQUIRE(page2.text("IsTruncated") == "false");

  require_success(w.root("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", kBasicExecution}}),
                  "AttachUserPolicy", false);
  require_success(w.root("PutUserPermissionsBoundary",
                         {{"UserName", "admin"}, {"PermissionsBoundary", "arn:aws:iam::111111111111:policy/b"}}),
                  "PutUserPermissionsBoundary", false);
  const Response attached = w.root("ListPolicies", {{"OnlyAttached", "true"}});
  REQUIRE(attached.count("PolicyName") == 2);
  const Response as_boundary =
      w.root("ListPolicies", {{"OnlyAttached", "true"}, {"PolicyUsageFilter", "PermissionsBoundary"}});
  REQUIRE(as_boundary.count("PolicyName") == 1);
  REQUIRE(as_boundary.text("PolicyName") == "b");
  const Response service = w.root("ListPolicies", {{"PathPrefix", "/service-role/"}});
  REQUIRE(service.count("PolicyName") >= 5);
  REQUIRE(service.body.find("<Path>/</Path>") == std::string::npos);

  require_error(
      w.root("ListPolicies", {{"Scope", "Mine"}}), 400, "ValidationError",
      "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy "
      "enum value set: [All, AWS, Local]");
  require_error(w.root("ListPolicies", {{"OnlyAttached", "maybe"}}), 400, "ValidationError");
  require_error(w.root("ListPolicies", {{"PolicyUsageFilter", "Any"}}), 400, "ValidationError");
  w.require_denied("ListPolicies", {}, "*");
}

TEST_CASE("ListEntitiesForPolicy lists the users, groups and roles a policy is attached to or bounds",
          "[iam][managed]") {
  World w;
  create_logs(w);
  require_success(w.admin("CreateGroup", {{"GroupName", "devs"}}), "CreateGroup", true);
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"Path", "/app/"}, {"AssumeRolePolicyDocument", kTrust}}),
                  "CreateRole", true);
  require_success(w.admin("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", kMine}}), "AttachUserPolicy",
                  false);
  require_success(w.admin("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", kMine}}), "AttachGroupPolicy",
                  false);
  require_success(w.admin("PutRolePermissionsBoundary", {{"RoleName", "r1"}, {"PermissionsBoundary", kMine}}),
                  "PutRolePermissionsBoundary", false);

  const Response all = w.admin("ListEntitiesForPolicy", {{"PolicyArn", kMine}});
  require_success(all, "ListEntitiesForPolicy", true);
  REQUIRE(all.body.find("<PolicyGroups><member><GroupName>devs</GroupName><GroupId>AGPA") != std::string::npos);
  REQUIRE(all.body.find("<PolicyUsers><member><UserName>alice</UserName><UserId>AIDA") != std::string::npos);
  REQUIRE(all.body.find("<PolicyRoles><member><RoleName>r1</RoleName><RoleId>AROA") != std::string::npos);
  REQUIRE(all.text("IsTruncated") == "false");

  const Response attached =
      w.admin("ListEntitiesForPolicy", {{"PolicyArn", kMine}, {"PolicyUsageFilter", "PermissionsPolicy"}});
  REQUIRE(attached.body.find("<PolicyRoles/>") != std::string::npos);
  REQUIRE(attached.count("member") == 2);
  const Response users = w.admin("ListEntitiesForPolicy", {{"PolicyArn", kMine}, {"EntityFilter", "User"}});
  REQUIRE(users.count("member") == 1);
  REQUIRE(users.body.find("<PolicyGroups/>") != std::string::npos);
  REQUIRE(
      w.admin("ListEntitiesForPolicy", {{"PolicyArn", kMine}, {"EntityFilter", "AWSManagedPolicy"}}).count("member") ==
      0);
  REQUIRE(w.admin("ListEntitiesForPolicy", {{"PolicyArn", kMine}, {"PathPrefix", "/app/"}}).count("member") == 1);

  const Response page1 = w.admin("ListEntitiesForPolicy", {{"PolicyArn", kMine}, {"MaxItems", "2"}});
  REQUIRE(page1.count("member") == 2);
  REQUIRE(page1.text("IsTruncated") == "true");
  const Response page2 =
      w.admin("ListEntitiesForPolicy", {{"PolicyArn", kMine}, {"MaxItems", "2"}, {"Marker", page1.text("Marker")}});
  REQUIRE(page2.count("member") == 1);
  REQUIRE(page2.text("IsTruncated") == "false");

  require_error(w.admin("ListEntitiesForPolicy", {{"PolicyArn", kMine}, {"EntityFilter", "Cat"}}), 400,
                "ValidationError");
  require_error(w.admin("ListEntitiesForPolicy", {{"PolicyArn", "arn:aws:iam::111111111111:policy/none"}}), 404,
                "NoSuchEntity", "Policy arn:aws:iam::111111111111:policy/none was not found.");
  w.require_denied("ListEntitiesForPolicy", {{"PolicyArn", kMine}}, kMine);
}

TEST_CASE("Calls on a managed policy see its tags as aws:ResourceTag", "[iam][managed]") {
  World w;
  require_success(w.admin("CreatePolicy", {{"PolicyName", "blue"},
                                           {"PolicyDocument", kLogsPolicy},
                                           {"Tags.member.1.Key", "team"},
                                           {"Tags.member.1.Value", "blue"}}),
                  "CreatePolicy", true);
  create_logs(w);
  w.alice_policy(allow("iam:GetPolicy", "*", R"({"StringEquals":{"aws:ResourceTag/team":"blue"}})") + "," +
                 allow("iam:GetPolicyVersion", "*", R"({"StringEquals":{"iam:ResourceTag/team":"blue"}})"));
  require_success(w.alice("GetPolicy", {{"PolicyArn", "arn:aws:iam::111111111111:policy/blue"}}), "GetPolicy", true);
  require_success(
      w.alice("GetPolicyVersion", {{"PolicyArn", "arn:aws:iam::111111111111:policy/blue"}, {"VersionId", "v1"}}),
      "GetPolicyVersion", true);
  require_error(w.alice("GetPolicy", {{"PolicyArn", kMine}}), 403, "AccessDenied");
  require_error(w.alice("GetPolicyVersion", {{"PolicyArn", kMine}, {"VersionId", "v1"}}), 403, "AccessDenied");
}

TEST_CASE("Another account's managed policy is that account's resource", "[iam][managed]") {
  World w;
  // admin may do iam:* on *, but in account A only: B's policy needs B's consent.
  const Response r = w.admin("GetPolicy", {{"PolicyArn", "arn:aws:iam::222222222222:policy/theirs"}});
  require_error(r, 403, "AccessDenied");
  REQUIRE(r.message().find("on resource: arn:aws:iam::222222222222:policy/theirs") != std::string::npos);
  require_error(w.admin("DeletePolicy", {{"PolicyArn", "arn:aws:iam::222222222222:policy/theirs"}}), 403,
                "AccessDenied");
  // AWS's own are everyone's to read.
  require_success(w.admin("GetPolicy", {{"PolicyArn", kBasicExecution}}), "GetPolicy", true);
}
