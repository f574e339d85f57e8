// Which condition keys an IAM or STS action's request context carries: one table per service (the
// Service Authorization Reference's condition keys of the action and of the resource type it acts
// on), and one function that fills them for every operation. A handler says what it knows of the
// request and the resource (Facts); the table alone decides which keys reach the context. The
// global keys (aws:PrincipalTag/*, aws:TokenIssueTime, aws:SourceIdentity, ...) are the
// pipeline's (server/authz/pipeline.cc).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/authz/pipeline.h"
#include "server/query/operation.h"
#include "store/model.h"

namespace gatehouse::server::iam {

// The resource type an action acts on, as the Service Authorization Reference names it.
enum class ResourceType { None, User, Group, Role, Policy };
std::string_view resource_type_name(ResourceType type) noexcept;  // "", user, group, role, policy

// One row of the table.
struct ActionKeys {
  std::string_view action;  // iam:GetUser
  ResourceType resource;
  // The keys the context carries, in the reference's spelling: the resource type's
  // (aws:ResourceTag/${TagKey}, iam:ResourceTag/${TagKey}) and the action's own.
  std::span<const std::string_view> keys;
};

// The IAM table and the STS table.
std::span<const ActionKeys> iam_action_keys();
std::span<const ActionKeys> sts_action_keys();
// The row of `action` (canonical case) in either table; nullptr when neither has it.
const ActionKeys* find_action_keys(std::string_view action) noexcept;

// What a handler knows of one authorization. Values of keys the action's row does not list are
// ignored.
struct Facts {
  store::Tags resource_tags;  // the resource's tags (of the new resource when creating it)
  store::Tags request_tags;   // tags the request sets (aws:RequestTag/*)
  // aws:TagKeys: the keys the request sets or removes, in request order.
  std::vector<std::string> tag_keys;
  // Values of the action's own keys (iam:PolicyARN, iam:PermissionsBoundary, sts:RoleSessionName...).
  std::vector<authz::ContextKey> values;

  Facts& set(std::string name, std::string value) {
    values.push_back({std::move(name), {std::move(value)}, false});
    return *this;
  }
  Facts& set_list(std::string name, std::vector<std::string> list) {
    values.push_back({std::move(name), std::move(list), true});
    return *this;
  }
};

// The context keys of `action` from `facts`, as the action's row lists them. An action without a
// row gets none.
std::vector<authz::ContextKey> context_keys(std::string_view action, const Facts& facts);

// Where a denial names the resource: IAM names an existing (or missing) user, group or role by
// its kind and the name as the caller sent it (`role NAME`), never by the stored ARN, so that a
// denied caller learns neither the path nor the stored spelling. Empty: the ARN.
std::string shown_entity(ResourceType type, std::string_view requested_name);

// Authorizes `action` on `resource` with the context keys the table gives it.
policy::Result<void, query::ApiError> authorize(const query::Call& call, std::string_view action,
                                                std::string_view resource, const Facts& facts,
                                                std::string_view shown_resource = {},
                                                std::string_view resource_account = {},
                                                const policy::CompiledPolicy* resource_policy = nullptr,
                                                policy::ResourcePolicyKind kind = policy::ResourcePolicyKind::Function);

}  // namespace gatehouse::server::iam
