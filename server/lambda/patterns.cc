#include "server/lambda/patterns.h"

#include "server/lambda/function_name.h"

namespace gatehouse::server::lambda {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_alpha(char c) noexcept { return is_lower(c) || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
bool is_space(char c) noexcept { return c == ' ' || (c >= '\t' && c <= '\r'); }

template <class Pred>
bool all_of(std::string_view text, Pred pred) noexcept {
  for (char c : text) {
    if (!pred(c)) return false;
  }
  return true;
}

template <class Pred>
bool one_or_more(std::string_view text, Pred pred) noexcept {
  return !text.empty() && all_of(text, pred);
}

bool word_char(char c) noexcept { return is_alnum(c) || c == '-' || c == '_'; }

bool is_digits(std::string_view text) noexcept { return one_or_more(text, is_digit); }

bool consume(std::string_view& text, std::string_view prefix) noexcept {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

// Splits at the first ':'; false when there is none.
bool take_field(std::string_view& text, std::string_view& field) noexcept {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  field = text.substr(0, colon);
  text.remove_prefix(colon + 1);
  return true;
}

// [a-z]{2}(-gov)?-[a-z]+-\d{1}
bool is_plain_region(std::string_view text) noexcept {
  if (text.size() < 2 || !is_lower(text[0]) || !is_lower(text[1])) return false;
  text.remove_prefix(2);
  if (text.starts_with("-gov-")) text.remove_prefix(4);
  if (!consume(text, "-")) return false;
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos || !one_or_more(text.substr(0, dash), is_lower)) return false;
  text.remove_prefix(dash + 1);
  return text.size() == 1 && is_digit(text[0]);
}

bool match_qualifier(std::string_view v) noexcept {
  return v == "$LATEST.PUBLISHED" || one_or_more(v, [](char c) { return word_char(c) || c == '$'; });
}

bool match_alias_name(std::string_view v) noexcept { return one_or_more(v, word_char) && !is_digits(v); }
bool match_function_version(std::string_view v) noexcept { return v == "$LATEST" || is_digits(v); }
bool match_statement_id(std::string_view v) noexcept { return one_or_more(v, word_char); }
bool match_namespaced_statement_id(std::string_view v) noexcept {
  return one_or_more(v, [](char c) { return word_char(c) || c == '.'; });
}

bool match_permission_action(std::string_view v) noexcept {
  if (v == "*" || v == "lambda:*") return true;
  return consume(v, "lambda:") && one_or_more(v, is_alpha);
}

bool match_no_whitespace(std::string_view v) noexcept {
  return one_or_more(v, [](char c) { return !is_space(c); });
}

// arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)
bool match_arn(std::string_view v) noexcept {
  std::string_view partition, service, region, account;
  if (!consume(v, "arn:") || !take_field(v, partition) || !take_field(v, service) || !take_field(v, region) ||
      !take_field(v, account)) {
    return false;
  }
  const bool partition_ok = partition.starts_with("aws") &&
                            all_of(partition.substr(3), [](char c) { return is_alnum(c) || c == '-'; });
  const bool service_ok = one_or_more(service, [](char c) { return is_alnum(c) || c == '-'; });
  const bool region_ok = region.empty() || is_plain_region(region);
  const bool account_ok = account.empty() || is_account_digits(account);
  return partition_ok && service_ok && region_ok && account_ok && all_of(v, [](char c) { return c != '\n'; });
}

bool match_account_id(std::string_view v) noexcept { return is_account_digits(v); }

bool match_event_source_token(std::string_view v) noexcept {
  return one_or_more(v, [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool match_principal_org_id(std::string_view v) noexcept {
  return consume(v, "o-") && v.size() >= 10 && v.size() <= 32 &&
         all_of(v, [](char c) { return is_lower(c) || is_digit(c); });
}

// arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+
bool match_role_arn(std::string_view v) noexcept {
  std::string_view partition, account;
  if (!consume(v, "arn:") || !take_field(v, partition) || !is_arn_partition(partition) || !consume(v, "iam::") ||
      !take_field(v, account) || !is_account_digits(account) || !consume(v, "role")) {
    return false;
  }
  return one_or_more(v, [](char c) {
    return is_alnum(c) || c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-' ||
           c == '/';
  });
}

// [0-9A-Za-z\.\-_]*(?<!\.)
bool match_s3_bucket(std::string_view v) noexcept {
  return all_of(v, [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; }) &&
         (v.empty() || v.back() != '.');
}

// arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+
bool match_layer_version_arn(std::string_view v) noexcept {
  std::string_view partition, region, account, name;
  const auto dashed = [](char c) { return is_alnum(c) || c == '-'; };
  return consume(v, "arn:") && take_field(v, partition) && one_or_more(partition, dashed) &&
         consume(v, "lambda:") && take_field(v, region) && one_or_more(region, dashed) && take_field(v, account) &&
         is_account_digits(account) && consume(v, "layer:") && take_field(v, name) && one_or_more(name, word_char) &&
         is_digits(v);
}

// (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()
bool match_optional_arn(std::string_view v) noexcept {
  if (v.empty()) return true;
  std::string_view partition, service;
  return consume(v, "arn:") && take_field(v, partition) && is_arn_partition(partition) && take_field(v, service) &&
         one_or_more(service, [](char c) { return is_lower(c) || is_digit(c) || c == '-' || c == '.'; }) &&
         all_of(v, [](char c) { return c != '\n'; });
}

bool match_master_region(std::string_view v) noexcept { return v == "ALL" || is_plain_region(v); }

// [a-zA-Z]([a-zA-Z0-9_])+
bool match_environment_key(std::string_view v) noexcept {
  return v.size() >= 2 && is_alpha(v[0]) && all_of(v.substr(1), [](char c) { return is_alnum(c) || c == '_'; });
}

// arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}
bool match_code_signing_config_arn(std::string_view v) noexcept {
  std::string_view partition, region, account;
  return consume(v, "arn:") && take_field(v, partition) && is_arn_partition(partition) && consume(v, "lambda:") &&
         take_field(v, region) && is_lambda_region(region) && take_field(v, account) && is_account_digits(account) &&
         consume(v, "code-signing-config:csc-") && v.size() == 17 &&
         all_of(v, [](char c) { return is_lower(c) || is_digit(c); });
}

// The namespaced FunctionName pattern, read the way function-name resolution reads it.
bool match_function_name_pattern(std::string_view v) noexcept { return parse_function_name(v).has_value(); }

}  // namespace

bool is_account_digits(std::string_view text) noexcept { return text.size() == 12 && is_digits(text); }

bool is_function_name_chars(std::string_view text) noexcept {
  return one_or_more(text, [](char c) { return word_char(c) || c == '.'; });
}

bool is_name_qualifier(std::string_view text) noexcept {
  return text == "$LATEST" || text == "$LATEST.PUBLISHED" || one_or_more(text, word_char);
}

bool is_arn_partition(std::string_view text) noexcept {
  return text.empty() || (text.starts_with("aws") && all_of(text.substr(3), [](char c) {
                            return is_alpha(c) || c == '-';
                          }));
}

bool is_lambda_region(std::string_view text) noexcept {
  if (text.size() < 2 || !is_lower(text[0]) || !is_lower(text[1])) return false;
  text.remove_prefix(2);
  if (text.starts_with("-gov-")) {
    text.remove_prefix(4);
  } else if (text.starts_with("-iso")) {
    // (-iso([a-z]?)) then the mandatory -[a-z]+-\d
    text.remove_prefix(4);
    if (!text.empty() && is_lower(text[0])) text.remove_prefix(1);
  }
  if (!consume(text, "-")) return false;
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos || !one_or_more(text.substr(0, dash), is_lower)) return false;
  text.remove_prefix(dash + 1);
  return text.size() == 1 && is_digit(text[0]);
}

namespace patterns {
const Pattern kFunctionName{
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
    "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?",
    match_function_name_pattern};
const Pattern kQualifier{"\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+", match_qualifier};
const Pattern kAliasName{"(?!^[0-9]+$)([a-zA-Z0-9-_]+)", match_alias_name};
const Pattern kFunctionVersion{"(\\$LATEST|[0-9]+)", match_function_version};
const Pattern kStatementId{"([a-zA-Z0-9-_]+)", match_statement_id};
const Pattern kNamespacedStatementId{"([a-zA-Z0-9-_.]+)", match_namespaced_statement_id};
const Pattern kPermissionAction{"(lambda:[*]|lambda:[a-zA-Z]+|[*])", match_permission_action};
const Pattern kNoWhitespace{"[^\\s]+", match_no_whitespace};
const Pattern kArn{"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)",
                   match_arn};
const Pattern kAccountId{"\\d{12}", match_account_id};
const Pattern kEventSourceToken{"[a-zA-Z0-9._\\-]+", match_event_source_token};
const Pattern kPrincipalOrgId{"o-[a-z0-9]{10,32}", match_principal_org_id};
const Pattern kRoleArn{"arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+", match_role_arn};
const Pattern kS3Bucket{"[0-9A-Za-z\\.\\-_]*(?<!\\.)", match_s3_bucket};
const Pattern kLayerVersionArn{"arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+",
                               match_layer_version_arn};
const Pattern kOptionalArn{"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()", match_optional_arn};
const Pattern kMasterRegion{"ALL|[a-z]{2}(-gov)?-[a-z]+-\\d{1}", match_master_region};
const Pattern kEnvironmentKey{"[a-zA-Z]([a-zA-Z0-9_])+", match_environment_key};
const Pattern kCodeSigningConfigArn{
    "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}",
    match_code_signing_config_arn};
}  // namespace patterns

}  // namespace gatehouse::server::lambda
