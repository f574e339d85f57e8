#include "store/bootstrap.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "store/iam_common.h"
#include "store/ids.h"
#include "store/store.h"

namespace gatehouse::store {

std::string BootstrapError::to_string() const { return file + ": " + path + ": " + message; }

namespace {

using Value = rapidjson::Value;

std::string member_path(const std::string& parent, std::string_view key) {
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (plain) return parent + "." + std::string(key);
  std::string quoted;
  for (char c : key) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return parent + "[\"" + quoted + "\"]";
}

std::string index_path(const std::string& parent, std::size_t i) { return parent + "[" + std::to_string(i) + "]"; }

std::string_view type_name(const Value& v) {
  if (v.IsObject()) return "an object";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "a string";
  if (v.IsBool()) return "a boolean";
  if (v.IsNumber()) return "a number";
  return "null";
}

// Walks the DOM; remembers the first fault.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  bool fail(const std::string& path, std::string message) {
    if (!error_) error_ = BootstrapError{file_, path, std::move(message)};
    return false;
  }
  const std::optional<BootstrapError>& error() const { return error_; }

  // An object whose members are all in `allowed` (no duplicates) and include `required`.
  bool object(const Value& v, const std::string& path, std::initializer_list<std::string_view> allowed,
              std::initializer_list<std::string_view> required) {
    if (!v.IsObject()) return fail(path, "must be an object, not " + std::string(type_name(v)));
    std::set<std::string_view> seen;
    for (const auto& m : v.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (!seen.insert(key).second) return fail(member_path(path, key), "duplicate member");
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return fail(member_path(path, key), "unknown member (allowed: " + list + ")");
      }
    }
    for (auto r : required) {
      if (!v.HasMember(rapidjson::StringRef(r.data(), r.size()))) {
        return fail(member_path(path, r), "missing required member");
      }
    }
    return true;
  }

  const Value* member(const Value& object, std::string_view key) {
    auto it = object.FindMember(rapidjson::StringRef(key.data(), key.size()));
    return it == object.MemberEnd() ? nullptr : &it->value;
  }

  bool string(const Value& v, const std::string& path, std::string& out, bool non_empty = true) {
    if (!v.IsString()) return fail(path, "must be a string, not " + std::string(type_name(v)));
    out.assign(v.GetString(), v.GetStringLength());
    if (non_empty && out.empty()) return fail(path, "must not be empty");
    return true;
  }

  bool optional_string(const Value& object, const std::string& path, std::string_view key, std::string& out) {
    const Value* v = member(object, key);
    return v == nullptr || string(*v, member_path(path, key), out);
  }

  bool array(const Value& v, const std::string& path) {
    if (!v.IsArray()) return fail(path, "must be an array, not " + std::string(type_name(v)));
    return true;
  }

  // A policy document: a JSON string taken verbatim, or an object serialized compactly.
  bool document(const Value& v, const std::string& path, Located& out) {
    out.path = path;
    if (v.IsString()) return string(v, path, out.value);
    if (!v.IsObject()) return fail(path, "must be a policy document (an object or a JSON string)");
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    v.Accept(writer);
    out.value.assign(buffer.GetString(), buffer.GetSize());
    return true;
  }

  bool strings(const Value& object, const std::string& path, std::string_view key, std::vector<Located>& out) {
    const Value* v = member(object, key);
    if (v == nullptr) return true;
    const std::string p = member_path(path, key);
    if (!array(*v, p)) return false;
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      Located item;
      item.path = index_path(p, i);
      if (!string((*v)[i], item.path, item.value)) return false;
      out.push_back(std::move(item));
    }
    return true;
  }

  bool inline_policies(const Value& object, const std::string& path, std::vector<BootstrapInlinePolicy>& out) {
    const Value* v = member(object, "inlinePolicies");
    if (v == nullptr) return true;
    const std::string p = member_path(path, "inlinePolicies");
    if (!v->IsObject()) return fail(p, "must be an object of policy name -> document");
    std::set<std::string_view> seen;
    for (const auto& m : v->GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      const std::string item_path = member_path(p, name);
      if (!seen.insert(name).second) return fail(item_path, "duplicate member");
      if (auto ok = detail::check_name(name, "policyName", 128); !ok) return fail(item_path, ok.error().message);
      BootstrapInlinePolicy policy;
      policy.name = std::string(name);
      if (!document(m.value, item_path, policy.document)) return false;
      out.push_back(std::move(policy));
    }
    return true;
  }

  bool tags(const Value& object, const std::string& path, Tags& out) {
    const Value* v = member(object, "tags");
    if (v == nullptr) return true;
    const std::string p = member_path(path, "tags");
    if (!v->IsObject()) return fail(p, "must be an object of tag key -> value");
    std::set<std::string_view> seen;
    for (const auto& m : v->GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (!seen.insert(key).second) return fail(member_path(p, key), "duplicate member");
      std::string value;
      if (!string(m.value, member_path(p, key), value, false)) return false;
      out[std::string(key)] = std::move(value);
    }
    return true;
  }

  bool keys(const Value& object, const std::string& path, std::string_view key, std::vector<BootstrapKey>& out) {
    const Value* v = member(object, key);
    if (v == nullptr) return true;
    const std::string p = member_path(path, key);
    if (!array(*v, p)) return false;
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      const std::string item = index_path(p, i);
      const Value& k = (*v)[i];
      if (!object_of(k, item, {"accessKeyId", "secretAccessKey"}, {"accessKeyId", "secretAccessKey"})) return false;
      BootstrapKey parsed;
      parsed.path = item;
      if (!string(k["accessKeyId"], member_path(item, "accessKeyId"), parsed.access_key_id)) return false;
      if (!string(k["secretAccessKey"], member_path(item, "secretAccessKey"), parsed.secret_access_key)) return false;
      if (!ids::is_access_key_id(parsed.access_key_id) || !parsed.access_key_id.starts_with(ids::kAccessKeyPrefix)) {
        return fail(member_path(item, "accessKeyId"), "must be AKIA followed by 16 upper-case letters or digits");
      }
      if (!ids::is_secret_access_key(parsed.secret_access_key)) {
        return fail(member_path(item, "secretAccessKey"), "must be 40 characters of A-Z, a-z, 0-9, / and +");
      }
      out.push_back(std::move(parsed));
    }
    return true;
  }

  bool object_of(const Value& v, const std::string& path, std::initializer_list<std::string_view> allowed,
                 std::initializer_list<std::string_view> required) {
    return object(v, path, allowed, required);
  }

  bool name_and_path(const Value& v, const std::string& path, std::string_view member_name, std::size_t max,
                     std::string& name, std::string& iam_path) {
    if (!string(v["name"], member_path(path, "name"), name)) return false;
    if (auto ok = detail::check_name(name, member_name, max); !ok) return fail(member_path(path, "name"), ok.error().message);
    if (!optional_string(v, path, "path", iam_path)) return false;
    if (auto ok = detail::check_path(iam_path); !ok) return fail(member_path(path, "path"), ok.error().message);
    return true;
  }

  bool boundary(const Value& v, const std::string& path, std::optional<Located>& out) {
    const Value* b = member(v, "permissionsBoundary");
    if (b == nullptr) return true;
    Located l;
    l.path = member_path(path, "permissionsBoundary");
    if (!string(*b, l.path, l.value)) return false;
    out = std::move(l);
    return true;
  }

 private:
  std::string file_;
  std::optional<BootstrapError> error_;
};

