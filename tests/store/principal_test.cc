// The fast paths: access key -> principal with every policy that applies,
// compiled; function + qualifier -> resource policy; role -> trust policy.
// A write takes effect on the very next lookup.
#include "policy/decide.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;
namespace gp = gatehouse::policy;

namespace {

const EntityRef kAlice{EntityKind::User, kAccount, "alice"};
const EntityRef kDevs{EntityKind::Group, kAccount, "devs"};
const char* const kFunction = "arn:aws:lambda:us-east-1:111111111111:function:hello";

gp::Decision decide(const ResolvedPrincipal& p, std::string_view action, std::string_view resource,
                    const gp::CompiledPolicy* resource_policy = nullptr) {
  gp::PolicySet set = p.policies.policy_set();
  set.resource = resource_policy;
  gp::RequestContext context;
  gp::add_principal_keys(p.caller, context);
  gp::Request request{action, resource, {}, &p.caller, &context};
  return gp::decide(set, request).decision;
}

std::string alice_key(Store& store) {
  auto ok = store.write([](Mutation& m) -> Result<std::string> {
    if (auto r = m.create_policy({kAccount, "invoke", "/", kAllowInvoke, "", {}}); !r) return r.error();
    if (auto r = m.create_group({kAccount, "devs", "/"}); !r) return r.error();
    if (auto r = m.create_user({kAccount, "alice", "/eng/", "", {{"team", "blue"}}}); !r) return r.error();
    if (auto r = m.add_user_to_group(kAccount, "devs", "alice"); !r) return r.error();
    if (auto r = m.attach_policy(kDevs, customer_policy_arn("invoke")); !r) return r.error();
    auto key = m.create_access_key(kAccount, "alice");
    if (!key) return key.error();
    return key.value().metadata.access_key_id;
  });
  REQUIRE(ok);
  return ok.value();
}

}  // namespace

TEST_CASE("fast path: a user's key brings the caller and every policy that applies", "[store][principal]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::string key = alice_key(*store);
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    if (auto r = m.put_inline_policy(kAlice, "own", kDenyInvoke); !r) return r;
    if (auto r = m.put_inline_policy(kDevs, "group-inline", kAllowAll); !r) return r;
    if (auto r = m.attach_policy(kAlice, "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"); !r) return r;
    return m.put_permissions_boundary(kAlice, "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess");
  }));
  auto found = store->find_credential(key);
  REQUIRE(found);
  REQUIRE(found.value());
  const ResolvedPrincipal& p = found.value()->principal;
  CHECK(p.caller.type == gp::PrincipalType::User);
  CHECK(p.caller.arn == "arn:aws:iam::111111111111:user/eng/alice");
  CHECK(p.caller.account == kAccount);
  CHECK(p.caller.name == "alice");
  CHECK(p.caller.path == "/eng/");
  CHECK(p.caller.unique_id.starts_with("AIDA"));
  CHECK(p.user_id == p.caller.unique_id);
  CHECK(p.caller.tags == Tags{{"team", "blue"}});
  // Inline, then attached, then each group's inline and managed (policy-semantics 5.1).
  struct Expected {
    PolicySource source;
    const char* name;
    const char* owner;
  };
  const Expected expected[] = {{PolicySource::UserInline, "own", "alice"},
                               {PolicySource::Managed, "AWSLambdaRole", "alice"},
                               {PolicySource::GroupInline, "group-inline", "devs"},
                               {PolicySource::Managed, "invoke", "devs"}};
  REQUIRE(p.policies.identity.size() == std::size(expected));
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    CHECK(p.policies.identity[i].source == expected[i].source);
    CHECK(p.policies.identity[i].name == expected[i].name);
    CHECK(p.policies.identity[i].owner == expected[i].owner);
    CHECK(p.policies.identity_view[i] == p.policies.identity[i].compiled.get());
  }
  CHECK(p.policies.identity[1].aws_managed);
  REQUIRE(p.policies.boundary.has_value());
  CHECK(p.policies.boundary->arn == "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess");
  // The user's own Deny wins; the boundary limits the group's Allow *.
  CHECK(decide(p, "lambda:InvokeFunction", kFunction) == gp::Decision::ExplicitDeny);
  CHECK(decide(p, "lambda:GetFunction", kFunction) == gp::Decision::Allowed);
  CHECK(decide(p, "lambda:DeleteFunction", kFunction) == gp::Decision::ImplicitDeny);
}

