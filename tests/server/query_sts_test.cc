// The Query protocol dispatch and the STS operations: parameters, XML envelopes, errors in
// the IAM/STS faces, and AssumeRole's trust decision through the one pipeline
// (iam-sts-api.md 1 and 4; policy-semantics on same- and cross-account role assumption).
#include <catch2/catch.hpp>

#include "server/query/params.h"
#include "server/query/xml.h"
#include "tests/server/query_test_world.h"

using namespace gatehouse;
using namespace gatehouse::query_test;

namespace {

const std::string kRoleArn = "arn:aws:iam::111111111111:role/deployer";

std::string trust_for(const std::string& principal_json, const std::string& condition = "") {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)" + principal_json +
         R"(,"Action":"sts:AssumeRole")" + (condition.empty() ? "" : ",\"Condition\":" + condition) + "}]}";
}

void make_role(World& w, std::string_view account, std::string_view name, const std::string& trust,
               std::optional<std::int32_t> max_session = std::nullopt) {
  require_ok(w.store().write([&](store::Mutation& m) {
    store::CreateRoleInput input;
    input.account = std::string(account);
    input.name = std::string(name);
    input.assume_role_policy = trust;
    input.max_session_duration = max_session;
    return m.create_role(input);
  }));
}

void role_policy(World& w, std::string_view account, std::string_view role, const std::string& document) {
  require_ok(w.store().write([&](store::Mutation& m) {
    return m.put_inline_policy({store::EntityKind::Role, std::string(account), std::string(role)}, "p", document);
  }));
}

std::string allow(const std::string& action, const std::string& resource) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":")" + action + R"(","Resource":")" +
         resource + R"("}]})";
}

std::string assume(const std::string& role_arn, std::string_view session = "s1",
                   std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {}) {
  std::string body = form({{"Action", "AssumeRole"}, {"Version", "2011-06-15"}, {"RoleArn", role_arn},
                           {"RoleSessionName", session}});
  for (const auto& [n, v] : extra) body += "&" + form({{n, v}});
  return body;
}

}  // namespace

TEST_CASE("Params: form and query decoded once, lists by member index", "[query]") {
  auto params = server::query::Params::decode(
      "Action=CreateUser&UserName=al%2Bice&Tags.member.1.Key=a&Tags.member.1.Value=x+y&Tags.member.2.Key=b&"
      "Tags.member.2.Value=&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=s3:PutObject&"
      "ActionNames.member.4=gap",
      "Version=2010-05-08&UserName=ignored");
  REQUIRE(params);
  CHECK(*params->find("UserName") == "al+ice");  // the form wins over the query string
  CHECK(*params->find("Version") == "2010-05-08");
  CHECK(params->members("ActionNames") == std::vector<std::string>{"s3:GetObject", "s3:PutObject"});
  CHECK(params->member_prefixes("Tags") == std::vector<std::string>{"Tags.member.1", "Tags.member.2"});
  CHECK(*params->find("Tags.member.1.Value") == "x y");
  CHECK(params->has_list("Tags"));
  CHECK_FALSE(params->has_list("Tag"));
  CHECK_FALSE(server::query::Params::decode("A=%zz", ""));
}

