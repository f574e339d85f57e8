// Snapshot::checkpoint and Mutation::restore: every database copied out, and put back in one
// write transaction (the fixture server's reset, docs/testing.md).
#include <lmdb.h>

#include <array>

#include "store/mutation.h"
#include "store/codec.h"
#include "store/state.h"

namespace gatehouse::store {
namespace {

constexpr std::string_view kRevisionKey = "revision";  // meta: the revision counter (mutation.cc)

std::array<const lmdb::Database*, 17> all_databases(const Databases& db) {
  return {&db.meta,         &db.accounts,  &db.users,     &db.groups,        &db.roles,
          &db.policies,     &db.policy_names, &db.policy_usage, &db.access_keys, &db.unique_ids,
          &db.functions,    &db.versions,  &db.aliases,   &db.function_policies, &db.mappings,
          &db.code,         &db.code_blobs};
}

}  // namespace

Checkpoint Snapshot::checkpoint() const {
  Checkpoint out;
  for (const lmdb::Database* db : all_databases(state_.db)) {
    auto& table = out.tables.emplace_back();
    detail::scan_prefix(txn_, *db, "", [&](std::string_view key, std::string_view value) {
      table.emplace_back(std::string(key), std::string(value));
      return true;
    });
  }
  return out;
}

Result<void> Mutation::restore(const Checkpoint& checkpoint) {
  const auto databases = all_databases(state_.db);
  if (checkpoint.tables.size() != databases.size()) {
    return service_failure("the checkpoint is not of this store's schema");
  }
  const std::uint64_t revision = next_revision();  // read before the meta table is emptied
  for (std::size_t i = 0; i < databases.size(); ++i) {
    lmdb::check("mdb_drop", ::mdb_drop(txn_.handle(), databases[i]->handle(), 0));
    for (const auto& [key, value] : checkpoint.tables[i]) databases[i]->put(txn_, key, value);
  }
  Encoder e;
  e(revision);
  state_.db.meta.put(txn_, kRevisionKey, e.text());
  effects_.iam = true;
  effects_.lambda = true;
  return success();
}

}  // namespace gatehouse::store
