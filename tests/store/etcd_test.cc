// The etcd backend against a real etcd (Debian's etcd-server): replicas sharing one world,
// conflicting writes, freshness and fail-closed, compaction (docs/scale-out.md 2-3).
#include <atomic>
#include <fstream>
#include <chrono>
#include <thread>

#include "store/aws_errors.h"
#include "store/bootstrap.h"
#include "store/schema.h"
#include "tests/store/etcd_proxy.h"
#include "tests/store/etcd_support.h"

namespace gatehouse::store::test {

using namespace std::chrono_literals;

namespace {

Result<void> create_user(Store& store, const char* name) {
  auto r = store.write([&](Mutation& m) { return m.create_user({kAccount, name, "/", "", {}}); });
  if (!r) return r.error();
  return success();
}

std::unique_ptr<Store> open_etcd_with_accounts(const Options& options) {
  auto store = open_store(options);
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    for (const char* id : {kAccount, kOtherAccount}) {
      if (m.find_account(id)) continue;
      if (auto a = m.create_account(id); !a) return a.error();
    }
    return success();
  }));
  return store;
}

// Three replicas of one store (its key file made first) load `world` at the same time: the
// replicas, and how many of the loads succeeded.
std::vector<std::unique_ptr<Store>> bootstrap_at_once(const Options& options, const std::string& world, int& loaded) {
  { auto first = open_store(options); }
  std::vector<std::unique_ptr<Store>> replicas;
  for (int i = 0; i < 3; ++i) replicas.push_back(open_store(options));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (auto& replica : replicas) {
    Store* s = replica.get();
    threads.emplace_back([&ok, s, &world] {
      if (load_bootstrap(*s, world, "world.json", BootstrapMode::CreateOnly)) ok.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  loaded = ok.load();
  return replicas;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

}  // namespace

TEST_CASE("etcd:// addresses: endpoints and prefix", "[store][etcd]") {
  auto one = parse_etcd_url("etcd://127.0.0.1:2379");
  REQUIRE(one);
  CHECK(one.value().endpoints == std::vector<std::string>{"127.0.0.1:2379"});
  CHECK(one.value().prefix == "/gatehouse/v1/");
  auto three = parse_etcd_url("etcd://127.0.0.1:2379,127.0.0.1:22379,etcd.example:32379/team/a");
  REQUIRE(three);
  CHECK(three.value().endpoints.size() == 3);
  CHECK(three.value().endpoints[2] == "etcd.example:32379");
  CHECK(three.value().prefix == "/team/a/");
  CHECK(describe(three.value()) == "etcd://127.0.0.1:2379,127.0.0.1:22379,etcd.example:32379/team/a/");
  for (const char* bad : {"http://127.0.0.1:2379", "etcd://", "etcd://host", "etcd://host:0", "etcd://host:99999",
                          "etcd://a:1,,b:2", "etcd://a:1/x//y", "etcd://a:x"}) {
    INFO(bad);
    auto r = parse_etcd_url(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "ValidationError");
  }
}

TEST_CASE("a store on etcd: writes read back, refused writes leave nothing, a reopen sees it all", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  const Options options = etcd_options(etcd, dir.path());
  std::uint64_t written = 0;
  {
    auto store = open_etcd_with_accounts(options);
    const Consistency c = store->consistency();
    CHECK(c.distributed);
    CHECK(c.fresh);
    REQUIRE(create_user(*store, "alice"));
    written = Store::last_write_revision();
    CHECK(written > 0);
    CHECK(store->consistency().applied_revision >= written);
    // Read-your-writes through the same replica, with the AWS-managed policies seeded.
    CHECK(store->read([](const Snapshot& s) -> Result<bool> { return s.find_user(kAccount, "alice").has_value(); }).value());
    CHECK(store->read([](const Snapshot& s) -> Result<bool> {
                 return s.find_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").has_value();
               }).value());
    CHECK(error_of(create_user(*store, "ALICE")).code == aws::kEntityAlreadyExists);
    CHECK(Store::last_write_revision() == written);
    auto key = store->write([](Mutation& m) { return m.create_access_key(kAccount, "alice"); });
    REQUIRE(key);
    auto credential = store->find_credential(key.value().metadata.access_key_id);
    REQUIRE(credential);
    REQUIRE(credential.value());
    CHECK(credential.value()->secret_access_key == key.value().secret_access_key);
    CHECK_FALSE(store->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); }).value());
  }
  auto again = open_store(options);
  CHECK(again->read([](const Snapshot& s) -> Result<bool> { return s.find_user(kAccount, "alice").has_value(); }).value());
  // Another prefix is another world.
  auto other = open_store(etcd_options(etcd, dir.path(), "/elsewhere/"));
  CHECK_FALSE(other->read([](const Snapshot& s) -> Result<bool> { return s.find_user(kAccount, "alice").has_value(); }).value());
}

