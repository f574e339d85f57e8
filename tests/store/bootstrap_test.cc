// The bootstrap file (interface.md 5): idempotent, all or nothing, faults
// name the file, the JSON path and the reason.
#include <fstream>

#include "store/bootstrap.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

const std::string kWorld = R"({
  "region": "us-east-1",
  "accounts": [
    {
      "id": "111111111111",
      "rootAccessKeys": [{"accessKeyId": "AKIAEXAMPLEROOT11111", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}],
      "policies": [{"name": "invoke", "path": "/app/", "description": "invoke anything",
                    "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}}],
      "groups": [{"name": "devs", "inlinePolicies": {"read": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:Get*", "Resource": "*"}]}},
                  "managedPolicies": ["arn:aws:iam::111111111111:policy/app/invoke"]}],
      "users": [{"name": "alice", "path": "/eng/",
                 "accessKeys": [{"accessKeyId": "AKIAEXAMPLEALICE1111", "secretAccessKey": "aliceSecretKeyAliceSecretKeyAliceSecret1"}],
                 "groups": ["devs"],
                 "inlinePolicies": {"own": "{ \"Version\": \"2012-10-17\", \"Statement\": [ { \"Effect\": \"Deny\", \"Action\": \"lambda:DeleteFunction\", \"Resource\": \"*\" } ] }"},
                 "managedPolicies": ["arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"],
                 "permissionsBoundary": "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
                 "tags": {"team": "blue"}}],
      "roles": [{"name": "exec", "path": "/service-role/", "maxSessionDuration": 7200,
                 "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:user/bob"}, "Action": "sts:AssumeRole"}]},
                 "managedPolicies": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]}]
    },
    {"id": "222222222222", "rootAccessKeys": [], "users": [{"name": "bob"}]}
  ]
})";

// Everything the store holds about the accounts, for before/after comparisons.
std::string dump(Store& store) {
  return store.read([](const Snapshot& s) -> Result<std::string> {
    std::string out;
    for (const auto& a : s.list_accounts()) {
      out += encode(a);
      for (const auto& u : s.list_users(a.id)) out += encode(u);
      for (const auto& g : s.list_groups(a.id)) out += encode(g);
      for (const auto& r : s.list_roles(a.id)) out += encode(r);
      for (const auto& p : s.list_policies(a.id)) out += encode(p.policy) + encode(p.usage);
    }
    return out;
  }).value();
}

const char* const kAllowAssumeFromAccount =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

}  // namespace

TEST_CASE("bootstrap: a world is created and a second load changes nothing", "[store][bootstrap]") {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  auto first = load_bootstrap(*store, kWorld, "world.json");
  if (!first) FAIL(first.error().to_string());
  CHECK(first.value().region == "us-east-1");
  CHECK(first.value().created > 10);
  const std::string after_first = dump(*store);
  auto second = load_bootstrap(*store, kWorld, "world.json");
  REQUIRE(second);
  CHECK(second.value().created == 0);
  CHECK(second.value().unchanged == first.value().created);
  CHECK(dump(*store) == after_first);

  auto alice = store->find_credential("AKIAEXAMPLEALICE1111").value();
  REQUIRE(alice);
  CHECK(alice->secret_access_key == "aliceSecretKeyAliceSecretKeyAliceSecret1");
  CHECK(alice->principal.caller.arn == "arn:aws:iam::111111111111:user/eng/alice");
  CHECK(alice->principal.caller.tags == Tags{{"team", "blue"}});
  CHECK(alice->principal.policies.identity.size() == 4);  // own, AWSLambda_ReadOnlyAccess, devs/read, invoke
  REQUIRE(alice->principal.policies.boundary);
  auto own = store->read([](const Snapshot& s) {
    return s.get_inline_policy({EntityKind::User, "111111111111", "alice"}, "own");
  });
  // A document given as a string is kept byte for byte; an object is stored compactly.
  CHECK(own.value().document ==
        "{ \"Version\": \"2012-10-17\", \"Statement\": [ { \"Effect\": \"Deny\", \"Action\": \"lambda:DeleteFunction\", "
        "\"Resource\": \"*\" } ] }");
  auto policy = store->read([](const Snapshot& s) {
    return s.get_policy("111111111111", "arn:aws:iam::111111111111:policy/app/invoke");
  });
  CHECK(policy.value().policy.default_document().document ==
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}]})");
  CHECK(policy.value().policy.description == "invoke anything");
  CHECK(store->find_credential("AKIAEXAMPLEROOT11111").value()->principal.kind == CredentialKind::Root);
  auto trust = store->find_role_trust("111111111111", "exec").value();
  REQUIRE(trust);
  CHECK(trust->max_session_duration == 7200);
  auto invariants = store->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); });
  CHECK(invariants.value() == std::nullopt);
}

