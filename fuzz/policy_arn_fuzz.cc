// ARN grammar: parse_arn accepts exactly "arn:" + at least five colons and its
// views rebuild the input; principal ARNs rebuild their resource part.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/arn.h"

namespace gp = gatehouse::policy;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool within(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

std::string join(std::string_view a, std::string_view b, std::string_view c = {},
                 std::string_view d = {}) {
  std::string out(a);
  out.append(b).append(c).append(d);
  return out;
}

void check_principal(const gp::ArnView& arn, const gp::PrincipalArn& p) {
  using K = gp::PrincipalArnKind;
  require(p.partition == arn.partition && p.account == arn.account);
  if (p.kind == K::Other) {
    require(p.path.empty() && p.name.empty() && p.session.empty());
    return;
  }
  require(arn.region.empty() && gp::is_account_id(arn.account));
  require(!arn.partition.empty());
  switch (p.kind) {
    case K::Root:
      require(arn.service == "iam" && arn.resource == "root");
      break;
    case K::User:
    case K::Role:
      require(arn.service == "iam");
      require(p.path.starts_with('/') && p.path.ends_with('/') && !p.name.empty());
      require(p.name.find('/') == std::string_view::npos);
      require(arn.resource == join(p.kind == K::User ? "user" : "role", p.path, p.name));
      break;
    case K::AssumedRole:
      require(arn.service == "sts" && !p.name.empty() && !p.session.empty());
      require(arn.resource == join("assumed-role/", p.name, "/", p.session));
      break;
    case K::FederatedUser:
      require(arn.service == "sts" && !p.name.empty());
      require(arn.resource == join("federated-user/", p.name));
      break;
    case K::Other:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto arn = gp::parse_arn(text);
  const bool is_arn = text.starts_with("arn:") && std::count(text.begin(), text.end(), ':') >= 5;
  require(arn.has_value() == is_arn);
  if (arn) {
    for (const auto field : {arn->partition, arn->service, arn->region, arn->account}) {
      require(field.find(':') == std::string_view::npos && within(field, text));
    }
    require(within(arn->resource, text));
    std::string rebuilt = "arn:";
    for (const auto part : {arn->partition, arn->service, arn->region, arn->account}) {
      rebuilt.append(part).push_back(':');
    }
    rebuilt.append(arn->resource);
    require(rebuilt == text);
  }

  const auto principal = gp::parse_principal_arn(text);
  require(principal.has_value() == arn.has_value());
  if (principal) check_principal(*arn, *principal);

  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const bool account = text.size() == 12 && std::all_of(text.begin(), text.end(), is_digit);
  require(gp::is_account_id(text) == account);
  return 0;
}