bool parse_account(Reader& r, const Value& a, const std::string& path, BootstrapAccount& out) {
  if (!r.object(a, path, {"id", "rootAccessKeys", "policies", "groups", "users", "roles"}, {"id", "rootAccessKeys"})) {
    return false;
  }
  out.json_path = path;
  if (!r.string(a["id"], path + ".id", out.id)) return false;
  if (auto ok = detail::check_account_id(out.id); !ok) return r.fail(path + ".id", "must be a 12-digit account id");
  if (!r.array(a["rootAccessKeys"], path + ".rootAccessKeys")) return false;
  if (!r.keys(a, path, "rootAccessKeys", out.root_access_keys)) return false;
  auto each = [&](std::string_view key, auto&& fn) {
    const Value* list = r.member(a, key);
    if (list == nullptr) return true;
    const std::string p = member_path(path, key);
    if (!r.array(*list, p)) return false;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      if (!fn((*list)[i], index_path(p, i))) return false;
    }
    return true;
  };
  return each("policies",
              [&](const Value& v, const std::string& p) {
                if (!r.object(v, p, {"name", "path", "description", "document"}, {"name", "document"})) return false;
                BootstrapPolicy policy;
                policy.json_path = p;
                if (!r.name_and_path(v, p, "policyName", 128, policy.name, policy.path)) return false;
                if (!r.optional_string(v, p, "description", policy.description)) return false;
                if (!r.document(v["document"], p + ".document", policy.document)) return false;
                out.policies.push_back(std::move(policy));
                return true;
              }) &&
         each("groups",
              [&](const Value& v, const std::string& p) {
                if (!r.object(v, p, {"name", "path", "inlinePolicies", "managedPolicies"}, {"name"})) return false;
                BootstrapGroup group;
                group.json_path = p;
                return r.name_and_path(v, p, "groupName", 128, group.name, group.path) &&
                       r.inline_policies(v, p, group.inline_policies) &&
                       r.strings(v, p, "managedPolicies", group.managed_policies) &&
                       (out.groups.push_back(std::move(group)), true);
              }) &&
         each("users",
              [&](const Value& v, const std::string& p) {
                if (!r.object(v, p,
                              {"name", "path", "accessKeys", "groups", "inlinePolicies", "managedPolicies",
                               "permissionsBoundary", "tags"},
                              {"name"})) {
                  return false;
                }
                BootstrapUser user;
                user.json_path = p;
                return r.name_and_path(v, p, "userName", 64, user.name, user.path) &&
                       r.keys(v, p, "accessKeys", user.access_keys) && r.strings(v, p, "groups", user.groups) &&
                       r.inline_policies(v, p, user.inline_policies) &&
                       r.strings(v, p, "managedPolicies", user.managed_policies) &&
                       r.boundary(v, p, user.permissions_boundary) && r.tags(v, p, user.tags) &&
                       (out.users.push_back(std::move(user)), true);
              }) &&
         each("roles", [&](const Value& v, const std::string& p) {
           if (!r.object(v, p,
                         {"name", "path", "assumeRolePolicy", "description", "maxSessionDuration", "inlinePolicies",
                          "managedPolicies", "permissionsBoundary", "tags"},
                         {"name", "assumeRolePolicy"})) {
             return false;
           }
           BootstrapRole role;
           role.json_path = p;
           if (!r.name_and_path(v, p, "roleName", 64, role.name, role.path)) return false;
           if (!r.document(v["assumeRolePolicy"], p + ".assumeRolePolicy", role.assume_role_policy)) return false;
           if (!r.optional_string(v, p, "description", role.description)) return false;
           if (const Value* d = r.member(v, "maxSessionDuration")) {
             if (!d->IsInt()) return r.fail(p + ".maxSessionDuration", "must be an integer number of seconds");
             role.max_session_duration = d->GetInt();
           }
           return r.inline_policies(v, p, role.inline_policies) &&
                  r.strings(v, p, "managedPolicies", role.managed_policies) &&
                  r.boundary(v, p, role.permissions_boundary) && r.tags(v, p, role.tags) &&
                  (out.roles.push_back(std::move(role)), true);
         });
}