TEST_CASE("bootstrap: creates what is missing, never deletes or changes", "[store][bootstrap]") {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  REQUIRE(load_bootstrap(*store, kWorld, "world.json"));
  // Changes made through the API after the first load survive the next one.
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    const EntityRef alice{EntityKind::User, "111111111111", "alice"};
    if (auto r = m.put_inline_policy(alice, "own", kAllowAll); !r) return r;
    if (auto r = m.tag_entity(alice, {{"team", "red"}}); !r) return r;
    if (auto r = m.create_user({"111111111111", "carol", "/", "", {}}); !r) return r.error();
    return m.delete_inline_policy({EntityKind::Group, "111111111111", "devs"}, "read");
  }));
  auto again = load_bootstrap(*store, kWorld, "world.json");
  REQUIRE(again);
  CHECK(again.value().created == 1);  // only the group's deleted inline policy comes back
  // What differs is named (and kept).
  CHECK(again.value().differences ==
        std::vector<std::string>{"user alice (111111111111): tag team",
                                 "user alice (111111111111): inline policy own"});
  CHECK_THAT(summary(again.value()),
             Catch::StartsWith("created 1, already present ") &&
                 Catch::EndsWith(", of which 2 differ from the file (kept; --bootstrap-mode apply updates them): "
                                 "user alice (111111111111): tag team; user alice (111111111111): inline policy own"));
  auto alice = store->read([](const Snapshot& s) { return s.get_user("111111111111", "alice"); }).value();
  CHECK(alice.tags.at("team") == "red");
  CHECK(alice.inline_policies[0].document == kAllowAll);
  CHECK(store->read([](const Snapshot& s) { return s.get_user("111111111111", "carol"); }));
}

