// The compiled form of a policy: parsed once, evaluated many times with no
// allocation. Actions are bits over the action catalog, patterns are code-point
// arrays with wildcards settled, condition values are typed, keys are interned.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/context.h"
#include "policy/document.h"
#include "policy/glob.h"
#include "policy/operators.h"
#include "policy/values.h"

namespace gatehouse::policy {

enum class Effect : std::uint8_t { Allow, Deny };

// A pattern that may contain policy variables. Without variables it is one
// ready-made GlobPattern; with them, pieces that are joined at evaluation time.
struct CompiledTemplate {
  struct Piece {
    bool is_variable = false;
    GlobPattern text;  // literal / wildcard code points (when !is_variable)
    KeyRef key;        // when is_variable
    std::string key_as_written;
    std::optional<std::string> default_value;
  };
  GlobPattern pattern;        // used when pieces is empty
  std::vector<Piece> pieces;  // non-empty iff the text had variables
  bool fold = false;          // pattern is case-folded (compare with fold)
  // Fast path for patterns without variables or folding: the UTF-8 text before
  // the first wildcard is compared with memcmp, only the rest is globbed.
  std::string literal_prefix;
  std::size_t prefix_length = 0;  // code points of `pattern` covered by literal_prefix
  bool exact = false;             // no wildcard at all: plain equality
};

struct ActionMatcher {
  bool any = false;                  // "*"
  std::vector<std::uint64_t> known;  // bit i: catalog action i matches some value
  std::vector<GlobPattern> patterns; // folded, for actions outside the catalog
};

struct PrincipalMatcher {
  bool wildcard = false;                 // "*" or {"AWS": "*"}
  struct Account {
    std::string partition;  // from a :root ARN; empty for a bare 12-digit id (the caller's partition)
    std::string id;
  };
  std::vector<Account> accounts;         // 12-digit ids (from ids and :root ARNs)
  std::vector<std::string> users;        // user ARNs, exact
  struct Role {
    std::string partition, account, name;
  };
  std::vector<Role> roles;               // role ARNs: path is not part of role identity
  std::vector<std::string> sessions;     // assumed-role and federated-user ARNs, exact
  std::vector<std::string> unique_ids;   // AIDA... / AROA...
  std::vector<std::string> services;     // service principal names, exact
};

struct CompiledValue {
  CompiledTemplate text;       // String, Bool (with variables), Null, Binary (canonical base64)
  CompiledTemplate arn[6];     // Arn: the six fields
  bool valid = true;           // false: can never match (unparsable for its operator)
  bool is_true = false;        // Bool / Null without variables
  std::string decimal_text;    // Numeric: re-read as a view at evaluation (no allocation)
  Instant instant;             // Date
  IpRange range;               // Ip
};

struct CompiledCondition {
  OperatorSpec spec;
  OperatorFamily family = OperatorFamily::String;
  KeyRef key;
  std::string key_as_written;
  std::vector<CompiledValue> values;
  std::uint32_t block = 0;     // position of the operator in the Condition element
};

struct CompiledStatement {
  Effect effect = Effect::Allow;
  bool not_action = false;
  ActionMatcher actions;
  enum class ResourceMode : std::uint8_t { Any, Resource, NotResource };
  ResourceMode resource_mode = ResourceMode::Any;
  std::vector<CompiledTemplate> resources;
  enum class PrincipalMode : std::uint8_t { None, Principal, NotPrincipal };
  PrincipalMode principal_mode = PrincipalMode::None;
  PrincipalMatcher principals;
  std::vector<CompiledCondition> conditions;
  std::uint32_t index = 0;  // 0-based statement index in the document
  Position start, end;
  std::string sid;
};

struct CompiledPolicy {
  std::string id;  // how traces name it, e.g. "PolicyInputList.1" or a policy name
  PolicyVersion version = PolicyVersion::Absent;
  std::vector<CompiledStatement> statements;
  // Statements whose Action/NotAction can match catalog action i are
  // by_action[offsets[i] .. offsets[i+1]) (CSR), so a decision visits only those.
  std::vector<std::uint32_t> action_offsets;
  std::vector<std::uint16_t> by_action;
};

// Compiles a document the caller has already validated (parse_and_validate).
// Anything that cannot match (unparsable numbers, IPs, malformed principals...)
// compiles to a value that never matches; nothing is interpreted later.
CompiledPolicy compile_validated(const Document& document, std::string id);

}  // namespace gatehouse::policy
