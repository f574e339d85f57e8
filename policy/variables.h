// Policy variables (Spirit X3 grammar): ${key}, ${key, 'default'}, and the
// special literals ${*}, ${?}, ${$} ("IAM policy elements: Variables and tags").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::policy {

struct TemplatePiece {
  enum class Kind { Text, Literal, Variable };
  Kind kind = Kind::Text;
  // Text: policy text, in which '*' and '?' keep their wildcard meaning.
  // Literal: text from ${*}, ${?}, ${$}: never a wildcard.
  // Variable: the key name as written inside the braces.
  std::string text;
  std::optional<std::string> default_value;  // Variable only
};

// Splits a policy string into pieces. An unterminated "${" is plain text.
// Spellings other than `${key}` and `${key, 'default'}` become a variable whose
// name is the whole text inside the braces (never present in a context).
std::vector<TemplatePiece> parse_template(std::string_view text);

// True iff the text contains at least one "${...}" sequence.
bool has_variables(std::string_view text) noexcept;

}  // namespace gatehouse::policy
