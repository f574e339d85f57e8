// What an IAM or STS operation sees of its request, and what it answers. The dispatch
// (server/query/api.h) authenticates, finds the operation by Action and writes the response;
// an operation validates its parameters, authorizes itself through the one pipeline with its
// own action and resource (it alone knows them), and does its work in one store transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/decide.h"
#include "policy/result.h"
#include "server/authz/pipeline.h"
#include "server/query/params.h"
#include "server/query/xml.h"
#include "sigv4/clock.h"
#include "store/error.h"
#include "store/store.h"

namespace gatehouse::server::query {

// An error as the Query protocol answers it (iam-sts-api.md 1.3-1.5).
struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
};

ApiError from_store(const store::Error& error);
// 400 ValidationError `1 validation error detected: Value null at 'member' failed to satisfy
// constraint: Member must not be null`.
ApiError missing(std::string_view member);
// 400 ValidationError about one member's value.
ApiError invalid(std::string_view value, std::string_view member, std::string_view constraint);
ApiError invalid_input(std::string message);  // 400 InvalidInput
ApiError access_denied(std::string message);  // 403 AccessDenied

// A successful answer: the children of <{Action}Result>, or no Result element at all.
struct Output {
  std::optional<Xml> result;
  // responseElements of the audit record (a JSON object, redacted); empty: null.
  std::string audit_response;
  // resources of the audit record (STS AssumeRole: the role).
  std::string audit_resource_arn, audit_resource_type;
};

template <class T>
using Outcome = policy::Result<T, ApiError>;
using Reply = Outcome<Output>;

inline Output no_output() { return Output{}; }
inline Output answer(Xml xml) { return Output{std::move(xml), {}, {}, {}}; }

// One request, as its operation sees it.
class Call {
 public:
  Call(const Params& params, const authz::Principal& principal, const authz::Transport& transport,
       const authz::Pipeline& pipeline, store::Store& store, const sigv4::Clock& clock, std::string_view region)
      : params_(params), principal_(principal), transport_(transport), pipeline_(pipeline), store_(store),
        clock_(clock), region_(region) {}

  const Params& params() const noexcept { return params_; }
  const authz::Principal& principal() const noexcept { return principal_; }
  const policy::Caller& caller() const noexcept { return principal_.caller(); }
  // The caller's account: IAM calls always act in it.
  const std::string& account() const noexcept { return principal_.caller().account; }
  store::Store& store() const noexcept { return store_; }
  const sigv4::Clock& clock() const noexcept { return clock_; }
  std::string_view region() const noexcept { return region_; }

  // A parameter; `member` is its lower-camel name for ValidationError.
  Outcome<std::string> required(std::string_view name, std::string_view member) const;
  std::optional<std::string> optional(std::string_view name) const;

  // The caller may perform `action` on `resource` (identity policies, boundary, session
  // policies, and the resource policy when given); AccessDenied in AWS's words otherwise.
  // The resource's account is the caller's unless given (IAM resources all live there;
  // AWS managed policies are readable from every account). `shown_resource`, when given, is how
  // the denial names the resource.
  policy::Result<void, ApiError> authorize(std::string_view action, std::string_view resource,
                                           std::span<const authz::ContextKey> keys = {},
                                           std::string_view resource_account = {},
                                           const policy::CompiledPolicy* resource_policy = nullptr,
                                           policy::ResourcePolicyKind kind = policy::ResourcePolicyKind::Function,
                                           std::string_view shown_resource = {}) const;

  // The decision of the last authorize() that was not Allowed (audit, metrics).
  std::optional<policy::Decision> denial() const noexcept { return denial_; }
  // Every resource this request's authorize() calls named, allowed or not (the touch check).
  const std::vector<std::string>& authorized() const noexcept { return authorized_; }
  bool decided() const noexcept { return decided_; }

 private:
  const Params& params_;
  const authz::Principal& principal_;
  const authz::Transport& transport_;
  const authz::Pipeline& pipeline_;
  store::Store& store_;
  const sigv4::Clock& clock_;
  std::string_view region_;
  mutable std::optional<policy::Decision> denial_;
  mutable bool decided_ = false;
  mutable std::vector<std::string> authorized_;
};

struct Operation {
  std::string_view name;  // the Action, e.g. CreateUser
  bool read_only = false;
  Reply (*run)(const Call& call) = nullptr;
};

}  // namespace gatehouse::server::query
