// The request context: a case-insensitive map from condition key to one
// string or a list of strings ("IAM JSON policy elements: Condition").
// Built once per authorization; evaluation only reads it and never allocates.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::policy {

// A condition key resolved at compile time: an index into the table of keys the
// service knows (known_condition_keys(), O(1) lookup), or the lower-cased name for anything else
// (tag keys such as aws:PrincipalTag/team, other services' keys).
struct KeyRef {
  std::int16_t known = -1;
  std::string lower;
};

// Interns a key name (any case) into a KeyRef.
KeyRef make_key_ref(std::string_view name);

struct ContextValues {
  std::span<const std::string> values;
  bool multi = false;    // list-typed key, or set with more than one value
  bool present = false;  // false: the key is absent (not the same as empty)
  explicit operator bool() const noexcept { return present; }
};

class RequestContext {
 public:
  RequestContext();

  // Sets a single-valued key, replacing any previous value.
  void set(std::string_view key, std::string_view value);
  // Sets a multi-valued (list-typed) key; the list may be empty.
  void set_list(std::string_view key, std::span<const std::string> values);
  void set_list(std::string_view key, std::initializer_list<std::string_view> values);
  void erase(std::string_view key);
  void clear();

  ContextValues find(const KeyRef& key) const noexcept;
  ContextValues find(std::string_view key) const;  // convenience, allocates

  struct Entry {
    std::string name;   // as first set
    std::string lower;  // lower-cased name
    std::int16_t known = -1;
    std::vector<std::string> values;
    bool multi = false;
  };
  const std::vector<Entry>& entries() const noexcept { return entries_; }

 private:
  Entry& slot(std::string_view key);
  void reindex();

  std::vector<Entry> entries_;
  std::vector<std::int16_t> known_index_;  // known key id -> entries_ index, or -1
};

}  // namespace gatehouse::policy
