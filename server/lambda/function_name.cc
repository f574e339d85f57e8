#include "server/lambda/function_name.h"

#include "policy/decide.h"

#include <array>
#include <vector>

#include "server/lambda/patterns.h"

namespace gatehouse::server::lambda {
namespace {

// Which optional groups of the namespaced pattern a reading uses.
struct Reading {
  bool arn, region, account, function, qualifier;
};

// Every combination, each group present before absent, outer groups first: the order in
// which a backtracking regex engine tries them.
constexpr std::array<Reading, 32> readings() {
  std::array<Reading, 32> out{};
  for (unsigned i = 0; i < 32; ++i) {
    out[i] = Reading{(i & 16) == 0, (i & 8) == 0, (i & 4) == 0, (i & 2) == 0, (i & 1) == 0};
  }
  return out;
}

std::optional<FunctionNameParts> try_reading(const std::vector<std::string_view>& fields, const Reading& r) {
  const std::size_t needed = (r.arn ? 3 : 0) + r.region + r.account + r.function + 1 + r.qualifier;
  if (fields.size() != needed) return std::nullopt;
  std::size_t i = 0;
  FunctionNameParts parts;
  if (r.arn) {
    if (fields[0] != "arn" || !is_arn_partition(fields[1]) || fields[2] != "lambda") return std::nullopt;
    // An ARN without region or account is refused (lambda-api 3.2 rule 1).
    if (!r.region || !r.account) return std::nullopt;
    parts.arn = true;
    parts.partition = std::string(fields[1]);
    i = 3;
  }
  if (r.region) {
    if (!is_lambda_region(fields[i])) return std::nullopt;
    parts.region = std::string(fields[i++]);
  }
  if (r.account) {
    if (!is_account_digits(fields[i])) return std::nullopt;
    parts.account = std::string(fields[i++]);
  }
  if (r.function && fields[i++] != "function") return std::nullopt;
  if (!is_function_name_chars(fields[i])) return std::nullopt;
  parts.name = std::string(fields[i++]);
  if (r.qualifier) {
    if (!is_name_qualifier(fields[i])) return std::nullopt;
    parts.qualifier = std::string(fields[i]);
  }
  return parts;
}

}  // namespace

std::optional<FunctionNameParts> parse_function_name(std::string_view text) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t colon = text.find(':', start);
    fields.push_back(text.substr(start, colon == std::string_view::npos ? text.npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
    if (fields.size() > 8) return std::nullopt;  // longer than the longest reading
  }
  static constexpr std::array<Reading, 32> kReadings = readings();
  for (const Reading& reading : kReadings) {
    if (auto parts = try_reading(fields, reading)) return parts;
  }
  return std::nullopt;
}

std::string ResolvedFunction::unqualified_arn() const {
  return "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
}

std::string ResolvedFunction::arn() const {
  return qualifier ? unqualified_arn() + ":" + *qualifier : unqualified_arn();
}

policy::Result<ResolvedFunction, LambdaError> resolve_function(const FunctionNameParts& parts,
                                                               std::optional<std::string_view> query_qualifier,
                                                               const CallerView& caller, Operation operation) {
  ResolvedFunction resolved;
  resolved.name = parts.name;
  resolved.account = parts.account ? *parts.account : std::string(caller.account);
  resolved.region = std::string(caller.region);
  resolved.qualifier = parts.qualifier;
  if (parts.partition && *parts.partition != "aws") {
    // [Choice] AWS documents no wording for this; a function of another partition is, here,
    // simply not found (before the region check, which would otherwise compare regions of
    // two partitions).
    std::string given = "arn:" + *parts.partition + ":lambda:" + parts.region.value_or("") + ":" +
                        parts.account.value_or("") + ":function:" + parts.name;
    if (parts.qualifier) given += ":" + *parts.qualifier;
    return make_error(error_type::kResourceNotFound, 404, "Function not found: " + given);
  }
  if (parts.region && *parts.region != caller.region) {
    return make_error(error_type::kResourceNotFound, 404,
                      "Functions from '" + *parts.region + "' are not reachable in this region ('" +
                          std::string(caller.region) + "')");
  }
  const OperationInfo& info = operation_info(operation);
  if (resolved.account != caller.account && !info.cross_account) {
    // Lambda resource-based policies: only the operations on an existing function accept
    // other accounts; for the rest a grant to another account has no effect (lambda-api 3.2 rule 3).
    std::string resource = info.resource_level ? resolved.unqualified_arn() : "*";
    if (info.resource_level && info.resource_when_qualified && (parts.qualifier || query_qualifier)) {
      resource += ":" + std::string(parts.qualifier ? std::string_view(*parts.qualifier) : *query_qualifier);
    }
    // The wording is the decision engine's, so the two can never drift apart.
    const policy::Outcome refused{policy::Decision::ImplicitDeny, policy::DecisionSource::ResourcePolicy};
    return make_error(error_type::kAccessDenied, 403,
                      "User: " + std::string(caller.arn) + " is not authorized to perform: " + info.iam_action +
                          " on resource: " + resource + " " + policy::reason_clause(refused, info.iam_action));
  }
  if (query_qualifier) {
    if (parts.qualifier && *parts.qualifier != *query_qualifier) {
      return make_error(error_type::kInvalidParameterValue, 400,
                        "The derived qualifier from the function name does not match the specified qualifier.");
    }
    resolved.qualifier = std::string(*query_qualifier);
  }
  return resolved;
}

}  // namespace gatehouse::server::lambda