TEST_CASE("Params: bytes that are not UTF-8 read as U+FFFD", "[query]") {
  auto params = server::query::Params::decode("A=%FF%C3&B=caf%C3%A9%E2%82%AC&C=%ED%A0%80", "");
  REQUIRE(params);
  CHECK(*params->find("A") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(*params->find("B") == "caf\xC3\xA9\xE2\x82\xAC");  // well-formed text is kept as it is
  CHECK(params->find("C")->find("\xED") == std::string::npos);  // an encoded surrogate is not UTF-8
}

TEST_CASE("Xml: characters XML 1.0 cannot carry are written as U+FFFD", "[query]") {
  server::query::Xml xml;
  xml.element("D", std::string_view("a\x01" "b\x1F\tc\xFF" "d\xEF\xBF\xBF\xC3\xA9"));
  CHECK(xml.text() == "<D>a\xEF\xBF\xBD" "b\xEF\xBF\xBD\tc\xEF\xBF\xBD" "d\xEF\xBF\xBD\xC3\xA9</D>");
}

TEST_CASE("Xml: escaping, dates and URL-encoded documents", "[query]") {
  server::query::Xml xml;
  xml.open("A").element("B", std::string_view("<x & \"y\">")).empty("C").element("D", true).close("A");
  CHECK(xml.text() == "<A><B>&lt;x &amp; &quot;y&quot;&gt;</B><C/><D>true</D></A>");
  CHECK(server::query::iso8601(1714564800123) == "2024-05-01T12:00:00Z");
  // Spaces as %20, never '+' (boto3 unquotes without turning '+' into a space).
  CHECK(server::query::url_encode_document(R"({"a": "b+c/d"})") == "%7B%22a%22%3A%20%22b%2Bc%2Fd%22%7D");
}

TEST_CASE("Query dispatch: unknown and missing actions, unsigned requests, namespaces", "[query]") {
  World w;
  auto unknown = w.iam(form({{"Action", "NoSuchThing"}, {"Version", "2010-05-08"}}), kRootA);
  CHECK(unknown.status == 400);
  CHECK(unknown.code() == "InvalidAction");
  CHECK(unknown.message() == "Could not find operation NoSuchThing for version 2010-05-08");
  auto missing = w.iam(form({{"Version", "2010-05-08"}}), kRootA);
  CHECK(missing.status == 400);
  CHECK(missing.code() == "MissingAction");
  // An STS action is not an IAM one: the scope decides the service.
  auto wrong_service = w.iam(form({{"Action", "GetCallerIdentity"}, {"Version", "2010-05-08"}}), kRootA);
  CHECK(wrong_service.code() == "InvalidAction");

  auto unknown_key = w.sts(form({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}),
                           Keys{"AKIANOBODYEXAMPLE001", std::string(40, 'x'), std::nullopt});
  CHECK(unknown_key.status == 403);
  CHECK(unknown_key.code() == "InvalidClientTokenId");
  CHECK(unknown_key.body.find("https://sts.amazonaws.com/doc/2011-06-15/") != std::string::npos);

  auto ok = w.sts(form({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}), kRootA);
  CHECK(ok.status == 200);
  CHECK(ok.content_type == "text/xml");
  CHECK(ok.body.starts_with(
      R"(<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>)"));
  CHECK(ok.element("RequestId") == "00000000-0000-4000-8000-000000000000");
}

TEST_CASE("Query dispatch: a missing or other Version is InvalidAction, as AWS answers", "[query]") {
  World w;
  auto none = w.iam(form({{"Action", "ListUsers"}}), kRootA);
  CHECK(none.status == 400);
  CHECK(none.code() == "InvalidAction");
  CHECK(none.message() == "Could not find operation ListUsers for version NO_VERSION_SPECIFIED");
  auto other = w.sts(form({{"Action", "GetCallerIdentity"}, {"Version", "2099-01-01"}}), kRootA);
  CHECK(other.code() == "InvalidAction");
  CHECK(other.message() == "Could not find operation GetCallerIdentity for version 2099-01-01");
  // IAM's version does not name STS's operations, nor the other way round.
  CHECK(w.sts(form({{"Action", "GetCallerIdentity"}, {"Version", "2010-05-08"}}), kRootA).code() == "InvalidAction");
  CHECK(w.iam(form({{"Action", "ListUsers"}, {"Version", "2011-06-15"}}), kRootA).code() == "InvalidAction");
  // The first of two Versions counts, like the first of any two parameters.
  CHECK(w.iam("Action=ListUsers&Version=2010-05-08&Version=2000-01-01", kRootA).status == 200);
}

TEST_CASE("Query dispatch: error messages carry only what XML can", "[query]") {
  World w;
  // U+FFFE is well-formed UTF-8 but no XML character; a validation message echoes the value.
  auto echoed = w.iam(form({{"Action", "GetUser"}, {"Version", "2010-05-08"}, {"UserName", "a\xEF\xBF\xBE"}}), kRootA);
  CHECK(echoed.code() == "ValidationError");
  CHECK(echoed.body.find("\xEF\xBF\xBE") == std::string::npos);
  CHECK(echoed.message().starts_with("1 validation error detected: Value 'a\xEF\xBF\xBD' at 'userName'"));
}

TEST_CASE("Query dispatch: IAM and STS accept any scope region", "[query]") {
  World w;
  auto eu = w.call("sts", form({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}), kAlice, "eu-west-1");
  CHECK(eu.status == 200);
  auto iam_eu = w.call("iam", form({{"Action", "GetUser"}, {"Version", "2010-05-08"}}), kRootA, "ap-south-1");
  CHECK(iam_eu.status == 200);
}

TEST_CASE("GetCallerIdentity: users, roots and role sessions; no policy needed", "[sts]") {
  World w;
  const std::string body = form({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}});
  auto root = w.sts(body, kRootA);
  CHECK(root.element("UserId") == "111111111111");
  CHECK(root.element("Account") == "111111111111");
  CHECK(root.element("Arn") == "arn:aws:iam::111111111111:root");
  // alice has no policy at all, and an explicit deny cannot stop it either.
  w.put_user_policy(kA, "alice", R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})");
  auto alice = w.sts(body, kAlice);
  CHECK(alice.status == 200);
  CHECK(alice.element("UserId").starts_with("AIDA"));
  CHECK(alice.element("Arn") == "arn:aws:iam::111111111111:user/alice");
}

