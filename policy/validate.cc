// Validation in AWS's order (policy-semantics 1.7 for IAM documents, 1.8 for
// trust policies, 1.10 for Lambda function policies), then the non-fatal
// findings of 1.12 and the checks beyond AWS (unknown Lambda actions, misspelt
// global condition keys, the seed's wrong action names).
#include "policy/validate.h"

#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>

#include "policy/action_catalog.h"
#include "policy/arn.h"
#include "policy/glob.h"
#include "policy/operators.h"
#include "policy/text.h"
#include "policy/values.h"

namespace gatehouse::policy {
namespace {

constexpr std::string_view kMalformed = "MalformedPolicyDocument";
constexpr std::string_view kLimitExceeded = "LimitExceeded";
constexpr std::string_view kValidationError = "ValidationError";
constexpr std::string_view kLambdaValidation = "ValidationException";
constexpr std::string_view kLambdaInvalidParameter = "InvalidParameterValueException";
constexpr std::string_view kLambdaConflict = "ResourceConflictException";
constexpr std::string_view kLambdaTooLarge = "PolicyLengthExceededException";

constexpr std::string_view kSyntaxErrors = "Syntax errors in policy.";
constexpr std::string_view kInvalidJson = "This policy contains invalid Json";
constexpr std::string_view kVersionRequired = "Policy document must be version 2012-10-17 or greater.";
constexpr std::string_view kLegacyParsing = "The policy failed legacy parsing";
constexpr std::string_view kSidCharacters =
    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";
constexpr std::string_view kSidUnique = "Statement IDs (SID) in a single policy must be unique.";
constexpr std::string_view kNoActions = "Policy statement must contain actions.";
constexpr std::string_view kNoResources = "Policy statement must contain resources.";
constexpr std::string_view kNoVendor = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
constexpr std::string_view kOneColon = "Actions/Condition can contain only one colon.";
constexpr std::string_view kNoPrincipalAllowed = "Policy document should not specify a principal.";
constexpr std::string_view kProhibitedResource = "Has prohibited field Resource.";
constexpr std::string_view kTrustActionsOnly = "AssumeRole policy may only specify STS AssumeRole actions.";
constexpr std::string_view kTrustNotPrincipal = "AssumeRole policy must not contain NotPrincipal field.";
constexpr std::string_view kMissingPrincipal = "Missing required field Principal";
constexpr std::string_view kMissingAction = "Missing required field Action";
constexpr std::string_view kIamPathPrefixes =
    "user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, "
    "saml-provider/, oidc-provider/, report/, access-report/";
constexpr std::string_view kIamParameterPattern = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+";
constexpr std::string_view kLambdaActionPattern = "(lambda:[*]|lambda:[a-zA-Z]+|[*])";
constexpr std::string_view kLambdaStatementIdPattern = "([a-zA-Z0-9-_]+)";

constexpr std::size_t kIamParameterMax = 131072;
constexpr std::size_t kSessionPolicyMax = 2048;
constexpr std::size_t kLambdaPolicyMax = 20480;
constexpr std::size_t kLambdaStatementIdMax = 100;

constexpr std::array<std::string_view, 7> kPartitions{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b",
                                                      "aws-eusc", "*"};
constexpr std::array<std::string_view, 13> kIamPathStarts{
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
    "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/"};
// "IAM JSON policy elements: Action" for role trust policies (policy-semantics 1.8).
constexpr std::array<std::string_view, 6> kTrustActions{"sts:AssumeRole", "sts:AssumeRoleWithSAML",
                                                        "sts:AssumeRoleWithWebIdentity", "sts:TagSession",
                                                        "sts:SetSourceIdentity", "sts:SetContext"};

enum class Family { Iam, Lambda };
enum class PrincipalRule { Forbidden, Trust, Required, RcpWildcard };

struct Profile {
  Family family = Family::Iam;
  std::string_view parameter;  // IAM API parameter carrying the document; empty: no transport checks
  std::size_t parameter_max = kIamParameterMax;
  bool require_2012 = false;      // managed policies (CreatePolicy) only
  bool resource_rules = true;     // legacy and format checks of Resource values
  bool resource_required = true;  // identity, managed, session, SCP, RCP
  PrincipalRule principal = PrincipalRule::Forbidden;
};

Profile profile_of(PolicyType type) {
  switch (type) {
    case PolicyType::Identity:
    case PolicyType::Boundary:
      return {Family::Iam, "policyDocument", kIamParameterMax, true};
    case PolicyType::InlineUser:
    case PolicyType::InlineGroup:
    case PolicyType::InlineRole:
      return {Family::Iam, "policyDocument"};
    case PolicyType::SimulatorIdentity:
      return {Family::Iam, "policyInputList.member"};
    case PolicyType::Session:
      return {Family::Iam, "policy", kSessionPolicyMax};
    case PolicyType::Trust:
      return {Family::Iam, "assumeRolePolicyDocument", kIamParameterMax, false, false, false, PrincipalRule::Trust};
    case PolicyType::SimulatorResource:
      return {Family::Iam, "resourcePolicy", kIamParameterMax, false, true, false, PrincipalRule::Required};
    case PolicyType::Scp:
      return {Family::Iam, "", 0};
    case PolicyType::Rcp:
      return {Family::Iam, "", 0, false, true, true, PrincipalRule::RcpWildcard};
    case PolicyType::Resource:
      return {Family::Lambda, "", 0, false, false, false, PrincipalRule::Required};
  }
  return {};
}

// Collects findings; caps each code at kMaxFindingsPerCode and, for
// parse_and_validate, stops at the first error.
class Findings {
 public:
  explicit Findings(bool first_error_only) : first_error_only_(first_error_only) {}

  bool stopped() const { return first_error_only_ && !list_.empty(); }

  bool accepts(std::string_view code) const {
    if (stopped()) return false;
    auto it = counts_.find(code);
    return it == counts_.end() || it->second < kMaxFindingsPerCode;
  }

  void add(Finding f) {
    if (!accepts(f.code)) return;
    ++counts_[f.code];
    list_.push_back(std::move(f));
  }

  std::vector<Finding>& list() { return list_; }

 private:
  bool first_error_only_;
  std::map<std::string, std::size_t, std::less<>> counts_;
  std::vector<Finding> list_;
};

void add_error(Findings& out, std::string_view code, std::string message, std::string path, Position pos,
               std::string detail = {}) {
  out.add(Finding{Finding::Severity::Error, std::string(code), std::move(message), std::move(path), pos,
                  std::move(detail)});
}

void add_note(Findings& out, std::string_view code, std::string message, const std::string& path, Position pos,
              std::string detail = {}) {
  const auto severity = code.starts_with('S') ? Finding::Severity::Suggestion : Finding::Severity::Warning;
  out.add(Finding{severity, std::string(code), std::move(message), path, pos, std::move(detail)});
}

std::string ticked(std::string_view text) {
  std::string out = "`";
  out += text;
  out += '`';
  return out;
}

// Position of a statement's opening brace (Statement::start is just after it).
Position brace_of(const Statement& s) {
  return Position{s.start.line, s.start.column > 1 ? s.start.column - 1 : 1};
}

std::size_t count_char(std::string_view text, char c) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), c)); }

bool has_wildcard(std::string_view text) { return text.find_first_of("*?") != std::string_view::npos; }

bool has_variable(std::string_view text) { return text.find("${") != std::string_view::npos; }

