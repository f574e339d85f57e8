// Tags and permissions boundaries of users and roles through the Query API: TagUser, UntagUser,
// ListUserTags, Put/DeleteUserPermissionsBoundary and the Role twins (iam-sts-api.md 3.1, 3.4).
#include "tests/server/iam_test_world.h"

using namespace gatehouse::iam_test;

namespace {

Form tags(std::initializer_list<std::pair<std::string, std::string>> pairs) {
  Form form;
  int n = 0;
  for (const auto& [k, v] : pairs) {
    ++n;
    form.emplace_back("Tags.member." + std::to_string(n) + ".Key", k);
    form.emplace_back("Tags.member." + std::to_string(n) + ".Value", v);
  }
  return form;
}

Form with(Form form, const Form& more) {
  form.insert(form.end(), more.begin(), more.end());
  return form;
}

}  // namespace

TEST_CASE("TagUser, ListUserTags and UntagUser", "[iam][tags]") {
  World w;
  const Response r = w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"team", "blue"}, {"env", "dev"}})));
  require_success(r, "TagUser", false);
  const Response listed = w.admin("ListUserTags", {{"UserName", "alice"}});
  require_success(listed, "ListUserTags", true);
  REQUIRE(listed.body.find("<Tags><member><Key>env</Key><Value>dev</Value></member><member><Key>team</Key><Value>blue"
                           "</Value></member></Tags><IsTruncated>false</IsTruncated>") != std::string::npos);
  // GetUser shows them too.
  REQUIRE(w.admin("GetUser", {{"UserName", "alice"}}).body.find("<Key>team</Key>") != std::string::npos);

  const Response page = w.admin("ListUserTags", {{"UserName", "alice"}, {"MaxItems", "1"}});
  REQUIRE(page.count("member") == 1);
  REQUIRE(page.text("Marker") == "team");

  require_success(w.admin("UntagUser", {{"UserName", "alice"}, {"TagKeys.member.1", "env"}}), "UntagUser", false);
  const Response after = w.admin("ListUserTags", {{"UserName", "alice"}});
  REQUIRE(after.count("member") == 1);
  REQUIRE(after.text("Key") == "team");

  require_error(w.admin("TagUser", {{"UserName", "alice"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be "
                "null");
  require_error(w.admin("UntagUser", {{"UserName", "alice"}}), 400, "ValidationError");
  require_error(w.admin("TagUser", with({{"UserName", "nobody"}}, tags({{"a", "b"}}))), 404, "NoSuchEntity",
                "The user with name nobody cannot be found.");
  require_error(w.admin("ListUserTags", {{"UserName", "nobody"}}), 404, "NoSuchEntity");
  w.require_denied("TagUser", with({{"UserName", "admin"}}, tags({{"a", "b"}})),
                   "user admin");
  w.require_denied("UntagUser", {{"UserName", "admin"}, {"TagKeys.member.1", "a"}},
                   "user admin");
  w.require_denied("ListUserTags", {{"UserName", "admin"}}, "user admin");
}

TEST_CASE("TagUser beyond 50 tags is LimitExceeded", "[iam][tags]") {
  World w;
  Form form{{"UserName", "alice"}};
  for (int i = 1; i <= 51; ++i) {
    form.emplace_back("Tags.member." + std::to_string(i) + ".Key", "k" + std::to_string(i));
    form.emplace_back("Tags.member." + std::to_string(i) + ".Value", "v");
  }
  require_error(w.admin("TagUser", form), 409, "LimitExceeded", "Cannot exceed quota for TagsPerUser: 50");
  REQUIRE(w.admin("ListUserTags", {{"UserName", "alice"}}).count("member") == 0);
}

TEST_CASE("Tag lengths count characters, not UTF-8 bytes", "[iam][tags]") {
  World w;
  std::string key, value;
  for (int i = 0; i < 128; ++i) key += "\xC3\xA9";    // é: one character, two bytes
  for (int i = 0; i < 256; ++i) value += "\xC3\xA9";
  require_success(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{key, value}}))), "TagUser", false);
  require_error(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{key + "x", "v"}}))), 400, "ValidationError");
  require_error(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"k", value + "x"}}))), 400, "ValidationError");
  require_error(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"", "v"}}))), 400, "ValidationError",
                "1 validation error detected: Value '' at 'tags.member.key' failed to satisfy constraint: Member must "
                "have length greater than or equal to 1");
  // Bytes that are not UTF-8 read as U+FFFD, and C1 controls are no letters: the pattern refuses both.
  require_error(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"k", "\xFF\xFE"}}))), 400, "ValidationError");
  require_error(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"k\xC2\x85", "v"}}))), 400, "ValidationError");
  require_success(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"\xE6\x97\xA5", "\xC2\xA0"}}))), "TagUser",
                  false);
  std::string description;
  for (int i = 0; i < 1000; ++i) description += "\xC3\xA9";
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust},
                                         {"Description", description}}),
                  "CreateRole", true);
  require_error(w.admin("CreateRole", {{"RoleName", "r2"}, {"AssumeRolePolicyDocument", kTrust},
                                       {"Description", description + "x"}}),
                400, "ValidationError");
}