TEST_CASE("fast path: a policy change takes effect on the next lookup", "[store][principal]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::string key = alice_key(*store);
  auto allowed = [&] {
    auto c = store->find_credential(key);
    REQUIRE(c);
    REQUIRE(c.value());
    return decide(c.value()->principal, "lambda:InvokeFunction", kFunction);
  };
  CHECK(allowed() == gp::Decision::Allowed);
  CHECK(allowed() == gp::Decision::Allowed);  // warm
  struct Step {
    const char* what;
    std::function<Result<void>(Mutation&)> change;
    gp::Decision then;
  };
  const std::string arn = customer_policy_arn("invoke");
  const Step steps[] = {
      {"an inline Deny", [](Mutation& m) { return m.put_inline_policy(kAlice, "deny", kDenyInvoke); }, gp::Decision::ExplicitDeny},
      {"the Deny replaced", [](Mutation& m) { return m.put_inline_policy(kAlice, "deny", kAllowAll); }, gp::Decision::Allowed},
      {"the inline policy deleted", [](Mutation& m) { return m.delete_inline_policy(kAlice, "deny"); }, gp::Decision::Allowed},
      {"a new default version",
       [&](Mutation& m) -> Result<void> {
         auto v = m.create_policy_version(kAccount, arn, kDenyInvoke, true);
         if (!v) return v.error();
         return success();
       },
       gp::Decision::ExplicitDeny},
      {"the old default back", [&](Mutation& m) { return m.set_default_policy_version(kAccount, arn, "v1"); }, gp::Decision::Allowed},
      {"a boundary", [&](Mutation& m) { return m.put_permissions_boundary(kAlice, "arn:aws:iam::aws:policy/AWSLambdaExecute"); },
       gp::Decision::ImplicitDeny},
      {"no boundary", [&](Mutation& m) { return m.delete_permissions_boundary(kAlice); }, gp::Decision::Allowed},
      {"out of the group", [](Mutation& m) { return m.remove_user_from_group(kAccount, "devs", "alice"); }, gp::Decision::ImplicitDeny},
      {"back in the group", [](Mutation& m) { return m.add_user_to_group(kAccount, "devs", "alice"); }, gp::Decision::Allowed},
      {"detached from the group", [&](Mutation& m) { return m.detach_policy(kDevs, arn); }, gp::Decision::ImplicitDeny},
  };
  for (const auto& step : steps) {
    INFO(step.what);
    REQUIRE(store->write(step.change));
    CHECK(allowed() == step.then);
  }
}

TEST_CASE("fast path: compiled policies are cached and shared until they change", "[store][principal]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::string key = alice_key(*store);
  auto first = store->find_credential(key).value();
  const auto misses = store->cache_stats().compiled_misses;
  // Another write (unrelated) invalidates the principal but not its compiled policies.
  REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "bob", "/", "", {}}); }));
  auto second = store->find_credential(key).value();
  CHECK(second != first);
  CHECK(second->principal.policies.identity[0].compiled == first->principal.policies.identity[0].compiled);
  CHECK(store->cache_stats().compiled_misses == misses);
  // Without a write, the same resolved credential is served.
  const auto hits = store->cache_stats().principal_hits;
  CHECK(store->find_credential(key).value() == second);
  CHECK(store->cache_stats().principal_hits == hits + 1);
}

