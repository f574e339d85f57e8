// LMDB transactions, databases and cursors (RAII, move-only). Values returned
// by get() and the cursor are views into the memory map: valid until the
// transaction ends or, in a write transaction, until the next write.
#pragma once

#include <lmdb.h>

#include <optional>
#include <string_view>

#include "store/environment.h"

namespace gatehouse::store::lmdb {

inline MDB_val to_val(std::string_view s) noexcept {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view from_val(const MDB_val& v) noexcept {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class Transaction {
 public:
  enum class Mode { ReadOnly, ReadWrite };

  Transaction() = default;
  Transaction(const Environment& env, Mode mode);
  Transaction(Transaction&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // A transaction that was not committed is aborted.
  ~Transaction() { abort(); }

  MDB_txn* handle() const noexcept { return txn_; }
  void commit();
  void abort() noexcept;

 private:
  MDB_txn* txn_ = nullptr;
};

// A named database (MDB_dbi). Handles stay valid for the environment's life.
class Database {
 public:
  Database() = default;
  // Opens `name`, creating it when the transaction may write.
  static Database open(Transaction& txn, const char* name, bool create);

  // False when the key is absent.
  bool get(const Transaction& txn, std::string_view key, std::string_view& value) const;
  std::optional<std::string_view> get(const Transaction& txn, std::string_view key) const;
  void put(Transaction& txn, std::string_view key, std::string_view value) const;
  // False when the key already exists (MDB_NOOVERWRITE).
  bool insert(Transaction& txn, std::string_view key, std::string_view value) const;
  // False when the key was absent.
  bool del(Transaction& txn, std::string_view key) const;
  // Number of entries.
  std::size_t size(const Transaction& txn) const;

  MDB_dbi handle() const noexcept { return dbi_; }

 private:
  explicit Database(MDB_dbi dbi) : dbi_(dbi) {}
  MDB_dbi dbi_ = 0;
};

class Cursor {
 public:
  Cursor(const Transaction& txn, const Database& db);
  Cursor(Cursor&& other) noexcept : cursor_(other.cursor_) { other.cursor_ = nullptr; }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor();

  // Positions at the first key >= `key`; false at the end.
  bool seek(std::string_view key);
  bool first();
  bool next();
  std::string_view key() const noexcept { return from_val(key_); }
  std::string_view value() const noexcept { return from_val(value_); }

 private:
  bool move(MDB_cursor_op op);
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
};

}  // namespace gatehouse::store::lmdb