TEST_CASE("AssumeRole: same account, the trust policy naming the caller suffices", "[sts]") {
  World w;
  make_role(w, kA, "deployer", trust_for(R"({"AWS":"arn:aws:iam::111111111111:user/alice"})"));
  auto assumed = w.sts(assume(kRoleArn, "deploy-session"), kAlice);
  REQUIRE(assumed.status == 200);
  CHECK(assumed.element("AccessKeyId").starts_with("ASIA"));
  CHECK(assumed.element("SessionToken").size() > 20);
  CHECK(assumed.element("Arn") == "arn:aws:sts::111111111111:assumed-role/deployer/deploy-session");
  CHECK(assumed.element("AssumedRoleId").starts_with("AROA"));
  CHECK(assumed.element("AssumedRoleId").ends_with(":deploy-session"));
  CHECK(assumed.body.find("<PackedPolicySize>") == std::string::npos);

  // The session acts as the role.
  const Keys session = World::credentials_of(assumed);
  auto me = w.sts(form({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}), session);
  CHECK(me.element("Arn") == "arn:aws:sts::111111111111:assumed-role/deployer/deploy-session");
}

TEST_CASE("AssumeRole: a trust policy naming the account also needs an identity-policy allow", "[sts]") {
  World w;
  make_role(w, kA, "deployer", trust_for(R"({"AWS":"arn:aws:iam::111111111111:root"})"));
  auto denied = w.sts(assume(kRoleArn), kAlice);
  CHECK(denied.status == 403);
  CHECK(denied.code() == "AccessDenied");
  CHECK(denied.message() ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: "
        "arn:aws:iam::111111111111:role/deployer because no identity-based policy allows the sts:AssumeRole action");
  w.put_user_policy(kA, "alice", allow("sts:AssumeRole", kRoleArn));
  CHECK(w.sts(assume(kRoleArn), kAlice).status == 200);
}

