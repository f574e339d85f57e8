// The IAM and STS authorization table, walked: every condition key the table lists for an action
// reaches that action's request context (a deny on the key's presence refuses the call), and every
// operation on a user, group, role or managed policy is refused when the caller is denied on the
// target, in each way the request can name it, with nothing changed — while the same call on a
// decoy is let through. The table is server/iam/context_keys.cc; the operations are driven through
// the Query API as signed requests.
#include <catch2/catch.hpp>

#include <cctype>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "server/iam/context_keys.h"
#include "server/iam/operations.h"
#include "server/sts/operations.h"
#include "store/codec.h"
#include "tests/server/query_test_world.h"

using namespace gatehouse;
using namespace gatehouse::query_test;
using server::iam::ResourceType;

namespace {

using Form = std::vector<std::pair<std::string, std::string>>;

const std::string kAliceArn = "arn:aws:iam::111111111111:user/alice";
const std::string kIam = "arn:aws:iam::111111111111:";

std::string doc(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}
const std::string kAllowAll = R"({"Effect":"Allow","Action":"*","Resource":"*"})";

// The world every case starts from: for each of "target" and "decoy", a user, a group, a role and a
// managed policy, all under the path /secret/, tagged team=red (users, roles, policies), with a
// boundary, an inline policy "inline", the policy "bound" attached, an access key, group
// membership, and a second policy version.
struct Env {
  World w;
  std::map<std::string, std::string> key_of;  // "target" / "decoy" -> its user's access key id

  Env() {
    require_ok(w.store().write([&](store::Mutation& m) -> store::Result<void> {
      for (const std::string name : {"bound", "extra"}) {
        store::CreatePolicyInput p{std::string(kA), name, "/", doc(kAllowAll), "", {}};
        if (auto r = m.create_policy(p); !r) return r.error();
      }
      const std::string bound = kIam + "policy/bound";
      const std::string trust = doc(R"({"Effect":"Allow","Principal":{"AWS":")" + kAliceArn +
                                    R"("},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]})");
      for (const std::string who : {"target", "decoy"}) {
        const store::Tags tags{{"team", "red"}};
        if (auto r = m.create_user({std::string(kA), who, "/secret/", bound, tags}); !r) return r.error();
        store::CreateRoleInput role;
        role.account = std::string(kA);
        role.name = who + "-role";
        role.path = "/secret/";
        role.assume_role_policy = trust;
        role.permissions_boundary = bound;
        role.tags = tags;
        if (auto r = m.create_role(role); !r) return r.error();
        if (auto r = m.create_group({std::string(kA), who + "-group", "/secret/"}); !r) return r.error();
        store::CreatePolicyInput policy{std::string(kA), who + "-policy", "/secret/", doc(kAllowAll), "", tags};
        auto created = m.create_policy(policy);
        if (!created) return created.error();
        if (auto r = m.create_policy_version(std::string(kA), created.value().arn, doc(kAllowAll), false); !r) {
          return r.error();
        }
        const std::pair<store::EntityKind, std::string> entities[] = {{store::EntityKind::User, who},
                                                                       {store::EntityKind::Group, who + "-group"},
                                                                       {store::EntityKind::Role, who + "-role"}};
        for (const auto& [kind, name] : entities) {
          const store::EntityRef ref{kind, std::string(kA), name};
          if (auto r = m.put_inline_policy(ref, "inline", doc(kAllowAll)); !r) return r.error();
          if (auto r = m.attach_policy(ref, bound); !r) return r.error();
        }
        if (auto r = m.add_user_to_group(kA, who + "-group", who); !r) return r.error();
        auto key = m.create_access_key(kA, who);
        if (!key) return key.error();
        key_of[who] = key.value().metadata.access_key_id;
      }
      return store::success();
    }));
  }

  void alice_policy(const std::string& statements) { w.put_user_policy(kA, "alice", doc(statements)); }

  // Everything IAM keeps for account A, as stored.
  std::string state() {
    std::string out;
    require_ok(w.store().read([&](const store::Snapshot& s) -> store::Result<void> {
      for (const auto& u : s.list_users(kA)) {
        out += store::encode(u);
        if (auto keys = s.list_access_keys(kA, u.name)) {
          for (const auto& k : keys.value()) out += k.access_key_id + std::string(store::key_status_name(k.status));
        }
      }
      for (const auto& r : s.list_roles(kA)) out += store::encode(r);
      for (const auto& g : s.list_groups(kA)) out += store::encode(g);
      for (const auto& p : s.list_policies(kA, store::PolicyScope::Local)) out += store::encode(p.policy);
      return store::success();
    }));
    return out;
  }

  Response call(std::string_view service, std::string_view op, const Form& form) {
    std::string body = "Action=" + std::string(op) + "&Version=" + (service == "sts" ? "2011-06-15" : "2010-05-08");
    for (const auto& [n, v] : form) body += "&" + form_encode(n) + "=" + form_encode(v);
    return w.call(service, body, kAlice);
  }
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// How one action is called: its operation, and the request naming `who` (target or decoy, in
// any spelling).
struct Case {
  std::string_view action;
  std::string_view service;
  std::string_view op;
  std::function<Form(const Env&, const std::string& who)> form;
  // The resource a target-only deny names, for the spelling "target"; empty: the action has no
  // resource to tell target from decoy (List*).
  std::function<std::string(const std::string& who)> resource;
  // The call creates its resource: the name is the caller's to choose, as in AWS, and only its
  // own spelling is the target.
  bool creates = false;
};

