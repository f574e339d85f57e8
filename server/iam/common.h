// What the IAM operations share: parameter readers (tags, booleans, MaxItems/Marker
// pagination), the XML of IAM's entity shapes, and the store-call glue.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "server/iam/context_keys.h"
#include "server/query/operation.h"
#include "store/iam_rules.h"
#include "store/model.h"
#include "store/snapshot.h"

namespace gatehouse::server::iam {

using query::ApiError;
using query::Call;
using query::Outcome;
using query::Output;
using query::Reply;
using query::Xml;

// The IAM operation table (every operation of iam-sts-api.md section 3).
std::span<const query::Operation> operations();

// Store results as the Query protocol answers them.
template <class T>
Outcome<T> lift(store::Result<T> result) {
  if (!result) return query::from_store(result.error());
  if constexpr (std::is_void_v<T>) {
    return policy::success();
  } else {
    return std::move(result).value();
  }
}

// A checked name parameter: required, pattern [\w+=,.@-]+, at most `max_length`.
Outcome<std::string> name_parameter(const Call& call, std::string_view name, std::string_view member,
                                    std::size_t max_length);
// `Path` (default "/"), checked.
Outcome<std::string> path_parameter(const Call& call);
// A managed policy's path: ((/[A-Za-z0-9\.,\+@=_-]+)*)/ — segments of those characters only.
bool policy_path(std::string_view path);
// `PathPrefix` (default "/") as AWS types it: any beginning of a path (pathPrefixType: ListUsers,
// ListRoles, ListGroups), a path (pathType: ListEntitiesForPolicy) or a policy path
// (policyPathType: ListPolicies, ListAttached*Policies).
enum class PrefixType { Prefix, Path, PolicyPath };
Outcome<std::string> path_prefix_parameter(const Call& call, PrefixType type = PrefixType::Prefix);
// `Tags.member.N.Key/Value`, checked for shape (the store checks counts and characters).
Outcome<store::Tags> tags_parameter(const Call& call, std::string_view list = "Tags");
// true/false; nullopt when absent.
Outcome<std::optional<bool>> bool_parameter(const Call& call, std::string_view name, std::string_view member);
// An integer within [min, max]; nullopt when absent.
Outcome<std::optional<std::int64_t>> int_parameter(const Call& call, std::string_view name, std::string_view member,
                                                   std::int64_t min, std::int64_t max);

// The tags a request sets as Facts (aws:RequestTag/*, and aws:TagKeys in the order of the
// request's `list`, policy-semantics 4.4); on creation they are the new resource's tags too.
Facts request_tag_facts(const Call& call, const store::Tags& tags, bool creating, std::string_view list = "Tags");

// Marker/MaxItems over a list in a stable order (keys ascending); writes IsTruncated and the
// next Marker after the caller has written the page's members.
struct Page {
  std::size_t begin = 0, end = 0;
  bool truncated = false;
  std::string next_marker;
  void write_tail(Xml& xml) const;
};
Outcome<Page> paginate(const Call& call, const std::vector<std::string>& keys);

// The entity shapes (iam-sts-api.md 3).
void write_tags(Xml& xml, const store::Tags& tags);
// <PermissionsBoundary>{Type, Arn}</PermissionsBoundary>; nothing for "".
void write_boundary(Xml& xml, const std::string& boundary);
void write_user(Xml& xml, const store::User& user, bool detailed);
void write_group(Xml& xml, const store::Group& group);
void write_role(Xml& xml, const store::Role& role, bool detailed);
void write_policy(Xml& xml, const store::PolicyView& view, bool detailed);

// <tag><member>…</member>…</tag> for items [begin, end), `fn` writing one member's children;
// <tag/> when there are none.
template <class T, class F>
void write_members(Xml& xml, std::string_view tag, const std::vector<T>& items, std::size_t begin, std::size_t end,
                   F&& fn) {
  if (begin >= end) {
    xml.empty(tag);
    return;
  }
  xml.open(tag);
  for (std::size_t i = begin; i < end; ++i) {
    xml.open("member");
    fn(items[i]);
    xml.close("member");
  }
  xml.close(tag);
}

// One page of a list answer: `items` in the order of `key` (a unique string), Marker/MaxItems
// applied, written as <tag> (`write_one(xml, item)` writes a member's children) with IsTruncated
// and Marker, after `extra`.
template <class T, class Key, class F>
Reply list_page(const Call& call, std::string_view tag, std::vector<T> items, Key&& key, F&& write_one,
                Xml extra = Xml()) {
  std::sort(items.begin(), items.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  std::vector<std::string> keys;
  keys.reserve(items.size());
  for (const T& item : items) keys.push_back(key(item));
  auto page = paginate(call, keys);
  if (!page) return page.error();
  Xml xml = std::move(extra);
  write_members(xml, tag, items, page.value().begin, page.value().end, [&](const T& item) { write_one(xml, item); });
  page.value().write_tail(xml);
  return query::answer(std::move(xml));
}

// responseElements of the audit record of a mutating call (audit-log.md 2): the result's
// elements as JSON, keys lower-camel, <member> lists as arrays, values as strings.
std::string audit_json(const Xml& result);
// A result answered with its audit record's responseElements.
Output audited(Xml result);

// Runs `fn` in one read transaction of the store.
Outcome<void> read(const Call& call, const std::function<Outcome<void>(const store::Snapshot&)>& fn);
// The value of fn(snapshot) (a store::Result) read in one read transaction, lifted.
template <class F>
auto fetch(const Call& call, F&& fn) -> Outcome<typename std::invoke_result_t<F, const store::Snapshot&>::value_type> {
  using T = typename std::invoke_result_t<F, const store::Snapshot&>::value_type;
  std::optional<T> out;
  auto status = read(call, [&](const store::Snapshot& s) -> Outcome<void> {
    auto got = lift(fn(s));
    if (!got) return got.error();
    out = std::move(got).value();
    return policy::success();
  });
  if (!status) return status.error();
  return std::move(*out);
}

// Runs `fn` in one write transaction; nothing is written when it fails.
Outcome<void> write(const Call& call, const std::function<Outcome<void>(store::Mutation&)>& fn);

}  // namespace gatehouse::server::iam
