// The RAII layer over LMDB: expected outcomes are values, failures exceptions.
#include "store/environment.h"
#include "store/transaction.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

TEST_CASE("lmdb: get/insert/put/del report expected outcomes as values", "[store][lmdb]") {
  TempDir dir;
  lmdb::Environment env(dir.path(), lmdb::EnvironmentOptions{1 << 20, 4, 8, false});
  lmdb::Transaction txn(env, lmdb::Transaction::Mode::ReadWrite);
  auto db = lmdb::Database::open(txn, "t", true);
  CHECK_FALSE(db.get(txn, "k").has_value());
  CHECK(db.insert(txn, "k", "v1"));
  CHECK_FALSE(db.insert(txn, "k", "v2"));  // MDB_NOOVERWRITE: the key exists
  CHECK(db.get(txn, "k") == std::optional<std::string_view>("v1"));
  db.put(txn, "k", "v3");
  CHECK(db.get(txn, "k") == std::optional<std::string_view>("v3"));
  CHECK(db.del(txn, "k"));
  CHECK_FALSE(db.del(txn, "k"));
  CHECK(db.size(txn) == 0);
}

TEST_CASE("lmdb: an uncommitted transaction is aborted; a committed one is visible", "[store][lmdb]") {
  TempDir dir;
  lmdb::Environment env(dir.path(), lmdb::EnvironmentOptions{1 << 20, 4, 8, false});
  lmdb::Database db;
  {
    lmdb::Transaction txn(env, lmdb::Transaction::Mode::ReadWrite);
    db = lmdb::Database::open(txn, "t", true);
    db.put(txn, "committed", "1");
    txn.commit();
  }
  {
    lmdb::Transaction txn(env, lmdb::Transaction::Mode::ReadWrite);
    db.put(txn, "aborted", "1");
  }
  lmdb::Transaction read(env, lmdb::Transaction::Mode::ReadOnly);
  CHECK(db.get(read, "committed").has_value());
  CHECK_FALSE(db.get(read, "aborted").has_value());
}

TEST_CASE("lmdb: cursors seek to the first key at or after a prefix, in order", "[store][lmdb]") {
  TempDir dir;
  lmdb::Environment env(dir.path(), lmdb::EnvironmentOptions{1 << 20, 4, 8, false});
  lmdb::Transaction txn(env, lmdb::Transaction::Mode::ReadWrite);
  auto db = lmdb::Database::open(txn, "t", true);
  for (const char* k : {"a/2", "b/1", "a/1", "a-/1", "c"}) db.put(txn, k, "x");
  std::vector<std::string> seen;
  lmdb::Cursor cursor(txn, db);
  for (bool ok = cursor.seek("a/"); ok && cursor.key().starts_with("a/"); ok = cursor.next()) {
    seen.emplace_back(cursor.key());
  }
  CHECK(seen == std::vector<std::string>{"a/1", "a/2"});
}

TEST_CASE("lmdb: a full map raises MapFullError, a failure names the C function", "[store][lmdb]") {
  TempDir dir;
  lmdb::Environment env(dir.path(), lmdb::EnvironmentOptions{64 * 1024, 4, 8, false});
  lmdb::Transaction txn(env, lmdb::Transaction::Mode::ReadWrite);
  auto db = lmdb::Database::open(txn, "t", true);
  const std::string big(256 * 1024, 'x');
  CHECK_THROWS_AS(db.put(txn, "big", big), lmdb::MapFullError);
  txn.abort();
  try {
    lmdb::Transaction read(env, lmdb::Transaction::Mode::ReadOnly);
    lmdb::Database::open(read, "absent", false);
    FAIL("opening an absent database read-only must fail");
  } catch (const lmdb::Error& e) {
    CHECK(e.code() == MDB_NOTFOUND);
    CHECK(std::string(e.what()).starts_with("mdb_dbi_open: "));
  }
}

TEST_CASE("store: MDB_MAP_FULL grows the map instead of failing the call", "[store][lmdb]") {
  TempDir dir;
  Options options = test_options(dir.path());
  options.initial_map_size = 256 * 1024;
  auto store = open_with_accounts(options);
  const std::size_t before = store->map_size();
  // A 3 MB deployment package cannot fit in a 256 KB map.
  const std::string zip(3 << 20, 'z');
  auto created = store->write([&](Mutation& m) {
    CreateFunctionInput in;
    in.function = {kAccount, "us-east-1", "big"};
    in.config.runtime = "python3.11";
    in.zip = zip;
    return m.create_function(in);
  });
  REQUIRE(created);
  CHECK(store->map_size() > before);
  auto bytes = store->read([&](const Snapshot& s) -> Result<std::optional<std::string>> {
    return s.code_bytes(created.value().code_sha256);
  });
  REQUIRE(bytes);
  CHECK(bytes.value() == zip);
}
