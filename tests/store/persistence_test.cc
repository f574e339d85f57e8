// Close and reopen keeps everything; the schema version is checked; one store per directory; hot backup.
#include "store/codec.h"
#include "store/environment.h"
#include "store/schema.h"
#include "store/transaction.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

// One of everything the store keeps.
void build_world(Store& store) {
  auto ok = store.write([](Mutation& m) -> Result<void> {
    auto check = [](auto r) -> Result<void> {
      if (!r) return r.error();
      return success();
    };
    if (auto r = check(m.create_policy({kAccount, "invoke", "/", kAllowInvoke, "", {}})); !r) return r;
    if (auto r = check(m.create_group({kAccount, "devs", "/"})); !r) return r;
    if (auto r = check(m.create_user({kAccount, "alice", "/eng/", "", {{"team", "a"}}})); !r) return r;
    if (auto r = check(m.add_user_to_group(kAccount, "devs", "alice")); !r) return r;
    if (auto r = check(m.put_inline_policy({EntityKind::User, kAccount, "alice"}, "inline", kAllowAll)); !r) return r;
    if (auto r = check(m.attach_policy({EntityKind::Group, kAccount, "devs"}, customer_policy_arn("invoke"))); !r) return r;
    if (auto r = check(m.create_access_key(kAccount, "alice")); !r) return r;
    if (auto r = check(m.create_role({kAccount, "exec", "/", kLambdaTrust, "", std::nullopt, "", {}})); !r) return r;
    if (auto r = check(m.assume_role({kAccount, "exec", "s1", 3600, "", {}, {}, "", false, {}, "", ""})); !r) return r;
    CreateFunctionInput f;
    f.function = {kAccount, "us-east-1", "hello"};
    f.config.runtime = "python3.11";
    f.config.role = "arn:aws:iam::111111111111:role/exec";
    f.zip = "PK-zip-bytes";
    if (auto r = check(m.create_function(f)); !r) return r;
    if (auto r = check(m.publish_version(f.function)); !r) return r;
    if (auto r = check(m.create_alias(f.function, {"PROD", "1", "", std::nullopt})); !r) return r;
    PermissionInput p;
    p.statement_id = "s3";
    p.action = "lambda:InvokeFunction";
    p.principal = "s3.amazonaws.com";
    if (auto r = check(m.add_permission(f.function, "PROD", p)); !r) return r;
    MappingInput e;
    e.account = kAccount;
    e.region = "us-east-1";
    e.event_source_arn = "arn:aws:sqs:us-east-1:111111111111:q";
    e.function = f.function;
    return check(m.create_event_source_mapping(e));
  });
  REQUIRE(ok);
}

std::string dump(Store& store) {
  auto text = store.read([](const Snapshot& s) -> Result<std::string> {
    std::string out;
    for (const auto& u : s.list_users(kAccount)) out += encode(u);
    for (const auto& g : s.list_groups(kAccount)) out += encode(g);
    for (const auto& r : s.list_roles(kAccount)) out += encode(r);
    for (const auto& p : s.list_policies(kAccount)) out += encode(p.policy) + encode(p.usage);
    for (const auto& f : s.list_functions(kAccount, "us-east-1")) out += encode(f);
    FunctionRef ref{kAccount, "us-east-1", "hello"};
    const auto versions = s.list_versions(ref);
    for (const auto& v : versions.value()) out += encode(v);
    const auto aliases = s.list_aliases(ref);
    for (const auto& a : aliases.value()) out += encode(a);
    out += encode(s.get_function_policy(ref, "PROD").value());
    for (const auto& e : s.list_event_source_mappings(kAccount, "us-east-1")) out += encode(e);
    return out;
  });
  REQUIRE(text);
  return text.value();
}

}  // namespace

TEST_CASE("persistence: close and reopen keeps every entity", "[store][persistence]") {
  TempDir dir;
  const Options options = test_options(dir.path());
  std::string before;
  std::string key_id;
  {
    auto store = open_with_accounts(options);
    build_world(*store);
    before = dump(*store);
    key_id = store->read([](const Snapshot& s) { return s.list_access_keys(kAccount, "alice"); }).value()[0].access_key_id;
  }
  auto store = open_store(options);
  CHECK(dump(*store) == before);
  auto credential = store->find_credential(key_id);
  REQUIRE(credential);
  REQUIRE(credential.value());
  CHECK(credential.value()->principal.caller.arn == "arn:aws:iam::111111111111:user/eng/alice");
  CHECK(credential.value()->principal.policies.identity.size() == 2);
  auto invariants = store->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); });
  REQUIRE(invariants);
  CHECK(invariants.value() == std::nullopt);
}

TEST_CASE("persistence: a store of a newer schema refuses to open", "[store][persistence][lmdb]") {
  TempDir dir;
  const Options options = test_options(dir.path());
  { open_store(options); }
  {
    lmdb::Environment env(options.data_dir, lmdb::EnvironmentOptions{});
    lmdb::Transaction txn(env, lmdb::Transaction::Mode::ReadWrite);
    auto meta = lmdb::Database::open(txn, "meta", false);
    Encoder e;
    e(std::uint32_t{kSchemaVersion + 1});
    meta.put(txn, "schema", e.text());
    txn.commit();
  }
  auto store = Store::open(options);
  REQUIRE_FALSE(store);
  CHECK(store.error().message == "the store in " + options.data_dir.string() + " has schema version " +
                                     std::to_string(kSchemaVersion + 1) + ", newer than this gatehouse supports (" +
                                     std::to_string(kSchemaVersion) + "); use a newer gatehouse to open it");
}

TEST_CASE("persistence: the schema version is recorded at creation", "[store][persistence]") {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  auto version = store->read([](const Snapshot& s) -> Result<std::uint32_t> { return s.schema_version(); });
  CHECK(version.value() == kSchemaVersion);
}

TEST_CASE("persistence: one store per data directory", "[store][persistence][lmdb]") {
  TempDir dir;
  const Options options = test_options(dir.path());
  auto first = open_store(options);
  auto second = Store::open(options);
  REQUIRE_FALSE(second);
  CHECK_THAT(second.error().message, Catch::Contains("is in use by another gatehouse store"));
  first.reset();
  CHECK(Store::open(options));
}

TEST_CASE("persistence: a hot backup opens as a copy of the store", "[store][persistence][lmdb]") {
  TempDir dir;
  const Options options = test_options(dir.path());
  auto store = open_with_accounts(options);
  build_world(*store);
  const auto copy = dir.path() / "backup";
  std::filesystem::create_directories(copy);
  REQUIRE(store->backup(copy));
  std::filesystem::copy_file(options.data_dir / "secret.key", copy / "secret.key");
  Options backup_options = options;
  backup_options.data_dir = copy;
  auto restored = open_store(backup_options);
  CHECK(dump(*restored) == dump(*store));
}