bool element_empty(const ListElement& e) { return !e.present || e.values.empty(); }

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Levenshtein distance over ASCII-lower-cased text; kNoDistance for long inputs.
constexpr std::size_t kNoDistance = static_cast<std::size_t>(-1);
std::size_t edit_distance(std::string_view a, std::string_view b) {
  constexpr std::size_t kMaxLength = 128;
  if (a.size() > kMaxLength || b.size() > kMaxLength) return kNoDistance;
  std::array<std::size_t, kMaxLength + 1> prev{};
  std::array<std::size_t, kMaxLength + 1> cur{};
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = prev[j - 1] + (lower_ascii(a[i - 1]) == lower_ascii(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    prev = cur;
  }
  return prev[b.size()];
}

// A close enough candidate: a small edit distance, or the candidate extends a
// name of at least four characters ("lambda:Invoke" -> "lambda:InvokeFunction").
bool close_enough(std::string_view given, std::string_view candidate, std::size_t distance) {
  if (distance == kNoDistance) return false;
  if (distance <= std::max<std::size_t>(2, candidate.size() / 4)) return true;
  return given.size() >= 4 && candidate.size() > given.size() &&
         equals_ignore_case(candidate.substr(0, given.size()), given);
}

// ---------------------------------------------------------------------------
// Transport: IAM API parameters accept only tab, LF, CR and U+0020-U+00FF, and
// at most 131,072 characters ("IAM API Reference": PolicyDocument pattern).

// True for the common text: not empty, within `max` bytes, and only tab, LF, CR and
// printable ASCII (so within the pattern, and as many characters as bytes).
bool plain_parameter(std::string_view text, std::size_t max) {
  if (text.empty() || text.size() > max) return false;
  auto plain = [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x80 && (c >= 0x20 || c == 0x09 || c == 0x0A || c == 0x0D);
  };
  // Eight bytes at a time: a word with no byte below 0x20 or above 0x7F is plain.
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    if (((w - 0x20 * kOnes) | w) & kHigh) {
      if (!std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i), text.begin() + static_cast<std::ptrdiff_t>(i + 8),
                       plain)) {
        return false;
      }
    }
  }
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(), plain);
}

void check_parameter(std::string_view text, const Profile& p, Findings& out) {
  if (p.parameter.empty() || plain_parameter(text, p.parameter_max)) return;
  std::size_t length = 0;
  std::optional<Position> bad;
  Position pos{1, 1};
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const char32_t cp = decode_utf8(text, i);
    const bool invalid_utf8 = cp == kReplacementChar && i - start == 1;
    ++length;
    // Bytes that are not UTF-8 are left to the JSON parser, which names them.
    if (!bad && !invalid_utf8 && !(cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0xFF))) bad = pos;
    // Lines end at LF, or at a CR that no LF follows (as the parser counts them).
    if (cp == '\n' || (cp == '\r' && (i >= text.size() || text[i] != '\n'))) {
      ++pos.line;
      pos.column = 1;
    } else if (cp != '\r') {
      ++pos.column;
    }
  }
  const std::string value = "Value '" + std::string(text) + "' at '" + std::string(p.parameter) +
                            "' failed to satisfy constraint: Member must ";
  std::vector<std::string> failures;
  if (text.empty()) {
    failures.push_back(value + "have length greater than or equal to 1");
  } else {
    if (bad) failures.push_back(value + "satisfy regular expression pattern: " + std::string(kIamParameterPattern));
    if (length > p.parameter_max) {
      failures.push_back(value + "have length less than or equal to " + std::to_string(p.parameter_max));
    }
  }
  if (failures.empty()) return;
  std::string message = std::to_string(failures.size()) +
                        (failures.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (i > 0) message += "; ";
    message += failures[i];
  }
  std::string detail;
  if (bad) detail = "a character outside tab, LF, CR and U+0020-U+00FF";
  if (length > p.parameter_max) {
    detail += detail.empty() ? "" : "; ";
    detail += std::to_string(length) + " characters (at most " + std::to_string(p.parameter_max) + ")";
  }
  add_error(out, kValidationError, std::move(message), "", bad.value_or(Position{1, 1}), std::move(detail));
}

// ---------------------------------------------------------------------------
// Resource values: legacy parsing (step 3) and format (step 4, reported as step 7).

// The colon-separated fields of a text: how many there are, and the first kKept of them.
struct ColonFields {
  static constexpr std::size_t kKept = 9;
  std::array<std::string_view, kKept> kept{};
  std::size_t count = 0;
  std::size_t size() const { return count; }
  std::string_view operator[](std::size_t i) const { return kept[i]; }  // i < min(count, kKept)
};

ColonFields split_colons(std::string_view text) {
  ColonFields parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    const std::string_view field =
        text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (parts.count < ColonFields::kKept) parts.kept[parts.count] = field;
    ++parts.count;
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return parts;
}

// Why a Resource value fails legacy parsing, if it does.
std::optional<std::string> legacy_resource_problem(std::string_view r) {
  if (r == "*") return std::nullopt;
  const std::size_t colons = count_char(r, ':');
  if (r.find("::") != std::string_view::npos && colons < 5) {
    return ticked(r) + " contains `::` but has fewer than five colons";
  }
  if (colons >= 2 && split_colons(r)[2].empty()) return "the service field of " + ticked(r) + " is empty";
  return std::nullopt;
}

// AWS's message for a malformed Resource value, if it is malformed.
std::optional<std::string> resource_format_message(std::string_view r) {
  if (r == "*") return std::nullopt;
  const std::size_t first = r.find(':');
  if (first == std::string_view::npos) return "Resource " + std::string(r) + " must be in ARN format or \"*\".";
  const std::string_view rest = r.substr(first + 1);
  const std::size_t second = rest.find(':');
  const std::string_view partition = rest.substr(0, second);
  const std::string_view after = second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
  if (std::find(kPartitions.begin(), kPartitions.end(), partition) == kPartitions.end()) {
    // Missing fields print as `*`; so does a lone empty field after the partition.
    const ColonFields parts = split_colons(after);
    std::string f3 = (!parts[0].empty() || parts.size() > 1) ? std::string(parts[0]) : "*";
    std::string f4 = parts.size() > 1 ? std::string(parts[1]) : "*";
    std::string f5 = parts.size() > 2 ? std::string(parts[2]) : "*";
    std::string f6 = "*";
    if (parts.size() > 3) {
      const std::size_t offset = static_cast<std::size_t>(parts[3].data() - after.data());
      f6 = std::string(after.substr(offset));
    }
    const std::string p(partition);
    return "Partition \"" + p + "\" is not valid for resource \"arn:" + p + ":" + f3 + ":" + f4 + ":" + f5 + ":" + f6 +
           "\".";
  }
  if (second == std::string_view::npos) return std::string("Resource vendor must be fully qualified and cannot contain regexes.");
  const ColonFields parts = split_colons(after);  // service, region, account, resource...
  const std::string_view service = parts[0];
  const std::string_view region = parts.size() > 1 ? parts[1] : std::string_view{};
  std::string_view resource;
  if (parts.size() > 3) resource = after.substr(static_cast<std::size_t>(parts[3].data() - after.data()));
  if (service == "iam" && !region.empty()) return "IAM resource " + std::string(r) + " cannot contain region information.";
  if (service == "s3" && !region.empty() && !resource.starts_with("accesspoint/")) {
    return "Resource " + std::string(r) + " can not contain region information.";
  }
  if (service == "iam" && resource != "*" &&
      std::none_of(kIamPathStarts.begin(), kIamPathStarts.end(),
                   [&](std::string_view start) { return resource.starts_with(start); })) {
    return "IAM resource path must either be \"*\" or start with " + std::string(kIamPathPrefixes) + ".";
  }
  return std::nullopt;
}

