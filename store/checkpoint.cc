// Snapshot::checkpoint and Mutation::restore: every table copied out, and put back in one write
// transaction (the fixture server's reset, docs/testing.md). Through the key-value interface, so
// on any backend; restore writes only the keys that differ, so on etcd a reset that changes more
// keys than one etcd transaction takes is refused with that reason (store/etcd).
#include <string>
#include <utility>
#include <vector>

#include "store/codec.h"
#include "store/mutation.h"
#include "store/state.h"

namespace gatehouse::store {
namespace {

constexpr std::string_view kRevisionKey = "revision";  // meta: the revision counter (mutation.cc)

kv::Table table_at(std::size_t i) { return static_cast<kv::Table>(i); }

}  // namespace

Checkpoint Snapshot::checkpoint() const {
  Checkpoint out;
  out.tables.resize(kv::kTableCount);
  for (std::size_t i = 0; i < kv::kTableCount; ++i) {
    auto& table = out.tables[i];
    txn_.scan(table_at(i), "", [&](std::string_view key, std::string_view value) {
      table.emplace_back(std::string(key), std::string(value));
      return true;
    });
  }
  return out;
}

Result<void> Mutation::restore(const Checkpoint& checkpoint) {
  if (checkpoint.tables.size() != kv::kTableCount) {
    return service_failure("the checkpoint is not of this store's schema");
  }
  // The counter keeps counting up: a restored record is never taken for one cached since.
  next_revision();
  for (std::size_t i = 0; i < kv::kTableCount; ++i) {
    const kv::Table table = table_at(i);
    const auto& wanted = checkpoint.tables[i];  // in key order, as scanned
    // Both sides in key order: one merge walk finds what to delete and what to (re)write. The
    // changes wait until the scan ends (a write ends the scan's views).
    std::vector<std::string> removed;
    std::vector<std::size_t> written;  // indexes into wanted
    std::size_t next = 0;
    txn_.scan(table, "", [&](std::string_view key, std::string_view value) {
      while (next < wanted.size() && std::string_view(wanted[next].first) < key) written.push_back(next++);
      if (next < wanted.size() && wanted[next].first == key) {
        if (wanted[next].second != value) written.push_back(next);
        ++next;
      } else {
        removed.emplace_back(key);
      }
      return true;
    });
    while (next < wanted.size()) written.push_back(next++);
    for (const std::string& key : removed) {
      if (table == kv::Table::meta && key == kRevisionKey) continue;
      txn_.del(table, key);
    }
    for (const std::size_t w : written) {
      if (table == kv::Table::meta && wanted[w].first == kRevisionKey) continue;
      txn_.put(table, wanted[w].first, wanted[w].second);
    }
  }
  effects_.iam = true;
  effects_.lambda = true;
  return success();
}

}  // namespace gatehouse::store