std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// Two policy documents say the same: equal JSON values (member order and spacing aside), or equal
// text when either is not JSON.
bool same_document(std::string_view a, std::string_view b) {
  if (a == b) return true;
  rapidjson::Document x, y;
  x.Parse(a.data(), a.size());
  y.Parse(b.data(), b.size());
  return !x.HasParseError() && !y.HasParseError() && x == y;
}

// Applies the world; the first fault names where it came from.
class Applier {
 public:
  Applier(Mutation& m, const BootstrapWorld& world, BootstrapMode mode) : m_(m), world_(world) {
    report_.mode = mode;
  }

  BootstrapResult<BootstrapReport> run() {
    report_.region = world_.region;
    // Phases across all accounts, so that references (trust principals,
    // groups, policies) may point at anything the file declares.
    for (const auto& a : world_.accounts) {
      if (!account(a)) return *error_;
    }
    for (const auto& a : world_.accounts) {
      for (const auto& p : a.policies) {
        if (!policy(a, p)) return *error_;
      }
    }
    for (const auto& a : world_.accounts) {
      for (const auto& g : a.groups) {
        if (!group(a, g)) return *error_;
      }
    }
    for (const auto& a : world_.accounts) {
      for (const auto& u : a.users) {
        if (!user(a, u)) return *error_;
      }
    }
    for (const auto& a : world_.accounts) {
      for (const auto& r : a.roles) {
        if (!role(a, r)) return *error_;
      }
    }
    return report_;
  }