TEST_CASE("TagUser is authorized with aws:RequestTag and aws:TagKeys; tag calls see aws:ResourceTag", "[iam][tags]") {
  World w;
  w.alice_policy(allow("iam:TagUser", "*", R"({"StringEquals":{"aws:RequestTag/team":"blue"}})") + "," +
                 allow("iam:UntagUser", "*", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["scratch"]}})") + "," +
                 allow("iam:ListUserTags", "*", R"({"StringEquals":{"aws:ResourceTag/team":"blue"}})"));
  require_success(w.alice("TagUser", with({{"UserName", "admin"}}, tags({{"team", "blue"}}))), "TagUser", false);
  const Response red = w.alice("TagUser", with({{"UserName", "admin"}}, tags({{"team", "red"}})));
  require_error(red, 403, "AccessDenied");
  require_success(w.alice("UntagUser", {{"UserName", "admin"}, {"TagKeys.member.1", "scratch"}}), "UntagUser", false);
  require_error(w.alice("UntagUser", {{"UserName", "admin"}, {"TagKeys.member.1", "team"}}), 403, "AccessDenied");
  // admin is tagged team=blue now; alice is not tagged.
  require_success(w.alice("ListUserTags", {{"UserName", "admin"}}), "ListUserTags", true);
  require_error(w.alice("ListUserTags", {{"UserName", "alice"}}), 403, "AccessDenied");
}

TEST_CASE("TagRole, ListRoleTags and UntagRole", "[iam][tags]") {
  World w;
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"Path", "/app/"}, {"AssumeRolePolicyDocument", kTrust}}),
                  "CreateRole", true);
  require_success(w.admin("TagRole", with({{"RoleName", "r1"}}, tags({{"team", "blue"}}))), "TagRole", false);
  const Response listed = w.admin("ListRoleTags", {{"RoleName", "r1"}});
  require_success(listed, "ListRoleTags", true);
  REQUIRE(listed.text("Key") == "team");
  REQUIRE(w.admin("GetRole", {{"RoleName", "r1"}}).body.find("<Tags><member><Key>team</Key>") != std::string::npos);
  require_success(w.admin("UntagRole", {{"RoleName", "r1"}, {"TagKeys.member.1", "team"}}), "UntagRole", false);
  REQUIRE(w.admin("ListRoleTags", {{"RoleName", "r1"}}).body.find("<Tags/>") != std::string::npos);
  require_error(w.admin("TagRole", with({{"RoleName", "nope"}}, tags({{"a", "b"}}))), 404, "NoSuchEntity",
                "The role with name nope cannot be found.");
  // The role's path is part of the ARN alice is refused on.
  w.require_denied("TagRole", with({{"RoleName", "r1"}}, tags({{"a", "b"}})), "role r1");
}