TEST_CASE("AssumeRole: cross account needs both the trust policy and the identity policy", "[sts]") {
  World w;
  make_role(w, kA, "deployer", trust_for(R"({"AWS":"arn:aws:iam::222222222222:user/bob"})"));
  auto no_identity = w.sts(assume(kRoleArn), kBob);
  CHECK(no_identity.status == 403);
  CHECK(no_identity.message().find("because no identity-based policy allows the sts:AssumeRole action") !=
        std::string::npos);
  w.put_user_policy(kB, "bob", allow("sts:AssumeRole", kRoleArn));
  auto assumed = w.sts(assume(kRoleArn), kBob);
  CHECK(assumed.status == 200);
  CHECK(assumed.element("Arn") == "arn:aws:sts::111111111111:assumed-role/deployer/s1");

  // Without the trust policy's say, the identity policy is not enough.
  make_role(w, kA, "other", trust_for(R"({"AWS":"arn:aws:iam::111111111111:root"})"));
  w.put_user_policy(kB, "bob", allow("sts:AssumeRole", "*"));
  auto untrusted = w.sts(assume("arn:aws:iam::111111111111:role/other"), kBob);
  CHECK(untrusted.status == 403);
  CHECK(untrusted.message().find("because no role trust policy allows the sts:AssumeRole action") !=
        std::string::npos);
}

TEST_CASE("AssumeRole: conditions of the trust policy see sts:ExternalId and the session name", "[sts]") {
  World w;
  make_role(w, kA, "deployer",
            trust_for(R"({"AWS":"arn:aws:iam::111111111111:user/alice"})",
                      R"({"StringEquals":{"sts:ExternalId":"xyz-123"},"StringLike":{"sts:RoleSessionName":"ci-*"}})"));
  CHECK(w.sts(assume(kRoleArn, "ci-1"), kAlice).status == 403);
  CHECK(w.sts(assume(kRoleArn, "ci-1", {{"ExternalId", "wrong-1"}}), kAlice).status == 403);
  CHECK(w.sts(assume(kRoleArn, "dev-1", {{"ExternalId", "xyz-123"}}), kAlice).status == 403);
  CHECK(w.sts(assume(kRoleArn, "ci-1", {{"ExternalId", "xyz-123"}}), kAlice).status == 200);
}