TEST_CASE("fast path: keys of deleted or re-created principals stop working", "[store][principal]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  auto session = store->write([](Mutation& m) -> Result<TemporaryCredentials> {
    if (auto r = m.create_role({kAccount, "exec", "/", kLambdaTrust, "", {}, "", {}}); !r) return r.error();
    return m.assume_role({kAccount, "exec", "s1", 3600, "", {}, {}, "", false, {}, "", ""});
  });
  if (!session) FAIL(session.error());
  REQUIRE(store->find_credential(session.value().access_key_id).value());
  // The role is deleted and created again: a new AROA, and the old session is not its.
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    if (auto r = m.delete_role(kAccount, "exec"); !r) return r;
    if (auto r = m.create_role({kAccount, "exec", "/", kLambdaTrust, "", {}, "", {}}); !r) return r.error();
    return success();
  }));
  CHECK(store->find_credential(session.value().access_key_id).value() == nullptr);
  CHECK(store->find_credential("AKIAUNKNOWNUNKNOWN12").value() == nullptr);
}

TEST_CASE("fast path: role sessions carry session policies and tags", "[store][principal]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  auto session = store->write([](Mutation& m) -> Result<TemporaryCredentials> {
    if (auto r = m.create_role({kAccount, "exec", "/app/", kLambdaTrust, "", {}, "", {{"team", "red"}, {"env", "dev"}}}); !r) {
      return r.error();
    }
    if (auto r = m.put_inline_policy({EntityKind::Role, kAccount, "exec"}, "all", kAllowAll); !r) return r.error();
    return m.assume_role({kAccount, "exec", "s1", 3600, kAllowInvoke, {"arn:aws:iam::aws:policy/service-role/AWSLambdaRole"},
                          {{"env", "prod"}}, "", false, {}, "", ""});
  });
  if (!session) FAIL(session.error());
  CHECK(session.value().packed_policy_size > 0);
  auto c = store->find_credential(session.value().access_key_id).value();
  REQUIRE(c);
  const auto& p = c->principal;
  CHECK(p.caller.type == gp::PrincipalType::AssumedRole);
  CHECK(p.caller.arn == "arn:aws:sts::111111111111:assumed-role/exec/s1");
  CHECK(p.caller.session == "s1");
  CHECK(p.caller.tags == Tags{{"env", "prod"}, {"team", "red"}});
  REQUIRE(p.policies.session.size() == 2);
  CHECK(p.policies.session[0].source == PolicySource::SessionInline);
  CHECK(p.policies.session[1].source == PolicySource::SessionManaged);
  CHECK(decide(p, "lambda:InvokeFunction", kFunction) == gp::Decision::Allowed);
  CHECK(decide(p, "lambda:GetFunction", kFunction) == gp::Decision::ImplicitDeny);  // the session policy limits *
  auto role = store->resolve_role(kAccount, "exec", "fn").value();
  CHECK(role->caller.arn == "arn:aws:sts::111111111111:assumed-role/exec/fn");
  CHECK(role->policies.session.empty());
  CHECK(decide(*role, "lambda:GetFunction", kFunction) == gp::Decision::Allowed);
  auto user = store->resolve_user(kAccount, "nobody");
  CHECK(user.value() == nullptr);
}

TEST_CASE("fast path: trust policies and function policies by qualifier", "[store][principal]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const FunctionRef fn{kAccount, "us-east-1", "hello"};
  REQUIRE(store->write([&](Mutation& m) -> Result<void> {
    if (auto r = m.create_role({kAccount, "exec", "/", kLambdaTrust, "", 7200, "", {}}); !r) return r.error();
    CreateFunctionInput in;
    in.function = fn;
    in.config.runtime = "python3.11";
    in.zip = "zip";
    if (auto r = m.create_function(in); !r) return r.error();
    if (auto r = m.publish_version(fn); !r) return r.error();
    if (auto r = m.create_alias(fn, {"PROD", "1", "", std::nullopt}); !r) return r.error();
    PermissionInput p;
    p.statement_id = "other-account";
    p.action = "lambda:InvokeFunction";
    p.principal = kOtherAccount;
    if (auto r = m.add_permission(fn, "PROD", p); !r) return r.error();
    return success();
  }));
  auto trust = store->find_role_trust(kAccount, "exec").value();
  REQUIRE(trust);
  CHECK(trust->arn == "arn:aws:iam::111111111111:role/exec");
  CHECK(trust->max_session_duration == 7200);
  REQUIRE(trust->trust);
  CHECK(trust->trust->statements.size() == 1);
  CHECK(store->find_role_trust(kAccount, "nobody").value() == nullptr);

  CHECK(store->find_function_policy(fn, "").value() == nullptr);
  CHECK(store->find_function_policy(fn, "1").value() == nullptr);
  auto prod = store->find_function_policy(fn, "PROD").value();
  REQUIRE(prod);
  auto caller = gp::caller_from_arn("arn:aws:iam::222222222222:user/carol").value();
  gp::RequestContext context;
  gp::PolicySet set;
  set.resource = prod.get();
  const std::string alias_arn = std::string(kFunction) + ":PROD";
  gp::Request request{"lambda:InvokeFunction", alias_arn, {}, &caller, &context};
  CHECK(gp::decide(set, request).decision != gp::Decision::ExplicitDeny);
  // Removing the last statement removes the policy, on the next lookup.
  REQUIRE(store->write([&](Mutation& m) { return m.remove_permission(fn, "PROD", "other-account"); }));
  CHECK(store->find_function_policy(fn, "PROD").value() == nullptr);
}

