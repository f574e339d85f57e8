#include "store/schema.h"

#include <cstdio>

namespace gatehouse::store {

Databases Databases::open(lmdb::Transaction& txn) {
  Databases d;
  d.meta = lmdb::Database::open(txn, "meta", true);
  d.accounts = lmdb::Database::open(txn, "accounts", true);
  d.users = lmdb::Database::open(txn, "users", true);
  d.groups = lmdb::Database::open(txn, "groups", true);
  d.roles = lmdb::Database::open(txn, "roles", true);
  d.policies = lmdb::Database::open(txn, "policies", true);
  d.policy_names = lmdb::Database::open(txn, "policy_names", true);
  d.policy_usage = lmdb::Database::open(txn, "policy_usage", true);
  d.access_keys = lmdb::Database::open(txn, "access_keys", true);
  d.unique_ids = lmdb::Database::open(txn, "unique_ids", true);
  d.functions = lmdb::Database::open(txn, "functions", true);
  d.versions = lmdb::Database::open(txn, "versions", true);
  d.aliases = lmdb::Database::open(txn, "aliases", true);
  d.function_policies = lmdb::Database::open(txn, "function_policies", true);
  d.mappings = lmdb::Database::open(txn, "mappings", true);
  d.code = lmdb::Database::open(txn, "code", true);
  d.code_blobs = lmdb::Database::open(txn, "code_blobs", true);
  return d;
}

namespace keys {

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string entity(std::string_view account, std::string_view name) {
  return std::string(account) + "/" + lower_ascii(name);
}

std::string account_prefix(std::string_view account) { return std::string(account) + "/"; }

std::string policy_name(std::string_view account, std::string_view name) { return entity(account, name); }

std::string policy_usage(std::string_view arn, std::string_view account) {
  return std::string(arn) + "|" + std::string(account);
}

std::string function(std::string_view account, std::string_view region, std::string_view name) {
  return std::string(account) + "/" + std::string(region) + "/" + std::string(name);
}

std::string function_prefix(std::string_view account, std::string_view region) {
  return std::string(account) + "/" + std::string(region) + "/";
}

std::string version(std::string_view function_key, std::uint64_t number) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%010llu", static_cast<unsigned long long>(number));
  return std::string(function_key) + "/" + digits;
}

std::string child(std::string_view function_key, std::string_view name) {
  return std::string(function_key) + "/" + std::string(name);
}

std::string children_prefix(std::string_view function_key) { return std::string(function_key) + "/"; }

}  // namespace keys

}  // namespace gatehouse::store
