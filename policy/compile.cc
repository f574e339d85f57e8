// Compiling a validated document: every decision that depends only on the
// policy is taken here, once, so that evaluation is table look-ups and glob runs.
#include <algorithm>
#include <bit>
#include <string>

#include "policy/action_catalog.h"
#include "policy/arn.h"
#include "policy/compiled.h"
#include "policy/text.h"
#include "policy/variables.h"

namespace gatehouse::policy {
namespace {

enum class Wildcards : bool { Literal = false, Glob = true };

void index_literal_prefix(CompiledTemplate& t) {
  t.literal_prefix.clear();
  t.prefix_length = 0;
  t.exact = false;
  if (!t.pieces.empty() || t.fold) return;
  // Most patterns are ASCII up to their first wildcard: those bytes are written in one pass.
  std::size_t n = 0;
  while (n < t.pattern.size() && t.pattern[n] < 0x80) ++n;
  t.literal_prefix.resize(n);
  for (std::size_t i = 0; i < n; ++i) t.literal_prefix[i] = static_cast<char>(t.pattern[i]);
  t.prefix_length = n;
  for (char32_t c : GlobPatternView(t.pattern).substr(n)) {
    if (c == kGlobStar || c == kGlobAny) return;
    append_utf8(t.literal_prefix, c);
    ++t.prefix_length;
  }
  t.exact = true;
}

// Joins template pieces into a CompiledTemplate. Without variables the result
// is one ready pattern; with them, runs of text become pattern pieces.
CompiledTemplate make_template(std::string_view text, bool variables_allowed, Wildcards wildcards,
                               bool fold) {
  CompiledTemplate t;
  t.fold = fold;
  auto text_pattern = [&](std::string_view s) {
    return wildcards == Wildcards::Glob ? make_glob_pattern(s, fold) : make_literal_pattern(s, fold);
  };
  if (!variables_allowed || !has_variables(text)) {
    t.pattern = text_pattern(text);
    index_literal_prefix(t);
    return t;
  }
  GlobPattern run;
  bool any_variable = false;
  for (const auto& piece : parse_template(text)) {
    switch (piece.kind) {
      case TemplatePiece::Kind::Text:
        run += text_pattern(piece.text);
        break;
      case TemplatePiece::Kind::Literal:
        run += make_literal_pattern(piece.text, fold);
        break;
      case TemplatePiece::Kind::Variable: {
        if (!run.empty()) {
          t.pieces.push_back(CompiledTemplate::Piece{false, std::move(run), {}, {}, {}});
          run.clear();
        }
        CompiledTemplate::Piece p;
        p.is_variable = true;
        p.key = make_key_ref(piece.text);
        p.key_as_written = piece.text;
        p.default_value = piece.default_value;
        t.pieces.push_back(std::move(p));
        any_variable = true;
        break;
      }
    }
  }
  if (!any_variable) {
    t.pattern = std::move(run);
    index_literal_prefix(t);
    return t;
  }
  if (!run.empty()) t.pieces.push_back(CompiledTemplate::Piece{false, std::move(run), {}, {}, {}});
  return t;
}

std::size_t nth_colon(std::string_view text, int n) {
  std::size_t pos = std::string_view::npos;
  for (int i = 0; i < n; ++i) {
    pos = text.find(':', pos == std::string_view::npos ? 0 : pos + 1);
    if (pos == std::string_view::npos) return pos;
  }
  return pos;
}

// "IAM JSON policy elements: Resource": variables only after the fifth colon.
CompiledTemplate compile_resource(std::string_view value, bool variables) {
  const std::size_t split = nth_colon(value, 5);
  if (!variables || split == std::string_view::npos) {
    return make_template(value, false, Wildcards::Glob, false);
  }
  CompiledTemplate prefix = make_template(value.substr(0, split + 1), false, Wildcards::Glob, false);
  CompiledTemplate rest = make_template(value.substr(split + 1), true, Wildcards::Glob, false);
  if (rest.pieces.empty()) {
    prefix.pattern += rest.pattern;
    index_literal_prefix(prefix);
    return prefix;
  }
  CompiledTemplate t;
  t.pieces.push_back(CompiledTemplate::Piece{false, std::move(prefix.pattern), {}, {}, {}});
  for (auto& p : rest.pieces) t.pieces.push_back(std::move(p));
  return t;
}

// A folded action pattern against the catalog. Catalog names are ASCII and folding keeps ASCII
// ASCII, so glob_match(pattern, name, fold) is glob_match(pattern, lower-case name, no fold), and
// a non-ASCII code point outside the wildcards matches no catalog action. The candidates are the
// actions whose lower-case name begins with the pattern's text before its first wildcard; that
// text is matched by the look-up, so only the rest of the pattern is globbed, and a name that
// does not end with the text after the last wildcard is passed over.
class CatalogPattern {
 public:
  explicit CatalogPattern(GlobPatternView pattern) : pattern_(pattern) {
    std::size_t i = 0;
    for (; i < pattern.size() && pattern[i] != kGlobStar && pattern[i] != kGlobAny; ++i) {
      if (pattern[i] >= 0x80) return;
      prefix_ += static_cast<char>(pattern[i]);
    }
    const bool wildcard = i < pattern.size();
    for (std::size_t j = pattern.size(); wildcard && j > i && pattern[j - 1] != kGlobStar && pattern[j - 1] != kGlobAny;
         --j) {
      if (pattern[j - 1] >= 0x80) return;
      suffix_.insert(suffix_.begin(), static_cast<char>(pattern[j - 1]));
    }
    ascii_ = true;
  }

