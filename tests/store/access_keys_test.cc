// Access keys and temporary credentials.
#include "../shapes.h"

#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

TEST_CASE("access keys: two per user, statuses, deletion", "[store][keys]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  std::vector<NewAccessKey> keys;
  for (int i = 0; i < 2; ++i) {
    auto k = store->write([](Mutation& m) { return m.create_access_key(kAccount, "alice"); });
    REQUIRE(k);
    CHECK(gatehouse::testing::has_shape(k.value().metadata.access_key_id, "AKIA", gatehouse::testing::kBase32Upper, 16));
    CHECK(gatehouse::testing::has_shape(k.value().secret_access_key, "", gatehouse::testing::kBase64, 40));
    CHECK(k.value().metadata.status == KeyStatus::Active);
    CHECK(k.value().metadata.created == kEpoch);
    keys.push_back(k.value());
  }
  CHECK(error_of(store->write([](Mutation& m) { return m.create_access_key(kAccount, "alice"); })) ==
        Error{"LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2"});
  const std::string id = keys[0].metadata.access_key_id;
  REQUIRE(store->write([&](Mutation& m) { return m.update_access_key(kAccount, "alice", id, KeyStatus::Inactive); }));
  auto listed = store->read([](const Snapshot& s) { return s.list_access_keys(kAccount, "alice"); });
  REQUIRE(listed.value().size() == 2);
  CHECK(listed.value()[0].status == KeyStatus::Inactive);
  auto credential = store->find_credential(id);
  REQUIRE(credential.value());
  CHECK(credential.value()->status == KeyStatus::Inactive);
  CHECK(credential.value()->secret_access_key == keys[0].secret_access_key);
  // A key is deleted only through its owner.
  CHECK(error_of(store->write([&](Mutation& m) { return m.delete_access_key(kAccount, "", id); })).code == "NoSuchEntity");
  REQUIRE(store->write([&](Mutation& m) { return m.delete_access_key(kAccount, "alice", id); }));
  CHECK(store->find_credential(id).value() == nullptr);
  CHECK(store->write([](Mutation& m) { return m.create_access_key(kAccount, "alice"); }));
}

