#include "store/schema.h"

#include <array>
#include <cstdio>

namespace gatehouse::store {

namespace kv {

namespace {
constexpr std::array<std::string_view, kTableCount> kTableNames = {
    "meta",     "accounts",     "users",      "groups",   "roles",             "policies",
    "policy_names", "policy_usage", "access_keys", "unique_ids", "functions", "versions",
    "aliases",  "function_policies", "mappings", "code",  "code_blobs"};
}  // namespace

std::string_view table_name(Table table) noexcept { return kTableNames[static_cast<std::size_t>(table)]; }

std::optional<Table> table_by_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kTableCount; ++i) {
    if (kTableNames[i] == name) return static_cast<Table>(i);
  }
  return std::nullopt;
}

}  // namespace kv

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
