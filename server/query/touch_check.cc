#include "server/query/touch_check.h"

#include <algorithm>

namespace gatehouse::server::query {

bool arn_names(std::string_view arn, store::TouchedKind kind, std::string_view account, std::string_view name) {
  if (kind == store::TouchedKind::Policy) return arn == name;
  std::string_view type;
  switch (kind) {
    case store::TouchedKind::User: type = "user/"; break;
    case store::TouchedKind::Role: type = "role/"; break;
    case store::TouchedKind::Group: type = "group/"; break;
    default: return false;
  }
  // arn:PARTITION:iam::ACCOUNT:TYPE/PATH/NAME
  std::string_view rest = arn;
  for (int field = 0; field < 4; ++field) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return false;
    if (field == 3 && colon != 0) return false;  // IAM ARNs have no region
    rest.remove_prefix(colon + 1);
  }
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos || rest.substr(0, colon) != account) return false;
  rest.remove_prefix(colon + 1);
  if (!rest.starts_with(type)) return false;
  const auto slash = rest.rfind('/');
  return rest.substr(slash + 1) == name;
}

void IamTouchCheck::touched(store::TouchedKind kind, std::string_view account, std::string_view,
                            std::string_view name) noexcept {
  if (kind == store::TouchedKind::Function || kind == store::TouchedKind::Mapping) return;
  if (account == caller_account_ || (kind == store::TouchedKind::Policy && account == "aws")) return;
  foreign_.push_back({kind, std::string(account), std::string(name)});
}

std::optional<std::string> IamTouchCheck::violation() const {
  for (const Touch& touch : foreign_) {
    const bool named = std::any_of(authorized_.begin(), authorized_.end(), [&](const std::string& arn) {
      return arn_names(arn, touch.kind, touch.account, touch.name);
    });
    if (!named) {
      return "an IAM entity of account " + touch.account + " (" + touch.name + ") that the request was not authorized for";
    }
  }
  return std::nullopt;
}

}  // namespace gatehouse::server::query