 private:
  bool fail(const std::string& path, std::string message) {
    if (!error_) error_ = BootstrapError{world_.file, path, std::move(message)};
    return false;
  }
  bool fail(const std::string& path, const Error& e) { return fail(path, e.message + " (" + e.code + ")"); }
  template <class T>
  bool check(const Result<T>& r, const std::string& path) {
    return r ? (++report_.created, true) : fail(path, r.error());
  }

  // Something present differs from the file: named in the report; in apply mode `update` makes
  // it match (a store refusal is a fault at `path`).
  template <class Update>
  bool differs(std::string what, const std::string& path, Update&& update) {
    ++report_.unchanged;
    report_.differences.push_back(std::move(what));
    if (report_.mode != BootstrapMode::Apply) return true;
    auto r = update();
    return r ? true : fail(path, r.error());
  }

  // "user alice", "role exec", "policy invoke"; with the account when the world has several.
  std::string name_of(const std::string& account, std::string_view kind, std::string_view name) const {
    std::string out(kind);
    out += " " + std::string(name);
    if (world_.accounts.size() > 1) out += " (" + account + ")";
    return out;
  }
  static std::string_view kind_of(EntityKind kind) {
    return kind == EntityKind::User ? "user" : kind == EntityKind::Group ? "group" : "role";
  }

  bool document_ok(const Located& doc, policy::PolicyType type) {
    auto finding = detail::document_finding(m_, doc.value, type);
    if (!finding) return true;
    std::string where;
    if (!finding->path.empty()) where = " at " + finding->path;
    if (finding->pos.line > 0) {
      where += (where.empty() ? " at" : ",") + std::string(" line ") + std::to_string(finding->pos.line) +
               " column " + std::to_string(finding->pos.column);
    }
    std::string message = finding->message + " (" + finding->code + where + ")";
    if (!finding->detail.empty()) message += ": " + finding->detail;
    return fail(doc.path, message);
  }

  bool key(const std::string& account, const std::string& user, const BootstrapKey& k) {
    if (auto existing = m_.find_access_key(k.access_key_id)) {
      const bool same_owner = existing->account == account && !is_temporary(existing->kind) &&
                              (user.empty() ? existing->kind == CredentialKind::Root
                                            : keys::lower_ascii(existing->user_name) == keys::lower_ascii(user));
      if (!same_owner) return fail(k.path + ".accessKeyId", "access key " + k.access_key_id + " belongs to another principal");
      if (m_.state().box.open(existing->sealed_secret, existing->id) != std::optional<std::string>(k.secret_access_key)) {
        return fail(k.path + ".secretAccessKey", "access key " + k.access_key_id + " exists with another secret");
      }
      ++report_.unchanged;
      return true;
    }
    return check(m_.import_access_key({account, user, k.access_key_id, k.secret_access_key}), k.path);
  }

