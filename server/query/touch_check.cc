#include "server/query/touch_check.h"

#include <algorithm>
#include <cctype>

namespace gatehouse::server::query {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view kind_word(store::TouchedKind kind) {
  switch (kind) {
    case store::TouchedKind::User: return "user";
    case store::TouchedKind::Role: return "role";
    case store::TouchedKind::Group: return "group";
    case store::TouchedKind::Policy: return "policy";
    case store::TouchedKind::Function: return "function";
    case store::TouchedKind::Mapping: break;
  }
  return "event-source mapping";
}

}  // namespace

std::string describe(const EntityKey& key) {
  if (key.every) return "every " + std::string(kind_word(key.kind)) + " of account " + key.account;
  return std::string(kind_word(key.kind)) + " " + key.name + " of account " + key.account;
}

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
  return same_name(rest.substr(slash + 1), name);
}

bool covers(const EntityKey& declared, store::TouchedKind kind, std::string_view account, std::string_view name) {
  if (declared.kind != kind || declared.account != account) return false;
  if (declared.every) return true;
  return kind == store::TouchedKind::Policy ? declared.name == name : same_name(declared.name, name);
}

void IamTouchCheck::touched(store::TouchedKind kind, std::string_view account, std::string_view,
                            std::string_view name) noexcept {
  if (kind == store::TouchedKind::Function || kind == store::TouchedKind::Mapping) return;  // the Lambda check's
  const auto seen = std::find_if(touches_.begin(), touches_.end(), [&](const EntityKey& t) {
    return t.kind == kind && t.account == account && t.name == name;
  });
  if (seen == touches_.end()) touches_.push_back({kind, std::string(account), std::string(name)});
}

bool IamTouchCheck::declared(const EntityKey& touch) const {
  // A declared resource counts in the caller's account only, and for AWS's own managed policies.
  if (touch.account != caller_account_ && !(touch.kind == store::TouchedKind::Policy && touch.account == "aws")) {
    return false;
  }
  return std::any_of(declared_.begin(), declared_.end(),
                     [&](const EntityKey& key) { return covers(key, touch.kind, touch.account, touch.name); });
}

std::optional<std::string> IamTouchCheck::violation() const {
  for (const EntityKey& touch : touches_) {
    const bool authorized = std::any_of(authorized_.begin(), authorized_.end(), [&](const std::string& arn) {
      return arn_names(arn, touch.kind, touch.account, touch.name);
    });
    if (!authorized && !declared(touch)) {
      return describe(touch) + ", which the request was neither authorized for nor declares";
    }
  }
  return std::nullopt;
}

}  // namespace gatehouse::server::query
