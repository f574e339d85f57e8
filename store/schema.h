// The layout of the store: its tables (kv.h), their keys, and
// the schema version recorded at creation and checked at every open.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/kv.h"

namespace gatehouse::store {

// Version 1: the layout below. A store of a newer version is refused.
inline constexpr std::uint32_t kSchemaVersion = 1;

// Keys join parts with '/': no part may contain it (account ids, regions, IAM
// names, function names, aliases and versions cannot).
struct Databases {
  kv::Database meta{kv::Table::meta};            // "schema", "key_check", "revision" (counter)
  kv::Database accounts{kv::Table::accounts};        // account -> Account
  kv::Database users{kv::Table::users};           // account/lower(name) -> User
  kv::Database groups{kv::Table::groups};          // account/lower(name) -> Group
  kv::Database roles{kv::Table::roles};           // account/lower(name) -> Role
  kv::Database policies{kv::Table::policies};        // policy ARN -> ManagedPolicy
  kv::Database policy_names{kv::Table::policy_names};    // account/lower(name) -> policy ARN (names are unique per account)
  kv::Database policy_usage{kv::Table::policy_usage};    // policy ARN|account -> PolicyUsage
  kv::Database access_keys{kv::Table::access_keys};     // access key id -> AccessKeyRecord
  kv::Database unique_ids{kv::Table::unique_ids};      // every id ever issued -> what it named (ids are never reused)
  kv::Database functions{kv::Table::functions};       // account/region/name -> Function
  kv::Database versions{kv::Table::versions};        // account/region/name/0000000001 -> FunctionConfig
  kv::Database aliases{kv::Table::aliases};         // account/region/name/alias -> Alias
  kv::Database function_policies{kv::Table::function_policies};  // account/region/name/qualifier ("" unqualified) -> FunctionPolicy
  kv::Database mappings{kv::Table::mappings};        // uuid -> EventSourceMapping
  kv::Database code{kv::Table::code};            // sha256 (base64) -> CodePackage
  kv::Database code_blobs{kv::Table::code_blobs};      // sha256 (base64) -> the package bytes
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