  bool account(const BootstrapAccount& a) {
    if (m_.find_account(a.id)) {
      ++report_.unchanged;
    } else if (!check(m_.create_account(a.id), a.json_path + ".id")) {
      return false;
    }
    for (const auto& k : a.root_access_keys) {
      if (!key(a.id, "", k)) return false;
    }
    return true;
  }

  bool policy(const BootstrapAccount& a, const BootstrapPolicy& p) {
    if (!document_ok(p.document, policy::PolicyType::Identity)) return false;
    const std::string arn = detail::policy_arn(a.id, p.path, p.name);
    if (auto existing = m_.state().db.policy_names.get(m_.transaction(), keys::policy_name(a.id, p.name))) {
      if (*existing != arn) {
        return fail(p.json_path + ".path", "a policy called " + p.name + " exists at another path (" +
                                               std::string(*existing) + ")");
      }
      const auto current = m_.find_policy(arn);
      if (current && !same_document(current->default_document().document, p.document.value)) {
        return differs(name_of(a.id, "policy", p.name) + ": document", p.document.path, [&]() -> Result<void> {
          // A new default version; the oldest other version makes room when all five are used.
          if (current->versions.size() >= 5) {
            for (const auto& v : current->versions) {
              if (v.id == current->default_version) continue;
              if (auto gone = m_.delete_policy_version(a.id, arn, v.id); !gone) return gone;
              break;
            }
          }
          auto added = m_.create_policy_version(a.id, arn, p.document.value, true);
          if (!added) return added.error();
          return success();
        });
      }
      ++report_.unchanged;
      return true;
    }
    return check(m_.create_policy({a.id, p.name, p.path, p.document.value, p.description, {}}), p.json_path);
  }

  template <class Record>
  bool inline_and_managed(const EntityRef& ref, const Record& record, const std::vector<BootstrapInlinePolicy>& inl,
                          const std::vector<Located>& managed, policy::PolicyType type) {
    for (const auto& p : inl) {
      if (!document_ok(p.document, type)) return false;
      const auto present = std::find_if(record.inline_policies.begin(), record.inline_policies.end(),
                                        [&](const InlinePolicy& q) { return q.name == p.name; });
      if (present == record.inline_policies.end()) {
        if (!check(m_.put_inline_policy(ref, p.name, p.document.value), p.document.path)) return false;
      } else if (!same_document(present->document, p.document.value)) {
        const std::string what = name_of(ref.account, kind_of(ref.kind), ref.name) + ": inline policy " + p.name;
        if (!differs(what, p.document.path, [&] { return m_.put_inline_policy(ref, p.name, p.document.value); })) {
          return false;
        }
      } else {
        ++report_.unchanged;
      }
    }
    for (const auto& arn : managed) {
      if (std::find(record.attached.begin(), record.attached.end(), arn.value) != record.attached.end()) {
        ++report_.unchanged;
      } else if (!check(m_.attach_policy(ref, arn.value), arn.path)) {
        return false;
      }
    }
    return true;
  }

  bool boundary_and_tags(const EntityRef& ref, const std::string& current_boundary, const Tags& current_tags,
                         const std::optional<Located>& boundary, const Tags& tags, const std::string& path) {
    const std::string who = name_of(ref.account, kind_of(ref.kind), ref.name);
    if (boundary) {
      if (current_boundary == boundary->value) {
        ++report_.unchanged;
      } else if (current_boundary.empty()) {
        if (!check(m_.put_permissions_boundary(ref, boundary->value), boundary->path)) return false;
      } else if (!differs(who + ": permissions boundary", boundary->path,
                          [&] { return m_.put_permissions_boundary(ref, boundary->value); })) {
        return false;
      }
    }
    Tags missing, changed;
    for (const auto& [k, v] : tags) {
      const auto current = current_tags.find(k);
      if (current == current_tags.end()) {
        missing[k] = v;
      } else if (current->second != v) {
        changed[k] = v;
      }
    }
    if (!missing.empty() && !check(m_.tag_entity(ref, missing), path + ".tags")) return false;
    if (missing.empty() && changed.empty() && !tags.empty()) ++report_.unchanged;
    for (const auto& [k, v] : changed) {
      const Tags one{{k, v}};
      if (!differs(who + ": tag " + k, path + ".tags", [&] { return m_.tag_entity(ref, one); })) return false;
    }
    return true;
  }