TEST_CASE("AssumeRole: refusals in AWS's words", "[sts]") {
  World w;
  make_role(w, kA, "deployer", trust_for(R"({"AWS":"arn:aws:iam::111111111111:user/alice"})"), 7200);

  auto root = w.sts(assume(kRoleArn), kRootA);
  CHECK(root.status == 403);
  CHECK(root.message() == "Roles may not be assumed by root accounts.");

  auto bad_name = w.sts(assume(kRoleArn, "a:b"), kAlice);
  CHECK(bad_name.status == 400);
  CHECK(bad_name.code() == "ValidationError");
  CHECK(bad_name.message() ==
        "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [\\w+=,.@-]*");
  // STS's own rule, 2 characters at least, though the executor's sessions may be named "x" (a function's name).
  auto one_char = w.sts(assume(kRoleArn, "a"), kAlice);
  CHECK(one_char.status == 400);
  CHECK(one_char.code() == "ValidationError");
  CHECK(one_char.message() ==
        "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have "
        "length greater than or equal to 2");

  auto too_long = w.sts(assume(kRoleArn, "sa", {{"DurationSeconds", "43201"}}), kAlice);
  CHECK(too_long.message() ==
        "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must "
        "have value less than or equal to 43200");
  auto huge = w.sts(assume(kRoleArn, "sa", {{"DurationSeconds", "99999999999999999999"}}), kAlice);
  CHECK(huge.message().ends_with("Member must have value less than or equal to 43200"));
  CHECK(w.sts(assume(kRoleArn, "sa", {{"DurationSeconds", "12ab"}}), kAlice).code() == "ValidationError");
  auto over_max = w.sts(assume(kRoleArn, "sx", {{"DurationSeconds", "7201"}}), kAlice);
  CHECK(over_max.code() == "ValidationError");
  CHECK(over_max.message() == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  CHECK(w.sts(assume(kRoleArn, "sx", {{"DurationSeconds", "7200"}}), kAlice).status == 200);

  auto malformed = w.sts(assume("arn:aws:s3:::bucket-name-long-enough"), kAlice);
  CHECK(malformed.code() == "ValidationError");
  CHECK(malformed.message() == "arn:aws:s3:::bucket-name-long-enough is invalid");

  auto missing = w.sts(form({{"Action", "AssumeRole"}, {"Version", "2011-06-15"}, {"RoleSessionName", "s1"}}), kAlice);
  CHECK(missing.code() == "ValidationError");
  CHECK(missing.message() ==
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");

  // A role that does not exist is refused like one the caller may not assume.
  w.put_user_policy(kA, "alice", allow("sts:AssumeRole", "*"));
  auto ghost = w.sts(assume("arn:aws:iam::111111111111:role/ghost"), kAlice);
  CHECK(ghost.status == 403);
  CHECK(ghost.code() == "AccessDenied");
  CHECK(ghost.message() ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: "
        "arn:aws:iam::111111111111:role/ghost because no role trust policy allows the sts:AssumeRole action");
  // A role named with another path is another role.
  auto wrong_path = w.sts(assume("arn:aws:iam::111111111111:role/app/deployer"), kAlice);
  CHECK(wrong_path.status == 403);

  auto bad_policy = w.sts(assume(kRoleArn, "sp", {{"Policy", "{not json"}}), kAlice);
  CHECK(bad_policy.status == 400);
  CHECK(bad_policy.code() == "MalformedPolicyDocument");

  // The Policy member is 1-2048 characters: AWS answers outside that with a ValidationError.
  auto empty_policy = w.sts(assume(kRoleArn, "sp", {{"Policy", ""}}), kAlice);
  CHECK(empty_policy.code() == "ValidationError");
  CHECK(empty_policy.message() ==
        "1 validation error detected: Value '' at 'policy' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1");
  const std::string long_policy = allow("s3:GetObject", "arn:aws:s3:::" + std::string(2000, 'b'));
  auto too_large = w.sts(assume(kRoleArn, "sp", {{"Policy", long_policy}}), kAlice);
  CHECK(too_large.status == 400);
  CHECK(too_large.code() == "ValidationError");
  CHECK(too_large.message().ends_with(
      "at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048"));
  auto short_arn = w.sts(assume(kRoleArn, "sp", {{"PolicyArns.member.1.arn", "bad"}}), kAlice);
  CHECK(short_arn.code() == "ValidationError");
  CHECK(short_arn.message() ==
        "1 validation error detected: Value 'bad' at 'policyArns.1.member.arn' failed to satisfy constraint: Member "
        "must have length greater than or equal to 20");
}

TEST_CASE("AssumeRole: the session policy narrows the session; tags need sts:TagSession", "[sts]") {
  World w;
  make_role(w, kA, "deployer", trust_for(R"({"AWS":"arn:aws:iam::111111111111:user/alice"})"));
  role_policy(w, kA, "deployer", allow("iam:Get*", "*"));
  auto narrowed = w.sts(assume(kRoleArn, "narrow", {{"Policy", allow("iam:GetRole", "*")}}), kAlice);
  REQUIRE(narrowed.status == 200);
  CHECK(!narrowed.element("PackedPolicySize").empty());
  const Keys session = World::credentials_of(narrowed);
  const std::string get_user = form({{"Action", "GetUser"}, {"Version", "2010-05-08"}, {"UserName", "alice"}});
  auto refused = w.iam(get_user, session);
  CHECK(refused.status == 403);
  CHECK(refused.message().find("because no session policy allows the iam:GetUser action") != std::string::npos);
  // What both the role's policy and the session policy allow still works.
  auto kept = w.iam(form({{"Action", "GetRole"}, {"Version", "2010-05-08"}, {"RoleName", "deployer"}}), session);
  CHECK(kept.status == 200);
  CHECK(kept.element("RoleName") == "deployer");

  auto tagged = w.sts(assume(kRoleArn, "tagged", {{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "red"}}),
                      kAlice);
  CHECK(tagged.status == 403);
  CHECK(tagged.message().find("sts:TagSession") != std::string::npos);
}

TEST_CASE("Role chaining is capped at one hour; expired sessions are refused", "[sts]") {
  World w;
  make_role(w, kA, "first", trust_for(R"({"AWS":"arn:aws:iam::111111111111:user/alice"})"), 43200);
  make_role(w, kA, "second", trust_for(R"({"AWS":"arn:aws:iam::111111111111:role/first"})"), 43200);
  auto first = w.sts(assume("arn:aws:iam::111111111111:role/first"), kAlice);
  REQUIRE(first.status == 200);
  const Keys session = World::credentials_of(first);
  auto chained = w.sts(assume("arn:aws:iam::111111111111:role/second", "s2", {{"DurationSeconds", "3601"}}), session);
  CHECK(chained.code() == "ValidationError");
  CHECK(chained.message() ==
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  auto second = w.sts(assume("arn:aws:iam::111111111111:role/second", "s2"), session);
  CHECK(second.status == 200);
  CHECK(second.element("Arn") == "arn:aws:sts::111111111111:assumed-role/second/s2");

  w.clock().set(w.clock().now() + std::chrono::hours(2));
  auto expired = w.sts(form({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}), session);
  CHECK(expired.status >= 400);
  CHECK(expired.code() == "ExpiredToken");
}

TEST_CASE("GetSessionToken: users and roots; never from a session; no IAM without MFA", "[sts]") {
  World w;
  const std::string body = form({{"Action", "GetSessionToken"}, {"Version", "2011-06-15"}});
  auto alice = w.sts(body, kAlice);
  REQUIRE(alice.status == 200);
  CHECK(alice.element("AccessKeyId").starts_with("ASIA"));
  CHECK(alice.body.find("<AssumedRoleUser>") == std::string::npos);
  const Keys session = World::credentials_of(alice);
  auto me = w.sts(form({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}), session);
  CHECK(me.element("Arn") == "arn:aws:iam::111111111111:user/alice");

  auto again = w.sts(body, session);
  CHECK(again.status == 403);
  CHECK(again.code() == "AccessDenied");
  CHECK(again.message() == "Cannot call GetSessionToken with session credentials");

  auto iam_call = w.iam(form({{"Action", "GetUser"}, {"Version", "2010-05-08"}}), session);
  CHECK(iam_call.status == 403);

  auto too_long = w.sts(form({{"Action", "GetSessionToken"}, {"Version", "2011-06-15"}, {"DurationSeconds", "129601"}}),
                        kAlice);
  CHECK(too_long.code() == "ValidationError");
  auto root = w.sts(body, kRootA);
  CHECK(root.status == 200);
}

TEST_CASE("AssumeRole: PolicyArns become session policies; session tags become principal tags", "[sts]") {
  World w;
  make_role(w, kA, "deployer", trust_for(R"({"AWS":"arn:aws:iam::111111111111:user/alice"})"));
  role_policy(w, kA, "deployer", allow("iam:Get*", "*"));
  require_ok(w.store().write([&](store::Mutation& m) {
    store::CreatePolicyInput input;
    input.account = std::string(kA);
    input.name = "only-get-role";
    input.document = allow("iam:GetRole", "*");
    return m.create_policy(input);
  }));
  auto narrowed = w.sts(
      assume(kRoleArn, "managed", {{"PolicyArns.member.1.arn", "arn:aws:iam::111111111111:policy/only-get-role"}}),
      kAlice);
  REQUIRE(narrowed.status == 200);
  const Keys session = World::credentials_of(narrowed);
  auto refused = w.iam(form({{"Action", "GetUser"}, {"Version", "2010-05-08"}, {"UserName", "alice"}}), session);
  CHECK(refused.status == 403);
  CHECK(refused.message().find("because no session policy allows the iam:GetUser action") != std::string::npos);
  auto missing_role = w.iam(form({{"Action", "GetRole"}, {"Version", "2010-05-08"}, {"RoleName", "ghost"}}), session);
  CHECK(missing_role.code() == "NoSuchEntity");  // allowed by both: the call itself runs

  auto unknown = w.sts(
      assume(kRoleArn, "managed2", {{"PolicyArns.member.1.arn", "arn:aws:iam::111111111111:policy/nothing-here"}}),
      kAlice);
  CHECK(unknown.status == 404);
  CHECK(unknown.code() == "NoSuchEntity");

  // Session tags (allowed by sts:TagSession in the trust policy) are aws:PrincipalTag of the session.
  make_role(w, kA, "tagged",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":["sts:AssumeRole","sts:TagSession"]}]})");
  role_policy(w, kA, "tagged",
              R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]})");
  const std::string tagged_arn = "arn:aws:iam::111111111111:role/tagged";
  const std::string get_user = form({{"Action", "GetUser"}, {"Version", "2010-05-08"}, {"UserName", "alice"}});
  auto red = w.sts(assume(tagged_arn, "red", {{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "red"}}), kAlice);
  REQUIRE(red.status == 200);
  CHECK(w.iam(get_user, World::credentials_of(red)).status == 200);
  auto blue = w.sts(assume(tagged_arn, "blue", {{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "blue"}}), kAlice);
  REQUIRE(blue.status == 200);
  CHECK(w.iam(get_user, World::credentials_of(blue)).status == 403);
}

TEST_CASE("AssumeRole: transitive session tags pass along a role chain and cannot be set again", "[sts]") {
  World w;
  const std::string tag_trust = [](const std::string& principal) {
    return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":")" + principal +
           R"("},"Action":["sts:AssumeRole","sts:TagSession"]}]})";
  }("arn:aws:iam::111111111111:user/alice");
  make_role(w, kA, "first", tag_trust);
  make_role(w, kA, "second",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/first"},"Action":["sts:AssumeRole","sts:TagSession"]}]})");
  role_policy(w, kA, "second",
              R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]})");
  const std::string first = "arn:aws:iam::111111111111:role/first";
  const std::string second = "arn:aws:iam::111111111111:role/second";
  const std::string get_user = form({{"Action", "GetUser"}, {"Version", "2010-05-08"}, {"UserName", "alice"}});

  auto transitive = w.sts(assume(first, "one", {{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "red"},
                                                {"TransitiveTagKeys.member.1", "team"}}),
                          kAlice);
  REQUIRE(transitive.status == 200);
  const Keys one = World::credentials_of(transitive);
  auto chained = w.sts(assume(second, "two"), one);
  REQUIRE(chained.status == 200);
  CHECK(w.iam(get_user, World::credentials_of(chained)).status == 200);  // team=red came along
  // ... and stays transitive further down the chain: the second session passes it on too.
  auto again = w.sts(assume(second, "three", {{"Tags.member.1.Key", "TEAM"}, {"Tags.member.1.Value", "blue"}}), one);
  CHECK(again.status == 400);
  CHECK(again.code() == "InvalidParameterValue");

  auto plain = w.sts(assume(first, "four", {{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "red"}}), kAlice);
  REQUIRE(plain.status == 200);
  auto not_passed = w.sts(assume(second, "five"), World::credentials_of(plain));
  REQUIRE(not_passed.status == 200);
  CHECK(w.iam(get_user, World::credentials_of(not_passed)).status == 403);  // not transitive: left behind

  auto stray = w.sts(assume(first, "six", {{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "red"},
                                           {"TransitiveTagKeys.member.1", "cost"}}),
                     kAlice);
  CHECK(stray.status == 400);
  CHECK(stray.code() == "InvalidParameterValue");
}

TEST_CASE("Query API: an oversize policy document is AWS's ValidationError, never a 5xx", "[query]") {
  World w;
  const std::string huge = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::)" +
                           std::string(140000, 'b') + R"("}]})";
  auto put = w.iam(form({{"Action", "PutUserPolicy"}, {"Version", "2010-05-08"}, {"UserName", "alice"},
                         {"PolicyName", "big"}, {"PolicyDocument", huge}}),
                   kRootA);
  INFO(put.body.substr(0, 300));
  CHECK(put.status == 400);
  CHECK(put.code() == "ValidationError");
  CHECK(put.message().ends_with("Member must have length less than or equal to 131072"));
}
