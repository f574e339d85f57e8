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
#include <vector>

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
Outcome<std::string> path_parameter(const Call& call, std::string_view name = "Path",
                                    std::string_view member = "path");
// `Tags.member.N.Key/Value`, checked for shape (the store checks counts and characters).
Outcome<store::Tags> tags_parameter(const Call& call, std::string_view list = "Tags");
// true/false; nullopt when absent.
Outcome<std::optional<bool>> bool_parameter(const Call& call, std::string_view name, std::string_view member);
// An integer within [min, max]; nullopt when absent.
Outcome<std::optional<std::int64_t>> int_parameter(const Call& call, std::string_view name, std::string_view member,
                                                   std::int64_t min, std::int64_t max);

// aws:RequestTag/K and aws:TagKeys of a request that sets tags.
std::vector<authz::ContextKey> request_tag_keys(const store::Tags& tags);

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
void write_user(Xml& xml, const store::User& user, bool detailed);
void write_group(Xml& xml, const store::Group& group);
void write_role(Xml& xml, const store::Role& role, bool detailed);
void write_policy(Xml& xml, const store::PolicyView& view, bool detailed);

// Runs `fn` in one read transaction of the store.
Outcome<void> read(const Call& call, const std::function<Outcome<void>(const store::Snapshot&)>& fn);
// Runs `fn` in one write transaction; nothing is written when it fails.
Outcome<void> write(const Call& call, const std::function<Outcome<void>(store::Mutation&)>& fn);

}  // namespace gatehouse::server::iam