TEST_CASE("two replicas: a write through one is read on the other once it applied the revision", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  auto a = open_etcd_with_accounts(etcd_options(etcd, dir.path()));
  auto b = open_store(etcd_options(etcd, dir.path()));
  auto key = a->write([](Mutation& m) -> Result<NewAccessKey> {
    if (auto u = m.create_user({kAccount, "alice", "/", "", {}}); !u) return u.error();
    return m.create_access_key(kAccount, "alice");
  });
  REQUIRE(key);
  const std::uint64_t revision = Store::last_write_revision();
  REQUIRE(b->wait_applied(revision, 2s));
  CHECK(b->consistency().applied_revision >= revision);
  auto on_b = b->find_credential(key.value().metadata.access_key_id);
  REQUIRE(on_b);
  REQUIRE(on_b.value());
  CHECK(on_b.value()->status == KeyStatus::Active);

  // A key deleted on A is gone on B (B's credential cache drops it with the revision).
  REQUIRE(a->write([&](Mutation& m) { return m.delete_access_key(kAccount, "alice", key.value().metadata.access_key_id); }));
  REQUIRE(b->wait_applied(Store::last_write_revision(), 2s));
  auto gone = b->find_credential(key.value().metadata.access_key_id);
  REQUIRE(gone);
  CHECK(gone.value() == nullptr);
}

TEST_CASE("concurrent conflicting writes on two replicas: exactly one wins", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  auto a = open_etcd_with_accounts(etcd_options(etcd, dir.path()));
  auto b = open_store(etcd_options(etcd, dir.path()));
  for (int round = 0; round < 5; ++round) {
    const std::string name = "user" + std::to_string(round);
    std::atomic<int> go{0};
    Result<void> ra = success(), rb = success();
    std::thread ta([&] {
      go.fetch_add(1);
      while (go.load() < 2) {}
      ra = create_user(*a, name.c_str());
    });
    std::thread tb([&] {
      go.fetch_add(1);
      while (go.load() < 2) {}
      rb = create_user(*b, name.c_str());
    });
    ta.join();
    tb.join();
    INFO(name);
    CHECK(ra.has_value() != rb.has_value());
    const Result<void>& loser = ra ? rb : ra;
    REQUIRE_FALSE(loser);
    CHECK(loser.error().code == aws::kEntityAlreadyExists);
  }
  // Both replicas agree, and the world keeps its invariants.
  REQUIRE(b->wait_applied(a->consistency().applied_revision, 2s));
  const auto count = [](Store& s) {
    return s.read([](const Snapshot& snap) -> Result<std::size_t> { return snap.list_users(kAccount).size(); }).value();
  };
  CHECK(count(*a) == 5);
  CHECK(count(*b) == 5);
  CHECK_FALSE(a->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); }).value());
}

TEST_CASE("freshness lapses within about 2 s when etcd stops answering and returns after", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  auto store = open_etcd_with_accounts(etcd_options(etcd, dir.path()));
  REQUIRE(eventually([&] { return store->consistency().fresh; }, 1s));
  etcd.stop();
  const auto stopped = std::chrono::steady_clock::now();
  CHECK(store->consistency().fresh);  // not at once: 2 s of grace
  REQUIRE(eventually([&] { return !store->consistency().fresh; }, 4s));
  const auto lapse = std::chrono::steady_clock::now() - stopped;
  CHECK(lapse >= 1800ms);
  CHECK(lapse <= 3s);
  etcd.resume();
  CHECK(eventually([&] { return store->consistency().fresh; }, 4s));
  REQUIRE(create_user(*store, "after"));
}

