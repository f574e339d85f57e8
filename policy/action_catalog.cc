#include "policy/action_catalog.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <cstdlib>

namespace gatehouse::policy {
namespace data {
// Defined in the generated embedded_data.cc (policy/data/embedded_data.cc.in).
extern const std::string_view kLambdaActionsJson;
extern const std::string_view kServiceActionsJson;
extern const std::string_view kServicePrefixesText;
}  // namespace data

namespace {

char lower_ascii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower_copy(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

// Three-way comparison of an already lower-case string with any-case text.
int compare_lower(std::string_view lower, std::string_view any_case) noexcept {
  const std::size_t n = std::min(lower.size(), any_case.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = static_cast<unsigned char>(lower[i]);
    const auto b = static_cast<unsigned char>(lower_ascii(any_case[i]));
    if (a != b) return a < b ? -1 : 1;
  }
  if (lower.size() == any_case.size()) return 0;
  return lower.size() < any_case.size() ? -1 : 1;
}

bool equals_ascii_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  }
  return true;
}

struct Catalog {
  std::vector<ActionInfo> actions;
  std::vector<std::uint16_t> by_lower;  // action ids ordered by ActionInfo::lower
  std::vector<SeedMistake> mistakes;
  std::vector<std::string> prefixes;  // lower case, sorted
};

// INVARIANT: the data files are embedded at build time and covered by the unit
// tests, so malformed data is a build defect, not input: stop at once.
[[noreturn]] void broken_data() { std::abort(); }

std::string_view string_member(const rapidjson::Value& entry, const char* name) {
  auto it = entry.FindMember(name);
  if (it == entry.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

bool bool_member(const rapidjson::Value& entry, const char* name) {
  auto it = entry.FindMember(name);
  return it != entry.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

void add_unique(std::vector<std::string>& list, std::string_view item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.emplace_back(item);
}

// Adds the rows of one data file; operations sharing an action (Invoke and
// InvokeAsync both need lambda:InvokeFunction) merge into one entry.
void load_actions(std::string_view json, Catalog& catalog) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsArray()) broken_data();
  for (const auto& entry : doc.GetArray()) {
    if (!entry.IsObject()) broken_data();
    const std::string_view name = string_member(entry, "iamAction");
    if (name.empty()) broken_data();
    // ASCII names: their lower case is their case folding, which actions_with_prefix relies on.
    if (std::any_of(name.begin(), name.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; })) {
      broken_data();
    }
    const std::string lower = lower_copy(name);
    auto existing = std::find_if(catalog.actions.begin(), catalog.actions.end(),
                                 [&](const ActionInfo& a) { return a.lower == lower; });
    ActionInfo* info = nullptr;
    if (existing == catalog.actions.end()) {
      info = &catalog.actions.emplace_back();
      info->name = std::string(name);
      info->lower = lower;
      info->read_only = bool_member(entry, "readOnly");
      info->seed_status = std::string(string_member(entry, "seedActionStatus"));
      info->seed_note = std::string(string_member(entry, "seedNote"));
    } else {
      info = &*existing;
      info->read_only = info->read_only && bool_member(entry, "readOnly");
      const std::string_view note = string_member(entry, "seedNote");
      if (!note.empty() && info->seed_note.find(note) == std::string::npos) {
        info->seed_note += info->seed_note.empty() ? "" : " ";
        info->seed_note += note;
      }
    }
    info->resource_level = info->resource_level || bool_member(entry, "resourceLevel");
    info->cross_account = info->cross_account || bool_member(entry, "crossAccountViaResourcePolicy");
    auto keys = entry.FindMember("conditionKeys");
    if (keys != entry.MemberEnd() && keys->value.IsArray()) {
      for (const auto& key : keys->value.GetArray()) {
        if (key.IsString()) add_unique(info->condition_keys, {key.GetString(), key.GetStringLength()});
      }
    }
    const std::string_view status = string_member(entry, "seedActionStatus");
    if (status == "wrong" || status == "typo") {
      catalog.mistakes.push_back(SeedMistake{std::string(string_member(entry, "seedListedAction")),
                                             std::string(string_member(entry, "operation")),
                                             std::string(name), std::string(status),
                                             std::string(string_member(entry, "seedNote"))});
    }
  }
}

void load_prefixes(std::string_view text, Catalog& catalog) {
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    catalog.prefixes.push_back(lower_copy(line));
  }
  std::sort(catalog.prefixes.begin(), catalog.prefixes.end());
}