std::string user_arn(const std::string& who) { return kIam + "user/secret/" + who; }
std::string role_arn(const std::string& who) { return kIam + "role/secret/" + who + "-role"; }
std::string group_arn(const std::string& who) { return kIam + "group/secret/" + who + "-group"; }
std::string policy_arn(const std::string& who) { return kIam + "policy/secret/" + who + "-policy"; }

const Form kTags{{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "blue"}};
const std::string kBound = kIam + "policy/bound";
const std::string kExtra = kIam + "policy/extra";

Form with(Form form, const Form& more) {
  form.insert(form.end(), more.begin(), more.end());
  return form;
}

std::vector<Case> cases() {
  using F = std::function<Form(const Env&, const std::string&)>;
  const auto user = [](Form extra = {}) -> F {
    return [extra](const Env&, const std::string& who) { return with({{"UserName", who}}, extra); };
  };
  const auto role = [](Form extra = {}) -> F {
    return [extra](const Env&, const std::string& who) { return with({{"RoleName", who + "-role"}}, extra); };
  };
  const auto group = [](Form extra = {}) -> F {
    return [extra](const Env&, const std::string& who) { return with({{"GroupName", who + "-group"}}, extra); };
  };
  const auto policy = [](Form extra = {}) -> F {
    return [extra](const Env&, const std::string& who) { return with({{"PolicyArn", policy_arn(who)}}, extra); };
  };
  const auto key = [](std::string status) -> F {
    return [status](const Env& env, const std::string& who) {
      Form form{{"UserName", who}, {"AccessKeyId", env.key_of.at(lower(who))}};
      if (!status.empty()) form.push_back({"Status", status});
      return form;
    };
  };
  const auto none = [](Form extra = {}) -> F { return [extra](const Env&, const std::string&) { return extra; }; };
  const auto assume = [](Form extra) -> F {
    return [extra](const Env&, const std::string& who) {
      return with({{"RoleArn", role_arn(who)}, {"RoleSessionName", "s1"}}, extra);
    };
  };
  const std::function<std::string(const std::string&)> on_user = user_arn, on_role = role_arn, on_group = group_arn,
                                                        on_policy = policy_arn, nothing = {};
  const auto created = [](std::string kind, std::string suffix) {
    return std::function<std::string(const std::string&)>(
        [kind, suffix](const std::string& who) { return kIam + kind + "/secret/" + who + suffix; });
  };
  const Form boundary{{"PermissionsBoundary", kBound}};
  const Form inline_doc{{"PolicyName", "new"}, {"PolicyDocument", doc(kAllowAll)}};
  return {
      {"iam:CreateUser", "iam", "CreateUser",
       [=](const Env&, const std::string& who) {
         return with(with({{"UserName", who + "-new"}, {"Path", "/secret/"}}, kTags), boundary);
       },
       created("user", "-new"), true},
      {"iam:GetUser", "iam", "GetUser", user(), on_user},
      {"iam:DeleteUser", "iam", "DeleteUser", user(), on_user},
      {"iam:ListUsers", "iam", "ListUsers", none(), nothing},
      {"iam:CreateAccessKey", "iam", "CreateAccessKey", user(), on_user},
      {"iam:UpdateAccessKey", "iam", "UpdateAccessKey", key("Inactive"), on_user},
      {"iam:DeleteAccessKey", "iam", "DeleteAccessKey", key(""), on_user},
      {"iam:ListAccessKeys", "iam", "ListAccessKeys", user(), on_user},
      {"iam:TagUser", "iam", "TagUser", user(kTags), on_user},
      {"iam:UntagUser", "iam", "UntagUser", user({{"TagKeys.member.1", "team"}}), on_user},
      {"iam:ListUserTags", "iam", "ListUserTags", user(), on_user},
      {"iam:PutUserPermissionsBoundary", "iam", "PutUserPermissionsBoundary", user({{"PermissionsBoundary", kExtra}}),
       on_user},
      {"iam:DeleteUserPermissionsBoundary", "iam", "DeleteUserPermissionsBoundary", user(), on_user},
      {"iam:CreateGroup", "iam", "CreateGroup",
       [](const Env&, const std::string& who) { return Form{{"GroupName", who + "-new"}, {"Path", "/secret/"}}; },
       created("group", "-new"), true},
      {"iam:GetGroup", "iam", "GetGroup", group(), on_group},
      {"iam:DeleteGroup", "iam", "DeleteGroup", group(), on_group},
      {"iam:ListGroups", "iam", "ListGroups", none(), nothing},
      {"iam:ListGroupsForUser", "iam", "ListGroupsForUser", user(), on_user},
      {"iam:AddUserToGroup", "iam", "AddUserToGroup", group({{"UserName", "alice"}}), on_group},
      {"iam:RemoveUserFromGroup", "iam", "RemoveUserFromGroup",
       [](const Env&, const std::string& who) { return Form{{"GroupName", who + "-group"}, {"UserName", lower(who)}}; },
       on_group},
      {"iam:PutUserPolicy", "iam", "PutUserPolicy", user(inline_doc), on_user},
      {"iam:GetUserPolicy", "iam", "GetUserPolicy", user({{"PolicyName", "inline"}}), on_user},
      {"iam:DeleteUserPolicy", "iam", "DeleteUserPolicy", user({{"PolicyName", "inline"}}), on_user},
      {"iam:ListUserPolicies", "iam", "ListUserPolicies", user(), on_user},
      {"iam:AttachUserPolicy", "iam", "AttachUserPolicy", user({{"PolicyArn", kExtra}}), on_user},
      {"iam:DetachUserPolicy", "iam", "DetachUserPolicy", user({{"PolicyArn", kBound}}), on_user},
      {"iam:ListAttachedUserPolicies", "iam", "ListAttachedUserPolicies", user(), on_user},
      {"iam:PutGroupPolicy", "iam", "PutGroupPolicy", group(inline_doc), on_group},
      {"iam:GetGroupPolicy", "iam", "GetGroupPolicy", group({{"PolicyName", "inline"}}), on_group},
      {"iam:DeleteGroupPolicy", "iam", "DeleteGroupPolicy", group({{"PolicyName", "inline"}}), on_group},
      {"iam:ListGroupPolicies", "iam", "ListGroupPolicies", group(), on_group},
      {"iam:AttachGroupPolicy", "iam", "AttachGroupPolicy", group({{"PolicyArn", kExtra}}), on_group},
      {"iam:DetachGroupPolicy", "iam", "DetachGroupPolicy", group({{"PolicyArn", kBound}}), on_group},
      {"iam:ListAttachedGroupPolicies", "iam", "ListAttachedGroupPolicies", group(), on_group},
      {"iam:PutRolePolicy", "iam", "PutRolePolicy", role(inline_doc), on_role},
      {"iam:GetRolePolicy", "iam", "GetRolePolicy", role({{"PolicyName", "inline"}}), on_role},
      {"iam:DeleteRolePolicy", "iam", "DeleteRolePolicy", role({{"PolicyName", "inline"}}), on_role},
      {"iam:ListRolePolicies", "iam", "ListRolePolicies", role(), on_role},
      {"iam:AttachRolePolicy", "iam", "AttachRolePolicy", role({{"PolicyArn", kExtra}}), on_role},
      {"iam:DetachRolePolicy", "iam", "DetachRolePolicy", role({{"PolicyArn", kBound}}), on_role},
      {"iam:ListAttachedRolePolicies", "iam", "ListAttachedRolePolicies", role(), on_role},
      {"iam:CreateRole", "iam", "CreateRole",
       [=](const Env&, const std::string& who) {
         return with(with({{"RoleName", who + "-new"},
                           {"Path", "/secret/"},
                           {"AssumeRolePolicyDocument",
                            doc(R"({"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"})")}},
                          kTags),
                     boundary);
       },
       created("role", "-new"), true},
      {"iam:GetRole", "iam", "GetRole", role(), on_role},
      {"iam:DeleteRole", "iam", "DeleteRole", role(), on_role},
      {"iam:UpdateRole", "iam", "UpdateRole", role({{"Description", "changed"}}), on_role},
      {"iam:UpdateRoleDescription", "iam", "UpdateRoleDescription", role({{"Description", "changed"}}), on_role},
      {"iam:UpdateAssumeRolePolicy", "iam", "UpdateAssumeRolePolicy",
       role({{"PolicyDocument",
              doc(R"({"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"})")}}),
       on_role},
      {"iam:ListRoles", "iam", "ListRoles", none(), nothing},
      {"iam:ListInstanceProfilesForRole", "iam", "ListInstanceProfilesForRole", role(), on_role},
      {"iam:TagRole", "iam", "TagRole", role(kTags), on_role},
      {"iam:UntagRole", "iam", "UntagRole", role({{"TagKeys.member.1", "team"}}), on_role},
      {"iam:ListRoleTags", "iam", "ListRoleTags", role(), on_role},
      {"iam:PutRolePermissionsBoundary", "iam", "PutRolePermissionsBoundary", role({{"PermissionsBoundary", kExtra}}),
       on_role},
      {"iam:DeleteRolePermissionsBoundary", "iam", "DeleteRolePermissionsBoundary", role(), on_role},
      {"iam:CreatePolicy", "iam", "CreatePolicy",
       [](const Env&, const std::string& who) {
         return with({{"PolicyName", who + "-new"}, {"Path", "/secret/"}, {"PolicyDocument", doc(kAllowAll)}}, kTags);
       },
       created("policy", "-new"), true},
      // TagPolicy is authorized by CreatePolicy with tags (the service has no TagPolicy operation).
      {"iam:TagPolicy", "iam", "CreatePolicy",
       [](const Env&, const std::string& who) {
         return with({{"PolicyName", who + "-new"}, {"Path", "/secret/"}, {"PolicyDocument", doc(kAllowAll)}}, kTags);
       },
       created("policy", "-new"), true},
      {"iam:GetPolicy", "iam", "GetPolicy", policy(), on_policy},
      {"iam:DeletePolicy", "iam", "DeletePolicy", policy(), on_policy},
      {"iam:ListPolicies", "iam", "ListPolicies", none(), nothing},
      {"iam:CreatePolicyVersion", "iam", "CreatePolicyVersion", policy({{"PolicyDocument", doc(kAllowAll)}}),
       on_policy},
      {"iam:GetPolicyVersion", "iam", "GetPolicyVersion", policy({{"VersionId", "v1"}}), on_policy},
      {"iam:DeletePolicyVersion", "iam", "DeletePolicyVersion", policy({{"VersionId", "v2"}}), on_policy},
      {"iam:ListPolicyVersions", "iam", "ListPolicyVersions", policy(), on_policy},
      {"iam:SetDefaultPolicyVersion", "iam", "SetDefaultPolicyVersion", policy({{"VersionId", "v2"}}), on_policy},
      {"iam:ListEntitiesForPolicy", "iam", "ListEntitiesForPolicy", policy(), on_policy},
      {"sts:AssumeRole", "sts", "AssumeRole",
       assume(with(kTags, {{"TransitiveTagKeys.member.1", "team"}, {"ExternalId", "ext-id"}, {"SourceIdentity", "alice"}})),
       on_role},
      {"sts:TagSession", "sts", "AssumeRole", assume(with(kTags, {{"TransitiveTagKeys.member.1", "team"}})), on_role},
      {"sts:SetSourceIdentity", "sts", "AssumeRole", assume({{"SourceIdentity", "alice"}}), on_role},
  };
}