bool is_alphanumeric(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

bool valid_vendor(std::string_view vendor) {
  return std::all_of(vendor.begin(), vendor.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.';
  });
}

// AWS's message for a malformed Action value (step 8), if it is malformed.
std::optional<std::string> action_format_message(std::string_view action) {
  const std::size_t colons = count_char(action, ':');
  if (colons == 0 && action != "*") return std::string(kNoVendor);
  if (colons > 1) return std::string(kOneColon);
  const std::string_view vendor = action.substr(0, action.find(':'));
  if (vendor != "*" && !valid_vendor(vendor)) return "Vendor " + std::string(vendor) + " is not valid";
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// IAM documents: the steps of policy-semantics 1.7, in order.

void check_version(const Document& doc, const Profile& p, Findings& out) {
  if (!p.require_2012 || doc.version == PolicyVersion::V2012_10_17) return;
  if (doc.version_text) {
    add_error(out, kMalformed, std::string(kVersionRequired), doc.version_text->path, doc.version_text->pos,
              "managed policies must declare \"Version\": \"2012-10-17\", not " + ticked(doc.version_text->value));
  } else {
    add_error(out, kMalformed, std::string(kVersionRequired), "Version", Position{1, 1},
              "managed policies must declare \"Version\": \"2012-10-17\"");
  }
}

// Resource values in the order AWS scans them: Resource over all statements,
// then NotResource; one element's values in descending lexical order for the
// format check. Legacy parsing of an element's values runs only while no format
// error has been found, so later legacy problems surface after the format errors.
struct ResourceScan {
  struct Bad {
    const Located* value;
    std::string message;
    std::string detail;
  };
  std::vector<Bad> legacy_early;  // reported by legacy parsing (step 3)
  std::vector<Bad> format;        // step 4, reported as step 7
  std::vector<Bad> legacy_late;   // masked by a format error; listed after it
};

ResourceScan scan_resources(const Document& doc) {
  ResourceScan scan;
  for (const bool negated : {false, true}) {
    for (const Statement& s : doc.statements) {
      const ListElement& element = negated ? s.not_resource : s.resource;
      std::vector<const Located*> values;
      for (const Located& v : element.values) values.push_back(&v);
      std::stable_sort(values.begin(), values.end(),
                       [](const Located* a, const Located* b) { return a->value > b->value; });
      for (const Located* v : values) {
        if (auto message = resource_format_message(v->value)) scan.format.push_back({v, std::move(*message), {}});
      }
      auto& legacy = scan.format.empty() ? scan.legacy_early : scan.legacy_late;
      for (const Located& v : element.values) {
        if (auto problem = legacy_resource_problem(v.value)) {
          legacy.push_back({&v, std::string(kLegacyParsing), std::move(*problem)});
        }
      }
    }
  }
  return scan;
}

void add_resource_errors(const std::vector<ResourceScan::Bad>& bad, Findings& out) {
  for (const auto& b : bad) add_error(out, kMalformed, b.message, b.value->path, b.value->pos, b.detail);
}

// Appendix B: every value of a Date condition operator is a date, else legacy parsing fails.
void check_condition_dates(const Statement& s, std::string_view code, Findings& out) {
  for (const ConditionBlock& block : s.conditions) {
    const auto spec = parse_operator(block.op.value);
    if (!spec || family_of(spec->op) != OperatorFamily::Date) continue;
    for (const ConditionKey& key : block.keys) {
      for (const Located& v : key.values) {
        if (!parse_date(v.value)) {
          add_error(out, code, std::string(kLegacyParsing), v.path, v.pos,
                    ticked(v.value) + " is not a date (ISO 8601 such as 2024-05-01T12:00:00Z, or epoch seconds)");
        }
      }
    }
  }
}

void check_legacy(const Document& doc, const ResourceScan& scan, Findings& out) {
  for (const Statement& s : doc.statements) {
    if (s.effect && s.effect->value != "Allow" && s.effect->value != "Deny") {
      add_error(out, kMalformed, std::string(kLegacyParsing), s.effect->path, s.effect->pos,
                "`Effect` is case-sensitive: " + ticked(s.effect->value) + " must be `Allow` or `Deny`");
    }
    check_condition_dates(s, kMalformed, out);
  }
  add_resource_errors(scan.legacy_early, out);
}

// Function policies: policy-semantics 1.7 steps 3-4 and Appendix B hold for them too. A Date
// condition value outside the grammar and a Resource with a partition outside the known ones
// are refused with IAM's message and Lambda's code, after AddPermission's own checks (which
// already answer every Resource that is not a function, version or alias ARN).
void check_lambda_values(const Document& doc, Findings& out) {
  for (const Statement& s : doc.statements) check_condition_dates(s, kLambdaInvalidParameter, out);
  for (const Statement& s : doc.statements) {
    for (const Located& v : s.resource.values) {
      if (auto message = resource_format_message(v.value)) add_error(out, kLambdaInvalidParameter, *message, v.path, v.pos);
    }
  }
}

void check_sids_iam(const Document& doc, Findings& out) {
  std::set<std::string_view> seen;
  for (const Statement& s : doc.statements) {
    if (!s.sid || s.sid->value.empty()) continue;
    const Located& sid = *s.sid;
    if (!is_alphanumeric(sid.value)) {
      add_error(out, kMalformed, std::string(kSidCharacters), sid.path, sid.pos, ticked(sid.value) + " has other characters");
    }
    if (!seen.insert(sid.value).second) {
      add_error(out, kMalformed, std::string(kSidUnique), sid.path, sid.pos, ticked(sid.value) + " is used twice");
    }
  }
}

void check_action_presence(const Document& doc, const Profile& p, Findings& out) {
  for (const Statement& s : doc.statements) {
    if (p.principal == PrincipalRule::Trust) {
      if (element_empty(s.action)) {
        add_error(out, kMalformed, std::string(kMissingAction), s.path, brace_of(s),
                  "a trust policy statement needs `Action`");
      }
    } else if (element_empty(s.action) && element_empty(s.not_action)) {
      add_error(out, kMalformed, std::string(kNoActions), s.path, brace_of(s), "no `Action` or `NotAction` value");
    }
  }
}

// AWS reports the last malformed value found (the lexically smallest bad value
// of the last offending element); the others follow in scan order.
void check_resource_format(const ResourceScan& scan, Findings& out) {
  if (scan.format.empty()) return;
  const auto& reported = scan.format.back();
  add_error(out, kMalformed, reported.message, reported.value->path, reported.value->pos);
  add_resource_errors({scan.format.begin(), scan.format.end() - 1}, out);
  add_resource_errors(scan.legacy_late, out);
}

void check_action_format(const Document& doc, Findings& out) {
  for (const bool negated : {false, true}) {
    for (const Statement& s : doc.statements) {
      for (const Located& v : (negated ? s.not_action : s.action).values) {
        auto message = action_format_message(v.value);
        if (!message) continue;
        std::string detail;
        if (const SeedMistake* m = find_seed_mistake(v.value)) {
          detail = "the seed's permission table prints " + ticked(m->listed) + " for " + m->operation +
                   "; the action is " + ticked(m->correct);
        }
        add_error(out, kMalformed, std::move(*message), v.path, v.pos, std::move(detail));
      }
    }
  }
}

void check_resource_presence(const Document& doc, Findings& out) {
  for (const Statement& s : doc.statements) {
    if (element_empty(s.resource) && element_empty(s.not_resource)) {
      add_error(out, kMalformed, std::string(kNoResources), s.path, brace_of(s), "no `Resource` or `NotResource` value");
    }
  }
}

bool is_trust_action(std::string_view action) {
  return std::any_of(kTrustActions.begin(), kTrustActions.end(),
                     [&](std::string_view a) { return equals_ignore_case(a, action); });
}

// "IAM JSON policy elements: Principal": CreateRole checks that a named user or
// role exists; account, session and service principals are not checked.
std::optional<std::string> invalid_trust_principal(std::string_view value, const PrincipalExists& exists) {
  if (value == "*" || is_account_id(value)) return std::nullopt;
  // A unique id (AIDA.../AROA...) is how a saved principal is bound to its entity, and how
  // GetRole shows one that is gone (policy-semantics 1.8): a document read back saves again.
  if (value.size() == 21 && (value.starts_with("AIDA") || value.starts_with("AROA"))) return std::nullopt;
  const auto arn = parse_principal_arn(value);
  if (!arn) return "not a valid principal ARN";
  switch (arn->kind) {
    case PrincipalArnKind::Root:
    case PrincipalArnKind::AssumedRole:
    case PrincipalArnKind::FederatedUser:
      return std::nullopt;
    case PrincipalArnKind::User:
    case PrincipalArnKind::Role:
      if (exists && !exists(value)) {
        return std::string(arn->kind == PrincipalArnKind::User ? "no such user" : "no such role");
      }
      return std::nullopt;
    case PrincipalArnKind::Other:
      break;
  }
  return "not a user, role, session or account principal";
}

void check_principals(const Document& doc, const Profile& p, const PrincipalExists& exists, Findings& out) {
  switch (p.principal) {
    case PrincipalRule::Forbidden:
      for (const Statement& s : doc.statements) {
        for (const PrincipalElement* e : {&s.principal, &s.not_principal}) {
          if (e->present) add_error(out, kMalformed, std::string(kNoPrincipalAllowed), e->path, e->pos);
        }
      }
      return;
    case PrincipalRule::Required:
      for (const Statement& s : doc.statements) {
        if (!s.principal.present && !s.not_principal.present) {
          add_error(out, kMalformed, std::string(kMissingPrincipal), s.path, brace_of(s),
                    "a resource policy statement needs `Principal` or `NotPrincipal`");
        }
      }
      return;
    case PrincipalRule::RcpWildcard:
      for (const Statement& s : doc.statements) {
        if (s.not_principal.present || !s.principal.present || !s.principal.wildcard) {
          const PrincipalElement& e = s.not_principal.present ? s.not_principal : s.principal;
          add_error(out, kMalformed, "Resource control policies must specify \"Principal\": \"*\".",
                    e.present ? e.path : s.path, e.present ? e.pos : brace_of(s));
        }
        if (s.effect && s.effect->value != "Deny") {
          add_error(out, kMalformed, "Resource control policies may only contain Deny statements.", s.effect->path,
                    s.effect->pos);
        }
        if (s.not_action.present) {
          add_error(out, kMalformed, "Resource control policies do not support NotAction.", s.not_action.path,
                    s.not_action.pos);
        }
        for (const Located& v : s.action.values) {
          if (v.value == "*") {
            add_error(out, kMalformed, "Resource control policies cannot use \"*\" as an action.", v.path, v.pos);
          }
        }
      }
      return;
    case PrincipalRule::Trust:
      break;
  }
  // Trust policies (policy-semantics 1.8), one rule at a time over all statements.
  for (const Statement& s : doc.statements) {
    for (const ListElement* e : {&s.resource, &s.not_resource}) {
      if (e->present) add_error(out, kMalformed, std::string(kProhibitedResource), e->path, e->pos);
    }
  }
  for (const Statement& s : doc.statements) {
    if (s.not_principal.present) {
      add_error(out, kMalformed, std::string(kTrustNotPrincipal), s.not_principal.path, s.not_principal.pos);
    }
  }
  for (const Statement& s : doc.statements) {
    if (!s.principal.present) {
      add_error(out, kMalformed, std::string(kMissingPrincipal), s.path, brace_of(s),
                "a trust policy statement needs `Principal`");
    }
  }
  for (const Statement& s : doc.statements) {
    for (const Located& v : s.action.values) {
      if (!is_trust_action(v.value)) {
        add_error(out, kMalformed, std::string(kTrustActionsOnly), v.path, v.pos,
                  ticked(v.value) + " is not one of sts:AssumeRole, sts:AssumeRoleWithSAML, "
                                    "sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity, "
                                    "sts:SetContext");
      }
    }
    if (s.not_action.present) {
      add_error(out, kMalformed, std::string(kTrustActionsOnly), s.not_action.path, s.not_action.pos,
                "`NotAction` would allow actions other than the STS AssumeRole actions");
    }
  }
  for (const Statement& s : doc.statements) {
    for (const PrincipalValue& v : s.principal.values) {
      if (v.type != "AWS") continue;
      if (auto why = invalid_trust_principal(v.value.value, exists)) {
        add_error(out, kMalformed, "Invalid principal in policy: \"AWS\":\"" + std::string(v.value.value) + "\"", v.value.path,
                  v.value.pos, std::move(*why));
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Lambda function policies: what AddPermission can produce (policy-semantics 1.10).

std::string lambda_constraint(std::string_view parameter, const Located* value, std::string_view constraint) {
  const std::string shown = value ? "'" + std::string(value->value) + "'" : std::string("null");
  return "1 validation error detected: Value " + shown + " at '" + std::string(parameter) +
         "' failed to satisfy constraint: Member must " + std::string(constraint);
}

bool is_lambda_statement_id(std::string_view sid) {
  return !sid.empty() && std::all_of(sid.begin(), sid.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
  });
}

bool is_lambda_action(std::string_view action) {
  if (action == "*" || action == "lambda:*") return true;
  if (!action.starts_with("lambda:") || action.size() == 7) return false;
  return std::all_of(action.begin() + 7, action.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
}

struct FunctionArn {
  std::string_view unqualified;  // arn:...:function:NAME
  std::string_view qualifier;    // empty when unqualified
};

// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
std::optional<FunctionArn> parse_function_arn(std::string_view text) {
  const ColonFields parts = split_colons(text);
  if (parts.size() < 7 || parts.size() > 8) return std::nullopt;
  if (parts[0] != "arn" || parts[1].empty() || parts[2] != "lambda" || parts[3].empty() ||
      !is_account_id(parts[4]) || parts[5] != "function" || parts[6].empty()) {
    return std::nullopt;
  }
  if (parts.size() == 8 && parts[7].empty()) return std::nullopt;
  const std::size_t end = static_cast<std::size_t>(parts[6].data() - text.data()) + parts[6].size();
  return FunctionArn{text.substr(0, end), parts.size() == 8 ? parts[7] : std::string_view{}};
}

void check_lambda(const Document& doc, Findings& out) {
  for (const Statement& s : doc.statements) {
    const Located* sid = s.sid ? &*s.sid : nullptr;
    if (!sid) {
      add_error(out, kLambdaValidation, lambda_constraint("statementId", nullptr, "not be null"), s.path, brace_of(s),
                "every function policy statement has a `Sid` (AddPermission's StatementId)");
    } else if (sid->value.size() > kLambdaStatementIdMax) {
      add_error(out, kLambdaValidation,
                lambda_constraint("statementId", sid, "have length less than or equal to 100"), sid->path, sid->pos);
    } else if (!is_lambda_statement_id(sid->value)) {
      add_error(out, kLambdaValidation,
                lambda_constraint("statementId", sid,
                                  sid->value.empty() ? "have length greater than or equal to 1"
                                                     : "satisfy regular expression pattern: " +
                                                           std::string(kLambdaStatementIdPattern)),
                sid->path, sid->pos);
    }
  }
  for (const Statement& s : doc.statements) {
    if (s.effect && s.effect->value != "Allow") {
      add_error(out, kLambdaInvalidParameter,
                "Lambda function policies contain only Allow statements: AddPermission cannot express Effect " +
                    ticked(s.effect->value) + ".",
                s.effect->path, s.effect->pos);
    }
  }
  for (const Statement& s : doc.statements) {
    if (s.not_principal.present) {
      add_error(out, kLambdaInvalidParameter, "AddPermission cannot express NotPrincipal.", s.not_principal.path,
                s.not_principal.pos);
    } else if (!s.principal.present) {
      add_error(out, kLambdaValidation, lambda_constraint("principal", nullptr, "not be null"), s.path, brace_of(s));
    } else if (s.principal.values.size() + (s.principal.wildcard ? 1 : 0) != 1) {
      add_error(out, kLambdaInvalidParameter,
                "A function policy statement names exactly one principal (AddPermission takes one Principal).",
                s.principal.path, s.principal.pos);
    }
  }
  for (const Statement& s : doc.statements) {
    if (s.not_action.present) {
      add_error(out, kLambdaInvalidParameter, "AddPermission cannot express NotAction.", s.not_action.path,
                s.not_action.pos);
    } else if (element_empty(s.action)) {
      add_error(out, kLambdaValidation, lambda_constraint("action", nullptr, "not be null"), s.path, brace_of(s));
    } else if (s.action.values.size() != 1) {
      add_error(out, kLambdaInvalidParameter,
                "A function policy statement names exactly one action (AddPermission takes one Action).",
                s.action.path, s.action.pos);
    } else if (!is_lambda_action(s.action.values.front().value)) {
      const Located& v = s.action.values.front();
      add_error(out, kLambdaValidation,
                lambda_constraint("action", &v, "satisfy regular expression pattern: " + std::string(kLambdaActionPattern)),
                v.path, v.pos);
    }
  }
  std::optional<std::string_view> function;
  for (const Statement& s : doc.statements) {
    if (s.not_resource.present) {
      add_error(out, kLambdaInvalidParameter, "AddPermission cannot express NotResource.", s.not_resource.path,
                s.not_resource.pos);
      continue;
    }
    if (element_empty(s.resource) || s.resource.values.size() != 1) {
      add_error(out, kLambdaInvalidParameter,
                "A function policy statement names exactly one Resource: the function, version or alias ARN.",
                s.resource.present ? s.resource.path : s.path, s.resource.present ? s.resource.pos : brace_of(s));
      continue;
    }
    const Located& v = s.resource.values.front();
    const auto arn = parse_function_arn(v.value);
    if (!arn) {
      add_error(out, kLambdaInvalidParameter,
                "Resource " + std::string(v.value) + " is not a Lambda function, version or alias ARN.", v.path, v.pos);
    } else if (arn->qualifier == "$LATEST") {
      add_error(out, kLambdaInvalidParameter, "We currently do not support adding policies for $LATEST.", v.path,
                v.pos);
    } else if (function && *function != v.value) {
      add_error(out, kLambdaInvalidParameter,
                "Every statement of one function policy names the same function, version or alias ARN.", v.path, v.pos,
                "the policy is attached to " + ticked(*function));
    } else {
      function = v.value;
    }
  }
  std::set<std::string_view> seen;
  for (const Statement& s : doc.statements) {
    if (s.sid && !seen.insert(s.sid->value).second) {
      add_error(out, kLambdaConflict,
                "The statement id (" + std::string(s.sid->value) +
                    ") provided already exists. Please provide a new statement id, or remove the existing statement.",
                s.sid->path, s.sid->pos);
    }
  }
}

// ---------------------------------------------------------------------------
// Sizes ("IAM and AWS STS quotas"; Lambda's function policy limit).

struct CountingStream {
  using Ch = char;
  std::size_t count = 0;
  void Put(char) { ++count; }
  void Flush() {}
};

template <class Writer>
void write_list(Writer& w, std::string_view name, const ListElement& e) {
  if (!e.present) return;
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  if (e.was_array) w.StartArray();
  for (const Located& v : e.values) w.String(v.value.data(), static_cast<rapidjson::SizeType>(v.value.size()));
  if (e.was_array) w.EndArray();
}

template <class Writer>
void write_principal(Writer& w, std::string_view name, const PrincipalElement& e) {
  if (!e.present) return;
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  if (e.wildcard) {
    w.String("*");
    return;
  }
  w.StartObject();
  for (std::size_t i = 0; i < e.values.size();) {
    std::size_t j = i;
    while (j < e.values.size() && e.values[j].type == e.values[i].type) ++j;
    w.Key(e.values[i].type.data(), static_cast<rapidjson::SizeType>(e.values[i].type.size()));
    if (j - i > 1) w.StartArray();
    for (std::size_t k = i; k < j; ++k) {
      const std::string_view v = e.values[k].value.value;
      w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    }
    if (j - i > 1) w.EndArray();
    i = j;
  }
  w.EndObject();
}

std::size_t counted_size(const Document& doc, PolicyType type) {
  return type == PolicyType::Resource ? lambda_policy_size(doc) : doc.size;
}

void check_size(const Document& doc, PolicyType type, Findings& out) {
  const auto limit = size_limit(type);
  if (!limit || type == PolicyType::Session) return;  // session policies: the transport check counts them
  const std::size_t size = counted_size(doc, type);
  if (size <= *limit) return;
  const std::string_view code = type == PolicyType::Resource ? kLambdaTooLarge : kLimitExceeded;
  add_error(out, code, size_limit_message(type, size, {}), "", Position{1, 1},
            std::to_string(size) + (type == PolicyType::Resource ? " bytes" : " characters without white space") +
                ", limit " + std::to_string(*limit));
}

// ---------------------------------------------------------------------------
// Warnings and suggestions (policy-semantics 1.12, and beyond AWS).

// A policy action value, compiled once to be tested against catalog actions.
class ActionValue {
 public:
  explicit ActionValue(std::string_view value) : value_(value), wildcard_(has_wildcard(value)) {
    if (wildcard_) pattern_ = make_glob_pattern(value, true);
  }
  bool covers(const ActionInfo& action) const {
    return wildcard_ ? glob_match(pattern_, action.lower, true) : equals_ignore_case(value_, action.name);
  }

 private:
  std::string_view value_;
  bool wildcard_;
  GlobPattern pattern_;
};

// The request resource of a `*`-only action is the literal `*`.
bool can_match_star(std::string_view resource) {
  return glob_match(make_glob_pattern(resource, false), "*", false);
}

// A truncated name ("Invoke") suggests the first catalog action it begins
// (the seed's actions come first); otherwise the nearest by edit distance.
std::optional<std::string_view> closest_lambda_action(std::string_view name) {
  std::optional<std::string_view> best;
  std::size_t best_distance = kNoDistance;
  for (const ActionInfo& a : known_actions()) {
    if (!a.lower.starts_with("lambda:")) continue;
    const std::string_view candidate = std::string_view(a.name).substr(7);
    if (name.size() >= 4 && candidate.size() > name.size() && equals_ignore_case(candidate.substr(0, name.size()), name)) {
      return a.name;
    }
    const std::size_t d = edit_distance(name, candidate);
    if (close_enough(name, candidate, d) && (!best || d < best_distance)) {
      best = a.name;
      best_distance = d;
    }
  }
  return best;
}

std::optional<std::string_view> closest_global_key(std::string_view key) {
  const std::size_t slash = key.find('/');
  const std::string_view head = slash == std::string_view::npos ? key : key.substr(0, slash + 1);
  std::optional<std::string_view> best;
  std::size_t best_distance = kNoDistance;
  for (const ConditionKeyInfo& info : known_condition_keys()) {
    if (!info.name.starts_with("aws:") || info.tag_prefix != (slash != std::string_view::npos)) continue;
    const std::size_t d = edit_distance(head, info.name);
    if (close_enough(head, info.name, d) && (!best || d < best_distance)) {
      best = info.name;
      best_distance = d;
    }
  }
  return best;
}

void warn_actions(const Statement& s, Findings& out) {
  for (const ListElement* e : {&s.action, &s.not_action}) {
    for (const Located& v : e->values) {
      if (action_format_message(v.value)) continue;  // already an error
      const std::string_view value = v.value;
      const std::size_t colon = value.find(':');
      if (colon == std::string_view::npos) continue;  // "*"
      const std::string_view service = value.substr(0, colon);
      const std::string_view name = value.substr(colon + 1);
      if (value.find_first_of(" \t\r\n") != std::string_view::npos) {
        add_note(out, "W1", "Action " + ticked(value) + " can never match: it contains white space.", v.path, v.pos);
        continue;
      }
      if (value.find(',') != std::string_view::npos) {
        add_note(out, "W1", "Action " + ticked(value) + " can never match: it contains a comma.", v.path, v.pos,
                 "list each action as its own string");
        continue;
      }
      if (name.empty()) {
        add_note(out, "W1", "Action " + ticked(value) + " can never match: the action name is empty.", v.path, v.pos);
        continue;
      }
      if (!has_wildcard(service) && !is_known_service_prefix(service)) {
        add_note(out, "W1", "Action " + ticked(value) + " can never match: " + ticked(service) +
                 " is not an AWS service prefix.", v.path, v.pos);
        continue;
      }
      if (!equals_ignore_case(service, "lambda") || find_action(value)) continue;
      if (const SeedMistake* m = find_seed_mistake(value)) {
        add_note(out, "W14", ticked(value) + " is the seed's wrong action for " + m->operation + "; " + m->operation +
                 " needs " + ticked(m->correct) + ".", v.path, v.pos, m->note);
        continue;
      }
      if (has_wildcard(name)) {
        const ActionValue pattern(value);
        const bool matches_any = std::any_of(known_actions().begin(), known_actions().end(), [&](const ActionInfo& a) {
          return a.lower.starts_with("lambda:") && pattern.covers(a);
        });
        if (!matches_any) {
          add_note(out, "W12", "Action " + ticked(value) + " matches no Lambda action.", v.path, v.pos);
        }
        continue;
      }
      if (!out.accepts("W12")) continue;
      std::string detail;
      if (auto best = closest_lambda_action(name)) detail = "did you mean " + ticked(*best) + "?";
      add_note(out, "W12", "Unknown Lambda action " + ticked(value) + ".", v.path, v.pos, std::move(detail));
    }
  }
}

void warn_resources(const Document& doc, const Statement& s, Findings& out) {
  for (const ListElement* e : {&s.resource, &s.not_resource}) {
    for (const Located& v : e->values) {
      const std::size_t var = v.value.find("${");
      if (var == std::string::npos) continue;
      if (doc.version != PolicyVersion::V2012_10_17) {
        add_note(out, "W5", "Policy variables need \"Version\": \"2012-10-17\"; " + ticked(v.value) +
                 " is literal text here.", v.path, v.pos);
      } else if (count_char(std::string_view(v.value).substr(0, var), ':') < 5) {
        add_note(out, "W6", "A variable before the fifth colon of an ARN is literal text: " + ticked(v.value) + ".",
                 v.path, v.pos, "variables are substituted only in the resource part of an ARN");
      }
    }
  }
}

bool has_null_false(const Statement& s, std::string_view key) {
  for (const ConditionBlock& block : s.conditions) {
    const auto spec = parse_operator(block.op.value);
    if (!spec || spec->op != Operator::Null) continue;
    for (const ConditionKey& k : block.keys) {
      if (!equals_ignore_case(k.key.value, key)) continue;
      for (const Located& v : k.values) {
        if (equals_ignore_case(v.value, "false")) return true;
      }
    }
  }
  return false;
}

void warn_condition_values(const Document& doc, const ConditionBlock& block, const OperatorSpec& spec,
                           const ConditionKey& key, Findings& out) {
  const OperatorFamily family = family_of(spec.op);
  const bool variables = doc.version == PolicyVersion::V2012_10_17 && accepts_variables(spec.op);
  for (const Located& v : key.values) {
    if (accepts_variables(spec.op) && doc.version != PolicyVersion::V2012_10_17 && has_variable(v.value)) {
      add_note(out, "W5", "Policy variables need \"Version\": \"2012-10-17\"; " + ticked(v.value) +
               " is literal text here.", v.path, v.pos);
    }
    if (variables && has_variable(v.value)) continue;
    bool parses = true;
    switch (family) {
      case OperatorFamily::Numeric: parses = parse_decimal(v.value).has_value(); break;
      case OperatorFamily::Ip: parses = parse_cidr(v.value).has_value(); break;
      case OperatorFamily::Bool:
      case OperatorFamily::Null: parses = parse_bool(v.value).has_value(); break;
      case OperatorFamily::Binary: parses = decode_base64(v.value).has_value(); break;
      case OperatorFamily::Arn:
        if (count_char(v.value, ':') < 5) {
          add_note(out, "W7", std::string(block.op.value) + " value " + ticked(v.value) +
                   " has fewer than five colons and never matches an ARN.", v.path, v.pos,
                   "use StringLike to match text that is not a whole ARN");
        }
        break;
      default: break;
    }
    if (!parses) {
      add_note(out, "W10", std::string(block.op.value) + " value " + ticked(v.value) + " does not parse and never matches.",
               v.path, v.pos);
    }
  }
}

void warn_conditions(const Document& doc, const Statement& s, Findings& out) {
  const bool allow = s.effect && s.effect->value == "Allow";
  for (const ConditionBlock& block : s.conditions) {
    const auto spec = parse_operator(block.op.value);
    if (!spec) {
      add_note(out, "W9", "Unknown condition operator " + ticked(block.op.value) + " with no keys is ignored.",
               block.op.path, block.op.pos);
      continue;
    }
    const bool set = spec->set != SetQualifier::None;
    for (const ConditionKey& key : block.keys) {
      const std::string_view name = key.key.value;
      const ConditionKeyInfo* info = find_condition_key(name);
      if (!info && name.size() > 4 && equals_ignore_case(std::string_view(name).substr(0, 4), "aws:") &&
          out.accepts("W13")) {
        std::string detail;
        if (auto best = closest_global_key(name)) detail = "did you mean " + ticked(*best) + "?";
        add_note(out, "W13", "Unknown global condition key " + ticked(name) + "; it is never present.", key.key.path,
                 key.key.pos, std::move(detail));
      }
      if (spec->op != Operator::Null) {
        if (allow && spec->set == SetQualifier::ForAllValues && !has_null_false(s, name)) {
          add_note(out, "W2", "Allow with " + std::string(block.op.value) + " on " + ticked(name) +
                   " holds when the key is missing.", key.key.path, key.key.pos,
                   "add a Null condition {\"" + std::string(name) + "\": \"false\"}");
        }
        if (info && set && !info->multi_valued) {
          add_note(out, "W3", "Set operator " + std::string(block.op.value) + " on single-valued key " + ticked(name) + ".",
                   key.key.path, key.key.pos, "use the operator without ForAnyValue:/ForAllValues:");
        }
        if (info && !set && info->multi_valued) {
          add_note(out, "W4", std::string(block.op.value) + " on multi-valued key " + ticked(name) + " never matches.",
                   key.key.path, key.key.pos, "use ForAnyValue: or ForAllValues:");
        }
      }
      warn_condition_values(doc, block, *spec, key, out);
    }
  }
}

void warn_not_principal(const Statement& s, Findings& out) {
  if (!s.not_principal.present || !s.effect) return;
  if (s.effect->value == "Allow") {
    add_note(out, "W8", "Allow with NotPrincipal grants every principal not listed, anonymous callers included.",
             s.not_principal.path, s.not_principal.pos);
    return;
  }
  // "IAM JSON policy elements: NotPrincipal": a Deny excludes a caller only if its account is listed too.
  std::set<std::string_view> accounts;
  for (const PrincipalValue& v : s.not_principal.values) {
    if (v.type != "AWS") continue;
    if (is_account_id(v.value.value)) accounts.insert(v.value.value);
    if (auto arn = parse_principal_arn(v.value.value); arn && arn->kind == PrincipalArnKind::Root) {
      accounts.insert(arn->account);
    }
  }
  for (const PrincipalValue& v : s.not_principal.values) {
    if (v.type != "AWS") continue;
    const auto arn = parse_principal_arn(v.value.value);
    if (!arn || arn->kind == PrincipalArnKind::Root || arn->kind == PrincipalArnKind::Other) continue;
    if (!accounts.contains(arn->account)) {
      add_note(out, "W8", "Deny with NotPrincipal still denies " + ticked(v.value.value) +
               " unless its account is listed as well.", v.value.path, v.value.pos,
               "add \"arn:" + std::string(arn->partition) + ":iam::" + std::string(arn->account) + ":root\"");
    }
  }
}

// Catalog entries of the statement's Action values when every value names one
// known action exactly; empty otherwise.
std::vector<const ActionInfo*> exact_actions(const Statement& s) {
  std::vector<const ActionInfo*> actions;
  if (s.action.values.empty()) return actions;
  for (const Located& v : s.action.values) {
    const auto id = has_wildcard(v.value) ? std::nullopt : find_action(v.value);
    if (!id) return {};
    actions.push_back(&known_actions()[*id]);
  }
  return actions;
}

std::optional<std::string_view> account_of_principal(std::string_view value) {
  if (is_account_id(value)) return value;
  if (auto arn = parse_principal_arn(value)) return arn->account;
  return std::nullopt;
}

void warn_never_applies(const Statement& s, PolicyType type, const Profile& p, Findings& out) {
  const std::vector<const ActionInfo*> actions = exact_actions(s);
  if (actions.empty()) return;
  const bool star_only = std::none_of(actions.begin(), actions.end(), [](const ActionInfo* a) { return a->resource_level; });
  if (type == PolicyType::Resource) {
    if (star_only) {
      add_note(out, "W11", "A function policy never applies to " + ticked(actions.front()->name) +
               ", which supports only \"Resource\": \"*\".", s.action.path, s.action.pos);
      return;
    }
    if (std::any_of(actions.begin(), actions.end(), [](const ActionInfo* a) { return a->cross_account; })) return;
    if (s.resource.values.size() != 1 || s.principal.values.empty()) return;
    const auto function = parse_arn(s.resource.values.front().value);
    if (!function) return;
    const bool all_foreign = std::all_of(s.principal.values.begin(), s.principal.values.end(), [&](const PrincipalValue& v) {
      const auto account = v.type == "AWS" ? account_of_principal(v.value.value) : std::nullopt;
      return account && *account != function->account;
    });
    if (all_foreign) {
      add_note(out, "W11", ticked(actions.front()->name) +
               " cannot be granted to another account through a function policy.", s.action.path, s.action.pos);
    }
    return;
  }
  if (p.principal != PrincipalRule::Forbidden || !star_only || s.resource.values.empty()) return;
  const bool any_star = std::any_of(s.resource.values.begin(), s.resource.values.end(),
                                    [](const Located& r) { return can_match_star(r.value); });
  if (!any_star) {
    add_note(out, "W11", ticked(actions.front()->name) +
             " supports only \"Resource\": \"*\"; this statement never applies.", s.resource.path, s.resource.pos);
  }
}

bool mentions_key(const Statement& s, std::string_view key) {
  for (const ConditionBlock& block : s.conditions) {
    for (const ConditionKey& k : block.keys) {
      if (equals_ignore_case(k.key.value, key)) return true;
    }
  }
  return false;
}

bool has_condition_keys(const Statement& s) {
  return std::any_of(s.conditions.begin(), s.conditions.end(), [](const ConditionBlock& b) { return !b.keys.empty(); });
}

void suggest(const Statement& s, PolicyType type, Findings& out) {
  if (!s.effect || s.effect->value != "Allow") return;
  const auto star = std::find_if(s.resource.values.begin(), s.resource.values.end(),
                                 [](const Located& r) { return r.value == "*"; });
  if (star != s.resource.values.end()) {
    std::vector<ActionValue> patterns;
    patterns.reserve(s.action.values.size());
    for (const Located& v : s.action.values) patterns.emplace_back(v.value);
    auto first_covering = [&](auto&& wanted) {
      for (std::size_t i = 0; i < patterns.size(); ++i) {
        if (std::any_of(known_actions().begin(), known_actions().end(),
                        [&](const ActionInfo& a) { return wanted(a) && patterns[i].covers(a); })) {
          return &s.action.values[i];
        }
      }
      return static_cast<const Located*>(nullptr);
    };
    // Conditions already narrow the grant, so only unconditional wildcards are flagged.
    if (!has_condition_keys(s)) {
      if (const Located* write = first_covering([](const ActionInfo& a) { return !a.read_only; })) {
        add_note(out, "S1", "Allow of write actions such as " + ticked(write->value) + " on \"Resource\": \"*\".",
                 star->path, star->pos, "name the resources the actions need");
      }
    }
    const Located* passes = first_covering([](const ActionInfo& a) { return a.lower == "iam:passrole"; });
    if (passes && !mentions_key(s, "iam:PassedToService")) {
      add_note(out, "S2", "iam:PassRole is allowed on every role without an iam:PassedToService condition.",
               passes->path, passes->pos, "limit the roles and the services they may be passed to");
    }
  }
  if (type == PolicyType::Resource && !has_condition_keys(s)) {
    const bool everyone = s.principal.wildcard ||
                          std::any_of(s.principal.values.begin(), s.principal.values.end(),
                                      [](const PrincipalValue& v) { return v.type == "AWS" && v.value.value == "*"; });
    if (everyone) {
      add_note(out, "S3", "The function is public: \"Principal\": \"*\" with no condition.", s.principal.path,
               s.principal.pos, "add a SourceArn, SourceAccount or PrincipalOrgID condition");
    }
  }
}

void add_warnings(const Document& doc, PolicyType type, const Profile& p, Findings& out) {
  const std::size_t first = out.list().size();
  for (const Statement& s : doc.statements) {
    warn_actions(s, out);
    warn_resources(doc, s, out);
    warn_conditions(doc, s, out);
    warn_not_principal(s, out);
    warn_never_applies(s, type, p, out);
  }
  for (const Statement& s : doc.statements) suggest(s, type, out);
  // Warnings, then suggestions, each in document order.
  std::stable_sort(out.list().begin() + static_cast<std::ptrdiff_t>(first), out.list().end(),
                   [](const Finding& a, const Finding& b) {
                     if (a.severity != b.severity) return a.severity < b.severity;
                     if (a.pos.line != b.pos.line) return a.pos.line < b.pos.line;
                     return a.pos.column < b.pos.column;
                   });
}

struct Outcome {
  std::optional<Document> document;
  std::optional<std::size_t> size;
};

// Runs every check in AWS's order. With a first-error-only sink it stops early
// and skips the warnings.
Outcome run(std::string_view text, PolicyType type, const PrincipalExists& exists, Findings& out, bool warnings) {
  const Profile p = profile_of(type);
  Outcome outcome;
  check_parameter(text, p, out);
  if (out.stopped()) return outcome;
  auto parsed = parse_document(text);
  if (!parsed) {
    const SyntaxError& e = parsed.error();
    const bool invalid_json = type == PolicyType::Trust && e.invalid_json;
    add_error(out, kMalformed, std::string(invalid_json ? kInvalidJson : kSyntaxErrors), e.path, e.pos, e.detail);
    return outcome;
  }
  Document& doc = parsed.value();
  // Session policies count plain-text characters, white space included (AssumeRole `Policy`).
  outcome.size = type == PolicyType::Session
                     ? static_cast<std::size_t>(std::count_if(text.begin(), text.end(),
                                                              [](char c) { return (c & 0xC0) != 0x80; }))
                     : counted_size(doc, type);
  if (p.family == Family::Lambda) {
    check_lambda(doc, out);
    check_lambda_values(doc, out);
  } else {
    check_version(doc, p, out);
    const ResourceScan scan = p.resource_rules ? scan_resources(doc) : ResourceScan{};
    check_legacy(doc, scan, out);
    check_sids_iam(doc, out);
    check_action_presence(doc, p, out);
    check_resource_format(scan, out);
    check_action_format(doc, out);
    if (p.resource_required) check_resource_presence(doc, out);
    check_principals(doc, p, exists, out);
  }
  check_size(doc, type, out);
  if (warnings) add_warnings(doc, type, p, out);
  outcome.document = std::move(doc);
  return outcome;
}

}  // namespace

ValidationReport validate_report(std::string_view text, PolicyType type, const PrincipalExists& principal_exists) {
  Findings out(false);
  Outcome outcome = run(text, type, principal_exists, out, true);
  return ValidationReport{std::move(out.list()), outcome.size, size_limit(type)};
}

std::vector<Finding> validate_policy(std::string_view text, PolicyType type, const PrincipalExists& principal_exists) {
  return validate_report(text, type, principal_exists).findings;
}

Result<Document, Finding> parse_and_validate(std::string_view text, PolicyType type,
                                             const PrincipalExists& principal_exists) {
  Findings out(true);
  Outcome outcome = run(text, type, principal_exists, out, false);
  if (!out.list().empty()) return std::move(out.list().front());
  return std::move(*outcome.document);
}

std::optional<std::size_t> size_limit(PolicyType type) noexcept {
  switch (type) {
    case PolicyType::Identity:
    case PolicyType::Boundary: return 6144;
    case PolicyType::InlineUser: return 2048;
    case PolicyType::InlineGroup: return 5120;
    case PolicyType::InlineRole: return 10240;
    case PolicyType::Trust: return 2048;
    case PolicyType::Session: return kSessionPolicyMax;
    case PolicyType::Resource: return kLambdaPolicyMax;
    default: return std::nullopt;
  }
}

std::string size_limit_message(PolicyType type, std::size_t size, std::string_view entity_name) {
  const auto limit = std::to_string(size_limit(type).value_or(0));
  auto entity = [&](std::string_view kind, std::string_view placeholder) {
    return "Maximum policy size of " + limit + " bytes exceeded for " + std::string(kind) + " " +
           std::string(entity_name.empty() ? placeholder : entity_name);
  };
  switch (type) {
    case PolicyType::InlineUser: return entity("user", "<UserName>");
    case PolicyType::InlineGroup: return entity("group", "<GroupName>");
    case PolicyType::InlineRole: return entity("role", "<RoleName>");
    case PolicyType::Trust: return "Cannot exceed quota for ACLSizePerRole: " + limit;
    case PolicyType::Resource:
      return "The final policy size (" + std::to_string(size) + ") is bigger than the limit (" + limit + ").";
    case PolicyType::Session:
      return "Packed policy consumes " + std::to_string(size * 100 / kSessionPolicyMax) +
             "% of allotted space, please use smaller policy.";
    default: return "Cannot exceed quota for PolicySize: " + limit;
  }
}

std::size_t lambda_policy_size(const Document& doc) {
  CountingStream stream;
  rapidjson::Writer<CountingStream> w(stream);
  w.StartObject();
  w.Key("Version");
  w.String("2012-10-17");
  w.Key("Id");
  w.String("default");
  w.Key("Statement");
  w.StartArray();
  for (const Statement& s : doc.statements) {
    w.StartObject();
    if (s.sid) {
      w.Key("Sid");
      w.String(s.sid->value.data(), static_cast<rapidjson::SizeType>(s.sid->value.size()));
    }
    if (s.effect) {
      w.Key("Effect");
      w.String(s.effect->value.data(), static_cast<rapidjson::SizeType>(s.effect->value.size()));
    }
    write_principal(w, "Principal", s.principal);
    write_principal(w, "NotPrincipal", s.not_principal);
    write_list(w, "Action", s.action);
    write_list(w, "NotAction", s.not_action);
    write_list(w, "Resource", s.resource);
    write_list(w, "NotResource", s.not_resource);
    if (s.has_condition) {
      w.Key("Condition");
      w.StartObject();
      for (const ConditionBlock& block : s.conditions) {
        w.Key(block.op.value.data(), static_cast<rapidjson::SizeType>(block.op.value.size()));
        w.StartObject();
        for (const ConditionKey& key : block.keys) {
          w.Key(key.key.value.data(), static_cast<rapidjson::SizeType>(key.key.value.size()));
          if (key.was_array) w.StartArray();
          for (const Located& v : key.values) w.String(v.value.data(), static_cast<rapidjson::SizeType>(v.value.size()));
          if (key.was_array) w.EndArray();
        }
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return stream.count;
}

namespace {
constexpr std::array<std::pair<std::string_view, PolicyType>, 12> kTypeNames{{
    {"identity", PolicyType::Identity},
    {"inline-user", PolicyType::InlineUser},
    {"inline-group", PolicyType::InlineGroup},
    {"inline-role", PolicyType::InlineRole},
    {"boundary", PolicyType::Boundary},
    {"session", PolicyType::Session},
    {"trust", PolicyType::Trust},
    {"resource", PolicyType::Resource},
    {"simulator-identity", PolicyType::SimulatorIdentity},
    {"simulator-resource", PolicyType::SimulatorResource},
    {"scp", PolicyType::Scp},
    {"rcp", PolicyType::Rcp},
}};
}  // namespace

std::string_view policy_type_name(PolicyType type) noexcept {
  for (const auto& [name, t] : kTypeNames) {
    if (t == type) return name;
  }
  return "identity";  // INVARIANT: every enumerator has a row in kTypeNames.
}

std::optional<PolicyType> parse_policy_type(std::string_view name) noexcept {
  for (const auto& [n, t] : kTypeNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::string_view severity_name(Finding::Severity severity) noexcept {
  switch (severity) {
    case Finding::Severity::Error: return "error";
    case Finding::Severity::Warning: return "warning";
    case Finding::Severity::Suggestion: return "suggestion";
  }
  return "error";
}

}  // namespace gatehouse::policy