const Catalog& catalog() {
  static const Catalog instance = [] {
    Catalog c;
    load_actions(data::kLambdaActionsJson, c);
    load_actions(data::kServiceActionsJson, c);
    // Action ids are 16-bit so that compiled policies can store them compactly.
    if (c.actions.size() > 0xFFFF) broken_data();
    c.by_lower.resize(c.actions.size());
    for (std::size_t i = 0; i < c.actions.size(); ++i) c.by_lower[i] = static_cast<std::uint16_t>(i);
    std::sort(c.by_lower.begin(), c.by_lower.end(), [&](std::uint16_t a, std::uint16_t b) {
      return c.actions[a].lower < c.actions[b].lower;
    });
    load_prefixes(data::kServicePrefixesText, c);
    return c;
  }();
  return instance;
}

// "AWS global condition context keys" and the service keys of policy-semantics 4.5.
constexpr std::array kConditionKeys{
    ConditionKeyInfo{"aws:CurrentTime"}, ConditionKeyInfo{"aws:EpochTime"},
    ConditionKeyInfo{"aws:SecureTransport"}, ConditionKeyInfo{"aws:SourceIp"},
    ConditionKeyInfo{"aws:UserAgent"}, ConditionKeyInfo{"aws:Referer"},
    ConditionKeyInfo{"aws:RequestedRegion"}, ConditionKeyInfo{"aws:PrincipalArn"},
    ConditionKeyInfo{"aws:PrincipalAccount"}, ConditionKeyInfo{"aws:PrincipalType"},
    ConditionKeyInfo{"aws:userid"}, ConditionKeyInfo{"aws:username"},
    ConditionKeyInfo{"aws:PrincipalTag/", false, true},
    ConditionKeyInfo{"aws:PrincipalIsAWSService"}, ConditionKeyInfo{"aws:PrincipalServiceName"},
    ConditionKeyInfo{"aws:PrincipalServiceNamesList", true},
    ConditionKeyInfo{"aws:PrincipalOrgID"}, ConditionKeyInfo{"aws:PrincipalOrgPaths", true},
    ConditionKeyInfo{"aws:TokenIssueTime"}, ConditionKeyInfo{"aws:MultiFactorAuthPresent"},
    ConditionKeyInfo{"aws:MultiFactorAuthAge"}, ConditionKeyInfo{"aws:SourceIdentity"},
    ConditionKeyInfo{"aws:FederatedProvider"}, ConditionKeyInfo{"aws:ViaAWSService"},
    ConditionKeyInfo{"aws:CalledVia", true}, ConditionKeyInfo{"aws:CalledViaFirst"},
    ConditionKeyInfo{"aws:CalledViaLast"}, ConditionKeyInfo{"aws:SourceArn"},
    ConditionKeyInfo{"aws:SourceAccount"}, ConditionKeyInfo{"aws:SourceOrgID"},
    ConditionKeyInfo{"aws:SourceOrgPaths", true}, ConditionKeyInfo{"aws:SourceVpc"},
    ConditionKeyInfo{"aws:SourceVpce"}, ConditionKeyInfo{"aws:VpcSourceIp"},
    ConditionKeyInfo{"aws:Ec2InstanceSourceVpc"}, ConditionKeyInfo{"aws:Ec2InstanceSourcePrivateIPv4"},
    ConditionKeyInfo{"aws:RequestTag/", false, true}, ConditionKeyInfo{"aws:TagKeys", true},
    ConditionKeyInfo{"aws:ResourceTag/", false, true}, ConditionKeyInfo{"aws:ResourceAccount"},
    ConditionKeyInfo{"aws:ResourceOrgID"}, ConditionKeyInfo{"aws:ResourceOrgPaths", true},
    ConditionKeyInfo{"iam:PassedToService"}, ConditionKeyInfo{"iam:AssociatedResourceArn"},
    ConditionKeyInfo{"iam:PermissionsBoundary"}, ConditionKeyInfo{"iam:PolicyARN"},
    ConditionKeyInfo{"iam:ResourceTag/", false, true},
    ConditionKeyInfo{"sts:ExternalId"}, ConditionKeyInfo{"sts:RoleSessionName"},
    ConditionKeyInfo{"sts:SourceIdentity"}, ConditionKeyInfo{"sts:TransitiveTagKeys", true},
    ConditionKeyInfo{"lambda:Principal"}, ConditionKeyInfo{"lambda:FunctionUrlAuthType"},
    ConditionKeyInfo{"lambda:Layer", true}, ConditionKeyInfo{"lambda:VpcIds"},
    ConditionKeyInfo{"lambda:SubnetIds", true}, ConditionKeyInfo{"lambda:SecurityGroupIds", true},
    ConditionKeyInfo{"lambda:CodeSigningConfigArn"}, ConditionKeyInfo{"lambda:FunctionArn"},
    ConditionKeyInfo{"lambda:EventSourceToken"}, ConditionKeyInfo{"lambda:SourceFunctionArn"},
};

}  // namespace

