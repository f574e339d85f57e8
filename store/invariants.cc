// Every cross-record invariant of the store, checked from one snapshot: what
// the crash-consistency test verifies after each kill.
#include <map>
#include <set>

#include "store/lambda_common.h"

namespace gatehouse::store {

using namespace detail;

namespace {

template <class T, class F>
void each(const Snapshot& s, const kv::Database& db, F&& fn) {
  scan_prefix(s.transaction(), db, "", [&](std::string_view key, std::string_view value) {
    fn(key, decode<T>(value));
    return true;
  });
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  for (const auto& x : list) {
    if (keys::lower_ascii(x) == keys::lower_ascii(item)) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> Snapshot::check_invariants() const {
  const auto& db = state_.db;
  std::optional<std::string> broken;
  auto fail = [&](std::string what) {
    if (!broken) broken = std::move(what);
  };
  auto registered = [&](std::string_view id, std::string_view what) {
    if (!db.unique_ids.get(txn_, id)) fail(std::string(what) + " id " + std::string(id) + " is not registered");
  };
  std::map<std::string, PolicyUsage> usage;  // arn|account -> counted
  auto count = [&](const std::string& arn, const std::string& account, bool boundary) {
    if (!find_policy(arn)) fail("attached policy " + arn + " does not exist");
    auto& u = usage[keys::policy_usage(arn, account)];
    (boundary ? u.boundaries : u.attachments)++;
  };

  each<Account>(*this, db.accounts, [&](std::string_view, const Account& a) {
    for (const auto& id : a.root_access_keys) {
      auto key = find_access_key(id);
      if (!key || key->kind != CredentialKind::Root || key->account != a.id) fail("root key " + id + " is dangling");
    }
    if (a.root_access_keys.size() > 2) fail("account " + a.id + " has more than 2 root keys");
  });
  each<User>(*this, db.users, [&](std::string_view key, const User& u) {
    if (key != keys::entity(u.account, u.name)) fail("user " + u.name + " is stored under " + std::string(key));
    registered(u.id, "user");
    for (const auto& g : u.groups) {
      auto group = find_group(u.account, g);
      if (!group || !contains(group->members, u.name)) fail("user " + u.name + " and group " + g + " disagree");
    }
    for (const auto& id : u.access_keys) {
      auto k = find_access_key(id);
      if (!k || k->kind != CredentialKind::User || k->user_id != u.id) fail("key " + id + " of " + u.name + " is dangling");
    }
    if (u.access_keys.size() > 2 || u.attached.size() > 10 || u.groups.size() > 10) fail("user " + u.name + " over quota");
    for (const auto& arn : u.attached) count(arn, u.account, false);
    if (!u.boundary.empty()) count(u.boundary, u.account, true);
  });
  each<Group>(*this, db.groups, [&](std::string_view, const Group& g) {
    registered(g.id, "group");
    for (const auto& m : g.members) {
      auto user = find_user(g.account, m);
      if (!user || !contains(user->groups, g.name)) fail("group " + g.name + " and user " + m + " disagree");
    }
    for (const auto& arn : g.attached) count(arn, g.account, false);
  });
  each<Role>(*this, db.roles, [&](std::string_view, const Role& r) {
    registered(r.id, "role");
    if (r.attached.size() > 10) fail("role " + r.name + " over quota");
    for (const auto& arn : r.attached) count(arn, r.account, false);
    if (!r.boundary.empty()) count(r.boundary, r.account, true);
  });
  each<PolicyUsage>(*this, db.policy_usage, [&](std::string_view key, const PolicyUsage& stored) {
    const PolicyUsage counted = usage[std::string(key)];
    if (stored.attachments != counted.attachments || stored.boundaries != counted.boundaries) {
      fail("usage of " + std::string(key) + " is stored as " + std::to_string(stored.attachments) + "/" +
           std::to_string(stored.boundaries) + " but counted " + std::to_string(counted.attachments) + "/" +
           std::to_string(counted.boundaries));
    }
    usage.erase(std::string(key));
  });
  for (const auto& [key, counted] : usage) {
    if (counted.attachments != 0 || counted.boundaries != 0) fail("usage of " + key + " is not stored");
  }
  each<ManagedPolicy>(*this, db.policies, [&](std::string_view arn, const ManagedPolicy& p) {
    if (p.find_version(p.default_version) == nullptr) fail("policy " + p.arn + " lacks its default version");
    if (p.versions.empty() || p.versions.size() > 5) fail("policy " + p.arn + " has " + std::to_string(p.versions.size()) + " versions");
    auto indexed = db.policy_names.get(txn_, keys::policy_name(p.account, p.name));
    if (!indexed || *indexed != arn) fail("policy name index misses " + p.arn);
    registered(p.id, "policy");
  });
  each<AccessKeyRecord>(*this, db.access_keys, [&](std::string_view id, const AccessKeyRecord& k) {
    if (id != k.id) fail("access key stored under another id");
    if (k.kind == CredentialKind::Root) {
      auto a = find_account(k.account);
      if (!a || std::find(a->root_access_keys.begin(), a->root_access_keys.end(), k.id) == a->root_access_keys.end()) {
        fail("root key " + k.id + " is not listed by its account");
      }
    } else if (k.kind == CredentialKind::User) {
      auto u = find_user(k.account, k.user_name);
      if (!u || std::find(u->access_keys.begin(), u->access_keys.end(), k.id) == u->access_keys.end()) {
        fail("user key " + k.id + " is not listed by its user");
      }
    }
    if (!state_.box.open(k.sealed_secret, k.id)) fail("the secret of " + k.id + " does not decrypt");
  });

  std::map<std::string, std::uint64_t> code_refs;
  each<Function>(*this, db.functions, [&](std::string_view key, const Function& f) {
    code_refs[f.latest.code_sha256]++;
    std::uint64_t highest = 0;
    scan_prefix(txn_, db.versions, keys::children_prefix(key), [&](std::string_view, std::string_view value) {
      const auto v = decode<FunctionConfig>(value);
      code_refs[v.code_sha256]++;
      highest = std::max<std::uint64_t>(highest, version_number(v.version));
      return true;
    });
    if (highest >= f.next_version) fail("function " + f.name + " has a version beyond its counter");
    scan_prefix(txn_, db.aliases, keys::children_prefix(key), [&](std::string_view, std::string_view value) {
      const auto a = decode<Alias>(value);
      if (a.function_version != kLatest && !find_version(*this, key, version_number(a.function_version))) {
        fail("alias " + a.arn + " points to a missing version");
      }
      return true;
    });
  });
  scan_prefix(txn_, db.versions, "", [&](std::string_view key, std::string_view) {
    const auto slash = key.rfind('/');
    if (!db.functions.get(txn_, key.substr(0, slash))) fail("version " + std::string(key) + " has no function");
    return true;
  });
  each<FunctionPolicy>(*this, db.function_policies, [&](std::string_view key, const FunctionPolicy& p) {
    const std::string_view fkey = key.substr(0, key.size() - p.qualifier.size() - 1);
    if (!db.functions.get(txn_, fkey)) fail("policy " + std::string(key) + " has no function");
    if (p.statements.empty()) fail("policy " + std::string(key) + " is empty");
  });
  each<CodePackage>(*this, db.code, [&](std::string_view sha, const CodePackage& c) {
    if (code_refs[std::string(sha)] != c.references) {
      fail("code " + std::string(sha) + " has " + std::to_string(c.references) + " references, counted " +
           std::to_string(code_refs[std::string(sha)]));
    }
    auto blob = db.code_blobs.get(txn_, sha);
    if (!blob || static_cast<std::int64_t>(blob->size()) != c.size) fail("code " + std::string(sha) + " lacks its bytes");
    code_refs.erase(std::string(sha));
  });
  for (const auto& [sha, n] : code_refs) fail("code " + sha + " is used " + std::to_string(n) + " times but not stored");
  return broken;
}

}  // namespace gatehouse::store
