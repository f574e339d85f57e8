// The parsed (not yet validated, not yet compiled) form of a policy document.
// It keeps what the text said, where it said it, and the JSON path of every
// element, so that validation can report AWS's messages in AWS's order and the
// simulator can report statement positions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/position.h"
#include "policy/result.h"

namespace gatehouse::policy {

enum class PolicyVersion { Absent, V2008_10_17, V2012_10_17 };

// A scalar as written in the document, with its location.
struct Located {
  std::string value;
  Position pos;      // start of the value token
  std::string path;  // JSON path, e.g. "Statement[1].Action[0]"
};

// Action / NotAction / Resource / NotResource: a string or an array of strings
// (Resource arrays may hold nulls, which are dropped).
struct ListElement {
  bool present = false;
  bool was_array = false;
  std::vector<Located> values;
  Position pos;  // position of the element's key
  std::string path;
};

// One principal value: {"AWS": "..."} -> type "AWS". A bare "*" element is
// represented as wildcard = true with no values.
struct PrincipalValue {
  std::string type;  // AWS, Service, Federated, CanonicalUser
  Located value;
};

struct PrincipalElement {
  bool present = false;
  bool wildcard = false;  // "Principal": "*"
  std::vector<PrincipalValue> values;
  Position pos;
  std::string path;
};

// One key of one condition operator: "StringEquals": {"aws:username": ["a", "b"]}
struct ConditionKey {
  Located key;                // key name as written
  std::vector<Located> values;  // JSON numbers keep their literal text; booleans become "true"/"false"
  bool was_array = false;
};

struct ConditionBlock {
  Located op;  // operator name as written, e.g. "ForAnyValue:StringLikeIfExists"
  std::vector<ConditionKey> keys;
};

struct Statement {
  Position start;  // just after the statement's '{'
  Position end;    // just after its '}'
  std::string path;  // "Statement" (object form) or "Statement[i]"
  std::optional<Located> sid;
  std::optional<Located> effect;  // as written; syntax already checked it is allow/deny in some case
  PrincipalElement principal;
  PrincipalElement not_principal;
  ListElement action;
  ListElement not_action;
  ListElement resource;
  ListElement not_resource;
  bool has_condition = false;
  std::vector<ConditionBlock> conditions;
};

struct Document {
  PolicyVersion version = PolicyVersion::Absent;
  std::optional<Located> version_text;
  std::optional<Located> id;
  bool statement_is_array = false;
  std::vector<Statement> statements;
  // Characters after removing whitespace outside string literals (IAM quotas page).
  std::size_t size = 0;
};

// A syntax-level failure (section 1.1-1.4 of the policy semantics): AWS reports
// all of them as `Syntax errors in policy.`; `detail` says what was actually wrong.
struct SyntaxError {
  std::string detail;  // e.g. "duplicate key `Effect`"
  Position pos;
  std::string path;
  // The text is not JSON, or its root is not an object (trust policies word this
  // differently: `This policy contains invalid Json`).
  bool invalid_json = false;
};

// Parses a policy document. Never throws, never recurses on input depth, and
// bounds its work by the input size.
Result<Document, SyntaxError> parse_document(std::string_view text);

}  // namespace gatehouse::policy
