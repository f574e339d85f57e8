// The layout of the LMDB environment: its named databases, their keys, and
// the schema version recorded at creation and checked at every open.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/transaction.h"

namespace gatehouse::store {

// Version 1: the layout below. A store of a newer version is refused.
inline constexpr std::uint32_t kSchemaVersion = 1;

// Keys join parts with '/': no part may contain it (account ids, regions, IAM
// names, function names, aliases and versions cannot).
struct Databases {
  lmdb::Database meta;            // "schema", "key_check", "revision" (counter)
  lmdb::Database accounts;        // account -> Account
  lmdb::Database users;           // account/lower(name) -> User
  lmdb::Database groups;          // account/lower(name) -> Group
  lmdb::Database roles;           // account/lower(name) -> Role
  lmdb::Database policies;        // policy ARN -> ManagedPolicy
  lmdb::Database policy_names;    // account/lower(name) -> policy ARN (names are unique per account)
  lmdb::Database policy_usage;    // policy ARN|account -> PolicyUsage
  lmdb::Database access_keys;     // access key id -> AccessKeyRecord
  lmdb::Database unique_ids;      // every id ever issued -> what it named (ids are never reused)
  lmdb::Database functions;       // account/region/name -> Function
  lmdb::Database versions;        // account/region/name/0000000001 -> FunctionConfig
  lmdb::Database aliases;         // account/region/name/alias -> Alias
  lmdb::Database function_policies;  // account/region/name/qualifier ("" unqualified) -> FunctionPolicy
  lmdb::Database mappings;        // uuid -> EventSourceMapping
  lmdb::Database code;            // sha256 (base64) -> CodePackage
  lmdb::Database code_blobs;      // sha256 (base64) -> the package bytes

  // Opens (creating) every database in a write transaction.
  static Databases open(lmdb::Transaction& txn);
};

namespace keys {

std::string lower_ascii(std::string_view text);
std::string entity(std::string_view account, std::string_view name);  // account/lower(name)
std::string account_prefix(std::string_view account);                 // account/
// Managed policy names are unique per account, case-insensitively.
std::string policy_name(std::string_view account, std::string_view name);
std::string policy_usage(std::string_view arn, std::string_view account);
std::string function(std::string_view account, std::string_view region, std::string_view name);
std::string function_prefix(std::string_view account, std::string_view region);
std::string version(std::string_view function_key, std::uint64_t number);
std::string child(std::string_view function_key, std::string_view name);  // alias or qualifier
std::string children_prefix(std::string_view function_key);

}  // namespace keys

}  // namespace gatehouse::store