  bool group(const BootstrapAccount& a, const BootstrapGroup& g) {
    auto existing = m_.find_group(a.id, g.name);
    if (existing) {
      ++report_.unchanged;
    } else {
      auto created = m_.create_group({a.id, g.name, g.path});
      if (!check(created, g.json_path)) return false;
      existing = std::move(created.value());
    }
    return inline_and_managed(EntityRef{EntityKind::Group, a.id, existing->name}, *existing, g.inline_policies,
                              g.managed_policies, policy::PolicyType::InlineGroup);
  }

  bool user(const BootstrapAccount& a, const BootstrapUser& u) {
    auto existing = m_.find_user(a.id, u.name);
    if (existing) {
      ++report_.unchanged;
    } else {
      auto created = m_.create_user({a.id, u.name, u.path, {}, {}});
      if (!check(created, u.json_path)) return false;
      existing = std::move(created.value());
    }
    const EntityRef ref{EntityKind::User, a.id, existing->name};
    if (!boundary_and_tags(ref, existing->boundary, existing->tags, u.permissions_boundary, u.tags, u.json_path)) {
      return false;
    }
    for (const auto& k : u.access_keys) {
      if (!key(a.id, existing->name, k)) return false;
    }
    for (const auto& g : u.groups) {
      const bool member = std::any_of(existing->groups.begin(), existing->groups.end(), [&](const std::string& n) {
        return keys::lower_ascii(n) == keys::lower_ascii(g.value);
      });
      if (member) {
        ++report_.unchanged;
      } else if (!check(m_.add_user_to_group(a.id, g.value, existing->name), g.path)) {
        return false;
      }
    }
    return inline_and_managed(ref, *existing, u.inline_policies, u.managed_policies, policy::PolicyType::InlineUser);
  }

  bool role(const BootstrapAccount& a, const BootstrapRole& r) {
    if (!document_ok(r.assume_role_policy, policy::PolicyType::Trust)) return false;
    auto existing = m_.find_role(a.id, r.name);
    if (existing) {
      ++report_.unchanged;
      const std::string who = name_of(a.id, "role", existing->name);
      if (!same_document(existing->trust.document, r.assume_role_policy.value) &&
          !differs(who + ": assumeRolePolicy", r.assume_role_policy.path, [&] {
            return m_.update_assume_role_policy(a.id, existing->name, r.assume_role_policy.value);
          })) {
        return false;
      }
      UpdateRoleInput update;
      if (!r.description.empty() && r.description != existing->description) update.description = r.description;
      if (r.max_session_duration && *r.max_session_duration != existing->max_session_duration) {
        update.max_session_duration = r.max_session_duration;
      }
      if ((update.description || update.max_session_duration) &&
          !differs(who + (update.description && update.max_session_duration ? ": description, maxSessionDuration"
                          : update.description                                ? ": description"
                                                                              : ": maxSessionDuration"),
                   r.json_path,
                   [&]() -> Result<void> {
                     auto updated = m_.update_role(a.id, existing->name, update);
                     if (!updated) return updated.error();
                     return success();
                   })) {
        return false;
      }
    } else {
      CreateRoleInput in;
      in.account = a.id;
      in.name = r.name;
      in.path = r.path;
      in.assume_role_policy = r.assume_role_policy.value;
      in.description = r.description;
      in.max_session_duration = r.max_session_duration;
      auto created = m_.create_role(in);
      if (!check(created, r.json_path)) return false;
      existing = std::move(created.value());
    }
    const EntityRef ref{EntityKind::Role, a.id, existing->name};
    if (!boundary_and_tags(ref, existing->boundary, existing->tags, r.permissions_boundary, r.tags, r.json_path)) {
      return false;
    }
    return inline_and_managed(ref, *existing, r.inline_policies, r.managed_policies, policy::PolicyType::InlineRole);
  }