// The key a policy names for a table key: tag keys for the tag every resource and request has.
std::string concrete(std::string_view key) {
  constexpr std::string_view kPart = "${TagKey}";
  if (key.ends_with(kPart)) return std::string(key.substr(0, key.size() - kPart.size())) + "team";
  return std::string(key);
}

std::string deny(std::string_view action, const std::string& resource, const std::string& condition = "") {
  return R"({"Effect":"Deny","Action":")" + std::string(action) + R"(","Resource":")" + resource + "\"" +
         (condition.empty() ? "" : ",\"Condition\":" + condition) + "}";
}

const Case* find_case(const std::vector<Case>& all, std::string_view action) {
  for (const Case& c : all) {
    if (c.action == action) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("IAM/STS table: every operation's action has a row, and every row an operation here", "[iam][authz-table]") {
  const std::vector<Case> all = cases();
  std::set<std::string_view> rows;
  for (auto table : {server::iam::iam_action_keys(), server::iam::sts_action_keys()}) {
    for (const auto& row : table) {
      rows.insert(row.action);
      INFO(row.action);
      CHECK(find_case(all, row.action) != nullptr);
    }
  }
  for (const Case& c : all) {
    INFO(c.action);
    CHECK(rows.contains(c.action));
  }
}

TEST_CASE("IAM/STS table: every operation of the API is in it", "[iam][authz-table]") {
  // Operations that authorize nothing (GetCallerIdentity, GetSessionToken: AWS lets every caller
  // call them) and the simulator's (authorized on `*` or the simulated principal, with no keys).
  const std::set<std::string_view> outside{"GetCallerIdentity",
                                           "GetSessionToken",
                                           "SimulateCustomPolicy",
                                           "SimulatePrincipalPolicy",
                                           "GetContextKeysForCustomPolicy",
                                           "GetContextKeysForPrincipalPolicy"};
  for (const auto& [prefix, operations] : {std::pair{std::string("iam:"), server::iam::operations()},
                                           std::pair{std::string("sts:"), server::sts::operations()}}) {
    for (const auto& operation : operations) {
      INFO(operation.name);
      if (outside.contains(operation.name)) continue;
      CHECK(server::iam::find_action_keys(prefix + std::string(operation.name)) != nullptr);
    }
  }
}

TEST_CASE("IAM/STS table: each listed key reaches the context of each action", "[iam][authz-table]") {
  const std::vector<Case> all = cases();
  for (auto table : {server::iam::iam_action_keys(), server::iam::sts_action_keys()}) {
    for (const auto& row : table) {
      const Case* c = find_case(all, row.action);
      REQUIRE(c);
      Env env;
      const Form form = c->form(env, "target");
      for (const std::string_view key : row.keys) {
        INFO(row.action << " " << key);
        // Denied exactly when the key is present in the context.
        env.alice_policy(kAllowAll + "," + deny(row.action, "*", R"({"Null":{")" + concrete(key) + R"(":"false"}})"));
        const std::string before = env.state();
        const Response r = env.call(c->service, c->op, form);
        INFO(r.body);
        CHECK(r.status == 403);
        CHECK(r.message().find("with an explicit deny") != std::string::npos);
        CHECK(env.state() == before);
      }
      // Without the deny the same request goes through authorization.
      env.alice_policy(kAllowAll);
      const Response r = env.call(c->service, c->op, form);
      INFO(row.action << " " << r.body);
      CHECK(r.status != 403);
    }
  }
}

TEST_CASE("IAM/STS: denied on the target, allowed on a decoy, in every spelling; nothing changes",
          "[iam][authz-table]") {
  for (const Case& c : cases()) {
    if (!c.resource) continue;
    INFO(c.action);
    Env env;
    env.alice_policy(kAllowAll + "," + deny(c.action, c.resource("target")));
    std::vector<std::string> spellings{"target"};
    // Names of users, groups and roles are case-insensitive: each spelling names the target.
    if (!c.creates) spellings.insert(spellings.end(), {"TARGET", "Target", "tArGeT"});
    for (const std::string& spelling : spellings) {
      INFO(spelling);
      const std::string before = env.state();
      const Response r = env.call(c.service, c.op, c.form(env, spelling));
      INFO(r.body);
      // Refused: AccessDenied, or (a managed policy ARN spelled otherwise names no policy)
      // NoSuchEntity; either way nothing is read or changed.
      const bool refused = r.code() == "AccessDenied" || (spelling != "target" && r.code() == "NoSuchEntity");
      CHECK(refused);
      CHECK(r.body.find("<Tags>") == std::string::npos);
      CHECK(env.state() == before);
    }
    const Response decoy = env.call(c.service, c.op, c.form(env, "decoy"));
    INFO(decoy.body);
    CHECK(decoy.status != 403);
  }
}

TEST_CASE("IAM/STS randomized: calls of a caller denied on the target never change the target",
          "[iam][authz-table]") {
  // Sequences of calls on the target (in any spelling) and the decoy, in random order: the decoy
  // changes as the calls allow (it may even be deleted), the target's user, group, role, managed
  // policy and access keys stay exactly as they were.
  const std::vector<Case> all = cases();
  std::vector<const Case*> on_entities;
  for (const Case& c : all) {
    if (c.resource && !c.creates) on_entities.push_back(&c);
  }
  const unsigned seed = std::random_device()();
  INFO("seed " << seed);
  std::mt19937 random(seed);
  Env env;
  std::string denies;
  for (const auto& arn : {user_arn("target"), role_arn("target"), group_arn("target"), policy_arn("target")}) {
    denies += "," + deny("*", arn);
  }
  env.alice_policy(kAllowAll + denies);
  const auto target_state = [&]() {
    std::string out;
    require_ok(env.w.store().read([&](const store::Snapshot& s) -> store::Result<void> {
      if (auto u = s.find_user(kA, "target")) out += store::encode(*u);
      if (auto r = s.find_role(kA, "target-role")) out += store::encode(*r);
      if (auto g = s.find_group(kA, "target-group")) out += store::encode(*g);
      if (auto p = s.find_policy(policy_arn("target"))) out += store::encode(*p);
      if (auto keys = s.list_access_keys(kA, "target")) {
        for (const auto& k : keys.value()) out += k.access_key_id + std::string(store::key_status_name(k.status));
      }
      return store::success();
    }));
    return out;
  };
  const std::string before = target_state();
  const std::vector<std::string> names{"target", "TARGET", "Target", "decoy", "DECOY"};
  for (int i = 0; i < 300; ++i) {
    const Case& c = *on_entities[random() % on_entities.size()];
    const std::string& who = names[random() % names.size()];
    INFO(i << ": " << c.op << " " << who);
    const Response r = env.call(c.service, c.op, c.form(env, who));
    INFO(r.body);
    if (lower(who) == "target") CHECK(r.status >= 400);
    REQUIRE(target_state() == before);
  }
}