TEST_CASE("a replica cut off across a compaction reloads and converges", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  auto a = open_etcd_with_accounts(etcd_options(etcd, dir.path()));
  const auto port = std::stoi(etcd.endpoint().substr(etcd.endpoint().rfind(':') + 1));
  Relay relay(port);
  Options through_relay = etcd_options(etcd, dir.path());
  through_relay.etcd.endpoints = {"127.0.0.1:" + std::to_string(relay.port())};
  auto b = open_store(through_relay);
  REQUIRE(create_user(*a, "before"));
  REQUIRE(b->wait_applied(Store::last_write_revision(), 2s));
  const std::uint64_t reloads = b->consistency().reloads;

  relay.cut();
  REQUIRE(create_user(*a, "during"));
  REQUIRE(a->write([](Mutation& m) { return m.delete_user(kAccount, "before"); }));
  const std::uint64_t revision = Store::last_write_revision();
  etcd.compact(revision);
  CHECK_FALSE(b->wait_applied(revision, 300ms));
  relay.restore();

  REQUIRE(b->wait_applied(revision, 10s));
  CHECK(b->consistency().reloads > reloads);
  CHECK(b->read([](const Snapshot& s) -> Result<bool> { return s.find_user(kAccount, "during").has_value(); }).value());
  CHECK_FALSE(b->read([](const Snapshot& s) -> Result<bool> { return s.find_user(kAccount, "before").has_value(); }).value());
  CHECK(eventually([&] { return b->consistency().fresh; }, 3s));
}

TEST_CASE("replicas starting at once on an empty prefix: one world, one key check", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  const Options options = etcd_options(etcd, dir.path());
  // The key file exists first (all replicas share it); several open concurrently.
  { auto first = open_store(options); }
  const Options fresh_prefix = etcd_options(etcd, dir.path(), "/parallel/");
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto s = Store::open(fresh_prefix);
      if (s) opened.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  CHECK(opened.load() == 4);
  auto store = open_store(fresh_prefix);
  CHECK(store->read([](const Snapshot& s) -> Result<std::uint32_t> { return s.schema_version(); }).value() == kSchemaVersion);
  CHECK_FALSE(store->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); }).value());
}

}  // namespace gatehouse::store::test

namespace gatehouse::store::test {

TEST_CASE("records migrate from LMDB to etcd and back unchanged", "[store][etcd][migrate]") {
  Etcd etcd;
  TempDir dir;
  Options lmdb_options = test_options(dir.path());
  lmdb_options.key_file = dir.path() / "secret.key";
  std::vector<RawRecord> original;
  std::string secret, key_id;
  {
    auto source = open_with_accounts(lmdb_options);
    auto key = source->write([](Mutation& m) -> Result<NewAccessKey> {
      if (auto u = m.create_user({kAccount, "alice", "/", "", {}}); !u) return u.error();
      if (auto p = m.put_inline_policy({EntityKind::User, kAccount, "alice"}, "all", kAllowAll); !p) return p.error();
      return m.create_access_key(kAccount, "alice");
    });
    REQUIRE(key);
    secret = key.value().secret_access_key;
    key_id = key.value().metadata.access_key_id;
    auto records = source->export_records();
    REQUIRE(records);
    original = records.value();
  }
  Options to_etcd = etcd_options(etcd, dir.path());
  {
    auto target = open_store(to_etcd);
    auto imported = target->import_records(original);
    REQUIRE(imported);
    CHECK(imported.value() + 1 == original.size());  // all but the counter's own record
    // Secrets stay sealed with the same key: the credential resolves on etcd.
    auto credential = target->find_credential(key_id);
    REQUIRE(credential);
    REQUIRE(credential.value());
    CHECK(credential.value()->secret_access_key == secret);
    // A second import into a store that has accounts is refused.
    CHECK(error_of(target->import_records(original)).code == "ValidationError");
  }
  auto from_etcd = open_store(to_etcd);
  auto exported = from_etcd->export_records();
  REQUIRE(exported);
  Options back = test_options(dir.path() / "back");
  back.key_file = lmdb_options.key_file;
  auto target = open_store(back);
  REQUIRE(target->import_records(exported.value()));
  auto round_trip = target->export_records();
  REQUIRE(round_trip);
  // Every record as it was; the counter moved on (each import is a write of its own).
  auto without_counter = [](std::vector<RawRecord> v) {
    std::erase_if(v, [](const RawRecord& r) { return r.table == "meta"; });
    return v;
  };
  CHECK(without_counter(round_trip.value()) == without_counter(original));
  CHECK_FALSE(target->read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); }).value());
}

}  // namespace gatehouse::store::test

