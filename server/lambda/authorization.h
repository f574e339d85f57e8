// What the authorization pipeline needs from a Lambda request: the IAM action, the request
// resource, its owner, the condition keys the request carries and the further checks the
// operation implies (lambda-actions.json; policy-semantics 2.4, 4.4-4.6, 6.4-6.5). Data only:
// nothing here evaluates a policy.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/context.h"
#include "policy/result.h"
#include "server/lambda/error.h"
#include "server/lambda/function_name.h"
#include "server/lambda/request.h"

namespace gatehouse::server::lambda {

// One request-context key, ready for policy::RequestContext.
struct ContextEntry {
  std::string key;
  std::vector<std::string> values;
  bool multi = false;  // list-typed key (lambda:Layer, aws:TagKeys, …)

  bool operator==(const ContextEntry&) const = default;
};

enum class CheckMode : std::uint8_t {
  Require,   // a deny fails the request
  DenyOnly,  // only an explicit deny fails the request (lambda:InvokeAsync, lambda-actions.json)
  Soft,      // the outcome only shapes the response (GetFunction's Tags need lambda:ListTags)
};

// A further authorization an operation needs besides its own action.
struct ExtraAuthorization {
  std::string action = {};    // e.g. iam:PassRole
  std::string resource = {};  // e.g. the role ARN
  std::vector<ContextEntry> context = {};
  CheckMode mode = CheckMode::Require;
  bool resource_tags = false;  // aws:ResourceTag/* of the function apply (absent for iam:PassRole)
  // When set, the pipeline answers this error at this point instead of evaluating.
  std::optional<LambdaError> refusal = {};
};

struct AuthorizationFacts {
  std::string action;            // lambda:InvokeFunction for Invoke and InvokeAsync
  std::string resource;          // "*" for actions without resource-level permissions
  std::string resource_account;  // owner of the resource; the caller's for "*"
  bool cross_account_capable = false;  // crossAccountViaResourcePolicy
  bool cross_account = false;          // resource_account != the caller's account
  std::vector<ContextEntry> context;   // the Lambda and tag keys of this request
  std::vector<ExtraAuthorization> extra;
  // Keys only stored state can supply; the pipeline adds them from the store.
  bool needs_resource_tags = false;           // aws:ResourceTag/* of the function or mapping
  bool needs_mapping_function_arn = false;    // lambda:FunctionArn = the mapping's current function
  bool needs_statement_principal = false;     // RemovePermission: lambda:Principal (and
                                              // lambda:FunctionUrlAuthType) of the removed statement
  // The function is the request resource (its policy and aws:ResourceTag/* apply); false when it
  // is only the target a mapping invokes.
  bool function_is_resource = false;
};

// An event-source mapping as the request names it: the UUID within the caller's account and
// region, the only place a caller's mapping can be (another account's UUID finds nothing).
struct ResolvedMapping {
  std::string account, region, uuid;
  std::string arn() const;
};

struct Resolution {
  // The function the request names, resolved: the resource, or a mapping's (new) target.
  std::optional<ResolvedFunction> function;
  std::optional<ResolvedMapping> mapping;  // Get/Update/DeleteEventSourceMapping
  AuthorizationFacts authorization;
};

// Resolves the FunctionName (lambda-api 3.2 rules 2-4) and derives the facts.
policy::Result<Resolution, LambdaError> resolve_request(const LambdaRequest& request, const CallerView& caller);

// Sets every entry on `context`.
void add_to_context(std::span<const ContextEntry> entries, policy::RequestContext& context);

}  // namespace gatehouse::server::lambda
