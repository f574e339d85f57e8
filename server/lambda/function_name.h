// FunctionName in every accepted form (name, name:qualifier, partial ARN, full ARN) and
// its resolution against the caller and the request region (spec/lambda-api.md section 3).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/result.h"
#include "server/lambda/error.h"
#include "server/lambda/route_table.h"

namespace gatehouse::server::lambda {

// The pieces of a FunctionName that matched the namespaced pattern.
struct FunctionNameParts {
  std::optional<std::string> partition;  // from a full ARN: aws, aws-cn, aws-us-gov, ...
  std::optional<std::string> region;   // from a full ARN (or region:account:… form)
  std::optional<std::string> account;  // from a full or partial ARN
  std::string name;
  std::optional<std::string> qualifier;  // name:qualifier
  bool arn = false;                      // written as arn:…:lambda:…
};

// nullopt when `text` does not match the namespaced FunctionName pattern, or is an ARN
// without region or account (lambda-api 3.2 rule 1). Optional groups are tried present
// first, as the Java regex AWS validates with does: "function:f" is the function f.
std::optional<FunctionNameParts> parse_function_name(std::string_view text);

// Who asks, and in which region (the SigV4 credential scope).
struct CallerView {
  std::string_view account;  // 12 digits
  std::string_view arn;      // for the cross-account AccessDenied message
  std::string_view region;
};

struct ResolvedFunction {
  std::string name;
  std::string account;  // the owner: from the ARN, else the caller's
  std::string region;
  std::optional<std::string> qualifier;  // from the name or ?Qualifier (they agree)

  std::string unqualified_arn() const;
  // …:function:NAME:QUALIFIER when qualified ($LATEST stays explicit), else unqualified.
  std::string arn() const;
};

// Rules 2-4 of lambda-api 3.2, in order: partition or region mismatch -> 404; another account
// on an operation without cross-account access -> 403; name qualifier != ?Qualifier -> 400.
// Every function this server holds is in the aws partition: an ARN of another partition names
// none of them, whatever its region and account say.
policy::Result<ResolvedFunction, LambdaError> resolve_function(const FunctionNameParts& parts,
                                                               std::optional<std::string_view> query_qualifier,
                                                               const CallerView& caller, Operation operation);

}  // namespace gatehouse::server::lambda