namespace gatehouse::store::test {

TEST_CASE("code packages over the inline limit live in the blob directory, verified on read", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  Options options = etcd_options(etcd, dir.path());
  options.etcd.blob_inline_limit = 64;
  const std::string big(4096, 'z');
  auto create = [&](Store& store, const char* name) {
    return store.write([&](Mutation& m) -> Result<FunctionConfig> {
      CreateFunctionInput in;
      in.function = FunctionRef{kAccount, "us-east-1", name};
      in.config.runtime = "python3.11";
      in.config.role = "arn:aws:iam::111111111111:role/exec";
      in.config.handler = "app.handler";
      in.zip = big;
      return m.create_function(in);
    });
  };
  {
    auto refused = open_etcd_with_accounts(options);  // no blob directory: refused, nothing written
    CHECK(error_of(create(*refused, "f")).code == "ServiceFailure");
  }
  options.etcd.blob_dir = dir.path() / "blobs";
  auto store = open_store(options);
  auto made = create(*store, "f");
  REQUIRE(made);
  const std::string sha = made.value().code_sha256;
  auto other = open_store(options);  // another replica reads it through the shared directory
  REQUIRE(other->wait_applied(Store::last_write_revision(), 2s));
  CHECK(other->read([&](const Snapshot& s) -> Result<std::optional<std::string>> { return s.code_bytes(sha); }).value() ==
        std::optional<std::string>(big));
  // A changed file is refused, not served.
  REQUIRE(std::distance(std::filesystem::directory_iterator(dir.path() / "blobs"), {}) == 1);
  const auto file = std::filesystem::directory_iterator(dir.path() / "blobs")->path();
  { std::ofstream(file, std::ios::binary | std::ios::trunc) << std::string(4096, 'y'); }
  CHECK_FALSE(other->read([&](const Snapshot& s) -> Result<std::optional<std::string>> { return s.code_bytes(sha); }));
}

}  // namespace gatehouse::store::test

namespace gatehouse::store::test {

TEST_CASE("the bootstrap file loaded by replicas starting at once: one world, every load succeeds", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  const std::string world = R"({"region": "us-east-1", "accounts": [{"id": "111111111111",
    "rootAccessKeys": [{"accessKeyId": "AKIAEXAMPLEROOT11111", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}],
    "groups": [{"name": "devs"}],
    "users": [{"name": "alice", "groups": ["devs"],
               "accessKeys": [{"accessKeyId": "AKIAEXAMPLEALICE1111", "secretAccessKey": "aliceSecretKeyAliceSecretKeyAliceSecret1"}],
               "managedPolicies": ["arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"]}]}]})";
  int loaded = 0;
  const auto replicas = bootstrap_at_once(etcd_options(etcd, dir.path()), world, loaded);
  CHECK(loaded == 3);
  Store& any = *replicas.front();
  REQUIRE(any.wait_applied(replicas.back()->consistency().applied_revision, 2s));
  CHECK(any.read([](const Snapshot& s) -> Result<std::size_t> { return s.list_users(kAccount).size(); }).value() == 1);
  CHECK_FALSE(any.read([](const Snapshot& s) -> Result<std::optional<std::string>> { return s.check_invariants(); }).value());
  auto credential = any.find_credential("AKIAEXAMPLEALICE1111");
  REQUIRE(credential);
  CHECK(credential.value() != nullptr);
}

}  // namespace gatehouse::store::test