  std::span<const std::uint16_t> candidates() const noexcept {
    return ascii_ ? actions_with_prefix(prefix_) : std::span<const std::uint16_t>{};
  }

  // For a candidate's lower-case name (which begins with the prefix). A rest of one star
  // ("lambda:Get*") takes every candidate, and one star then text ("lambda:*Alias") every
  // candidate that ends with the text, without a glob.
  bool matches(std::string_view lower) const noexcept {
    if (!lower.ends_with(suffix_)) return false;
    const GlobPatternView rest = pattern_.substr(prefix_.size());
    if (rest.size() == suffix_.size() + 1 && rest.front() == kGlobStar) return true;
    return glob_match(rest, lower.substr(prefix_.size()), false);
  }

 private:
  GlobPatternView pattern_;
  std::string prefix_;
  std::string suffix_;
  bool ascii_ = false;
};

ActionMatcher compile_actions(const ListElement& element) {
  ActionMatcher m;
  const auto catalog = known_actions();
  m.known.assign((catalog.size() + 63) / 64, 0);
  for (const auto& located : element.values) {
    const std::string_view value = located.value;
    if (value == "*") {
      m.any = true;
      continue;
    }
    // An ASCII name without wildcards matches the catalog action of that name, in any case,
    // and nothing else: its id is looked up.
    if (std::all_of(value.begin(), value.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x80 && c != '*' && c != '?'; })) {
      if (const auto id = find_action(value)) {
        m.known[*id / 64] |= std::uint64_t{1} << (*id % 64);
        continue;
      }
    }
    GlobPattern pattern = make_glob_pattern(value, true);
    bool matched_known = false;
    // Only the actions that share the pattern's literal prefix are globbed (a literal: only
    // those that begin with it), not the whole catalog.
    const CatalogPattern against_catalog(pattern);
    for (const std::uint16_t i : against_catalog.candidates()) {
      if (against_catalog.matches(catalog[i].lower)) {
        m.known[i / 64] |= std::uint64_t{1} << (i % 64);
        matched_known = true;
      }
    }
    // A literal that names a catalog action can never match an action outside it.
    if (!(matched_known && is_literal(pattern))) m.patterns.push_back(std::move(pattern));
  }
  return m;
}

bool looks_like_unique_id(std::string_view v) {
  return v.size() == 21 && (v.starts_with("AIDA") || v.starts_with("AROA"));
}

PrincipalMatcher compile_principals(const PrincipalElement& element) {
  PrincipalMatcher m;
  m.wildcard = element.wildcard;
  for (const auto& pv : element.values) {
    const std::string_view v = pv.value.value;
    if (pv.type == "AWS") {
      if (v == "*") {
        m.wildcard = true;
      } else if (is_account_id(v)) {
        m.accounts.push_back({std::string(), std::string(v)});
      } else if (looks_like_unique_id(v)) {
        m.unique_ids.emplace_back(v);
      } else if (auto arn = parse_principal_arn(v)) {
        switch (arn->kind) {
          case PrincipalArnKind::Root:
            m.accounts.push_back({std::string(arn->partition), std::string(arn->account)});
            break;
          case PrincipalArnKind::User: m.users.emplace_back(v); break;
          case PrincipalArnKind::Role:
            m.roles.push_back({std::string(arn->partition), std::string(arn->account), std::string(arn->name)});
            break;
          case PrincipalArnKind::AssumedRole:
          case PrincipalArnKind::FederatedUser: m.sessions.emplace_back(v); break;
          case PrincipalArnKind::Other: break;  // matches nothing
        }
      }
    } else if (pv.type == "Service") {
      m.services.emplace_back(v);
    }
    // Federated and CanonicalUser principals never match a SigV4 caller here.
  }
  return m;
}

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode_base64(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
    out += kBase64Alphabet[v >> 18 & 63];
    out += kBase64Alphabet[v >> 12 & 63];
    out += kBase64Alphabet[v >> 6 & 63];
    out += kBase64Alphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = (unsigned char)bytes[i] << 16;
    out += kBase64Alphabet[v >> 18 & 63];
    out += kBase64Alphabet[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
    out += kBase64Alphabet[v >> 18 & 63];
    out += kBase64Alphabet[v >> 12 & 63];
    out += kBase64Alphabet[v >> 6 & 63];
    out += '=';
  }
  return out;
}

CompiledValue compile_value(Operator op, std::string_view text, bool variables) {
  CompiledValue v;
  switch (family_of(op)) {
    case OperatorFamily::String: {
      const bool like = op == Operator::StringLike || op == Operator::StringNotLike;
      const bool fold = op == Operator::StringEqualsIgnoreCase || op == Operator::StringNotEqualsIgnoreCase;
      v.text = make_template(text, variables, like ? Wildcards::Glob : Wildcards::Literal, fold);
      break;
    }
    case OperatorFamily::Numeric:
      v.valid = parse_decimal(text).has_value();
      v.decimal_text = std::string(text);
      break;
    case OperatorFamily::Date:
      if (auto t = parse_date(text)) v.instant = *t; else v.valid = false;
      break;
    case OperatorFamily::Bool:
      if (variables && has_variables(text)) {
        v.text = make_template(text, true, Wildcards::Literal, true);
      } else if (auto b = parse_bool(text)) {
        v.is_true = *b;
      } else {
        v.valid = false;
      }
      break;
    case OperatorFamily::Null:
      if (auto b = parse_bool(text)) v.is_true = *b; else v.valid = false;
      break;
    case OperatorFamily::Binary:
      if (auto bytes = decode_base64(text)) {
        v.text.pattern = make_literal_pattern(encode_base64(*bytes), false);
        index_literal_prefix(v.text);
      } else {
        v.valid = false;
      }
      break;
    case OperatorFamily::Ip:
      if (auto r = parse_cidr(text)) v.range = *r; else v.valid = false;
      break;
    case OperatorFamily::Arn: {
      // "ARN condition operators": five colon-free fields, then the resource.
      std::size_t start = 0;
      for (int field = 0; field < 5; ++field) {
        const std::size_t colon = text.find(':', start);
        if (colon == std::string_view::npos) {
          v.valid = false;
          return v;
        }
        v.arn[field] = make_template(text.substr(start, colon - start), variables, Wildcards::Glob, false);
        start = colon + 1;
      }
      v.arn[5] = make_template(text.substr(start), variables, Wildcards::Glob, false);
      break;
    }
  }
  return v;
}

CompiledStatement compile_statement(const Statement& s, std::uint32_t index, bool variables) {
  CompiledStatement out;
  out.index = index;
  out.start = s.start;
  out.end = s.end;
  if (s.sid) out.sid = s.sid->value;
  out.effect = (s.effect && s.effect->value == "Deny") ? Effect::Deny : Effect::Allow;

  out.not_action = s.not_action.present;
  out.actions = compile_actions(s.not_action.present ? s.not_action : s.action);

  if (s.resource.present || s.not_resource.present) {
    const ListElement& r = s.resource.present ? s.resource : s.not_resource;
    out.resource_mode = s.resource.present ? CompiledStatement::ResourceMode::Resource
                                           : CompiledStatement::ResourceMode::NotResource;
    for (const auto& value : r.values) out.resources.push_back(compile_resource(value.value, variables));
  }

  if (s.principal.present) {
    out.principal_mode = CompiledStatement::PrincipalMode::Principal;
    out.principals = compile_principals(s.principal);
  } else if (s.not_principal.present) {
    out.principal_mode = CompiledStatement::PrincipalMode::NotPrincipal;
    out.principals = compile_principals(s.not_principal);
  }

  std::uint32_t block_index = 0;
  for (const auto& block : s.conditions) {
    const auto spec = parse_operator(block.op.value);
    ++block_index;
    // Unknown operators are valid only with an empty map (validation), so
    // there is nothing to compile for them.
    if (!spec) continue;
    for (const auto& key : block.keys) {
      CompiledCondition c;
      c.spec = *spec;
      c.family = family_of(spec->op);
      c.key = make_key_ref(key.key.value);
      c.key_as_written = key.key.value;
      c.block = block_index - 1;
      const bool value_variables = variables && accepts_variables(spec->op);
      for (const auto& value : key.values) c.values.push_back(compile_value(spec->op, value.value, value_variables));
      out.conditions.push_back(std::move(c));
    }
  }
  return out;
}

// The statement's words of bits over the catalog's n actions, appended to `out`: bit i set
// iff catalog action i may be matched by its Action/NotAction.
void append_action_bits(const CompiledStatement& s, std::size_t n, std::vector<std::uint64_t>& out) {
  for (std::size_t w = 0; w < (n + 63) / 64; ++w) {
    std::uint64_t word = s.actions.any ? ~std::uint64_t{0} : (w < s.actions.known.size() ? s.actions.known[w] : 0);
    if (s.not_action) word = ~word;
    const std::size_t valid = std::min<std::size_t>(64, n - w * 64);
    if (valid < 64) word &= (std::uint64_t{1} << valid) - 1;
    out.push_back(word);
  }
}

// The CSR index by action, built from each statement's bits: a count per action, then each
// statement appended, in statement order, to the lists of the actions it may match.
void index_by_action(CompiledPolicy& policy) {
  const std::size_t n = known_actions().size();
  policy.action_offsets.clear();
  policy.by_action.clear();
  if (policy.statements.size() > 0xFFFF) return;  // no index: decisions scan every statement
  const std::size_t words = (n + 63) / 64;
  std::vector<std::uint64_t> bits;
  bits.reserve(words * policy.statements.size());
  for (const CompiledStatement& s : policy.statements) append_action_bits(s, n, bits);
  // Calls f(statement, action) for every set bit, statement by statement.
  auto each = [&](auto&& f) {
    for (std::size_t i = 0; i < policy.statements.size(); ++i) {
      for (std::size_t w = 0; w < words; ++w) {
        for (std::uint64_t word = bits[i * words + w]; word != 0; word &= word - 1) {
          f(i, w * 64 + static_cast<std::size_t>(std::countr_zero(word)));
        }
      }
    }
  };
  policy.action_offsets.assign(n + 1, 0);
  each([&](std::size_t, std::size_t id) { ++policy.action_offsets[id + 1]; });
  for (std::size_t id = 0; id < n; ++id) policy.action_offsets[id + 1] += policy.action_offsets[id];
  policy.by_action.resize(policy.action_offsets[n]);
  std::vector<std::uint32_t> next(policy.action_offsets.begin(), policy.action_offsets.end() - 1);
  each([&](std::size_t i, std::size_t id) { policy.by_action[next[id]++] = static_cast<std::uint16_t>(i); });
}

}  // namespace

CompiledPolicy compile_validated(const Document& document, std::string id) {
  CompiledPolicy policy;
  policy.id = std::move(id);
  policy.version = document.version;
  // "IAM JSON policy elements: Version": variables exist only in 2012-10-17.
  const bool variables = document.version == PolicyVersion::V2012_10_17;
  policy.statements.reserve(document.statements.size());
  for (std::size_t i = 0; i < document.statements.size(); ++i) {
    policy.statements.push_back(compile_statement(document.statements[i], static_cast<std::uint32_t>(i), variables));
  }
  index_by_action(policy);
  return policy;
}

}  // namespace gatehouse::policy
