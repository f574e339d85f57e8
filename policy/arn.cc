#include "policy/arn.h"

#include "policy/x3_support.h"

#include <tuple>

namespace gatehouse::policy {
namespace {

namespace x3 = x3_support::x3;
using x3_support::Range;
using x3_support::view_of;

// "Amazon Resource Names (ARNs)": arn:partition:service:region:account-id:resource,
// where only the resource may contain further colons.
const auto kField = x3::raw[*~x3::char_(':')];
const auto kArn = x3::lit("arn:") >> kField >> ':' >> kField >> ':' >> kField >> ':' >> kField >>
                  ':' >> x3::raw[*x3::char_];

// IAM API reference, CreateUser / CreateRole: names are [\w+=,.@-]+ and paths are
// "/" or "/" + printable ASCII + "/"; STS session and federated names use the same set.
// Explicit ranges rather than x3::alnum: std::isalnum on a UTF-8 byte is undefined.
const auto kDigit = x3::char_('0', '9');
const auto kNameChar = x3::char_('a', 'z') | x3::char_('A', 'Z') | kDigit | x3::char_("_+=,.@-");
const auto kPathChar = x3::char_('\x21', '\x7e') - '/';
const auto kName = x3::raw[+kNameChar];
const auto kPath = x3::raw['/' >> *(+kPathChar >> '/')];
const auto kPartition = +(x3::char_('a', 'z') | kDigit | x3::char_('-'));

const auto kRoot = x3::lit("root") >> x3::eoi;
const auto kUser = x3::lit("user") >> kPath >> kName >> x3::eoi;
const auto kRole = x3::lit("role") >> kPath >> kName >> x3::eoi;
const auto kAssumedRole = x3::lit("assumed-role/") >> kName >> '/' >> kName >> x3::eoi;
const auto kFederatedUser = x3::lit("federated-user/") >> kName >> x3::eoi;

template <class Parser, class Attribute>
bool parse_all(std::string_view text, const Parser& parser, Attribute& attribute) noexcept {
  const char* first = text.data();
  const char* const last = text.data() + text.size();
  return x3::parse(first, last, parser, attribute) && first == last;
}

template <class Parser>
bool parse_all(std::string_view text, const Parser& parser) noexcept {
  const char* first = text.data();
  const char* const last = text.data() + text.size();
  return x3::parse(first, last, parser) && first == last;
}

// Fills path and name (users, roles) or name and session (assumed roles).
template <class Parser>
bool parse_two(std::string_view text, const Parser& parser, std::string_view& first,
               std::string_view& second) noexcept {
  std::tuple<Range, Range> parts;
  if (!parse_all(text, parser, parts)) return false;
  first = view_of(std::get<0>(parts));
  second = view_of(std::get<1>(parts));
  return true;
}

}  // namespace

std::optional<ArnView> parse_arn(std::string_view text) noexcept {
  std::tuple<Range, Range, Range, Range, Range> parts;
  if (!parse_all(text, kArn, parts)) return std::nullopt;
  return ArnView{view_of(std::get<0>(parts)), view_of(std::get<1>(parts)),
                 view_of(std::get<2>(parts)), view_of(std::get<3>(parts)),
                 view_of(std::get<4>(parts))};
}

std::optional<PrincipalArn> parse_principal_arn(std::string_view text) noexcept {
  const auto arn = parse_arn(text);
  if (!arn) return std::nullopt;
  PrincipalArn out;
  out.partition = arn->partition;
  out.account = arn->account;
  // IAM and STS principal ARNs are global (no region) and name a 12-digit account.
  if (!parse_all(arn->partition, kPartition) || !arn->region.empty() ||
      !is_account_id(arn->account)) {
    return out;
  }
  const std::string_view resource = arn->resource;
  if (arn->service == "iam") {
    if (parse_all(resource, kRoot)) {
      out.kind = PrincipalArnKind::Root;
    } else if (parse_two(resource, kUser, out.path, out.name)) {
      out.kind = PrincipalArnKind::User;
    } else if (parse_two(resource, kRole, out.path, out.name)) {
      out.kind = PrincipalArnKind::Role;
    }
  } else if (arn->service == "sts") {
    // "IAM identifiers": a role session ARN carries the role name but not its path.
    if (parse_two(resource, kAssumedRole, out.name, out.session)) {
      out.kind = PrincipalArnKind::AssumedRole;
    } else {
      Range name;
      if (parse_all(resource, kFederatedUser, name)) {
        out.kind = PrincipalArnKind::FederatedUser;
        out.name = view_of(name);
      }
    }
  }
  if (out.kind == PrincipalArnKind::Other) {
    out.path = {};
    out.name = {};
    out.session = {};
  }
  return out;
}

bool is_account_id(std::string_view text) noexcept {
  if (text.size() != 12) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace gatehouse::policy