namespace gatehouse::store::test {

namespace {

// A world file of `n` users (each with an access key, an inline policy, tags and its own managed
// policy), `n` roles and `n` policies: a few hundred keys, more than one etcd transaction takes.
std::string large_world(int n) {
  const std::string doc = R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]})";
  const std::string trust = R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})";
  std::string policies, users, roles;
  for (int i = 0; i < n; ++i) {
    char id[12];
    std::snprintf(id, sizeof id, "%06d", i);
    const std::string sep = i ? ", " : "";
    policies += sep + R"({"name": "p)" + std::to_string(i) + R"(", "document": )" + doc + "}";
    users += sep + R"({"name": "u)" + std::to_string(i) + R"(", "accessKeys": [{"accessKeyId": "AKIALARGEWORLD)" + id +
             R"(", "secretAccessKey": "largeWorldSecretLargeWorldSecretLa)" + id + R"("}], "inlinePolicies": {"own": )" +
             doc + R"(}, "managedPolicies": ["arn:aws:iam::111111111111:policy/p)" + std::to_string(i) +
             R"("], "tags": {"n": ")" + std::to_string(i) + R"("}})";
    roles += sep + R"({"name": "r)" + std::to_string(i) + R"(", "assumeRolePolicy": )" + trust + "}";
  }
  return R"({"region": "us-east-1", "accounts": [{"id": "111111111111", "rootAccessKeys": [{"accessKeyId": "AKIAEXAMPLEROOT11111", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}], "policies": [)" + policies +
         R"(], "users": [)" + users + R"(], "roles": [)" + roles + "]}]}";
}

std::size_t users_of(Store& s) {
  return s.read([](const Snapshot& snap) -> Result<std::size_t> { return snap.list_users(kAccount).size(); }).value();
}
std::size_t roles_of(Store& s) {
  return s.read([](const Snapshot& snap) -> Result<std::size_t> { return snap.list_roles(kAccount).size(); }).value();
}
std::optional<std::string> invariants_of(Store& s) {
  return s.read([](const Snapshot& snap) -> Result<std::optional<std::string>> { return snap.check_invariants(); }).value();
}

// The replica vouches for its view again, and the view holds `users` users, `roles` roles and
// keeps the store's invariants.
void check_whole(Store& s, std::size_t users, std::size_t roles) {
  CHECK(eventually([&] { return s.consistency().fresh && !s.consistency().fenced; }, 3s));
  CHECK(users_of(s) == users);
  CHECK(roles_of(s) == roles);
  CHECK_FALSE(invariants_of(s));
}

}  // namespace

TEST_CASE("a write larger than one etcd transaction commits whole, in pieces, and every replica sees it all",
          "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  const Options options = etcd_options(etcd, dir.path());
  auto a = open_store(options);
  auto b = open_store(options);
  const std::string world = large_world(50);
  std::atomic<bool> stop{false};
  std::atomic<int> fenced_seen{0}, partial_seen{0};
  // B during the write: its reads see none of the world or all of it, never part.
  std::thread watcher([&] {
    while (!stop.load()) {
      const Consistency c = b->consistency();
      if (c.fenced) fenced_seen.fetch_add(1);
      const std::size_t n = users_of(*b);
      if (n != 0 && n != 50) partial_seen.fetch_add(1);  // reads never see part of it
    }
  });
  auto loaded = load_bootstrap(*a, world, "world.json", BootstrapMode::CreateOnly);
  stop = true;
  watcher.join();
  INFO((loaded ? std::string() : loaded.error().to_string()));
  REQUIRE(loaded);
  CHECK(loaded.value().created > 300);
  CHECK(partial_seen.load() == 0);
  REQUIRE(b->wait_applied(Store::last_write_revision(), 2s));
  check_whole(*b, 50, 50);
  auto credential = b->find_credential("AKIALARGEWORLD000049");
  REQUIRE(credential);
  CHECK(credential.value() != nullptr);
  // The fence is gone: ordinary writes go on, on either replica.
  REQUIRE(create_user(*b, "after"));
  REQUIRE(create_user(*a, "after2"));
  // Loaded again: nothing to create (idempotent), one small write.
  auto again = load_bootstrap(*b, world, "world.json", BootstrapMode::CreateOnly);
  REQUIRE(again);
  CHECK(again.value().created == 0);
}

TEST_CASE("the large bootstrap file loaded by replicas starting at once: one world, every load succeeds",
          "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  int loaded = 0;
  const auto replicas = bootstrap_at_once(etcd_options(etcd, dir.path()), large_world(40), loaded);
  CHECK(loaded == 3);
  for (const auto& replica : replicas) check_whole(*replica, 40, 40);
}

