#include "store/transaction.h"

namespace gatehouse::store::lmdb {

Transaction::Transaction(const Environment& env, Mode mode) {
  check("mdb_txn_begin",
        ::mdb_txn_begin(env.handle(), nullptr, mode == Mode::ReadOnly ? MDB_RDONLY : 0, &txn_));
}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    abort();
    txn_ = other.txn_;
    other.txn_ = nullptr;
  }
  return *this;
}

void Transaction::commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;  // mdb_txn_commit frees the handle even when it fails
  check("mdb_txn_commit", ::mdb_txn_commit(txn));
}

void Transaction::abort() noexcept {
  if (txn_ != nullptr) {
    ::mdb_txn_abort(txn_);
    txn_ = nullptr;
  }
}

Database Database::open(Transaction& txn, const char* name, bool create) {
  MDB_dbi dbi = 0;
  check("mdb_dbi_open", ::mdb_dbi_open(txn.handle(), name, create ? MDB_CREATE : 0, &dbi));
  return Database(dbi);
}

bool Database::get(const Transaction& txn, std::string_view key, std::string_view& value) const {
  MDB_val k = to_val(key);
  MDB_val v{0, nullptr};
  const int rc = ::mdb_get(txn.handle(), dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  check("mdb_get", rc);
  value = from_val(v);
  return true;
}

std::optional<std::string_view> Database::get(const Transaction& txn, std::string_view key) const {
  std::string_view value;
  if (!get(txn, key, value)) return std::nullopt;
  return value;
}

void Database::put(Transaction& txn, std::string_view key, std::string_view value) const {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  check("mdb_put", ::mdb_put(txn.handle(), dbi_, &k, &v, 0));
}

bool Database::insert(Transaction& txn, std::string_view key, std::string_view value) const {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  const int rc = ::mdb_put(txn.handle(), dbi_, &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return false;
  check("mdb_put", rc);
  return true;
}

bool Database::del(Transaction& txn, std::string_view key) const {
  MDB_val k = to_val(key);
  const int rc = ::mdb_del(txn.handle(), dbi_, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  check("mdb_del", rc);
  return true;
}

std::size_t Database::size(const Transaction& txn) const {
  MDB_stat stat;
  check("mdb_stat", ::mdb_stat(txn.handle(), dbi_, &stat));
  return stat.ms_entries;
}

Cursor::Cursor(const Transaction& txn, const Database& db) {
  check("mdb_cursor_open", ::mdb_cursor_open(txn.handle(), db.handle(), &cursor_));
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) ::mdb_cursor_close(cursor_);
}

bool Cursor::move(MDB_cursor_op op) {
  const int rc = ::mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  check("mdb_cursor_get", rc);
  return true;
}

bool Cursor::seek(std::string_view key) {
  key_ = to_val(key);
  return move(MDB_SET_RANGE);
}

bool Cursor::first() { return move(MDB_FIRST); }
bool Cursor::next() { return move(MDB_NEXT); }

}  // namespace gatehouse::store::lmdb
