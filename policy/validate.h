// Policy validation as IAM (and Lambda's AddPermission) does it: AWS's error
// codes and exact messages in AWS's order, then warnings and suggestions beyond
// AWS (policy-semantics 1.5-1.12).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/document.h"
#include "policy/position.h"
#include "policy/result.h"

namespace gatehouse::policy {

enum class PolicyType {
  Identity,     // customer managed policy, as CreatePolicy / CreatePolicyVersion check it
  InlineUser,   // PutUserPolicy
  InlineGroup,  // PutGroupPolicy
  InlineRole,   // PutRolePolicy
  Boundary,     // a managed policy used as a permissions boundary
  Session,      // AssumeRole `Policy`
  SimulatorIdentity,  // SimulateCustomPolicy `PolicyInputList` member: an identity policy of any version
  Trust,        // CreateRole / UpdateAssumeRolePolicy
  Resource,     // Lambda function policy (what AddPermission builds)
  SimulatorResource,  // generic resource policy: SimulateCustomPolicy `ResourcePolicy`
  Scp,
  Rcp,
};

struct Finding {
  enum class Severity { Error, Warning, Suggestion };
  Severity severity = Severity::Error;
  // AWS's error code ("MalformedPolicyDocument", "LimitExceeded", "ValidationError",
  // "PolicyLengthExceededException", ...) or "W1".."W14", "S1".."S3".
  std::string code;
  std::string message;  // AWS's exact text for errors
  std::string path;     // JSON path, e.g. "Statement[1].Action[0]"; empty for the whole document
  Position pos;         // 1-based line and column of the offending element
  std::string detail;   // what exactly is wrong, or a hint ("did you mean ..."); may be empty
};

// Trust policies: does the IAM user or role with this ARN exist? (CreateRole
// rejects principals that do not.) An empty function skips the check.
using PrincipalExists = std::function<bool(std::string_view arn)>;

// All findings: errors first, the first of them exactly what IAM (or Lambda)
// would answer; then warnings and suggestions in document order. At most
// kMaxFindingsPerCode findings of one code are reported.
std::vector<Finding> validate_policy(std::string_view text, PolicyType type,
                                     const PrincipalExists& principal_exists = {});

// The document, or the error AWS would answer (warnings are not computed).
Result<Document, Finding> parse_and_validate(std::string_view text, PolicyType type,
                                             const PrincipalExists& principal_exists = {});

inline constexpr std::size_t kMaxFindingsPerCode = 100;

// validate_policy plus the document's size as its type's limit counts it.
struct ValidationReport {
  std::vector<Finding> findings;
  std::optional<std::size_t> size;   // absent when the text does not parse
  std::optional<std::size_t> limit;  // the single-document limit of the type, if any
};
ValidationReport validate_report(std::string_view text, PolicyType type,
                                 const PrincipalExists& principal_exists = {});

// Single-document size limit of a type ("IAM and AWS STS quotas"; Lambda's
// 20,480-byte function policy). Inline limits apply to the sum over an entity.
std::optional<std::size_t> size_limit(PolicyType type) noexcept;

// The message AWS gives when a document (or an entity's inline sum) of `type`
// exceeds its limit; `entity_name` is the user, group or role for inline types.
std::string size_limit_message(PolicyType type, std::size_t size, std::string_view entity_name);

// Size of a function policy as Lambda serializes it: compact JSON with
// "Version":"2012-10-17", "Id":"default" and every statement.
std::size_t lambda_policy_size(const Document& doc);

// CLI names: identity, inline-user, inline-group, inline-role, boundary, session,
// trust, resource, simulator-identity, simulator-resource, scp, rcp.
std::string_view policy_type_name(PolicyType type) noexcept;
std::optional<PolicyType> parse_policy_type(std::string_view name) noexcept;

std::string_view severity_name(Finding::Severity severity) noexcept;  // error, warning, suggestion

}  // namespace gatehouse::policy
