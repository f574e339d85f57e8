// The key-value layer every store operation works on: named tables of ordered
// byte keys, read and written in transactions. LMDB (store/lmdb_backend.h) and
// etcd (store/etcd/) implement it; Snapshot, Mutation and every invariant sit
// above it in one copy. Values returned by get() and scan() are views: valid
// until the transaction ends or, in a write transaction, until its next write.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

namespace gatehouse::store::kv {

// The tables (LMDB: one named database each; etcd: one key prefix each).
enum class Table : std::uint8_t {
  meta,
  accounts,
  users,
  groups,
  roles,
  policies,
  policy_names,
  policy_usage,
  access_keys,
  unique_ids,
  functions,
  versions,
  aliases,
  function_policies,
  mappings,
  code,
  code_blobs,
};
inline constexpr std::size_t kTableCount = static_cast<std::size_t>(Table::code_blobs) + 1;

// The table's name: LMDB's database name, etcd's key segment.
std::string_view table_name(Table table) noexcept;
std::optional<Table> table_by_name(std::string_view name) noexcept;

// A non-owning callable reference (no allocation): valid for the call it is passed to.
template <class Signature>
class FunctionRef;
template <class R, class... A>
class FunctionRef<R(A...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...); }) {}
  R operator()(A... a) const { return call_(object_, std::forward<A>(a)...); }

 private:
  void* object_;
  R (*call_)(void*, A...);
};

using Visitor = FunctionRef<bool(std::string_view key, std::string_view value)>;

// A transaction of one backend. Expected outcomes (absent, exists) are values;
// failures are exceptions that the Store turns into errors.
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual std::optional<std::string_view> get(Table table, std::string_view key) const = 0;
  virtual void put(Table table, std::string_view key, std::string_view value) = 0;
  // False when the key already exists (nothing written).
  virtual bool insert(Table table, std::string_view key, std::string_view value) = 0;
  // False when the key was absent.
  virtual bool del(Table table, std::string_view key) = 0;
  // Visits every (key, value) with key >= from, in key order (bytes, unsigned); fn returns false to stop.
  virtual void scan(Table table, std::string_view from, Visitor fn) const = 0;
};

// A write that lost a race with another writer after its retries (etcd): the caller answers
// AWS's conflict error.
class Conflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A table as the store's code names it: db.users.get(txn, key).
class Database {
 public:
  constexpr explicit Database(Table table) noexcept : table_(table) {}
  Table table() const noexcept { return table_; }

  // False when the key is absent.
  bool get(const Transaction& txn, std::string_view key, std::string_view& value) const {
    auto found = txn.get(table_, key);
    if (!found) return false;
    value = *found;
    return true;
  }
  std::optional<std::string_view> get(const Transaction& txn, std::string_view key) const {
    return txn.get(table_, key);
  }
  void put(Transaction& txn, std::string_view key, std::string_view value) const { txn.put(table_, key, value); }
  bool insert(Transaction& txn, std::string_view key, std::string_view value) const {
    return txn.insert(table_, key, value);
  }
  bool del(Transaction& txn, std::string_view key) const { return txn.del(table_, key); }

 private:
  Table table_;
};

}  // namespace gatehouse::store::kv