TEST_CASE("a migrate into etcd larger than one transaction appears at once on a running replica",
          "[store][etcd][migrate]") {
  Etcd etcd;
  TempDir dir;
  Options lmdb_options = test_options(dir.path());
  lmdb_options.key_file = dir.path() / "secret.key";
  std::vector<RawRecord> records;
  {
    auto source = open_store(lmdb_options);
    REQUIRE(load_bootstrap(*source, large_world(50), "world.json", BootstrapMode::CreateOnly));
    records = source->export_records().value();
  }
  Options to_etcd = etcd_options(etcd, dir.path());
  auto observer = open_store(to_etcd);
  int pieces = 0;
  bool fenced = false;
  std::size_t users_seen = 0;
  to_etcd.etcd.after_piece = [&](int) {
    // Between two pieces of the copy, the running replica vouches for none of it and reads none.
    ++pieces;
    fenced = fenced || eventually([&] { return observer->consistency().fenced; }, 2s);
    users_seen = std::max(users_seen, users_of(*observer));
  };
  auto target = open_store(to_etcd);
  REQUIRE(target->import_records(records));
  CHECK(pieces > 0);
  CHECK(fenced);
  CHECK(users_seen == 0);
  REQUIRE(observer->wait_applied(target->consistency().applied_revision, 2s));
  check_whole(*observer, 50, 50);
}

TEST_CASE("a view holding a large write's fence is not fresh; without it, fresh again", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  auto store = open_etcd_with_accounts(etcd_options(etcd, dir.path()));
  REQUIRE(eventually([&] { return store->consistency().fresh; }, 2s));
  CHECK_FALSE(store->consistency().fenced);
  etcd.put("/gatehouse/v1/_fence", "writer=elsewhere:1 token=0 base=1 started=2026-01-01T00:00:00Z");
  REQUIRE(eventually([&] { return store->consistency().fenced; }, 2s));
  CHECK_FALSE(store->consistency().fresh);
  etcd.del("/gatehouse/v1/_fence");
  CHECK(eventually([&] { return store->consistency().fresh && !store->consistency().fenced; }, 2s));
  REQUIRE(create_user(*store, "after"));
}

TEST_CASE("a large writer that dies between pieces leaves replicas fenced; the next write rolls it back",
          "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  Options options = etcd_options(etcd, dir.path());
  options.etcd.fence_takeover_after = 1s;
  auto observer = open_etcd_with_accounts(options);
  REQUIRE(create_user(*observer, "before"));
  const std::uint64_t before = Store::last_write_revision();
  Options dying = options;
  dying.etcd.after_piece = [](int piece) {
    if (piece == 1) throw std::runtime_error("the writer died");  // two pieces committed, then nothing
  };
  const std::string world = large_world(50);
  {
    auto writer = open_store(dying);
    auto loaded = load_bootstrap(*writer, world, "world.json", BootstrapMode::CreateOnly);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().to_string().find("the writer died") != std::string::npos);
  }
  // Half the world is in etcd under the fence: no replica vouches for it.
  REQUIRE(eventually([&] { return observer->consistency().fenced; }, 2s));
  std::this_thread::sleep_for(300ms);
  CHECK(observer->consistency().fenced);
  CHECK_FALSE(observer->consistency().fresh);
  CHECK(observer->consistency().applied_revision > before + 1);  // the dead writer's pieces
  CHECK(users_of(*observer) < 51);

  SECTION("a small write rolls the dead writer's pieces back") {
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(create_user(*observer, "later"));
    CHECK(std::chrono::steady_clock::now() - started >= 900ms);  // the fence stood still for 1 s first
    check_whole(*observer, 2, 0);  // "before" and "later": nothing of the interrupted write
  }
  SECTION("the bootstrap run again completes the world") {
    auto again = open_store(options);  // its opening write takes the fence over first
    auto loaded = load_bootstrap(*again, world, "world.json", BootstrapMode::CreateOnly);
    INFO((loaded ? std::string() : loaded.error().to_string()));
    REQUIRE(loaded);
    REQUIRE(observer->wait_applied(Store::last_write_revision(), 2s));
    check_whole(*observer, 51, 50);
  }
}