std::span<const ActionInfo> known_actions() { return catalog().actions; }

std::optional<std::uint16_t> find_action(std::string_view any_case) noexcept {
  const Catalog& c = catalog();
  constexpr std::size_t kShort = 128;
  if (any_case.size() <= kShort) {
    // Lower-cased once, then compared as bytes.
    std::array<char, kShort> buffer;
    for (std::size_t i = 0; i < any_case.size(); ++i) buffer[i] = lower_ascii(any_case[i]);
    const std::string_view lower(buffer.data(), any_case.size());
    const auto found = std::lower_bound(c.by_lower.begin(), c.by_lower.end(), lower,
                                        [&](std::uint16_t id, std::string_view key) { return c.actions[id].lower < key; });
    if (found == c.by_lower.end() || c.actions[*found].lower != lower) return std::nullopt;
    return *found;
  }
  auto it = std::lower_bound(c.by_lower.begin(), c.by_lower.end(), any_case,
                             [&](std::uint16_t id, std::string_view key) {
                               return compare_lower(c.actions[id].lower, key) < 0;
                             });
  if (it == c.by_lower.end() || compare_lower(c.actions[*it].lower, any_case) != 0) return std::nullopt;
  return *it;
}

std::span<const std::uint16_t> actions_with_prefix(std::string_view lower_prefix) noexcept {
  const Catalog& c = catalog();
  const auto first = std::lower_bound(c.by_lower.begin(), c.by_lower.end(), lower_prefix,
                                      [&](std::uint16_t id, std::string_view key) { return c.actions[id].lower < key; });
  // The names that begin with the prefix sort together, before every greater name.
  const auto last = std::partition_point(first, c.by_lower.end(), [&](std::uint16_t id) {
    return std::string_view(c.actions[id].lower).substr(0, lower_prefix.size()) == lower_prefix;
  });
  return {first, last};
}

std::optional<std::string_view> canonical_action_name(std::string_view any_case) noexcept {
  if (auto id = find_action(any_case)) return catalog().actions[*id].name;
  return std::nullopt;
}

std::span<const SeedMistake> seed_mistakes() { return catalog().mistakes; }

const SeedMistake* find_seed_mistake(std::string_view action) noexcept {
  for (const SeedMistake& m : catalog().mistakes) {
    if (equals_ascii_ignore_case(m.listed, action)) return &m;
  }
  return nullptr;
}

std::span<const ConditionKeyInfo> known_condition_keys() { return kConditionKeys; }

const ConditionKeyInfo* find_condition_key(std::string_view key) noexcept {
  for (const ConditionKeyInfo& info : kConditionKeys) {
    if (info.tag_prefix) {
      if (key.size() > info.name.size() &&
          equals_ascii_ignore_case(key.substr(0, info.name.size()), info.name)) {
        return &info;
      }
    } else if (equals_ascii_ignore_case(key, info.name)) {
      return &info;
    }
  }
  return nullptr;
}

bool is_known_service_prefix(std::string_view prefix) noexcept {
  const auto& prefixes = catalog().prefixes;
  auto it = std::lower_bound(prefixes.begin(), prefixes.end(), prefix,
                             [](const std::string& p, std::string_view key) { return compare_lower(p, key) < 0; });
  return it != prefixes.end() && compare_lower(*it, prefix) == 0;
}

std::string_view embedded_lambda_actions_json() noexcept { return data::kLambdaActionsJson; }

}  // namespace gatehouse::policy