TEST_CASE("access keys: root keys belong to the account", "[store][keys]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  auto imported = store->write([](Mutation& m) {
    return m.import_access_key({kAccount, "", "AKIAEXAMPLEROOT11111", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"});
  });
  REQUIRE(imported);
  CHECK(error_of(store->write([](Mutation& m) {
          return m.import_access_key({kAccount, "", "AKIAEXAMPLEROOT11111", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"});
        })).code == "EntityAlreadyExists");
  auto credential = store->find_credential("AKIAEXAMPLEROOT11111");
  REQUIRE(credential.value());
  const auto& p = credential.value()->principal;
  CHECK(p.kind == CredentialKind::Root);
  CHECK(p.caller.type == gatehouse::policy::PrincipalType::Root);
  CHECK(p.caller.arn == "arn:aws:iam::111111111111:root");
  CHECK(p.user_id == kAccount);
  CHECK(p.policies.identity.empty());
  CHECK_FALSE(credential.value()->session_token.has_value());
  CHECK(store->read([](const Snapshot& s) { return s.list_access_keys(kAccount, ""); }).value().size() == 1);
}

TEST_CASE("sessions: AssumeRole issues ASIA credentials within the duration rules", "[store][keys]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  REQUIRE(store->write([](Mutation& m) { return m.create_role({kAccount, "deployer", "/ops/", kLambdaTrust, "", 7200, "", {}}); }));
  struct Row {
    const char* what;
    AssumeRoleInput input;
    std::string message;  // empty: succeeds
  };
  const Row rows[] = {
      {"default", {kAccount, "deployer", "s1", 3600, "", {}, {}, "", false, {}, "", ""}, ""},
      {"up to the role's maximum", {kAccount, "deployer", "s1", 7200, "", {}, {}, "", false, {}, "", ""}, ""},
      {"above the role's maximum", {kAccount, "deployer", "s1", 7201, "", {}, {}, "", false, {}, "", ""},
       "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
      {"role chaining", {kAccount, "deployer", "s1", 3601, "", {}, {}, "", true, {}, "", ""},
       "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
      {"above 43200", {kAccount, "deployer", "s1", 43201, "", {}, {}, "", false, {}, "", ""},
       "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have "
       "value less than or equal to 43200"},
      {"below 900", {kAccount, "deployer", "s1", 899, "", {}, {}, "", false, {}, "", ""},
       "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have "
       "value greater than or equal to 900"},
      {"bad session name", {kAccount, "deployer", "a:b", 3600, "", {}, {}, "", false, {}, "", ""},
       "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must "
       "satisfy regular expression pattern: [\\w+=,.@-]*"},
      {"unknown role", {kAccount, "nobody", "s1", 3600, "", {}, {}, "", false, {}, "", ""},
       "The role with name nobody cannot be found."},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      auto issued = store->write([&](Mutation& m) { return m.assume_role(row.input); });
      if (row.message.empty()) {
        REQUIRE(issued);
        const auto& c = issued.value();
        CHECK(gatehouse::testing::has_shape(c.access_key_id, "ASIA", gatehouse::testing::kBase32Upper, 16));
        CHECK(c.expiration == kEpoch + row.input.duration_seconds * 1000);
        CHECK(c.arn == "arn:aws:sts::111111111111:assumed-role/deployer/s1");  // the path is dropped
        CHECK(gatehouse::testing::has_shape(std::string_view(c.assumed_role_id).substr(0, 21), "AROA", gatehouse::testing::kBase32Upper, 17));
        CHECK(std::string_view(c.assumed_role_id).substr(21) == ":s1");
        CHECK(c.packed_policy_size == 0);
        auto credential = store->find_credential(c.access_key_id);
        REQUIRE(credential.value());
        CHECK(credential.value()->session_token == std::optional<std::string>(c.session_token));
        CHECK(credential.value()->expiration == std::optional<Millis>(c.expiration));
        CHECK(credential.value()->secret_access_key == c.secret_access_key);
        CHECK(credential.value()->principal.user_id == c.assumed_role_id);
        CHECK(credential.value()->principal.caller.principal_arn() == "arn:aws:iam::111111111111:role/ops/deployer");
      } else {
        CHECK(error_of(issued).message == row.message);
      }
    }
  }
}

// The store issues sessions for more than STS's API (whose 2-character minimum lives in server/sts):
// the executor names its sessions after the function, and a function's name may be 1 character long.
TEST_CASE("sessions: a 1-character session name (a function's) is issued; an empty one is not", "[store][keys]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  REQUIRE(store->write(
      [](Mutation& m) { return m.create_role({kAccount, "exec", "/", kLambdaTrust, "", 3600, "", {}}); }));
  auto issued = store->write(
      [](Mutation& m) { return m.assume_role({kAccount, "exec", "x", 3600, "", {}, {}, "", false, {}, "", ""}); });
  REQUIRE(issued);
  CHECK(issued.value().arn == "arn:aws:sts::111111111111:assumed-role/exec/x");
  auto credential = store->find_credential(issued.value().access_key_id);
  REQUIRE(credential.value());
  CHECK(credential.value()->principal.caller.arn == "arn:aws:sts::111111111111:assumed-role/exec/x");
  auto empty = store->write(
      [](Mutation& m) { return m.assume_role({kAccount, "exec", "", 3600, "", {}, {}, "", false, {}, "", ""}); });
  CHECK(error_of(empty).code == "ValidationError");
  auto long_name = store->write([](Mutation& m) {
    return m.assume_role({kAccount, "exec", std::string(65, 's'), 3600, "", {}, {}, "", false, {}, "", ""});
  });
  CHECK(error_of(long_name).message.ends_with("Member must have length less than or equal to 64"));
}

TEST_CASE("sessions: GetSessionToken acts as the same user; expired ones are purged", "[store][keys]") {
  TempDir dir;
  Clock clock;
  auto store = open_with_accounts(test_options(dir.path(), clock));
  REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  auto session = store->write([](Mutation& m) { return m.get_session_token({kAccount, "alice", std::nullopt}); });
  REQUIRE(session);
  CHECK(session.value().expiration == kEpoch + 43200 * 1000);
  auto root = store->write([](Mutation& m) { return m.get_session_token({kAccount, "", 3601}); });
  CHECK(error_of(root).message ==
        "1 validation error detected: Value '3601' at 'durationSeconds' failed to satisfy constraint: Member must have "
        "value less than or equal to 3600");
  auto credential = store->find_credential(session.value().access_key_id);
  REQUIRE(credential.value());
  CHECK(credential.value()->principal.kind == CredentialKind::UserSession);
  CHECK(credential.value()->principal.caller.arn == "arn:aws:iam::111111111111:user/alice");
  CHECK(credential.value()->principal.policies.session.empty());
  *clock.now += 43200 * 1000;
  auto purged = store->write([](Mutation& m) { return m.purge_expired_credentials(); });
  if (!purged) FAIL(purged.error());
  CHECK(purged.value() == 1);
  CHECK(store->find_credential(session.value().access_key_id).value() == nullptr);
}