TEST_CASE("a large write's fence left where its base is compacted: writes refused with what to do", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  Options options = etcd_options(etcd, dir.path());
  options.etcd.fence_takeover_after = 500ms;
  auto store = open_etcd_with_accounts(options);
  REQUIRE(create_user(*store, "a"));
  const std::uint64_t base = Store::last_write_revision();
  REQUIRE(create_user(*store, "b"));
  etcd.compact(Store::last_write_revision());
  etcd.put("/gatehouse/v1/_fence", "writer=elsewhere:1 token=0 base=" + std::to_string(base) +
                                       " started=2026-01-01T00:00:00Z");
  REQUIRE(eventually([&] { return store->consistency().fenced; }, 2s));
  const auto refused = create_user(*store, "c");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("etcdctl del /gatehouse/v1/_fence") != std::string::npos);
  CHECK(store->consistency().fenced);
  etcd.del("/gatehouse/v1/_fence");
  CHECK(eventually([&] { return store->consistency().fresh; }, 2s));
  REQUIRE(create_user(*store, "c"));
}

TEST_CASE("writers on different replicas, each on its own users: no ConcurrentModification", "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  const Options options = etcd_options(etcd, dir.path());
  auto first = open_etcd_with_accounts(options);
  constexpr int kWriters = 6, kUsers = 15;
  std::vector<std::unique_ptr<Store>> replicas;
  for (int i = 0; i < kWriters; ++i) replicas.push_back(open_store(options));
  std::atomic<int> ready{0}, failed{0};
  std::vector<std::string> errors(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Store& s = *replicas[static_cast<std::size_t>(w)];
      ready.fetch_add(1);
      while (ready.load() < kWriters) {}
      for (int i = 0; i < kUsers; ++i) {
        const std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
        Result<void> r = create_user(s, name.c_str());
        if (r) {
          r = s.write([&](Mutation& m) { return m.tag_entity({EntityKind::User, kAccount, name}, {{"k", name}}); });
        }
        if (!r) {
          failed.fetch_add(1);
          errors[static_cast<std::size_t>(w)] = r.error().code + ": " + r.error().message;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  for (const auto& e : errors) CHECK(e.empty());
  CHECK(failed.load() == 0);
  for (auto& r : replicas) REQUIRE(first->wait_applied(r->consistency().applied_revision, 2s));
  CHECK(users_of(*first) == kWriters * kUsers);
  CHECK_FALSE(invariants_of(*first));
}

TEST_CASE("a write losing only on _rev is retried past the attempt limit; a real conflict ends in ConcurrentModification",
          "[store][etcd]") {
  Etcd etcd;
  TempDir dir;
  const Options options = etcd_options(etcd, dir.path());
  auto a = open_etcd_with_accounts(options);
  auto b = open_store(options);
  REQUIRE(create_user(*a, "shared"));
  REQUIRE(b->wait_applied(Store::last_write_revision(), 2s));

  // Each of A's first 12 runs is overtaken by a write of B elsewhere (another user): only _rev moved.
  int runs = 0;
  auto unrelated = a->write([&](Mutation& m) -> Result<void> {
    ++runs;
    if (auto u = m.create_user({kAccount, "mine", "/", "", {}}); !u) return u.error();
    if (runs <= 12) REQUIRE(create_user(*b, ("other" + std::to_string(runs)).c_str()));
    return success();
  });
  INFO((unrelated ? std::string() : unrelated.error().message));
  CHECK(unrelated);
  CHECK(runs == 13);

  // Each run of A reads "shared", and B changes it before A commits: a real conflict every time.
  runs = 0;
  auto real = a->write([&](Mutation& m) -> Result<void> {
    ++runs;
    if (auto t = m.tag_entity({EntityKind::User, kAccount, "shared"}, {{"by", "a"}}); !t) return t.error();
    REQUIRE(b->write([&](Mutation& mb) {
      return mb.tag_entity({EntityKind::User, kAccount, "shared"}, {{"by", "b" + std::to_string(runs)}});
    }));
    return success();
  });
  REQUIRE_FALSE(real);
  CHECK(real.error().code == aws::kConcurrentModification);
  CHECK(runs == 8);
}

}  // namespace gatehouse::store::test
