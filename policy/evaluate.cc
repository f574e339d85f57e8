#include "policy/evaluate.h"

#include <array>
#include <string>

#include "policy/action_catalog.h"
#include "policy/arn.h"
#include "policy/text.h"

namespace gatehouse::policy::detail {
namespace {

// A pattern assembled from template pieces, on the stack unless it is long.
class PatternBuffer {
 public:
  void clear() noexcept {
    size_ = 0;
    heap_.clear();
  }
  void append(GlobPatternView piece) {
    for (char32_t c : piece) push(c);
  }
  // Substituted values are literal text: their '*' and '?' never act as wildcards.
  void append_literal(std::string_view utf8, bool fold) {
    std::size_t pos = 0;
    while (pos < utf8.size()) {
      char32_t c = decode_utf8(utf8, pos);
      push(fold ? fold_case(c) : c);
    }
  }
  GlobPatternView view() const noexcept {
    return heap_.empty() ? GlobPatternView(inline_.data(), size_) : GlobPatternView(heap_);
  }

 private:
  void push(char32_t c) {
    if (heap_.empty() && size_ < inline_.size()) {
      inline_[size_++] = c;
      return;
    }
    if (heap_.empty()) heap_.assign(inline_.data(), size_);
    heap_.push_back(c);
  }
  std::array<char32_t, 256> inline_;  // not zeroed: only [0, size_) is read
  std::size_t size_ = 0;
  std::u32string heap_;  // only for patterns longer than the inline buffer
};

void note_missing(Trace* trace, std::string_view key) {
  if (trace == nullptr) return;
  for (const auto& k : trace->missing_keys) {
    if (equals_ignore_case(k, key)) return;
  }
  trace->missing_keys.emplace_back(key);
}

// "IAM policy elements: Variables and tags": a single-valued key substitutes;
// the default applies when the key is absent, empty or multi-valued.
std::optional<std::string_view> resolve(const CompiledTemplate::Piece& piece, const RequestContext& context,
                                        Trace* trace) noexcept {
  const ContextValues v = context.find(piece.key);
  if (!v) note_missing(trace, piece.key_as_written);
  const bool single = v && !v.multi && v.values.size() == 1;
  if (single && !(v.values[0].empty() && piece.default_value)) return std::string_view(v.values[0]);
  if (piece.default_value) return std::string_view(*piece.default_value);
  return std::nullopt;
}

// Returns the pattern to match, or nullopt when a variable cannot be resolved.
std::optional<GlobPatternView> materialize(const CompiledTemplate& t, const RequestContext& context,
                                           PatternBuffer& buffer, Trace* trace) noexcept {
  if (t.pieces.empty()) return GlobPatternView(t.pattern);
  buffer.clear();
  bool resolved = true;
  for (const auto& piece : t.pieces) {
    if (!piece.is_variable) {
      buffer.append(piece.text);
      continue;
    }
    auto value = resolve(piece, context, trace);
    if (!value) {
      resolved = false;  // keep going so that every missing key is reported
      continue;
    }
    buffer.append_literal(*value, t.fold);
  }
  if (!resolved) return std::nullopt;
  return buffer.view();
}

// Matches a compiled template; an unresolvable variable matches nothing.
bool template_matches(const CompiledTemplate& t, std::string_view text, const RequestContext& context,
                      PatternBuffer& buffer, Trace* trace) noexcept {
  if (t.pieces.empty() && !t.fold) {
    if (t.exact) return text == t.literal_prefix;
    if (!text.starts_with(t.literal_prefix)) return false;
    return glob_match(GlobPatternView(t.pattern).substr(t.prefix_length), text.substr(t.literal_prefix.size()), false);
  }
  auto pattern = materialize(t, context, buffer, trace);
  return pattern && glob_match(*pattern, text, t.fold);
}

bool pattern_equals(GlobPatternView pattern, std::string_view word) noexcept {
  if (pattern.size() != word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (pattern[i] != static_cast<char32_t>(word[i])) return false;
  }
  return true;
}

bool compare_ordered(Operator op, std::strong_ordering c) noexcept {
  switch (op) {
    case Operator::NumericEquals: case Operator::DateEquals: return c == 0;
    case Operator::NumericNotEquals: case Operator::DateNotEquals: return c == 0;  // the positive test
    case Operator::NumericLessThan: case Operator::DateLessThan: return c < 0;
    case Operator::NumericLessThanEquals: case Operator::DateLessThanEquals: return c <= 0;
    case Operator::NumericGreaterThan: case Operator::DateGreaterThan: return c > 0;
    case Operator::NumericGreaterThanEquals: case Operator::DateGreaterThanEquals: return c >= 0;
    default: return false;
  }
}

// One context value against the whole policy value list (semantics 3.1):
// positive operators hold if any value matches; negated ones if none does.
// An unparsable context or policy value makes the comparison false for both
// (3.3); an unresolvable variable counts as "no match" (3.13).
bool holds_for_value(const CompiledCondition& c, std::string_view value, const RequestContext& context,
                     Trace* trace) noexcept {
  const bool negated = is_negated(c.spec.op);
  PatternBuffer buffer;
  switch (c.family) {
    case OperatorFamily::String: {
      for (const auto& v : c.values) {
        if (template_matches(v.text, value, context, buffer, trace)) return !negated;
      }
      return negated;
    }
    case OperatorFamily::Numeric: {
      const auto ctx = parse_decimal(value);
      if (!ctx) return false;
      for (const auto& v : c.values) {
        const auto policy_value = v.valid ? parse_decimal(v.decimal_text) : std::nullopt;
        if (!policy_value) {
          if (negated) return false;
          continue;
        }
        if (compare_ordered(c.spec.op, compare(*ctx, *policy_value))) return !negated;
      }
      return negated;
    }
    case OperatorFamily::Date: {
      const auto ctx = parse_date(value);
      if (!ctx) return false;
      for (const auto& v : c.values) {
        if (!v.valid) {
          if (negated) return false;
          continue;
        }
        if (compare_ordered(c.spec.op, *ctx <=> v.instant)) return !negated;
      }
      return negated;
    }
    case OperatorFamily::Bool: {
      const auto ctx = parse_bool(value);
      if (!ctx) return false;
      for (const auto& v : c.values) {
        if (!v.valid) continue;
        bool policy_value = v.is_true;
        if (!v.text.pieces.empty()) {
          auto pattern = materialize(v.text, context, buffer, trace);
          if (!pattern) continue;
          if (pattern_equals(*pattern, "true")) policy_value = true;
          else if (pattern_equals(*pattern, "false")) policy_value = false;
          else continue;
        }
        if (policy_value == *ctx) return true;
      }
      return false;
    }
    case OperatorFamily::Binary: {
      for (const auto& v : c.values) {
        if (v.valid && template_matches(v.text, value, context, buffer, trace)) return true;
      }
      return false;
    }
    case OperatorFamily::Ip: {
      const auto ctx = parse_ip(value);
      if (!ctx) return false;
      for (const auto& v : c.values) {
        if (!v.valid) {
          if (negated) return false;
          continue;
        }
        if (contains(v.range, *ctx)) return !negated;
      }
      return negated;
    }
    case OperatorFamily::Arn: {
      const auto ctx = parse_arn(value);
      if (!ctx) return false;
      const std::array<std::string_view, 6> fields = {"arn", ctx->partition, ctx->service,
                                                      ctx->region, ctx->account, ctx->resource};
      for (const auto& v : c.values) {
        if (!v.valid) {
          if (negated) return false;
          continue;
        }
        bool all = true;
        for (std::size_t i = 0; i < fields.size() && all; ++i) {
          all = template_matches(v.arn[i], fields[i], context, buffer, trace);
        }
        if (all) return !negated;
      }
      return negated;
    }
    case OperatorFamily::Null:
      break;  // INVARIANT: Null is decided in condition_holds before any value is compared.
  }
  return false;
}

bool null_holds(const CompiledCondition& c, const ContextValues& v) noexcept {
  bool is_null = !v;
  if (v) {
    is_null = true;
    for (const auto& s : v.values) {
      if (!s.empty()) is_null = false;
    }
  }
  for (const auto& value : c.values) {
    if (value.valid && value.is_true == is_null) return true;
  }
  return false;
}

bool condition_holds_traced(const CompiledCondition& c, const RequestContext& context, Trace* trace) noexcept {
  const ContextValues v = context.find(c.key);
  if (!v) note_missing(trace, c.key_as_written);
  if (c.family == OperatorFamily::Null) return null_holds(c, v);
  if (!v) {
    // "...IfExists" makes any operator true on a missing key; otherwise the
    // set qualifiers and negation decide (semantics 3.1 step 3, 3.12).
    if (c.spec.if_exists) return true;
    if (c.spec.set == SetQualifier::ForAllValues) return true;
    if (c.spec.set == SetQualifier::ForAnyValue) return false;
    return is_negated(c.spec.op);
  }
  if (c.spec.set != SetQualifier::None) {
    const bool for_all = c.spec.set == SetQualifier::ForAllValues;
    bool any_value = false;
    for (const auto& value : v.values) {
      if (value.empty()) continue;
      any_value = true;
      const bool r = holds_for_value(c, value, context, trace);
      if (for_all && !r) return false;
      if (!for_all && r) return true;
    }
    if (!any_value) return for_all || c.spec.if_exists;
    return for_all;
  }
  // A bare operator on a multi-valued key never matches (semantics 3.1 step 5).
  if (v.multi) return false;
  return holds_for_value(c, v.values[0], context, trace);
}

std::string_view caller_account(const Caller& c) noexcept { return c.account; }

}  // namespace

bool action_matches(const CompiledStatement& s, const Evaluation& e) noexcept {
  const ActionMatcher& m = s.actions;
  bool matched = m.any;
  if (!matched) {
    if (e.action_id) {
      const std::size_t i = *e.action_id;
      matched = i / 64 < m.known.size() && (m.known[i / 64] >> (i % 64) & 1) != 0;
    } else {
      for (const auto& p : m.patterns) {
        if (glob_match(p, e.request->action, true)) {
          matched = true;
          break;
        }
      }
    }
  }
  return s.not_action ? !matched : matched;
}

bool resource_matches(const CompiledStatement& s, const Evaluation& e) noexcept {
  if (s.resource_mode == CompiledStatement::ResourceMode::Any) return true;
  const RequestContext& context = *e.request->context;
  PatternBuffer buffer;
  bool matched = false;
  for (const auto& r : s.resources) {
    // An unresolvable variable matches nothing (and so excludes nothing in NotResource).
    if (template_matches(r, e.request->resource, context, buffer, e.trace)) {
      matched = true;
      if (e.trace == nullptr) break;
    }
  }
  return s.resource_mode == CompiledStatement::ResourceMode::NotResource ? !matched : matched;
}

MatchKind principal_matches(const CompiledStatement& s, const Evaluation& e) noexcept {
  if (s.principal_mode == CompiledStatement::PrincipalMode::None) return MatchKind::Direct;
  const PrincipalMatcher& m = s.principals;
  const Caller& c = *e.request->caller;
  const auto has = [](const std::vector<std::string>& list, std::string_view v) {
    for (const auto& x : list) {
      if (x == v) return true;
    }
    return false;
  };
  // An account principal is an account of one partition: arn:aws-cn:iam::ID:root is not account ID
  // of the aws partition (a bare ID is of the caller's partition, the policy's own).
  bool account_listed = false;
  if (!c.account.empty()) {
    for (const auto& a : m.accounts) {
      if (a.id == caller_account(c) && (a.partition.empty() || a.partition == c.partition)) account_listed = true;
    }
  }
  const bool user_listed = c.type == PrincipalType::User &&
                           (has(m.users, c.arn) || (!c.unique_id.empty() && has(m.unique_ids, c.unique_id)));
  bool role_listed = false;
  if (c.type == PrincipalType::AssumedRole) {
    for (const auto& r : m.roles) {
      if (r.partition == c.partition && r.account == c.account && r.name == c.name) role_listed = true;
    }
    if (!c.unique_id.empty() && has(m.unique_ids, c.unique_id)) role_listed = true;
  }
  const bool session_listed = (c.type == PrincipalType::AssumedRole || c.type == PrincipalType::FederatedUser) &&
                              has(m.sessions, c.arn);
  const bool service_listed = c.type == PrincipalType::Service && has(m.services, c.name);

  if (s.principal_mode == CompiledStatement::PrincipalMode::NotPrincipal) {
    // "AWS JSON policy elements: NotPrincipal": a Deny with NotPrincipal always
    // applies to a caller that has a permissions boundary.
    if (s.effect == Effect::Deny && e.caller_has_boundary) return MatchKind::Direct;
    if (m.wildcard) return MatchKind::None;
    bool excluded = false;
    switch (c.type) {
      case PrincipalType::Root: excluded = account_listed; break;
      case PrincipalType::User: excluded = account_listed && user_listed; break;
      case PrincipalType::AssumedRole: excluded = account_listed && role_listed && session_listed; break;
      case PrincipalType::FederatedUser: excluded = account_listed && session_listed; break;
      case PrincipalType::Service: excluded = service_listed; break;
      case PrincipalType::Anonymous: excluded = false; break;
    }
    return excluded ? MatchKind::None : MatchKind::Direct;
  }

  if (m.wildcard) return MatchKind::Direct;
  if (c.type == PrincipalType::Anonymous) return MatchKind::None;
  if (user_listed || session_listed || service_listed) return MatchKind::Direct;
  if (role_listed) return MatchKind::Bound;
  if (account_listed && c.type != PrincipalType::Service) return MatchKind::Account;
  return MatchKind::None;
}

bool conditions_hold(const CompiledStatement& s, const Evaluation& e) noexcept {
  bool all = true;
  for (const auto& c : s.conditions) {
    if (condition_holds_traced(c, *e.request->context, e.trace)) continue;
    all = false;
    if (e.trace == nullptr) return false;
    e.trace->failed_conditions.push_back({e.policy, &s, &c});
  }
  return all;
}

bool condition_holds(const CompiledCondition& c, const RequestContext& context) noexcept {
  return condition_holds_traced(c, context, nullptr);
}

}  // namespace gatehouse::policy::detail