TEST_CASE("function policies bind user principals to the user's unique id (issue 10 finding 7)",
          "[store][principal]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const FunctionRef fn{kAccount, "us-east-1", "hello"};
  const std::string carol_arn = "arn:aws:iam::111111111111:user/carol";
  REQUIRE(store->write([&](Mutation& m) -> Result<void> {
    if (auto r = m.create_user({kAccount, "carol", "/", "", {}}); !r) return r.error();
    CreateFunctionInput in;
    in.function = fn;
    in.config.runtime = "python3.11";
    in.zip = "zip";
    if (auto r = m.create_function(in); !r) return r.error();
    PermissionInput p;
    p.statement_id = "carol";
    p.action = "lambda:InvokeFunction";
    p.principal = carol_arn;
    if (auto r = m.add_permission(fn, "", p); !r) return r.error();
    return success();
  }));
  const auto carol_may_invoke = [&]() {
    auto principal = store->resolve_user(kAccount, "carol");
    REQUIRE(principal);
    REQUIRE(principal.value());
    auto policy = store->find_function_policy(fn, "").value();
    REQUIRE(policy);
    gp::PolicySet set;
    set.resource = policy.get();
    gp::RequestContext context;
    gp::Request request{"lambda:InvokeFunction", kFunction, {}, &principal.value()->caller, &context};
    return gp::decide(set, request).decision == gp::Decision::Allowed;
  };
  CHECK(carol_may_invoke());
  std::string old_id;
  REQUIRE(store->write([&](Mutation& m) -> Result<void> {
    old_id = m.find_user(kAccount, "carol")->id;
    if (auto r = m.delete_user(kAccount, "carol"); !r) return r;
    if (auto r = m.create_user({kAccount, "carol", "/", "", {}}); !r) return r.error();
    return success();
  }));
  // The carol of today is not the carol the grant named; GetPolicy shows the old one's id.
  CHECK_FALSE(carol_may_invoke());
  auto shown = store->read([&](const Snapshot& s) { return s.get_function_policy(fn, ""); });
  REQUIRE(shown);
  CHECK(shown.value().document().find(old_id) != std::string::npos);
  CHECK(shown.value().document().find(carol_arn) == std::string::npos);

  // A new grant to the carol of today is hers alone; the old one still names the carol gone.
  REQUIRE(store->write([&](Mutation& m) -> Result<void> {
    PermissionInput p;
    p.statement_id = "carol-again";
    p.action = "lambda:InvokeFunction";
    p.principal = carol_arn;
    if (auto r = m.add_permission(fn, "", p); !r) return r.error();
    return success();
  }));
  CHECK(carol_may_invoke());
  auto both = store->read([&](const Snapshot& s) { return s.get_function_policy(fn, ""); });
  REQUIRE(both);
  REQUIRE(both.value().statements.size() == 2);
  CHECK(both.value().statements[0].json.find(old_id) != std::string::npos);
  CHECK(both.value().statements[1].json.find(carol_arn) != std::string::npos);
  REQUIRE(store->write([&](Mutation& m) { return m.remove_permission(fn, "", "carol-again"); }));
  CHECK_FALSE(carol_may_invoke());
}
