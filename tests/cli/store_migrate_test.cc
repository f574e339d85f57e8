// `gatehouse store migrate`: LMDB -> etcd -> LMDB, the world read back the same.
#include <sstream>

#include "cli/commands.h"
#include "tests/store/etcd_support.h"

namespace gatehouse::cli {
namespace {

using namespace gatehouse::store::test;

struct Run {
  int code;
  std::string out, err;
};

Run migrate(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = run_store(args, Io{in, out, err});
  return {code, out.str(), err.str()};
}

TEST_CASE("gatehouse store migrate: LMDB to etcd and back", "[cli][store][etcd]") {
  Etcd etcd;
  TempDir dir;
  const auto source = dir.path() / "source";
  const auto back = dir.path() / "back";
  {
    auto options = test_options(dir.path());
    options.data_dir = source;
    auto store = open_with_accounts(options);
    REQUIRE(store->write([](store::Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  }
  const std::string key = (source / "secret.key").string();
  const Run to_etcd = migrate({"migrate", "--from", source.string(), "--to", etcd.url()});
  INFO(to_etcd.err);
  REQUIRE(to_etcd.code == 0);
  CHECK(to_etcd.out.find("copied ") == 0);
  // Into a store that is not empty: refused.
  CHECK(migrate({"migrate", "--from", source.string(), "--to", etcd.url()}).code == 1);

  const Run from_etcd = migrate({"migrate", "--from", etcd.url(), "--to", back.string(), "--key-file", key});
  INFO(from_etcd.err);
  REQUIRE(from_etcd.code == 0);

  store::Options a = test_options(dir.path()), b = test_options(dir.path());
  a.data_dir = source;
  b.data_dir = back;
  b.key_file = key;
  std::vector<store::RawRecord> before, after;
  {
    auto s = open_store(a);
    before = s->export_records().value();
  }
  {
    auto s = open_store(b);
    after = s->export_records().value();
    CHECK(s->read([](const store::Snapshot& snap) -> store::Result<bool> {
             return snap.find_user(kAccount, "alice").has_value();
           }).value());
  }
  std::erase_if(before, [](const store::RawRecord& r) { return r.table == "meta"; });
  std::erase_if(after, [](const store::RawRecord& r) { return r.table == "meta"; });
  CHECK(before == after);

  CHECK(migrate({"migrate", "--from", etcd.url()}).code == 2);
  CHECK(migrate({"migrate", "--from", "etcd://nohost", "--to", back.string()}).code == 2);
  CHECK(migrate({"frobnicate"}).code == 2);
}

}  // namespace
}  // namespace gatehouse::cli
