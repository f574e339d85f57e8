// The actions and condition keys the service knows. One data source: the tables
// come from policy/data/ (lambda-actions.json is spec/lambda-actions.json
// verbatim), embedded at build time and parsed once on first use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::policy {

struct ActionInfo {
  std::string name;   // canonical case, e.g. lambda:InvokeFunction
  std::string lower;  // name in lower case (action matching is case-insensitive)
  bool resource_level = false;  // false: the request resource is `*`
  bool cross_account = false;   // crossAccountViaResourcePolicy
  bool read_only = false;
  std::vector<std::string> condition_keys;
  std::string seed_status;  // seedActionStatus: correct, missing, typo, wrong; empty outside the seed's table
  std::string seed_note;
};

// Every known action in a stable order; an action's index is its id.
std::span<const ActionInfo> known_actions();

// Id of an action given in any case ("LAMBDA:invokefunction"). No allocation.
std::optional<std::uint16_t> find_action(std::string_view any_case) noexcept;

std::optional<std::string_view> canonical_action_name(std::string_view any_case) noexcept;

// Ids of the actions whose lower-case name begins with `lower_prefix` (compared byte for byte,
// so give it in lower case), in the order of their lower-case names: the only candidates for a
// pattern whose text before its first wildcard is that prefix ("lambda:get" for lambda:Get*).
// No allocation.
std::span<const std::uint16_t> actions_with_prefix(std::string_view lower_prefix) noexcept;

// An action name that the seed's API-permission table prints for an operation by
// mistake (seed-notes section 8): an EFS action, or a `>` typo.
struct SeedMistake {
  std::string listed;     // as the seed prints it, e.g. lambda:DescribeTags
  std::string operation;  // the API operation of that table row, e.g. Invoke
  std::string correct;    // the action the operation really needs
  std::string status;     // wrong or typo
  std::string note;
};

std::span<const SeedMistake> seed_mistakes();
// The seed row whose listed action equals `action` (case-insensitive).
const SeedMistake* find_seed_mistake(std::string_view action) noexcept;

// Condition keys of "AWS global condition context keys" and the iam, sts and
// lambda service keys the service sets (policy-semantics 4.2, 4.5).
struct ConditionKeyInfo {
  std::string_view name;   // canonical case; tag keys end in '/' (aws:PrincipalTag/)
  bool multi_valued = false;
  bool tag_prefix = false;  // the name is a prefix followed by a tag key
};

std::span<const ConditionKeyInfo> known_condition_keys();
// The entry for `key` (case-insensitive; tag keys match by prefix), if known.
const ConditionKeyInfo* find_condition_key(std::string_view key) noexcept;

// True iff `prefix` (any case) is an AWS service prefix (policy/data/service-prefixes.txt).
bool is_known_service_prefix(std::string_view prefix) noexcept;

// The embedded lambda-actions.json text (spec/lambda-actions.json verbatim), for
// tables built from the same data, such as the server's Lambda route table.
std::string_view embedded_lambda_actions_json() noexcept;

}  // namespace gatehouse::policy
