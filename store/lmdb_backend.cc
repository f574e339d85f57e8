#include "store/lmdb_backend.h"

#include <lmdb.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "store/transaction.h"

namespace gatehouse::store::detail {

namespace {

constexpr int kMaxMapGrowths = 24;
// Reset read transactions kept for renewal; each holds one of the environment's reader slots.
constexpr std::size_t kMaxIdleReaders = 16;

using Tables = std::array<lmdb::Database, kv::kTableCount>;

// kv::Transaction over one LMDB transaction: values are views into the memory map.
class LmdbTransaction final : public kv::Transaction {
 public:
  LmdbTransaction(lmdb::Transaction& txn, const Tables& tables) : txn_(txn), tables_(tables) {}

  std::optional<std::string_view> get(kv::Table table, std::string_view key) const override {
    return db(table).get(txn_, key);
  }
  void put(kv::Table table, std::string_view key, std::string_view value) override {
    db(table).put(txn_, key, value);
  }
  bool insert(kv::Table table, std::string_view key, std::string_view value) override {
    return db(table).insert(txn_, key, value);
  }
  bool del(kv::Table table, std::string_view key) override { return db(table).del(txn_, key); }
  void scan(kv::Table table, std::string_view from, kv::Visitor fn) const override {
    lmdb::Cursor cursor(txn_, db(table));
    // LMDB refuses an empty key: an empty start is the first entry.
    for (bool ok = from.empty() ? cursor.first() : cursor.seek(from); ok; ok = cursor.next()) {
      if (!fn(cursor.key(), cursor.value())) break;
    }
  }

 private:
  const lmdb::Database& db(kv::Table table) const { return tables_[static_cast<std::size_t>(table)]; }
  lmdb::Transaction& txn_;
  const Tables& tables_;
};

class LmdbBackend final : public Backend {
 public:
  LmdbBackend(const std::filesystem::path& dir, const lmdb::EnvironmentOptions& options) : env_(dir, options) {
    lmdb::Transaction txn(env_, lmdb::Transaction::Mode::ReadWrite);
    for (std::size_t i = 0; i < kv::kTableCount; ++i) {
      tables_[i] = lmdb::Database::open(txn, kv::table_name(static_cast<kv::Table>(i)).data(), true);
    }
    txn.commit();
  }
  ~LmdbBackend() override { idle_readers_.clear(); }  // their reader slots belong to the environment

  void read(kv::FunctionRef<void(kv::Transaction&)> fn) const override {
    std::shared_lock gate(map_gate_);
    lmdb::Transaction txn = begin_read();
    LmdbTransaction kv_txn(txn, tables_);
    fn(kv_txn);
    end_read(txn);  // after an exception the transaction is aborted instead
  }

  std::uint64_t write(kv::FunctionRef<std::optional<std::uint64_t>(kv::Transaction&)> body) override {
    std::lock_guard lock(write_mutex_);
    for (int attempt = 0;; ++attempt) {
      std::optional<std::uint64_t> revision;
      try {
        std::shared_lock gate(map_gate_);
        lmdb::Transaction txn(env_, lmdb::Transaction::Mode::ReadWrite);
        LmdbTransaction kv_txn(txn, tables_);
        revision = body(kv_txn);
        if (!revision) return 0;  // the call failed: abort, nothing applied
        txn.commit();
      } catch (const lmdb::MapFullError&) {
        if (attempt >= kMaxMapGrowths) throw;
        grow();
        continue;
      }
      {
        std::lock_guard applied_lock(applied_mutex_);
        applied_.store(*revision, std::memory_order_release);
      }
      applied_changed_.notify_all();
      return *revision;
    }
  }

  Consistency consistency() const override {
    Consistency c;
    c.applied_revision = applied_.load(std::memory_order_acquire);
    return c;
  }

  bool wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(applied_mutex_);
    return applied_changed_.wait_for(lock, timeout,
                                     [&] { return applied_.load(std::memory_order_acquire) >= revision; });
  }

  void backup(const std::filesystem::path& dir, bool compact) const override {
    std::shared_lock gate(map_gate_);
    env_.copy_to(dir, compact);
  }

  std::size_t map_size() const override {
    std::shared_lock gate(map_gate_);
    return env_.map_size();
  }

 private:
  void grow() {
    std::unique_lock gate(map_gate_);
    {
      // No reader runs under the exclusive gate; the parked ones start over with the new map.
      std::lock_guard lock(idle_readers_mutex_);
      idle_readers_.clear();
    }
    env_.set_map_size(env_.map_size() * 2);
  }

  // A read transaction on the current data: a parked one renewed, or a new one.
  lmdb::Transaction begin_read() const {
    lmdb::Transaction txn;
    {
      std::lock_guard lock(idle_readers_mutex_);
      if (!idle_readers_.empty()) {
        txn = std::move(idle_readers_.back());
        idle_readers_.pop_back();
      }
    }
    if (txn.handle() != nullptr && ::mdb_txn_renew(txn.handle()) == MDB_SUCCESS) return txn;
    return lmdb::Transaction(env_, lmdb::Transaction::Mode::ReadOnly);  // (a failed renewal aborts)
  }

  // Ends a read that completed: reset and parked for the next begin_read().
  void end_read(lmdb::Transaction& txn) const {
    ::mdb_txn_reset(txn.handle());
    std::lock_guard lock(idle_readers_mutex_);
    if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(txn));
  }

  lmdb::Environment env_;
  Tables tables_;
  std::mutex write_mutex_;  // one writer at a time in this process (LMDB's own lock covers others)
  // Readers hold it shared while a transaction is open; growing the map takes
  // it exclusively (mdb_env_set_mapsize needs no live transaction).
  mutable std::shared_mutex map_gate_;
  // Read transactions reset after use (mdb_txn_reset) and renewed by the next read
  // (mdb_txn_renew): a read then begins without an allocation or the reader table's lock.
  // A reset transaction holds no snapshot, so it keeps no page from being reused.
  mutable std::mutex idle_readers_mutex_;  // guards idle_readers_
  mutable std::vector<lmdb::Transaction> idle_readers_;
  // The counter of the last committed write (the meta revision every write bumps).
  std::atomic<std::uint64_t> applied_{0};
  mutable std::mutex applied_mutex_;  // with applied_changed_: wait_applied's wake-up
  mutable std::condition_variable applied_changed_;
};

}  // namespace

std::unique_ptr<Backend> open_lmdb_backend(const std::filesystem::path& dir, const lmdb::EnvironmentOptions& options) {
  return std::make_unique<LmdbBackend>(dir, options);
}

}  // namespace gatehouse::store::detail
