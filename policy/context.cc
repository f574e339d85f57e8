#include "policy/context.h"

#include <algorithm>

#include "policy/action_catalog.h"
#include "policy/text.h"

namespace gatehouse::policy {
namespace {

// Interned keys are the exact (non-tag) keys of the one key table in the
// action catalog; tag keys carry a suffix and are looked up by name.
struct LowerTable {
  // (lower-case name, id), sorted by name; tag prefixes are left out: they never intern.
  std::vector<std::pair<std::string, std::int16_t>> sorted;
  LowerTable() {
    const auto keys = known_condition_keys();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (!keys[i].tag_prefix) sorted.emplace_back(to_lower(keys[i].name), static_cast<std::int16_t>(i));
    }
    // The first of equal names wins, as a scan in table order would find it.
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
};

const LowerTable& lower_table() {
  static const LowerTable table;
  return table;
}

std::int16_t known_id(std::string_view lower) {
  const auto& table = lower_table().sorted;
  const auto it = std::lower_bound(table.begin(), table.end(), lower,
                                   [](const auto& entry, std::string_view key) { return entry.first < key; });
  return it != table.end() && it->first == lower ? it->second : std::int16_t{-1};
}

}  // namespace

KeyRef make_key_ref(std::string_view name) {
  KeyRef ref;
  ref.lower = to_lower(name);
  ref.known = known_id(ref.lower);
  return ref;
}

RequestContext::RequestContext() : known_index_(known_condition_keys().size(), -1) {}

RequestContext::Entry& RequestContext::slot(std::string_view key) {
  std::string lower = to_lower(key);
  for (auto& e : entries_) {
    if (e.lower == lower) return e;
  }
  Entry e;
  e.name = std::string(key);
  e.known = known_id(lower);
  e.lower = std::move(lower);
  entries_.push_back(std::move(e));
  if (entries_.back().known >= 0) {
    known_index_[static_cast<std::size_t>(entries_.back().known)] =
        static_cast<std::int16_t>(entries_.size() - 1);
  }
  return entries_.back();
}

void RequestContext::set(std::string_view key, std::string_view value) {
  Entry& e = slot(key);
  e.values.assign(1, std::string(value));
  e.multi = false;
}

void RequestContext::set_list(std::string_view key, std::span<const std::string> values) {
  Entry& e = slot(key);
  e.values.assign(values.begin(), values.end());
  e.multi = true;
}

void RequestContext::set_list(std::string_view key, std::initializer_list<std::string_view> values) {
  Entry& e = slot(key);
  e.values.clear();
  for (auto v : values) e.values.emplace_back(v);
  e.multi = true;
}

void RequestContext::erase(std::string_view key) {
  std::string lower = to_lower(key);
  std::erase_if(entries_, [&](const Entry& e) { return e.lower == lower; });
  reindex();
}

void RequestContext::clear() {
  entries_.clear();
  reindex();
}

void RequestContext::reindex() {
  std::fill(known_index_.begin(), known_index_.end(), static_cast<std::int16_t>(-1));
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].known >= 0) {
      known_index_[static_cast<std::size_t>(entries_[i].known)] = static_cast<std::int16_t>(i);
    }
  }
}

namespace {
ContextValues view_of(const RequestContext::Entry& e) noexcept {
  return ContextValues{std::span<const std::string>(e.values), e.multi || e.values.size() > 1, true};
}
}  // namespace

ContextValues RequestContext::find(const KeyRef& key) const noexcept {
  if (key.known >= 0) {
    const auto index = known_index_[static_cast<std::size_t>(key.known)];
    if (index < 0) return {};
    return view_of(entries_[static_cast<std::size_t>(index)]);
  }
  for (const auto& e : entries_) {
    if (e.known < 0 && e.lower == key.lower) return view_of(e);
  }
  return {};
}

ContextValues RequestContext::find(std::string_view key) const { return find(make_key_ref(key)); }

}  // namespace gatehouse::policy
