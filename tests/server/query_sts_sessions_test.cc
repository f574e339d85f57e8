// Issue 10's IAM and STS findings, each as the bypass it was: tags of the target in the context
// (6), denials that name users and roles as requested (5), aws:TokenIssueTime (8), source identity
// along a chain (9), tag keys without case (10), role chaining from roles only, and inherited
// transitive tags as request tags of the next role's trust.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "policy/values.h"
#include "tests/server/query_test_world.h"

using namespace gatehouse;
using namespace gatehouse::query_test;

namespace {

std::string doc(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

void make_role(World& w, std::string_view name, const std::string& trust, store::Tags tags = {},
               std::string path = "/") {
  require_ok(w.store().write([&](store::Mutation& m) {
    store::CreateRoleInput input;
    input.account = std::string(kA);
    input.name = std::string(name);
    input.path = path;
    input.assume_role_policy = trust;
    input.max_session_duration = 43200;
    input.tags = tags;
    return m.create_role(input);
  }));
}

void role_policy(World& w, std::string_view role, const std::string& document) {
  require_ok(w.store().write([&](store::Mutation& m) {
    return m.put_inline_policy({store::EntityKind::Role, std::string(kA), std::string(role)}, "p", document);
  }));
}

std::string assume(std::string_view role, std::string_view session,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {}) {
  std::string body = form({{"Action", "AssumeRole"},
                           {"Version", "2011-06-15"},
                           {"RoleArn", "arn:aws:iam::111111111111:role/" + std::string(role)},
                           {"RoleSessionName", session}});
  for (const auto& [n, v] : extra) body += "&" + form({{n, v}});
  return body;
}

std::string iam_call(std::string_view action, std::initializer_list<std::pair<std::string_view, std::string_view>> extra) {
  std::string body = form({{"Action", action}, {"Version", "2010-05-08"}});
  for (const auto& [n, v] : extra) body += "&" + form({{n, v}});
  return body;
}

const std::string kAliceTrust = R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},)";

}  // namespace

TEST_CASE("Finding 6: a deny on the target user's tags holds for access keys, GetUser and DeleteUser",
          "[iam][issue10]") {
  World w;
  require_ok(w.store().write([&](store::Mutation& m) {
    return m.create_user({std::string(kA), "boss", "/", "", {{"protected", "true"}}});
  }));
  require_ok(w.store().write([&](store::Mutation& m) { return m.create_user({std::string(kA), "intern", "/", "", {}}); }));
  // The helpdesk: every access-key action, and GetUser/DeleteUser, except on protected users.
  w.put_user_policy(kA, "alice",
                    doc(R"({"Effect":"Allow","Action":["iam:*AccessKey*","iam:GetUser","iam:DeleteUser"],"Resource":"*"},)"
                        R"({"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}})"));
  for (const auto& [action, extra] :
       std::vector<std::pair<std::string_view, std::vector<std::pair<std::string_view, std::string_view>>>>{
           {"CreateAccessKey", {}},
           {"ListAccessKeys", {}},
           {"UpdateAccessKey", {{"AccessKeyId", "AKIAABCDEFGHIJKLMNOP"}, {"Status", "Inactive"}}},
           {"DeleteAccessKey", {{"AccessKeyId", "AKIAABCDEFGHIJKLMNOP"}}},
           {"GetUser", {}},
           {"DeleteUser", {}}}) {
    INFO(action);
    std::string body = iam_call(action, {{"UserName", "boss"}});
    for (const auto& [n, v] : extra) body += "&" + form({{n, v}});
    const Response r = w.iam(body, kAlice);
    INFO(r.body);
    CHECK(r.status == 403);
    CHECK(r.message().find("with an explicit deny in an identity-based policy") != std::string::npos);
  }
  CHECK(w.iam(iam_call("CreateAccessKey", {{"UserName", "intern"}}), kAlice).status == 200);
  CHECK(w.iam(iam_call("GetUser", {{"UserName", "boss"}}), kRootA).status == 200);  // boss is still there
}