  Mutation& m_;
  const BootstrapWorld& world_;
  BootstrapReport report_;
  std::optional<BootstrapError> error_;
};

}  // namespace

BootstrapResult<BootstrapWorld> parse_bootstrap(std::string_view text, std::string_view file) {
  BootstrapWorld world;
  world.file = std::string(file);
  rapidjson::Document doc;
  // Strict JSON: no comments, no trailing commas (as AWS reads documents).
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    const auto [line, column] = line_column(text, doc.GetErrorOffset());
    return BootstrapError{world.file, "$",
                          "not valid JSON at line " + std::to_string(line) + " column " + std::to_string(column) + ": " +
                              rapidjson::GetParseError_En(doc.GetParseError())};
  }
  Reader r(world.file);
  if (!r.object(doc, "$", {"region", "accounts"}, {"accounts"})) return *r.error();
  if (!r.optional_string(doc, "$", "region", world.region)) return *r.error();
  const Value& accounts = doc["accounts"];
  if (!r.array(accounts, "$.accounts")) return *r.error();
  std::set<std::string> ids;
  for (rapidjson::SizeType i = 0; i < accounts.Size(); ++i) {
    BootstrapAccount account;
    const std::string path = index_path("$.accounts", i);
    if (!parse_account(r, accounts[i], path, account)) return *r.error();
    if (!ids.insert(account.id).second) return BootstrapError{world.file, path + ".id", "account " + account.id + " is declared twice"};
    world.accounts.push_back(std::move(account));
  }
  return world;
}

std::optional<BootstrapMode> parse_bootstrap_mode(std::string_view text) {
  if (text == "create-only") return BootstrapMode::CreateOnly;
  if (text == "apply") return BootstrapMode::Apply;
  return std::nullopt;
}

std::string summary(const BootstrapReport& report) {
  std::string line = "created " + std::to_string(report.created) + ", already present " +
                     std::to_string(report.unchanged);
  const std::size_t n = report.differences.size();
  if (n == 0) return line + ", none differs from the file";
  line += ", of which " + std::to_string(n) + (n == 1 ? " differs" : " differ") + " from the file";
  line += report.mode == BootstrapMode::Apply ? " (updated to the file): "
                                              : (n == 1 ? " (kept; --bootstrap-mode apply updates it): "
                                                        : " (kept; --bootstrap-mode apply updates them): ");
  for (std::size_t i = 0; i < n; ++i) line += (i ? "; " : "") + report.differences[i];
  return line;
}

BootstrapResult<BootstrapReport> apply_bootstrap(Mutation& m, const BootstrapWorld& world, BootstrapMode mode) {
  return Applier(m, world, mode).run();
}

BootstrapResult<BootstrapReport> load_bootstrap_world(Store& store, const BootstrapWorld& world, BootstrapMode mode) {
  std::optional<BootstrapError> fault;
  auto applied = store.write([&](Mutation& m) -> Result<BootstrapReport> {
    auto report = apply_bootstrap(m, world, mode);
    if (!report) {
      fault = report.error();
      return Error{"BootstrapFault", 400, fault->to_string()};
    }
    return report.value();
  });
  if (fault) return *fault;
  if (!applied) return BootstrapError{world.file, "$", applied.error().message};
  return applied.value();
}

BootstrapResult<BootstrapReport> load_bootstrap(Store& store, std::string_view text, std::string_view file,
                                                BootstrapMode mode) {
  auto world = parse_bootstrap(text, file);
  if (!world) return world.error();
  return load_bootstrap_world(store, world.value(), mode);
}

BootstrapResult<BootstrapWorld> read_bootstrap_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return BootstrapError{file.string(), "$", "cannot read the file"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_bootstrap(text.str(), file.string());
}

BootstrapResult<BootstrapReport> load_bootstrap_file(Store& store, const std::filesystem::path& file,
                                                     BootstrapMode mode) {
  auto world = read_bootstrap_file(file);
  if (!world) return world.error();
  return load_bootstrap_world(store, world.value(), mode);
}

}  // namespace gatehouse::store
