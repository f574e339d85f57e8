// The member patterns of the Lambda API model (botocore lambda 2015-03-31, spec/lambda-api.md),
// each hand-written as a full-string match. `text` is the pattern as AWS prints it in
// "Member must satisfy regular expression pattern: …".
#pragma once

#include <string_view>

namespace gatehouse::server::lambda {

struct Pattern {
  std::string_view text;
  bool (*matches)(std::string_view value) noexcept;
};

namespace patterns {
extern const Pattern kFunctionName;       // namespaced FunctionName (lambda-api 3.1)
extern const Pattern kQualifier;          // Qualifier in the query
extern const Pattern kAliasName;          // (?!^[0-9]+$)([a-zA-Z0-9-_]+)
extern const Pattern kFunctionVersion;    // (\$LATEST|[0-9]+)
extern const Pattern kStatementId;        // AddPermission StatementId
extern const Pattern kNamespacedStatementId;  // RemovePermission {StatementId}
extern const Pattern kPermissionAction;   // AddPermission Action
extern const Pattern kNoWhitespace;       // [^\s]+ (Principal, Handler)
extern const Pattern kArn;                // SourceArn, EventSourceArn
extern const Pattern kAccountId;          // \d{12}
extern const Pattern kEventSourceToken;
extern const Pattern kPrincipalOrgId;
extern const Pattern kRoleArn;
extern const Pattern kS3Bucket;
extern const Pattern kLayerVersionArn;
extern const Pattern kOptionalArn;        // DeadLetterConfig.TargetArn, KMSKeyArn ("" clears)
extern const Pattern kMasterRegion;
extern const Pattern kEnvironmentKey;
extern const Pattern kCodeSigningConfigArn;
}  // namespace patterns

// Pieces of the patterns above that function-name parsing reuses.
bool is_lambda_region(std::string_view text) noexcept;       // [a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}
bool is_account_digits(std::string_view text) noexcept;      // \d{12}
bool is_function_name_chars(std::string_view text) noexcept;  // [a-zA-Z0-9-_\.]+
bool is_name_qualifier(std::string_view text) noexcept;       // \$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+
bool is_arn_partition(std::string_view text) noexcept;        // (aws[a-zA-Z-]*)?

}  // namespace gatehouse::server::lambda
