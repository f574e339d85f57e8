// The parameters of one Query-protocol request (iam-sts-api.md 1.1): the form body of a POST
// and the query string, decoded once. Lists and structures are flattened the way botocore
// and the JS SDK send them: `Tags.member.1.Key`, `ActionNames.member.2`, `PolicyArns.member.1.arn`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::server::query {

class Params {
 public:
  // Decodes `form` (application/x-www-form-urlencoded, '+' is a space) and then `query`; a
  // name given in both keeps the form's value; bytes that are not UTF-8 read as U+FFFD.
  // Returns nullopt on a malformed escape.
  static std::optional<Params> decode(std::string_view form, std::string_view query);

  // The value of `name`; nullptr when absent.
  const std::string* find(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept { return find(name) != nullptr; }

  // The values of `list.member.1`, `list.member.2`, ... up to the first gap.
  std::vector<std::string> members(std::string_view list) const;
  // The prefixes `list.member.1`, `list.member.2`, ... of a list of structures, up to the
  // first N for which no parameter starts with that prefix.
  std::vector<std::string> member_prefixes(std::string_view list) const;
  // True when any parameter is `list` itself or starts with `list.` (an empty list sent as
  // `Tags=` is still "given").
  bool has_list(std::string_view list) const noexcept;

  const std::vector<std::pair<std::string, std::string>>& all() const noexcept { return pairs_; }

 private:
  bool any_with_prefix(std::string_view prefix) const noexcept;
  std::vector<std::pair<std::string, std::string>> pairs_;  // sorted by name, unique
};

}  // namespace gatehouse::server::query
