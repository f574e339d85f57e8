// Internal: rules shared by the IAM operations (iam-sts-api.md 2): names,
// paths, ARNs, unique ids, tags, policy documents and their size limits.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "policy/validate.h"
#include "store/aws_errors.h"
#include "store/mutation.h"
#include "store/state.h"

namespace gatehouse::store::detail {

inline constexpr std::size_t kMaxAccessKeysPerUser = 2;
inline constexpr std::size_t kMaxAttachedPolicies = 10;
inline constexpr std::size_t kMaxGroupsPerUser = 10;
inline constexpr std::size_t kMaxPolicyVersions = 5;
inline constexpr std::size_t kMaxTags = 50;

// Pattern [\w+=,.@-]+ and a length limit, reported as ValidationError on `member`.
Result<void> check_name(std::string_view value, std::string_view member, std::size_t max_length);
// "/" or "/a/b/": starts and ends with '/', printable ASCII, at most 512 characters.
Result<void> check_path(std::string_view path);
Result<void> check_account_id(std::string_view account);
// The account must exist (accounts come from the bootstrap file).
Result<void> require_account(const Snapshot& s, std::string_view account);
Result<void> check_tags(const Tags& tags, std::string_view quota_name);
// The length AWS's length constraints count: UTF-16 code units of UTF-8 text (a character
// outside the BMP counts two), not bytes.
std::size_t text_length(std::string_view utf8) noexcept;

// arn:aws:iam::ACCOUNT:TYPE{path}NAME
std::string iam_arn(std::string_view account, std::string_view type, std::string_view path, std::string_view name);
std::string policy_arn(std::string_view account, std::string_view path, std::string_view name);

// A new unique id of that prefix, recorded so it is never issued again.
std::string issue_unique_id(Mutation& m, std::string_view prefix, std::string_view account, std::string_view names);

// Validates a document as IAM does for its type; AWS's error on failure.
// Trust policies check that user and role principals of the store exist.
Result<void> check_document(const Snapshot& s, std::string_view text, policy::PolicyType type);
// The same check, with the finding's JSON path and position (bootstrap messages).
std::optional<policy::Finding> document_finding(const Snapshot& s, std::string_view text, policy::PolicyType type);
// Principal binding (policy-semantics 1.8). The users and roles a policy document names as AWS
// principals, each bound to the unique id of the entity that ARN names now (path included);
// names of nothing are left out.
std::map<std::string, std::string> bind_principals(const Snapshot& s, std::string_view document);
// The document to compile: each bound principal ARN replaced by its unique id, so that only that
// entity matches, never a later one of the same name or another path.
std::string bound_document(std::string_view document, const std::map<std::string, std::string>& ids);
// The document to show: a bound principal whose entity is gone reads as its unique id, as IAM
// shows it.
std::string shown_document(const Snapshot& s, std::string_view document, const std::map<std::string, std::string>& ids);
// Once per store (a meta flag): binds the principals of trust and function policies saved before
// binding existed — stores written by older versions — to the entities their ARNs name now.
// Principals that name nothing now stay unbound (they match nobody).
Result<void> bind_unbound_principals(Mutation& m);

// Size of a document as IAM counts it (no whitespace outside strings); 0 if it does not parse.
std::size_t policy_size(std::string_view text);

// A managed policy that may be attached in `account` (its own, or AWS's).
Result<ManagedPolicy> attachable_policy(const Snapshot& s, std::string_view account, std::string_view arn);
// Adjusts the counts of (arn, account) by the deltas.
void count_usage(Mutation& m, std::string_view arn, std::string_view account, int attachments, int boundaries);

}  // namespace gatehouse::store::detail
