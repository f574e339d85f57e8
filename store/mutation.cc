#include "store/mutation.h"

#include <algorithm>

#include "store/iam_common.h"
#include "store/state.h"

namespace gatehouse::store {

namespace {
constexpr std::string_view kRevisionKey = "revision";
}

Millis Mutation::now() const { return state_.clock(); }

namespace detail {

std::uint64_t bump_revision(kv::Transaction& txn, std::uint64_t at_least) {
  std::uint64_t revision = 0;
  if (auto bytes = txn.get(kv::Table::meta, kRevisionKey)) {
    Decoder d(*bytes);
    d(revision);
  }
  revision = std::max(revision, at_least) + 1;
  Encoder e;
  e(revision);
  txn.put(kv::Table::meta, kRevisionKey, e.text());
  return revision;
}

}  // namespace detail

std::uint64_t Mutation::next_revision() { return detail::bump_revision(txn_, 0); }

Result<Account> Mutation::create_account(std::string_view id) {
  if (auto ok = detail::check_account_id(id); !ok) return ok.error();
  if (find_account(id)) return aws::make(aws::kEntityAlreadyExists, "Account " + std::string(id) + " already exists.");
  Account account;
  account.id = std::string(id);
  account.created = now();
  detail::save(txn_, state_.db.accounts, id, account);
  effects_.iam = true;
  return account;
}

std::optional<Account> Snapshot::find_account(std::string_view id) const {
  return detail::load<Account>(txn_, state_.db.accounts, id);
}

std::vector<Account> Snapshot::list_accounts() const {
  std::vector<Account> out;
  detail::scan_prefix(txn_, state_.db.accounts, "", [&](std::string_view, std::string_view value) {
    out.push_back(decode<Account>(value));
    return true;
  });
  return out;
}

std::uint32_t Snapshot::schema_version() const {
  auto bytes = state_.db.meta.get(txn_, "schema");
  if (!bytes) return 0;
  Decoder d(*bytes);
  std::uint32_t v = 0;
  d(v);
  return v;
}

}  // namespace gatehouse::store
