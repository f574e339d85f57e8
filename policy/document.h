// The parsed (not yet validated, not yet compiled) form of a policy document.
// It keeps what the text said, where it said it, and the JSON path of every
// element, so that validation can report AWS's messages in AWS's order and the
// simulator can report statement positions.
//
// Scalars and names are views into the document's own copy of the text (decoded in
// place), and JSON paths are rendered only when asked for (a finding is reported), so
// that parsing a document costs one copy of its text, not a string per element.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/position.h"
#include "policy/result.h"

namespace gatehouse::policy {

enum class PolicyVersion { Absent, V2008_10_17, V2012_10_17 };

// The JSON path of an element, e.g. "Statement[1].Condition.StringEquals.aws:username[0]":
// an optional top-level member or statement, up to three member names, an optional final
// index. The names are views of static text or of the document's storage; the text is built
// by str() (or the conversion to std::string) only when a finding needs it.
class JsonPath {
 public:
  static constexpr std::int32_t kNone = -2;
  static constexpr std::int32_t kStatementObject = -1;  // "Statement" (the object form)

  JsonPath() = default;

  // A top-level member: "Version", "Id", "Statement".
  static JsonPath top(std::string_view name) {
    JsonPath p;
    p.names_[0] = name;
    p.count_ = 1;
    return p;
  }
  // A statement: "Statement" (the object form, kStatementObject) or "Statement[i]".
  static JsonPath statement(std::int32_t index) {
    JsonPath p;
    p.statement_ = index;
    return p;
  }
  // This path's member `name` (which must outlive the path).
  JsonPath member(std::string_view name) const;
  // This path's array member `index`.
  JsonPath indexed(std::size_t index) const {
    JsonPath p = *this;
    p.index_ = static_cast<std::int64_t>(index);
    return p;
  }

  std::string str() const;
  operator std::string() const { return str(); }  // NOLINT: paths are text wherever a string is wanted
  friend bool operator==(const JsonPath& a, std::string_view b) { return a.str() == b; }

 private:
  std::int32_t statement_ = kNone;
  std::uint8_t count_ = 0;
  std::int64_t index_ = -1;
  std::array<std::string_view, 4> names_{};
};

// A scalar as written in the document (a view of the document's storage), with its location.
struct Located {
  std::string_view value;
  Position pos;   // start of the value token
  JsonPath path;  // e.g. "Statement[1].Action[0]"
};

// Action / NotAction / Resource / NotResource: a string or an array of strings
// (Resource arrays may hold nulls, which are dropped).
struct ListElement {
  bool present = false;
  bool was_array = false;
  std::vector<Located> values;
  Position pos;  // position of the element's key
  JsonPath path;
};

// One principal value: {"AWS": "..."} -> type "AWS". A bare "*" element is
// represented as wildcard = true with no values.
struct PrincipalValue {
  std::string_view type;  // AWS, Service, Federated, CanonicalUser
  Located value;
};

struct PrincipalElement {
  bool present = false;
  bool wildcard = false;  // "Principal": "*"
  std::vector<PrincipalValue> values;
  Position pos;
  JsonPath path;
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
  JsonPath path;  // "Statement" (object form) or "Statement[i]"
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
  // The text the views above point into (shared by copies of the document).
  std::shared_ptr<const char[]> storage;
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