TEST_CASE("bootstrap: apply mode updates what differs to the file and deletes nothing", "[store][bootstrap]") {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  const auto first = load_bootstrap(*store, kWorld, "world.json");
  REQUIRE(first);
  CHECK(summary(first.value()) == "created " + std::to_string(first.value().created) +
                                      ", already present 0, none differs from the file");
  const std::string invoke_arn = "arn:aws:iam::111111111111:policy/app/invoke";
  REQUIRE(store->write([&](Mutation& m) -> Result<void> {
    const EntityRef alice{EntityKind::User, "111111111111", "alice"};
    if (auto r = m.put_inline_policy(alice, "own", kAllowAll); !r) return r;
    if (auto r = m.put_inline_policy(alice, "extra", kAllowAll); !r) return r;
    if (auto r = m.tag_entity(alice, {{"team", "red"}}); !r) return r;
    if (auto r = m.update_assume_role_policy("111111111111", "exec", kAllowAssumeFromAccount); !r) return r;
    if (auto r = m.create_policy_version("111111111111", invoke_arn, kAllowAll, true); !r) return r.error();
    if (auto r = m.create_user({"111111111111", "carol", "/", "", {}}); !r) return r.error();
    return success();
  }));
  // Create-only names the four differences and keeps them.
  auto kept = load_bootstrap(*store, kWorld, "world.json");
  REQUIRE(kept);
  CHECK(kept.value().differences.size() == 4);
  CHECK(store->read([](const Snapshot& s) { return s.get_user("111111111111", "alice"); }).value().tags.at("team") ==
        "red");

  auto applied = load_bootstrap(*store, kWorld, "world.json", BootstrapMode::Apply);
  REQUIRE(applied);
  CHECK(applied.value().differences == std::vector<std::string>{
                                           "policy invoke (111111111111): document",
                                           "user alice (111111111111): tag team",
                                           "user alice (111111111111): inline policy own",
                                           "role exec (111111111111): assumeRolePolicy",
                                       });
  CHECK_THAT(summary(applied.value()), Catch::Contains("of which 4 differ from the file (updated to the file): "));
  auto alice = store->read([](const Snapshot& s) { return s.get_user("111111111111", "alice"); }).value();
  CHECK(alice.tags.at("team") == "blue");
  auto own = std::find_if(alice.inline_policies.begin(), alice.inline_policies.end(),
                          [](const InlinePolicy& p) { return p.name == "own"; });
  REQUIRE(own != alice.inline_policies.end());
  CHECK_THAT(own->document, Catch::Contains("lambda:DeleteFunction"));
  // Nothing the file does not name is deleted.
  CHECK(alice.inline_policies.size() == 2);
  CHECK(store->read([](const Snapshot& s) { return s.get_user("111111111111", "carol"); }));
  auto policy = store->read([&](const Snapshot& s) { return s.get_policy("111111111111", invoke_arn); }).value();
  CHECK_THAT(policy.policy.default_document().document, Catch::Contains("lambda:InvokeFunction"));
  auto trust = store->read([](const Snapshot& s) { return s.get_role("111111111111", "exec"); }).value();
  CHECK_THAT(trust.trust.document, Catch::Contains("222222222222:user/bob"));

  // A role's description and maximum session duration are compared too.
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    UpdateRoleInput update;
    update.description = "changed";
    update.max_session_duration = 3600;
    auto r = m.update_role("111111111111", "exec", update);
    if (!r) return r.error();
    return success();
  }));
  auto role_kept = load_bootstrap(*store, kWorld, "world.json");
  REQUIRE(role_kept);
  CHECK(role_kept.value().differences == std::vector<std::string>{"role exec (111111111111): maxSessionDuration"});
  REQUIRE(load_bootstrap(*store, kWorld, "world.json", BootstrapMode::Apply));
  CHECK(store->read([](const Snapshot& s) { return s.get_role("111111111111", "exec"); }).value().max_session_duration ==
        7200);

  // Applied once, the store matches the file.
  auto after = load_bootstrap(*store, kWorld, "world.json", BootstrapMode::Apply);
  REQUIRE(after);
  CHECK(after.value().differences.empty());
  CHECK(after.value().created == 0);
}

