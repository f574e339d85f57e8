// Condition operator names: the 27 base operators of "IAM JSON policy elements:
// Condition operators", with the ForAnyValue:/ForAllValues: prefixes and the
// IfExists suffix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::policy {

enum class Operator : std::uint8_t {
  StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase,
  StringLike, StringNotLike,
  NumericEquals, NumericNotEquals, NumericLessThan, NumericLessThanEquals,
  NumericGreaterThan, NumericGreaterThanEquals,
  DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals,
  DateGreaterThan, DateGreaterThanEquals,
  Bool, BinaryEquals,
  IpAddress, NotIpAddress,
  ArnEquals, ArnLike, ArnNotEquals, ArnNotLike,
  Null,
};
inline constexpr int kOperatorCount = 27;

enum class SetQualifier : std::uint8_t { None, ForAnyValue, ForAllValues };

enum class OperatorFamily : std::uint8_t { String, Numeric, Date, Bool, Binary, Ip, Arn, Null };

struct OperatorSpec {
  Operator op;
  SetQualifier set = SetQualifier::None;
  bool if_exists = false;
};

// Parses an operator name exactly as AWS does (case-sensitive, one optional
// prefix, optional IfExists suffix). nullopt for anything else.
std::optional<OperatorSpec> parse_operator(std::string_view name) noexcept;

std::string_view operator_name(Operator op) noexcept;
// The full spelling, e.g. "ForAnyValue:StringLikeIfExists".
std::string operator_spec_name(const OperatorSpec& spec);
OperatorFamily family_of(Operator op) noexcept;
// Negated operators hold when the context value matches none of the policy values.
bool is_negated(Operator op) noexcept;
// Policy variables are substituted in String, Arn and Bool values only.
bool accepts_variables(Operator op) noexcept;

}  // namespace gatehouse::policy