TEST_CASE("PutUserPermissionsBoundary and DeleteUserPermissionsBoundary", "[iam][boundary]") {
  World w;
  const Response r =
      w.admin("PutUserPermissionsBoundary", {{"UserName", "alice"}, {"PermissionsBoundary", kBasicExecution}});
  require_success(r, "PutUserPermissionsBoundary", false);
  const Response user = w.admin("GetUser", {{"UserName", "alice"}});
  INFO(user.body);
  REQUIRE(user.body.find("<PermissionsBoundary><PermissionsBoundaryType>PermissionsBoundaryPolicy</"
                         "PermissionsBoundaryType><PermissionsBoundaryArn>" +
                         kBasicExecution + "</PermissionsBoundaryArn></PermissionsBoundary>") != std::string::npos);
  // The boundary counts in GetPolicy.
  REQUIRE(w.admin("GetPolicy", {{"PolicyArn", kBasicExecution}}).text("PermissionsBoundaryUsageCount") == "1");

  require_success(w.admin("DeleteUserPermissionsBoundary", {{"UserName", "alice"}}), "DeleteUserPermissionsBoundary",
                  false);
  REQUIRE_FALSE(w.admin("GetUser", {{"UserName", "alice"}}).has("PermissionsBoundary"));
  require_error(w.admin("DeleteUserPermissionsBoundary", {{"UserName", "alice"}}), 404, "NoSuchEntity");

  require_error(w.admin("PutUserPermissionsBoundary",
                        {{"UserName", "alice"}, {"PermissionsBoundary", "arn:aws:iam::111111111111:policy/none"}}),
                404, "NoSuchEntity",
                "Policy arn:aws:iam::111111111111:policy/none does not exist or is not attachable.");
  require_error(w.admin("PutUserPermissionsBoundary",
                        {{"UserName", "alice"}, {"PermissionsBoundary", "not-an-arn-at-all-really"}}),
                400, "ValidationError", "Invalid ARN:  Could not be parsed!");
  require_error(w.admin("PutUserPermissionsBoundary",
                        {{"UserName", "alice"}, {"PermissionsBoundary", "arn:aws:iam::111111111111:role/app/R"}}),
                400, "InvalidInput", "ARN arn:aws:iam::111111111111:role/app/R is not valid.");
  require_error(w.admin("PutUserPermissionsBoundary", {{"UserName", "alice"}}), 400, "ValidationError",
                "1 validation error detected: Value null at 'permissionsBoundary' failed to satisfy constraint: Member "
                "must not be null");
  w.require_denied("PutUserPermissionsBoundary", {{"UserName", "admin"}, {"PermissionsBoundary", kBasicExecution}},
                   "user admin");
}

TEST_CASE("Put*PermissionsBoundary is authorized with iam:PermissionsBoundary", "[iam][boundary]") {
  World w;
  require_success(w.admin("CreateRole", {{"RoleName", "r1"}, {"AssumeRolePolicyDocument", kTrust}}), "CreateRole",
                  true);
  w.alice_policy(allow("iam:PutRolePermissionsBoundary", "*",
                       R"({"StringEquals":{"iam:PermissionsBoundary":")" + kBasicExecution + "\"}}") +
                 "," +
                 allow("iam:DeleteRolePermissionsBoundary", "*",
                       R"({"StringNotEquals":{"iam:PermissionsBoundary":")" + kBasicExecution + "\"}}"));
  require_error(
      w.alice("PutRolePermissionsBoundary",
              {{"RoleName", "r1"}, {"PermissionsBoundary", "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"}}),
      403, "AccessDenied");
  require_success(w.alice("PutRolePermissionsBoundary", {{"RoleName", "r1"}, {"PermissionsBoundary", kBasicExecution}}),
                  "PutRolePermissionsBoundary", false);
  REQUIRE(w.admin("GetRole", {{"RoleName", "r1"}}).text("PermissionsBoundaryArn") == kBasicExecution);
  // Removing that very boundary is what alice may not do.
  require_error(w.alice("DeleteRolePermissionsBoundary", {{"RoleName", "r1"}}), 403, "AccessDenied");
  require_success(w.admin("DeleteRolePermissionsBoundary", {{"RoleName", "r1"}}), "DeleteRolePermissionsBoundary",
                  false);
  REQUIRE_FALSE(w.admin("GetRole", {{"RoleName", "r1"}}).has("PermissionsBoundary"));
}

TEST_CASE("Tag keys and values are checked for their characters and case-insensitive duplicates", "[iam][tags]") {
  World w;
  require_error(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"ok", "v"}, {"a#b", "v"}}))), 400,
                "ValidationError",
                "1 validation error detected: Value 'a#b' at 'tags.2.member.key' failed to satisfy constraint: Member "
                "must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
  require_error(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"k", "x*y"}}))), 400, "ValidationError");
  require_error(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"Team", "a"}, {"team", "b"}}))), 400,
                "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
  // Letters of any script, spaces and the allowed punctuation pass.
  require_success(w.admin("TagUser", with({{"UserName", "alice"}}, tags({{"équipe a/b", "x.y:z=1+2-3@4_"}}))),
                  "TagUser", false);
  REQUIRE(w.admin("ListUserTags", {{"UserName", "alice"}}).count("member") == 1);
}