TEST_CASE("bootstrap: a bad file names the file, the JSON path and the fault; nothing is applied", "[store][bootstrap]") {
  struct Row {
    const char* what;
    std::string text;
    std::string error;  // BootstrapError::to_string()
  };
  const std::string key = R"({"accessKeyId": "AKIAEXAMPLEROOT11111", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})";
  auto account = [&](const std::string& rest) {
    return R"({"accounts": [{"id": "111111111111", "rootAccessKeys": [)" + key + "]" + rest + "}]}";
  };
  const Row rows[] = {
      {"not JSON", "{\n  \"accounts\": [,]\n}", "w.json: $: not valid JSON at line 2 column 16: Invalid value."},
      {"trailing text", R"({"accounts": []} x)", "w.json: $: not valid JSON at line 1 column 18: The document root must not be followed by other values."},
      {"no accounts", R"({"region": "us-east-1"})", "w.json: $.accounts: missing required member"},
      {"unknown member", R"({"accounts": [], "acounts": []})",
       "w.json: $.acounts: unknown member (allowed: region, accounts)"},
      {"duplicate member", R"({"accounts": [], "accounts": []})", "w.json: $.accounts: duplicate member"},
      {"no root keys", R"({"accounts": [{"id": "111111111111"}]})", "w.json: $.accounts[0].rootAccessKeys: missing required member"},
      {"bad account id", R"({"accounts": [{"id": "1234", "rootAccessKeys": []}]})",
       "w.json: $.accounts[0].id: must be a 12-digit account id"},
      {"account twice", R"({"accounts": [{"id": "111111111111", "rootAccessKeys": []}, {"id": "111111111111", "rootAccessKeys": []}]})",
       "w.json: $.accounts[1].id: account 111111111111 is declared twice"},
      {"bad key id", R"({"accounts": [{"id": "111111111111", "rootAccessKeys": [{"accessKeyId": "AKIA1", "secretAccessKey": "x"}]}]})",
       "w.json: $.accounts[0].rootAccessKeys[0].accessKeyId: must be AKIA followed by 16 upper-case letters or digits"},
      {"wrong type", account(R"(, "users": {"name": "alice"})"), "w.json: $.accounts[0].users: must be an array, not an object"},
      {"bad user name", account(R"(, "users": [{"name": "a b"}])"),
       "w.json: $.accounts[0].users[0].name: 1 validation error detected: Value 'a b' at 'userName' failed to satisfy "
       "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
      {"role without trust", account(R"(, "roles": [{"name": "r"}])"),
       "w.json: $.accounts[0].roles[0].assumeRolePolicy: missing required member"},
      {"bad inline policy", account(R"(, "users": [{"name": "alice", "inlinePolicies": {"p": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}}}])"),
       "w.json: $.accounts[0].users[0].inlinePolicies.p: Policy statement must contain resources. "
       "(MalformedPolicyDocument at Statement[0], line 1 column 38): no `Resource` or `NotResource` value"},
      {"unknown managed policy", account(R"(, "users": [{"name": "alice", "managedPolicies": ["arn:aws:iam::aws:policy/AWSLambdaBasicExecute"]}])"),
       "w.json: $.accounts[0].users[0].managedPolicies[0]: Policy arn:aws:iam::aws:policy/AWSLambdaBasicExecute does not "
       "exist or is not attachable. (NoSuchEntity)"},
      {"unknown group", account(R"(, "users": [{"name": "alice", "groups": ["nope"]}])"),
       "w.json: $.accounts[0].users[0].groups[0]: The group with name nope cannot be found. (NoSuchEntity)"},
      {"trust names a missing user", account(R"(, "roles": [{"name": "r", "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/ghost"}, "Action": "sts:AssumeRole"}]}}])"),
       "w.json: $.accounts[0].roles[0].assumeRolePolicy: Invalid principal in policy: "
       "\"AWS\":\"arn:aws:iam::111111111111:user/ghost\" (MalformedPolicyDocument at Statement[0].Principal.AWS, line 1 "
       "column 75): no such user"},
      {"third access key", account(R"(, "users": [{"name": "alice", "accessKeys": [{"accessKeyId": "AKIAEXAMPLEALICE1111", "secretAccessKey": "aliceSecretKeyAliceSecretKeyAliceSecret1"}, {"accessKeyId": "AKIAEXAMPLEALICE2222", "secretAccessKey": "aliceSecretKeyAliceSecretKeyAliceSecret2"}, {"accessKeyId": "AKIAEXAMPLEALICE3333", "secretAccessKey": "aliceSecretKeyAliceSecretKeyAliceSecret3"}]}])"),
       "w.json: $.accounts[0].users[0].accessKeys[2]: Cannot exceed quota for AccessKeysPerUser: 2 (LimitExceeded)"},
      {"key of another principal", account(R"(, "users": [{"name": "alice", "accessKeys": [)" + key + "]}]"),
       "w.json: $.accounts[0].users[0].accessKeys[0].accessKeyId: access key AKIAEXAMPLEROOT11111 belongs to another principal"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      TempDir dir;
      auto store = open_store(test_options(dir.path()));
      const std::string before = dump(*store);
      auto loaded = load_bootstrap(*store, row.text, "w.json");
      REQUIRE_FALSE(loaded);
      CHECK(loaded.error().to_string() == row.error);
      CHECK(dump(*store) == before);  // all or nothing
    }
  }
}

TEST_CASE("bootstrap: a file is read from disk and named in faults", "[store][bootstrap]") {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  const auto missing = dir.path() / "missing.json";
  auto loaded = load_bootstrap_file(*store, missing);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().to_string() == missing.string() + ": $: cannot read the file");
  const auto file = dir.path() / "world.json";
  std::ofstream(file) << kWorld;
  CHECK(load_bootstrap_file(*store, file));
}
