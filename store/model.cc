#include "store/model.h"

#include <cstdlib>
#include <tuple>

namespace gatehouse::store {

std::string_view key_status_name(KeyStatus status) noexcept {
  return status == KeyStatus::Active ? "Active" : "Inactive";
}

bool is_temporary(CredentialKind kind) noexcept {
  return kind == CredentialKind::RoleSession || kind == CredentialKind::UserSession ||
         kind == CredentialKind::RootSession;
}

const PolicyVersion* ManagedPolicy::find_version(std::string_view version_id) const {
  for (const auto& v : versions) {
    if (v.id == version_id) return &v;
  }
  return nullptr;
}

const PolicyVersion& ManagedPolicy::default_document() const {
  const PolicyVersion* v = find_version(default_version);
  // INVARIANT: every write keeps default_version among versions (check_invariants verifies it).
  if (v == nullptr) std::abort();
  return *v;
}

bool same_published_content(const FunctionConfig& a, const FunctionConfig& b) {
  auto content = [](const FunctionConfig& c) {
    return std::tie(c.runtime, c.role, c.handler, c.timeout, c.memory_size, c.code_sha256,
                    c.code_size, c.environment, c.dead_letter_target, c.kms_key_arn, c.tracing_mode,
                    c.package_type, c.architectures, c.ephemeral_storage);
  };
  const bool same_vpc = a.vpc.has_value() == b.vpc.has_value() &&
                        (!a.vpc || (a.vpc->subnet_ids == b.vpc->subnet_ids &&
                                    a.vpc->security_group_ids == b.vpc->security_group_ids));
  return same_vpc && content(a) == content(b);
}

std::string FunctionPolicy::document() const {
  std::string out = R"({"Version":"2012-10-17","Id":"default","Statement":[)";
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += statements[i].json;
  }
  out += "]}";
  return out;
}

}  // namespace gatehouse::store
