// The world file (docs/world-file.md): a world declared in JSON, applied at start. Idempotent
// (creates what is missing, never duplicates, never deletes); what exists and differs from the
// file is named in the report and kept (create-only) or updated to the file (apply). All or
// nothing (one write transaction); a fault names the file, the JSON path and what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/error.h"
#include "store/model.h"

namespace gatehouse::store {

class Mutation;
class Store;

struct BootstrapError {
  std::string file;
  std::string path;  // JSON path, e.g. "$.accounts[0].users[1].name"
  std::string message;
  // "FILE: PATH: MESSAGE"
  std::string to_string() const;
};

template <class T>
using BootstrapResult = outcome::result<T, BootstrapError, outcome::policy::terminate>;

// A value with the JSON path it came from.
struct Located {
  std::string value;
  std::string path;
};

struct BootstrapKey {
  std::string access_key_id, secret_access_key, path;
};

struct BootstrapInlinePolicy {
  std::string name;
  Located document;  // text: a JSON string verbatim, or an object serialized compactly
};

struct BootstrapPolicy {
  std::string name, path = "/", description, json_path;
  Located document;
};

struct BootstrapGroup {
  std::string name, path = "/", json_path;
  std::vector<BootstrapInlinePolicy> inline_policies;
  std::vector<Located> managed_policies;
};

struct BootstrapUser {
  std::string name, path = "/", json_path;
  std::vector<BootstrapKey> access_keys;
  std::vector<Located> groups;
  std::vector<BootstrapInlinePolicy> inline_policies;
  std::vector<Located> managed_policies;
  std::optional<Located> permissions_boundary;
  Tags tags;
};

struct BootstrapRole {
  std::string name, path = "/", description, json_path;
  Located assume_role_policy;
  std::optional<std::int32_t> max_session_duration;
  std::vector<BootstrapInlinePolicy> inline_policies;
  std::vector<Located> managed_policies;
  std::optional<Located> permissions_boundary;
  Tags tags;
};

struct BootstrapAccount {
  std::string id, json_path;
  std::vector<BootstrapKey> root_access_keys;
  std::vector<BootstrapPolicy> policies;
  std::vector<BootstrapGroup> groups;
  std::vector<BootstrapUser> users;
  std::vector<BootstrapRole> roles;
};

struct BootstrapWorld {
  std::string file;
  std::string region;  // empty when the file names none
  std::vector<BootstrapAccount> accounts;
};

// What to do with what the store already holds and the file declares otherwise. Neither mode
// deletes anything: entities, policies, keys, attachments and memberships the file does not
// name are kept (the API may have created them).
enum class BootstrapMode : std::uint8_t {
  CreateOnly,  // create what is missing; keep what differs (and name it in the report)
  Apply,       // create what is missing; update what differs to the file
};
// "create-only" | "apply"; nullopt for anything else.
std::optional<BootstrapMode> parse_bootstrap_mode(std::string_view text);

struct BootstrapReport {
  std::string region;
  std::size_t created = 0;    // entities, keys, policies, attachments, memberships added
  std::size_t unchanged = 0;  // already present (including those that differ)
  // Already present but not as the file declares, e.g. "user alice: inline policy own"; kept
  // (create-only) or updated (apply).
  std::vector<std::string> differences;
  BootstrapMode mode = BootstrapMode::CreateOnly;
};

// One line for the operator: "created 2, already present 10, of which 1 differs from the file
// (kept; --bootstrap-mode apply updates it): user alice: inline policy own".
std::string summary(const BootstrapReport& report);

// Checks the file's shape (unknown, missing and mistyped members, duplicate
// keys) without touching a store. `file` names it in errors.
BootstrapResult<BootstrapWorld> parse_bootstrap(std::string_view text, std::string_view file);

// Applies a parsed world inside the caller's write transaction. On a fault
// the caller must abort the transaction (Store::write does).
BootstrapResult<BootstrapReport> apply_bootstrap(Mutation& m, const BootstrapWorld& world,
                                                 BootstrapMode mode = BootstrapMode::CreateOnly);

// parse_bootstrap + apply_bootstrap in one write transaction.
BootstrapResult<BootstrapReport> load_bootstrap(Store& store, std::string_view text, std::string_view file,
                                                BootstrapMode mode = BootstrapMode::CreateOnly);
BootstrapResult<BootstrapReport> load_bootstrap_file(Store& store, const std::filesystem::path& file,
                                                     BootstrapMode mode = BootstrapMode::CreateOnly);
// Reads and parses the file without touching a store (serve needs its region before it starts).
BootstrapResult<BootstrapWorld> read_bootstrap_file(const std::filesystem::path& file);
BootstrapResult<BootstrapReport> load_bootstrap_world(Store& store, const BootstrapWorld& world,
                                                      BootstrapMode mode = BootstrapMode::CreateOnly);

}  // namespace gatehouse::store
