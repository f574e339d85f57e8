#include "server/query/params.h"

#include <algorithm>

#include "policy/text.h"
#include "sigv4/percent_encoding.h"

namespace gatehouse::server::query {
namespace {

// Bytes that are not UTF-8 read as U+FFFD, as a UTF-8 decoder of the form reads them: nothing
// invalid reaches a name, a tag or the XML of the answer.
std::string well_formed(std::string text) {
  std::size_t i = 0;
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  if (i == text.size()) return text;
  std::string out = text.substr(0, i);
  while (i < text.size()) {
    const std::size_t start = i;
    const char32_t cp = policy::decode_utf8(text, i);
    if (cp == policy::kReplacementChar) {
      policy::append_utf8(out, cp);
    } else {
      out.append(text, start, i - start);
    }
  }
  return out;
}

bool decode_into(std::string_view text, std::vector<std::pair<std::string, std::string>>& out) {
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    if (!pair.empty()) {
      const auto equals = pair.find('=');
      std::string name, value;
      if (!sigv4::append_percent_decoded(name, pair.substr(0, equals))) return false;
      if (equals != std::string_view::npos && !sigv4::append_percent_decoded(value, pair.substr(equals + 1))) {
        return false;
      }
      out.emplace_back(well_formed(std::move(name)), well_formed(std::move(value)));
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return true;
}

}  // namespace

std::optional<Params> Params::decode(std::string_view form, std::string_view query) {
  Params params;
  if (!decode_into(form, params.pairs_) || !decode_into(query, params.pairs_)) return std::nullopt;
  // Stable: of two equal names the earlier (the form's, or the first given) stays.
  std::stable_sort(params.pairs_.begin(), params.pairs_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  params.pairs_.erase(std::unique(params.pairs_.begin(), params.pairs_.end(),
                                  [](const auto& a, const auto& b) { return a.first == b.first; }),
                      params.pairs_.end());
  return params;
}

const std::string* Params::find(std::string_view name) const noexcept {
  const auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                                   [](const auto& pair, std::string_view n) { return pair.first < n; });
  return it != pairs_.end() && it->first == name ? &it->second : nullptr;
}

bool Params::any_with_prefix(std::string_view prefix) const noexcept {
  const auto it = std::lower_bound(pairs_.begin(), pairs_.end(), prefix,
                                   [](const auto& pair, std::string_view n) { return pair.first < n; });
  return it != pairs_.end() && std::string_view(it->first).starts_with(prefix);
}

std::vector<std::string> Params::members(std::string_view list) const {
  std::vector<std::string> out;
  std::string name;
  for (std::size_t n = 1;; ++n) {
    name.assign(list).append(".member.").append(std::to_string(n));
    const std::string* value = find(name);
    if (!value) break;
    out.push_back(*value);
  }
  return out;
}

std::vector<std::string> Params::member_prefixes(std::string_view list) const {
  std::vector<std::string> out;
  for (std::size_t n = 1;; ++n) {
    std::string prefix = std::string(list) + ".member." + std::to_string(n);
    if (!any_with_prefix(prefix + '.')) break;
    out.push_back(std::move(prefix));
  }
  return out;
}

bool Params::has_list(std::string_view list) const noexcept {
  return find(list) != nullptr || any_with_prefix(std::string(list) + '.');
}

}  // namespace gatehouse::server::query
