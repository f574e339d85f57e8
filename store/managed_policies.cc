// Managed policies and their versions: CreatePolicy, DeletePolicy,
// CreatePolicyVersion, DeletePolicyVersion, SetDefaultPolicyVersion, GetPolicy,
// GetPolicyVersion, ListPolicies. AWS's own are read-only for everyone.
#include <algorithm>

#include "store/iam_common.h"
#include "store/ids.h"
#include "store/touch.h"

namespace gatehouse::store {

using namespace detail;

namespace {

PolicyUsage usage_of(const Snapshot& s, std::string_view arn, std::string_view account) {
  return load<PolicyUsage>(s.transaction(), s.state().db.policy_usage, keys::policy_usage(arn, account))
      .value_or(PolicyUsage{});
}

// The account's own policy, for the calls that change it.
Result<ManagedPolicy> own_policy(const Snapshot& s, std::string_view account, std::string_view arn) {
  auto policy = s.find_policy(arn);
  if (policy && policy->aws_managed) return aws::unmodifiable_aws_policy(arn);
  if (!policy || policy->account != account) return aws::policy_not_found(arn);
  return std::move(*policy);
}

Result<void> check_version_id(std::string_view version_id) {
  bool ok = version_id.size() >= 2 && version_id[0] == 'v' && version_id[1] >= '1' && version_id[1] <= '9';
  for (std::size_t i = 2; ok && i < version_id.size(); ++i) ok = version_id[i] >= '0' && version_id[i] <= '9';
  if (!ok) {
    return aws::validation(version_id, "versionId",
                           "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
  }
  return success();
}

}  // namespace

std::optional<ManagedPolicy> Snapshot::find_policy(std::string_view arn) const {
  auto policy = load<ManagedPolicy>(txn_, state_.db.policies, arn);
  if (policy) note_touch(TouchedKind::Policy, policy->aws_managed ? std::string_view("aws") : policy->account, {}, arn);
  return policy;
}

Result<PolicyView> Snapshot::get_policy(std::string_view account, std::string_view arn) const {
  auto policy = find_policy(arn);
  if (!policy || (policy->account != account && !policy->aws_managed)) return aws::policy_not_found(arn);
  PolicyUsage usage = usage_of(*this, arn, account);
  return PolicyView{std::move(*policy), usage};
}

Result<PolicyVersion> Snapshot::get_policy_version(std::string_view account, std::string_view arn,
                                                   std::string_view version_id) const {
  if (auto ok = check_version_id(version_id); !ok) return ok.error();
  auto view = get_policy(account, arn);
  if (!view) return view.error();
  const PolicyVersion* v = view.value().policy.find_version(version_id);
  if (v == nullptr) return aws::policy_version_not_found(arn, version_id);
  return *v;
}

std::vector<PolicyView> Snapshot::list_policies(std::string_view account, PolicyScope scope, bool only_attached,
                                                std::string_view path_prefix) const {
  std::vector<PolicyView> out;
  auto collect = [&](std::string_view owner) {
    scan_prefix(txn_, state_.db.policies, "arn:aws:iam::" + std::string(owner) + ":policy/",
                [&](std::string_view arn, std::string_view value) {
                  ManagedPolicy policy = decode<ManagedPolicy>(value);
                  if (!policy.path.starts_with(path_prefix)) return true;
                  PolicyUsage usage = usage_of(*this, arn, account);
                  if (only_attached && usage.attachments == 0 && usage.boundaries == 0) return true;
                  note_touch(TouchedKind::Policy, owner, {}, arn);
                  out.push_back(PolicyView{std::move(policy), usage});
                  return true;
                });
  };
  if (scope != PolicyScope::Local) collect(kAwsAccount);
  if (scope != PolicyScope::Aws) collect(account);
  return out;
}

Result<ManagedPolicy> Mutation::create_policy(const CreatePolicyInput& input) {
  if (auto ok = check_name(input.name, "policyName", 128); !ok) return ok.error();
  if (auto ok = check_path(input.path); !ok) return ok.error();
  if (text_length(input.description) > 1000) {
    return aws::validation(input.description, "description", "Member must have length less than or equal to 1000");
  }
  if (auto ok = check_tags(input.tags, "TagsPerPolicy"); !ok) return ok.error();
  if (input.account != kAwsAccount) {
    if (auto ok = require_account(*this, input.account); !ok) return ok.error();
  }
  const std::string name_key = keys::policy_name(input.account, input.name);
  if (state_.db.policy_names.get(txn_, name_key)) return aws::policy_exists(input.name);
  if (auto ok = check_document(*this, input.document, policy::PolicyType::Identity); !ok) return ok.error();
  ManagedPolicy policy;
  policy.account = input.account;
  policy.name = input.name;
  policy.path = input.path;
  policy.arn = policy_arn(input.account, input.path, input.name);
  policy.id = issue_unique_id(*this, ids::kPolicyPrefix, input.account, policy.arn);
  policy.description = input.description;
  policy.created = policy.updated = now();
  policy.default_version = "v1";
  policy.next_version = 2;
  policy.versions.push_back(PolicyVersion{"v1", input.document, policy.created, next_revision()});
  policy.tags = input.tags;
  policy.aws_managed = input.account == kAwsAccount;
  state_.db.policy_names.put(txn_, name_key, policy.arn);
  save(txn_, state_.db.policies, policy.arn, policy);
  effects_.iam = true;
  return policy;
}

Result<void> Mutation::delete_policy(std::string_view account, std::string_view arn) {
  auto policy = own_policy(*this, account, arn);
  if (!policy) return policy.error();
  const PolicyUsage usage = usage_of(*this, arn, account);
  if (usage.attachments > 0 || usage.boundaries > 0) return aws::policy_attached();
  if (policy.value().versions.size() > 1) return aws::policy_has_versions();
  state_.db.policies.del(txn_, arn);
  state_.db.policy_names.del(txn_, keys::policy_name(account, policy.value().name));
  effects_.forget.emplace_back(arn);
  effects_.iam = true;
  return success();
}

Result<PolicyVersion> Mutation::create_policy_version(std::string_view account, std::string_view arn,
                                                      std::string_view document, bool set_as_default) {
  auto policy = own_policy(*this, account, arn);
  if (!policy) return policy.error();
  ManagedPolicy& p = policy.value();
  if (p.versions.size() >= kMaxPolicyVersions) return aws::policy_versions_limit();
  if (auto ok = check_document(*this, document, policy::PolicyType::Identity); !ok) return ok.error();
  PolicyVersion version{"v" + std::to_string(p.next_version++), std::string(document), now(), next_revision()};
  p.versions.push_back(version);
  if (set_as_default) p.default_version = version.id;
  p.updated = version.created;
  save(txn_, state_.db.policies, p.arn, p);
  effects_.iam = true;
  return version;
}

Result<void> Mutation::delete_policy_version(std::string_view account, std::string_view arn,
                                             std::string_view version_id) {
  if (auto ok = check_version_id(version_id); !ok) return ok.error();
  auto policy = own_policy(*this, account, arn);
  if (!policy) return policy.error();
  ManagedPolicy& p = policy.value();
  auto it = std::find_if(p.versions.begin(), p.versions.end(), [&](const PolicyVersion& v) { return v.id == version_id; });
  if (it == p.versions.end()) return aws::policy_version_not_found(arn, version_id);
  if (p.default_version == version_id) return aws::cannot_delete_default_version();
  p.versions.erase(it);
  save(txn_, state_.db.policies, p.arn, p);
  effects_.iam = true;
  return success();
}

Result<void> Mutation::set_default_policy_version(std::string_view account, std::string_view arn,
                                                  std::string_view version_id) {
  if (auto ok = check_version_id(version_id); !ok) return ok.error();
  auto policy = own_policy(*this, account, arn);
  if (!policy) return policy.error();
  ManagedPolicy& p = policy.value();
  if (p.find_version(version_id) == nullptr) return aws::policy_version_not_found(arn, version_id);
  p.default_version = std::string(version_id);
  p.updated = now();
  save(txn_, state_.db.policies, p.arn, p);
  effects_.iam = true;
  return success();
}

}  // namespace gatehouse::store
