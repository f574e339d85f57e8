// Internal: what a Snapshot or Mutation works on, and typed record access.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/codec.h"
#include "store/model.h"
#include "store/policy_cache.h"
#include "store/schema.h"
#include "store/secrets.h"
#include "store/kv.h"

namespace gatehouse::store::detail {

// What a committed write changes outside the store's tables.
struct Effects {
  bool iam = false;     // users, groups, roles, policies, keys: principal and trust caches
  bool lambda = false;  // functions and their policies
  std::vector<std::string> forget;  // compiled-policy cache keys of deleted policies
};

struct StoreState {
  std::filesystem::path data_dir;
  std::function<Millis()> clock;
  Databases db;
  SecretBox box;
  mutable PolicyCache policies;

  StoreState(const SecretKey& key) : box(key) {}
};

template <class T>
std::optional<T> load(const kv::Transaction& txn, const kv::Database& db, std::string_view key) {
  std::string_view bytes;
  if (!db.get(txn, key, bytes)) return std::nullopt;
  return decode<T>(bytes);
}

template <class T>
void save(kv::Transaction& txn, const kv::Database& db, std::string_view key, const T& record) {
  db.put(txn, key, encode(record));
}

// Visits every (key, value) whose key starts with `prefix`, in key order;
// fn returns false to stop.
template <class F>
void scan_prefix(const kv::Transaction& txn, const kv::Database& db, std::string_view prefix, F&& fn) {
  txn.scan(db.table(), prefix, [&](std::string_view key, std::string_view value) {
    return key.substr(0, prefix.size()) == prefix && fn(key, value);
  });
}

// The users, groups or roles of an account whose path starts with path_prefix.
template <class T>
std::vector<T> list_entities(const kv::Transaction& txn, const kv::Database& db, std::string_view account,
                             std::string_view path_prefix) {
  std::vector<T> out;
  scan_prefix(txn, db, keys::account_prefix(account), [&](std::string_view, std::string_view value) {
    T entity = decode<T>(value);
    if (entity.path.starts_with(path_prefix)) out.push_back(std::move(entity));
    return true;
  });
  return out;
}

// Takes the next value of the revision counter every write bumps (at least at_least + 1).
std::uint64_t bump_revision(kv::Transaction& txn, std::uint64_t at_least);

// Cache keys of the compiled forms of stored documents.
std::string inline_policy_key(EntityKind kind, std::string_view entity_id, std::string_view policy_name);
std::string trust_policy_key(std::string_view role_id);
std::string session_policy_key(std::string_view access_key_id);
std::string function_policy_key(std::string_view function_key, std::string_view qualifier);

// Associated data of a sealed session token (binds it to its access key id).
std::string session_token_associated(std::string_view access_key_id);

}  // namespace gatehouse::store::detail
