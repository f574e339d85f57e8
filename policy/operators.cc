#include "policy/operators.h"

#include <array>

namespace gatehouse::policy {
namespace {

constexpr std::array<std::string_view, kOperatorCount> kNames = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
    "DateGreaterThan", "DateGreaterThanEquals",
    "Bool", "BinaryEquals",
    "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
    "Null",
};

constexpr std::string_view kForAnyValue = "ForAnyValue:";
constexpr std::string_view kForAllValues = "ForAllValues:";
constexpr std::string_view kIfExists = "IfExists";

std::optional<Operator> base_operator(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Operator>(i);
  }
  return std::nullopt;
}

}  // namespace

std::optional<OperatorSpec> parse_operator(std::string_view name) noexcept {
  OperatorSpec spec{Operator::StringEquals};
  if (name.starts_with(kForAnyValue)) {
    spec.set = SetQualifier::ForAnyValue;
    name.remove_prefix(kForAnyValue.size());
  } else if (name.starts_with(kForAllValues)) {
    spec.set = SetQualifier::ForAllValues;
    name.remove_prefix(kForAllValues.size());
  }
  if (auto op = base_operator(name)) {
    spec.op = *op;
    return spec;
  }
  if (name.ends_with(kIfExists)) {
    name.remove_suffix(kIfExists.size());
    if (auto op = base_operator(name)) {
      spec.op = *op;
      spec.if_exists = true;
      return spec;
    }
  }
  return std::nullopt;
}

std::string_view operator_name(Operator op) noexcept { return kNames[static_cast<std::size_t>(op)]; }

std::string operator_spec_name(const OperatorSpec& spec) {
  std::string name;
  if (spec.set == SetQualifier::ForAnyValue) name = kForAnyValue;
  if (spec.set == SetQualifier::ForAllValues) name = kForAllValues;
  name += operator_name(spec.op);
  if (spec.if_exists) name += kIfExists;
  return name;
}

OperatorFamily family_of(Operator op) noexcept {
  switch (op) {
    case Operator::StringEquals: case Operator::StringNotEquals:
    case Operator::StringEqualsIgnoreCase: case Operator::StringNotEqualsIgnoreCase:
    case Operator::StringLike: case Operator::StringNotLike:
      return OperatorFamily::String;
    case Operator::NumericEquals: case Operator::NumericNotEquals:
    case Operator::NumericLessThan: case Operator::NumericLessThanEquals:
    case Operator::NumericGreaterThan: case Operator::NumericGreaterThanEquals:
      return OperatorFamily::Numeric;
    case Operator::DateEquals: case Operator::DateNotEquals:
    case Operator::DateLessThan: case Operator::DateLessThanEquals:
    case Operator::DateGreaterThan: case Operator::DateGreaterThanEquals:
      return OperatorFamily::Date;
    case Operator::Bool: return OperatorFamily::Bool;
    case Operator::BinaryEquals: return OperatorFamily::Binary;
    case Operator::IpAddress: case Operator::NotIpAddress: return OperatorFamily::Ip;
    case Operator::ArnEquals: case Operator::ArnLike:
    case Operator::ArnNotEquals: case Operator::ArnNotLike:
      return OperatorFamily::Arn;
    case Operator::Null: return OperatorFamily::Null;
  }
  return OperatorFamily::Null;  // INVARIANT: every enumerator is handled above.
}

bool is_negated(Operator op) noexcept {
  switch (op) {
    case Operator::StringNotEquals: case Operator::StringNotEqualsIgnoreCase:
    case Operator::StringNotLike: case Operator::NumericNotEquals:
    case Operator::DateNotEquals: case Operator::NotIpAddress:
    case Operator::ArnNotEquals: case Operator::ArnNotLike:
      return true;
    default:
      return false;
  }
}

bool accepts_variables(Operator op) noexcept {
  auto f = family_of(op);
  return f == OperatorFamily::String || f == OperatorFamily::Arn || f == OperatorFamily::Bool;
}

}  // namespace gatehouse::policy