TEST_CASE("Finding 6: sts:AssumeRole sees the role's tags, on the deny and on the allow side", "[sts][issue10]") {
  World w;
  const std::string account_trust =
      doc(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"})");
  make_role(w, "guarded", account_trust, {{"protected", "true"}, {"Project", "blue"}});
  make_role(w, "open", account_trust, {{"Project", "blue"}});
  make_role(w, "other", account_trust, {{"Project", "red"}});
  // AWS's example "assume roles that have a specific tag", and a deny on protected roles.
  w.put_user_policy(kA, "alice",
                    doc(R"({"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringEquals":{"iam:ResourceTag/Project":"blue"}}},)"
                        R"({"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}})"));
  CHECK(w.sts(assume("open", "s1"), kAlice).status == 200);
  const Response guarded = w.sts(assume("guarded", "s1"), kAlice);
  CHECK(guarded.status == 403);
  CHECK(guarded.message().find("explicit deny") != std::string::npos);
  CHECK(w.sts(assume("other", "s1"), kAlice).status == 403);
}

TEST_CASE("Finding 5: a denial names users and roles as requested, never by path or stored spelling",
          "[iam][issue10]") {
  World w;
  make_role(w, "hidden", doc(kAliceTrust + R"("Action":"sts:AssumeRole"})"), {}, "/secret-team/");
  const auto message = [&](std::string_view action, std::string_view param, std::string_view name) {
    const Response r = w.iam(iam_call(action, {{param, name}}), kAlice);
    CHECK(r.status == 403);
    return r.message();
  };
  const std::string hidden = message("GetRole", "RoleName", "hidden");
  CHECK(hidden ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:GetRole on resource: role "
        "hidden because no identity-based policy allows the iam:GetRole action");
  CHECK(hidden.find("secret-team") == std::string::npos);
  CHECK(message("GetRole", "RoleName", "nothere") ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:GetRole on resource: role "
        "nothere because no identity-based policy allows the iam:GetRole action");
  CHECK(message("UpdateRole", "RoleName", "HIDDEN").find("on resource: role HIDDEN because") != std::string::npos);
  CHECK(message("GetUser", "UserName", "ALICE").find("on resource: user ALICE because") != std::string::npos);
  CHECK(message("GetGroup", "GroupName", "g").find("on resource: group g because") != std::string::npos);
  CHECK(message("CreateAccessKey", "UserName", "alice").find("on resource: user alice because") !=
        std::string::npos);
  // Creation keeps the ARN form, as IAM answers.
  CHECK(message("CreateUser", "UserName", "new").find("on resource: arn:aws:iam::111111111111:user/new because") !=
        std::string::npos);
  // Authorization still uses the real ARN: a path-based allow works.
  w.put_user_policy(kA, "alice",
                    doc(R"({"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::111111111111:role/secret-team/*"})"));
  CHECK(w.iam(iam_call("GetRole", {{"RoleName", "hidden"}}), kAlice).status == 200);
}

TEST_CASE("Finding 8: aws:TokenIssueTime revokes older sessions (AWSRevokeOlderSessions)", "[sts][issue10]") {
  World w;
  make_role(w, "worker",
            doc(kAliceTrust + R"("Action":"sts:AssumeRole"})"));
  const std::string get_user = iam_call("GetUser", {{"UserName", "alice"}});
  const auto issued_at = [&](const Keys& keys) {
    store::Millis created = 0;
    require_ok(w.store().read([&](const store::Snapshot& s) -> store::Result<void> {
      created = s.find_access_key(keys.id)->created;
      return store::success();
    }));
    return created;
  };
  const auto wait_past = [&](store::Millis ms) {
    while (w.store().now() < ms) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };

  const Response old_session = w.sts(assume("worker", "old"), kAlice);
  REQUIRE(old_session.status == 200);
  const Keys old_keys = World::credentials_of(old_session);
  const std::int64_t cutoff = issued_at(old_keys) / 1000 + 1;  // the next second
  const std::string revoke =
      R"({"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":")" +
      policy::format_date(policy::Instant{cutoff, 0}) + R"("}}})";
  role_policy(w, "worker", doc(R"({"Effect":"Allow","Action":"*","Resource":"*"},)" + revoke));
  wait_past(cutoff * 1000);
  const Response new_session = w.sts(assume("worker", "new"), kAlice);
  REQUIRE(new_session.status == 200);
  const Response refused = w.iam(get_user, old_keys);
  CHECK(refused.status == 403);
  CHECK(refused.message().find("explicit deny") != std::string::npos);
  CHECK(w.iam(get_user, World::credentials_of(new_session)).status == 200);

  // A GetSessionToken session issued before the cutoff cannot mint role sessions either; the
  // long-term key (no aws:TokenIssueTime) is not affected.
  const std::string session_token = form({{"Action", "GetSessionToken"}, {"Version", "2011-06-15"}});
  const Response user_session = w.sts(session_token, kAlice);
  REQUIRE(user_session.status == 200);
  const Keys user_keys = World::credentials_of(user_session);
  const std::int64_t user_cutoff = issued_at(user_keys) / 1000 + 1;
  w.put_user_policy(kA, "alice",
                    doc(R"({"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":")" +
                        policy::format_date(policy::Instant{user_cutoff, 0}) + R"("}}})"));
  CHECK(w.sts(assume("worker", "minted"), user_keys).status == 403);
  CHECK(w.sts(assume("worker", "direct"), kAlice).status == 200);
}

TEST_CASE("Finding 9: the source identity is in every request of the session, carried along and never changed",
          "[sts][issue10]") {
  World w;
  const std::string set_identity = R"("Action":["sts:AssumeRole","sts:SetSourceIdentity"],)";
  // first: alice must set her own name as source identity.
  make_role(w, "first",
            doc(kAliceTrust + set_identity +
                R"("Condition":{"StringEquals":{"sts:SourceIdentity":"${aws:username}"}}})"));
  role_policy(w, "first", doc(R"({"Effect":"Allow","Action":"*","Resource":"*"})"));
  const auto trust_from_first = [&](const std::string& actions, const std::string& required) {
    return doc(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/first"},)" + actions +
               R"("Condition":{"StringEquals":{"sts:SourceIdentity":")" + required + R"("}}})");
  };
  make_role(w, "carols", trust_from_first(set_identity, "carol"));
  make_role(w, "alices", trust_from_first(set_identity, "alice"));
  make_role(w, "no-set", trust_from_first(R"("Action":"sts:AssumeRole",)", "alice"));
  role_policy(w, "alices",
              doc(R"({"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"StringEquals":{"aws:SourceIdentity":"alice"}}})"));

  CHECK(w.sts(assume("first", "s1", {{"SourceIdentity", "carol"}}), kAlice).status == 403);
  const Response first = w.sts(assume("first", "s1", {{"SourceIdentity", "alice"}}), kAlice);
  REQUIRE(first.status == 200);
  const Keys session = World::credentials_of(first);

  // Every request of the session carries aws:SourceIdentity.
  role_policy(w, "first",
              doc(R"({"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:GetUser","Resource":"*","Condition":{"StringEquals":{"aws:SourceIdentity":"alice"}}})"));
  CHECK(w.iam(iam_call("GetUser", {{"UserName", "alice"}}), session).status == 403);
  CHECK(w.iam(iam_call("GetRole", {{"RoleName", "first"}}), session).status == 200);

  // It cannot be changed along the chain, given or not.
  const Response changed = w.sts(assume("carols", "s2", {{"SourceIdentity", "carol"}}), session);
  CHECK(changed.status == 403);
  CHECK(w.sts(assume("carols", "s2"), session).status == 403);
  // The next role's trust must allow sts:SetSourceIdentity for the identity carried into it.
  CHECK(w.sts(assume("no-set", "s2"), session).status == 403);
  const Response chained = w.sts(assume("alices", "s2"), session);
  REQUIRE(chained.status == 200);
  CHECK(chained.element("SourceIdentity") == "alice");
  const Keys second = World::credentials_of(chained);
  CHECK(w.iam(iam_call("GetUser", {{"UserName", "alice"}}), second).status == 200);
}

TEST_CASE("Finding 10: tag keys are case-insensitive for TagUser, UntagUser and session tags", "[iam][sts][issue10]") {
  World w;
  const auto tags_of_alice = [&]() {
    store::Tags tags;
    require_ok(w.store().read([&](const store::Snapshot& s) -> store::Result<void> {
      tags = s.find_user(kA, "alice")->tags;
      return store::success();
    }));
    return tags;
  };
  CHECK(w.iam(iam_call("TagUser", {{"UserName", "alice"}, {"Tags.member.1.Key", "Quarantine"},
                                   {"Tags.member.1.Value", "true"}}),
              kRootA)
            .status == 200);
  CHECK(w.iam(iam_call("TagUser", {{"UserName", "alice"}, {"Tags.member.1.Key", "quarantine"},
                                   {"Tags.member.1.Value", "false"}}),
              kRootA)
            .status == 200);
  CHECK(tags_of_alice() == store::Tags{{"quarantine", "false"}});
  CHECK(w.iam(iam_call("UntagUser", {{"UserName", "alice"}, {"TagKeys.member.1", "QUARANTINE"}}), kRootA).status ==
        200);
  CHECK(tags_of_alice().empty());

  // A session tag overrides the role's tag of the same key in any case.
  make_role(w, "marketing", doc(kAliceTrust + R"("Action":["sts:AssumeRole","sts:TagSession"]})"),
            {{"department", "marketing"}});
  role_policy(w, "marketing",
              doc(R"({"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/department":"engineering"}}})"));
  const Response r = w.sts(
      assume("marketing", "s1", {{"Tags.member.1.Key", "Department"}, {"Tags.member.1.Value", "engineering"}}), kAlice);
  REQUIRE(r.status == 200);
  CHECK(w.iam(iam_call("GetUser", {{"UserName", "alice"}}), World::credentials_of(r)).status == 200);
}

TEST_CASE("GetSessionToken followed by AssumeRole is not role chaining", "[sts][issue10]") {
  World w;
  make_role(w, "long", doc(kAliceTrust + R"("Action":"sts:AssumeRole"})"));
  const Response token = w.sts(form({{"Action", "GetSessionToken"}, {"Version", "2011-06-15"}}), kAlice);
  REQUIRE(token.status == 200);
  const Response r = w.sts(assume("long", "s1", {{"DurationSeconds", "7200"}}), World::credentials_of(token));
  INFO(r.body);
  CHECK(r.status == 200);
}

TEST_CASE("Inherited transitive tags are request tags of the next role's trust and need sts:TagSession",
          "[sts][issue10]") {
  World w;
  make_role(w, "first", doc(kAliceTrust + R"("Action":["sts:AssumeRole","sts:TagSession"]})"));
  const std::string from_first = R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/first"},)";
  make_role(w, "untagging", doc(from_first + R"("Action":"sts:AssumeRole"})"));
  make_role(w, "red-only",
            doc(from_first + R"("Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"aws:RequestTag/team":"red"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}})"));
  const auto session = [&](std::string_view team) {
    const Response r = w.sts(assume("first", "s1", {{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", team},
                                                   {"TransitiveTagKeys.member.1", "team"}}),
                             kAlice);
    REQUIRE(r.status == 200);
    return World::credentials_of(r);
  };
  const Keys red = session("red");
  const Keys blue = session("blue");
  const Response no_tag_session = w.sts(assume("untagging", "s2"), red);
  CHECK(no_tag_session.status == 403);
  CHECK(no_tag_session.message().find("sts:TagSession") != std::string::npos);
  CHECK(w.sts(assume("red-only", "s2"), red).status == 200);
  CHECK(w.sts(assume("red-only", "s2"), blue).status == 403);
}
