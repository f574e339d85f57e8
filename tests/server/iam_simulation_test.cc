// SimulateCustomPolicy, SimulatePrincipalPolicy and GetContextKeysFor*Policy on the Query API
// (iam-sts-api.md 3.6, policy semantics 5.8): the same answers as the engine behind
// `gatehouse simulate`, in the XML shape botocore reads, with a principal's stored policies
// named and typed, errors, pagination and the caller's own authorization.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "policy/simulate.h"
#include "server/iam/simulation.h"
#include "server/query/params.h"
#include "tests/server/query_test_world.h"

using namespace gatehouse;
using query_test::form_encode;
using query_test::require_ok;
using server::query::Reply;

namespace {

constexpr std::string_view kAccount = query_test::kA;
const std::string kCarol = "arn:aws:iam::111111111111:user/staff/carol";
const std::string kDevs = "arn:aws:iam::111111111111:group/devs";
const std::string kRole = "arn:aws:iam::111111111111:role/app/R";
const std::string kCustomerPolicy = "arn:aws:iam::111111111111:policy/cust";
const std::string kBoundary = "arn:aws:iam::111111111111:policy/bound";
const std::string kLambdaRead = "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess";
const std::string kBucket = "arn:aws:s3:::bucket/key";

std::string allow(const std::string& action, const std::string& resource, const std::string& condition = "") {
  return R"({"Effect":"Allow","Action":")" + action + R"(","Resource":")" + resource + "\"" +
         (condition.empty() ? "" : ",\"Condition\":" + condition) + "}";
}
std::string deny(const std::string& action, const std::string& resource) {
  return R"({"Effect":"Deny","Action":")" + action + R"(","Resource":")" + resource + "\"}";
}
std::string document(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

struct Form {
  std::string text;
  Form& add(const std::string& name, std::string_view value) {
    if (!text.empty()) text += '&';
    text += name + "=" + form_encode(value);
    return *this;
  }
  Form& list(const std::string& name, const std::vector<std::string>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) add(name + ".member." + std::to_string(i + 1), values[i]);
    return *this;
  }
};

// A SimulationInput as botocore sends it to SimulateCustomPolicy.
Form to_form(const policy::SimulationInput& in) {
  Form f;
  f.add("Action", "SimulateCustomPolicy").add("Version", "2010-05-08");
  f.list("PolicyInputList", in.policy_input_list);
  f.list("PermissionsBoundaryPolicyInputList", in.permissions_boundary_policy_input_list);
  f.list("ActionNames", in.action_names);
  f.list("ResourceArns", in.resource_arns);
  if (in.resource_policy) f.add("ResourcePolicy", *in.resource_policy);
  if (in.resource_owner) f.add("ResourceOwner", *in.resource_owner);
  if (in.caller_arn) f.add("CallerArn", *in.caller_arn);
  for (std::size_t i = 0; i < in.context_entries.size(); ++i) {
    const std::string prefix = "ContextEntries.member." + std::to_string(i + 1);
    f.add(prefix + ".ContextKeyName", in.context_entries[i].name);
    f.list(prefix + ".ContextKeyValues", in.context_entries[i].values);
    f.add(prefix + ".ContextKeyType", in.context_entries[i].type);
  }
  return f;
}

// The inner texts of every <tag>...</tag> in document order (tags that do not nest).
std::vector<std::string> values_of(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">", empty = "<" + tag + "/>";
  std::size_t at = 0;
  while (true) {
    const std::size_t o = xml.find(open, at), e = xml.find(empty, at);
    if (o == std::string::npos && e == std::string::npos) break;
    if (e < o) {
      out.emplace_back();
      at = e + empty.size();
      continue;
    }
    const std::size_t c = xml.find(close, o);
    REQUIRE(c != std::string::npos);
    out.push_back(xml.substr(o + open.size(), c - o - open.size()));
    at = c + close.size();
  }
  return out;
}

std::string members_xml(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += "<member>" + v + "</member>";
  return out;
}

constexpr std::string_view kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

// query_test's world (alice, with a key, in 111111111111), and in that account: carol (/staff/, tagged team=blue,
// inline carol-inline, attached cust, member of devs); group devs (inline devs-inline, attached
// AWSLambda_ReadOnlyAccess); role app/R (inline r-inline, boundary bound).
// The operations run directly (not through the IAM operation table) as alice.
class World {
 public:
  World() : pipeline_(base_.store(), base_.clock()) {
    require_ok(base_.store().write([](store::Mutation& m) -> store::Result<void> {
      const std::string a(kAccount);
      if (auto r = m.create_policy({a, "cust", "/", document(allow("s3:PutObject", "*")), "", {}}); !r) {
        return r.error();
      }
      if (auto r = m.create_policy({a, "bound", "/", document(allow("s3:*", "*")), "", {}}); !r) return r.error();
      if (auto r = m.create_user({a, "carol", "/staff/", "", {{"team", "blue"}}}); !r) return r.error();
      const store::EntityRef carol{store::EntityKind::User, a, "carol"};
      if (auto r = m.put_inline_policy(
              carol, "carol-inline",
              document(allow("s3:GetObject", "*") + "," +
                       allow("s3:GetObjectTagging", "*", R"({"StringEquals":{"aws:PrincipalTag/team":"blue"}})") +
                       "," + allow("s3:GetObjectAcl", "*", R"({"StringEquals":{"aws:username":"carol"}})")));
          !r) {
        return r.error();
      }
      if (auto r = m.attach_policy(carol, kCustomerPolicy); !r) return r.error();
      if (auto r = m.create_group({a, "devs", "/"}); !r) return r.error();
      const store::EntityRef devs{store::EntityKind::Group, a, "devs"};
      if (auto r = m.put_inline_policy(devs, "devs-inline", document(allow("s3:ListBucket", "*"))); !r) {
        return r.error();
      }
      if (auto r = m.attach_policy(devs, kLambdaRead); !r) return r.error();
      if (auto r = m.add_user_to_group(a, "devs", "carol"); !r) return r.error();
      store::CreateRoleInput role{.account = a, .name = "R", .path = "/app/", .assume_role_policy = std::string(kTrust),
                                  .description = {}, .max_session_duration = {}, .permissions_boundary = kBoundary,
                                  .tags = {}};
      if (auto r = m.create_role(role); !r) return r.error();
      const store::EntityRef r_ref{store::EntityKind::Role, a, "R"};
      if (auto r = m.put_inline_policy(r_ref, "r-inline",
                                       document(allow("s3:GetObject", "*") + "," + allow("lambda:InvokeFunction", "*")));
          !r) {
        return r.error();
      }
      return store::success();
    }));
    alice_may(allow("iam:Simulate*", "*") + "," + allow("iam:GetContextKeysFor*", "*"));
  }

  // Replaces alice's only inline policy.
  void alice_may(const std::string& statements) { base_.put_user_policy(kAccount, "alice", document(statements)); }

  // Runs one operation as alice, authenticated afresh (her policies as they are now).
  Reply run(Reply (*operation)(const server::query::Call&), const std::string& form) {
    const auto params = server::query::Params::decode(form, "");
    REQUIRE(params);
    const std::vector<sigv4::Header> headers = {{"Host", "iam.amazonaws.com"}};
    sigv4::SignInput input{"GET", "/", headers, sigv4::PayloadHash::of_body({})};
    sigv4::SignOptions options{"us-east-1", "iam", base_.clock().now(), std::nullopt, false};
    const auto& alice = query_test::kAlice;
    auto signed_request = sigv4::sign_request(input, {alice.id, alice.secret, std::nullopt}, options);
    if (!signed_request) FAIL(signed_request.error());
    std::vector<sigv4::Header> view_headers;
    for (const auto& [n, v] : signed_request.value().headers) view_headers.push_back({n, v});
    const sigv4::RequestView view{"GET", "/", "", view_headers, sigv4::PayloadHash::of_body({})};
    auto principal = pipeline_.authenticate(view, sigv4::Endpoint::iam());
    REQUIRE(principal);
    const server::authz::Transport transport{"10.0.0.1", true, std::nullopt, std::nullopt};
    const server::query::Call call(*params, principal.value(), transport, pipeline_, base_.store(), base_.clock(),
                                   "us-east-1");
    return operation(call);
  }

  // The XML of a successful call.
  std::string ok(Reply (*operation)(const server::query::Call&), const std::string& form) {
    auto reply = run(operation, form);
    if (!reply) FAIL(reply.error().code << ": " << reply.error().message);
    REQUIRE(reply.value().result);
    return reply.value().result->text();
  }

 private:
  query_test::World base_;
  server::authz::Pipeline pipeline_;
};

// The flattened fields of the engine's answer, in the order the XML writes them.
struct Flat {
  std::vector<std::string> decisions, resource_decisions, ids, types, lines, columns, boundary, missing;
};

Flat flatten(const std::vector<policy::EvaluationResult>& results) {
  Flat f;
  auto statements = [&](const std::vector<policy::MatchedStatement>& list) {
    for (const auto& s : list) {
      f.ids.push_back(s.source_policy_id);
      f.types.push_back(s.source_policy_type);
      f.lines.push_back(std::to_string(s.start_position.line));
      f.lines.push_back(std::to_string(s.end_position.line));
      f.columns.push_back(std::to_string(s.start_position.column));
      f.columns.push_back(std::to_string(s.end_position.column));
    }
  };
  for (const auto& r : results) {
    f.decisions.emplace_back(policy::decision_name(r.eval_decision));
    statements(r.matched_statements);
    f.missing.push_back(members_xml(r.missing_context_values));
    if (r.allowed_by_permissions_boundary) f.boundary.push_back(*r.allowed_by_permissions_boundary ? "true" : "false");
    for (const auto& rs : r.resource_specific_results) {
      f.resource_decisions.emplace_back(policy::decision_name(rs.eval_resource_decision));
      statements(rs.matched_statements);
      f.missing.push_back(members_xml(rs.missing_context_values));
      if (rs.allowed_by_permissions_boundary) {
        f.boundary.push_back(*rs.allowed_by_permissions_boundary ? "true" : "false");
      }
    }
  }
  return f;
}

Flat flatten(const std::string& xml) {
  Flat f;
  f.decisions = values_of(xml, "EvalDecision");
  f.resource_decisions = values_of(xml, "EvalResourceDecision");
  f.ids = values_of(xml, "SourcePolicyId");
  f.types = values_of(xml, "SourcePolicyType");
  f.lines = values_of(xml, "Line");
  f.columns = values_of(xml, "Column");
  f.boundary = values_of(xml, "AllowedByPermissionsBoundary");
  f.missing = values_of(xml, "MissingContextValues");
  return f;
}

policy::SimulationInput custom(std::vector<std::string> policies, std::vector<std::string> actions,
                               std::vector<std::string> resources = {}) {
  policy::SimulationInput in;
  in.policy_input_list = std::move(policies);
  in.action_names = std::move(actions);
  in.resource_arns = std::move(resources);
  return in;
}

}  // namespace

TEST_CASE("SimulateCustomPolicy answers what the engine of `gatehouse simulate` answers", "[server][iam][simulate]") {
  World world;
  const std::string read_all = document(allow("s3:*", "*"));
  const std::string ip_only = document(allow("s3:GetObject", "*", R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})"));

  struct Case {
    std::string name;
    policy::SimulationInput input;
    std::vector<std::string> decisions;  // expected top-level EvalDecisions
  };
  std::vector<Case> cases;
  cases.push_back({"allowed", custom({read_all}, {"s3:GetObject"}), {"allowed"}});
  cases.push_back({"explicit deny", custom({document(allow("s3:*", "*") + "," + deny("s3:DeleteObject", "*"))},
                                           {"s3:GetObject", "s3:DeleteObject"}),
                   {"allowed", "explicitDeny"}});
  cases.push_back({"implicit deny", custom({read_all}, {"lambda:InvokeFunction"}), {"implicitDeny"}});
  cases.push_back({"missing context at top level", custom({ip_only}, {"s3:GetObject"}), {"implicitDeny"}});
  cases.push_back(
      {"missing context per resource", custom({ip_only}, {"s3:GetObject"}, {kBucket, "arn:aws:s3:::other/x"}),
       {"implicitDeny", "implicitDeny"}});
  {
    auto in = custom({ip_only}, {"s3:GetObject"});
    in.context_entries.push_back({"aws:SourceIp", {"203.0.113.7"}, "ip"});
    cases.push_back({"context entries satisfy the condition", in, {"allowed"}});
  }
  {
    auto in = custom({read_all, document(allow("lambda:*", "*"))}, {"s3:GetObject", "lambda:InvokeFunction"}, {kBucket});
    in.permissions_boundary_policy_input_list = {document(allow("lambda:*", "*"))};
    cases.push_back({"boundary", in, {"implicitDeny", "allowed"}});
  }
  {
    auto in = custom({document(allow("lambda:GetFunction", "*"))}, {"s3:GetObject", "s3:PutObject"}, {kBucket});
    in.resource_policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]})";
    in.caller_arn = "arn:aws:iam::111111111111:user/alice";
    in.resource_owner = "arn:aws:iam::111111111111:root";
    cases.push_back({"resource policy", in, {"allowed", "implicitDeny"}});
  }
  {
    auto in = custom({read_all}, {"s3:GetObject"}, {kBucket});
    in.resource_policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"*"}]})";
    in.caller_arn = "arn:aws:iam::222222222222:user/bob";
    in.resource_owner = "arn:aws:iam::111111111111:root";
    cases.push_back({"cross-account resource policy", in, {"allowed"}});
  }

  for (const auto& c : cases) {
    INFO(c.name);
    auto engine = policy::simulate_custom_policy(c.input);
    REQUIRE(engine);
    const std::string xml = world.ok(server::iam::simulate_custom_policy, to_form(c.input).text);
    const Flat expected = flatten(engine.value());
    const Flat got = flatten(xml);
    CHECK(got.decisions == c.decisions);
    CHECK(got.decisions == expected.decisions);
    CHECK(got.resource_decisions == expected.resource_decisions);
    CHECK(got.ids == expected.ids);
    CHECK(got.types == expected.types);
    CHECK(got.lines == expected.lines);
    CHECK(got.columns == expected.columns);
    CHECK(got.boundary == expected.boundary);
    CHECK(got.missing == expected.missing);
    CHECK(values_of(xml, "EvalActionName").size() == engine.value().size());
    CHECK(values_of(xml, "IsTruncated") == std::vector<std::string>{"false"});
  }
}

TEST_CASE("SimulateCustomPolicy writes the EvaluationResult shape of the botocore model", "[server][iam][simulate]") {
  World world;
  SECTION("a wildcard resource: matched statements with positions, no ResourceSpecificResults") {
    // Start just after the statement's '{' (character 37), end just after its '}' (93).
    const std::string policy = R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}})";
    const std::string xml = world.ok(server::iam::simulate_custom_policy,
                                     to_form(custom({policy}, {"s3:GetObject", "s3:PutObject"})).text);
    CHECK(xml ==
          "<EvaluationResults>"
          "<member><EvalActionName>s3:GetObject</EvalActionName><EvalResourceName>*</EvalResourceName>"
          "<EvalDecision>allowed</EvalDecision>"
          "<MatchedStatements><member><SourcePolicyId>PolicyInputList.1</SourcePolicyId>"
          "<SourcePolicyType>IAM Policy</SourcePolicyType>"
          "<StartPosition><Line>1</Line><Column>38</Column></StartPosition>"
          "<EndPosition><Line>1</Line><Column>94</Column></EndPosition></member></MatchedStatements>"
          "<MissingContextValues/></member>"
          "<member><EvalActionName>s3:PutObject</EvalActionName><EvalResourceName>*</EvalResourceName>"
          "<EvalDecision>implicitDeny</EvalDecision><MatchedStatements/><MissingContextValues/></member>"
          "</EvaluationResults>"
          "<IsTruncated>false</IsTruncated>");
  }
  SECTION("resource ARNs, a boundary and missing context: ResourceSpecificResults and the boundary detail") {
    auto in = custom({document(allow("s3:GetObject", "*", R"({"StringEquals":{"s3:prefix":"home/"}})"))},
                     {"s3:GetObject"}, {kBucket});
    in.permissions_boundary_policy_input_list = {document(allow("s3:*", "*"))};
    const std::string xml = world.ok(server::iam::simulate_custom_policy, to_form(in).text);
    CHECK(xml ==
          "<EvaluationResults>"
          "<member><EvalActionName>s3:GetObject</EvalActionName><EvalResourceName>" + kBucket +
          "</EvalResourceName><EvalDecision>implicitDeny</EvalDecision><MatchedStatements/><MissingContextValues/>"
          "<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>true</AllowedByPermissionsBoundary>"
          "</PermissionsBoundaryDecisionDetail><EvalDecisionDetails/>"
          "<ResourceSpecificResults><member><EvalResourceName>" + kBucket +
          "</EvalResourceName><EvalResourceDecision>implicitDeny</EvalResourceDecision><MatchedStatements/>"
          "<MissingContextValues><member>s3:prefix</member></MissingContextValues>"
          "<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>true</AllowedByPermissionsBoundary>"
          "</PermissionsBoundaryDecisionDetail><EvalDecisionDetails/></member></ResourceSpecificResults></member>"
          "</EvaluationResults>"
          "<IsTruncated>false</IsTruncated>");
  }
  SECTION("cross-account: EvalDecisionDetails as an entry map") {
    auto in = custom({document(allow("s3:*", "*"))}, {"s3:GetObject"}, {kBucket});
    in.resource_policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]})";
    in.caller_arn = "arn:aws:iam::222222222222:user/bob";
    in.resource_owner = "arn:aws:iam::111111111111:root";
    const std::string xml = world.ok(server::iam::simulate_custom_policy, to_form(in).text);
    CHECK_THAT(xml, Catch::Contains("<EvalDecisionDetails><entry><key>IAM Policy</key><value>allowed</value></entry>"
                                    "<entry><key>Resource Policy</key><value>allowed</value></entry>"
                                    "</EvalDecisionDetails>"));
    CHECK_THAT(xml, Catch::Contains("<SourcePolicyId>ResourcePolicy</SourcePolicyId>"
                                    "<SourcePolicyType>resource</SourcePolicyType>"));
  }
}

TEST_CASE("SimulateCustomPolicy errors", "[server][iam][simulate]") {
  World world;
  const std::string policy = document(allow("s3:*", "*"));
  auto error_of = [&](const std::string& form) {
    auto reply = world.run(server::iam::simulate_custom_policy, form);
    REQUIRE_FALSE(reply);
    return reply.error();
  };
  SECTION("no PolicyInputList") {
    Form f;
    f.list("ActionNames", {"s3:GetObject"});
    const auto e = error_of(f.text);
    CHECK(e.code == "ValidationError");
    CHECK(e.status == 400);
    CHECK_THAT(e.message, Catch::Contains("'policyInputList'"));
  }
  SECTION("no ActionNames") {
    Form f;
    f.list("PolicyInputList", {policy});
    const auto e = error_of(f.text);
    CHECK(e.code == "ValidationError");
    CHECK_THAT(e.message, Catch::Contains("'actionNames'"));
  }
  SECTION("a wildcard action is InvalidInput") {
    const auto e = error_of(to_form(custom({policy}, {"s3:Get*"})).text);
    CHECK(e.code == "InvalidInput");
    CHECK(e.status == 400);
  }
  SECTION("a ResourcePolicy without CallerArn is InvalidInput") {
    auto in = custom({policy}, {"s3:GetObject"});
    in.resource_policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})";
    CHECK(error_of(to_form(in).text).code == "InvalidInput");
  }
  SECTION("a malformed policy: the engine's code and message") {
    auto in = custom({R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]})"}, {"s3:GetObject"});
    auto engine = policy::simulate_custom_policy(in);
    REQUIRE_FALSE(engine);
    const auto e = error_of(to_form(in).text);
    CHECK(e.code == engine.error().code);
    CHECK(e.message == engine.error().message);
    CHECK(e.status == engine.error().http_status);
    CHECK(e.code == "MalformedPolicyDocument");
  }
  SECTION("a bad context type is InvalidInput") {
    auto in = custom({policy}, {"s3:GetObject"});
    in.context_entries.push_back({"aws:SourceIp", {"1.2.3.4"}, "address"});
    CHECK(error_of(to_form(in).text).code == "InvalidInput");
  }
}

TEST_CASE("SimulateCustomPolicy bounds the evaluations one call runs (adversarial review 3)",
          "[server][iam][simulate]") {
  // Every action is evaluated on every resource, whatever MaxItems asks for: 3000 actions on
  // 3000 resources held a request thread for half a minute, and a 1 MiB body asks for far more.
  World world;
  const std::string policy = document(allow("s3:*", "*"));
  std::vector<std::string> actions, resources;
  for (int i = 0; i < 3000; ++i) {
    actions.push_back("s3:GetObject" + std::to_string(i));
    resources.push_back("arn:aws:s3:::bucket/k" + std::to_string(i));
  }
  Form huge = to_form(custom({policy}, actions, resources));
  huge.add("MaxItems", "1");
  const auto started = std::chrono::steady_clock::now();
  auto reply = world.run(server::iam::simulate_custom_policy, huge.text);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  REQUIRE_FALSE(reply);
  CHECK(reply.error().code == "InvalidInput");
  CHECK(reply.error().status == 400);
  CHECK_THAT(reply.error().message, Catch::Contains("10000"));

  // 100 actions on 100 resources is within the bound.
  actions.resize(100);
  resources.resize(100);
  Form fits = to_form(custom({policy}, actions, resources));
  fits.add("MaxItems", "1");
  CHECK(world.run(server::iam::simulate_custom_policy, fits.text));
}

TEST_CASE("SimulateCustomPolicy pages its EvaluationResults with MaxItems and Marker", "[server][iam][simulate]") {
  World world;
  const auto in = custom({document(allow("s3:Get*", "*"))}, {"s3:GetObject", "s3:PutObject", "s3:GetBucketAcl"},
                         {kBucket, "arn:aws:s3:::b2/k"});
  auto engine = policy::simulate_custom_policy(in);
  REQUIRE(engine);
  REQUIRE(engine.value().size() == 6);
  std::vector<std::string> expected;
  for (const auto& r : engine.value()) expected.push_back(r.eval_action_name + " " + r.eval_resource_name);

  Form first = to_form(in);
  first.add("MaxItems", "4");
  const std::string page1 = world.ok(server::iam::simulate_custom_policy, first.text);
  CHECK(values_of(page1, "EvalActionName").size() == 4);
  CHECK(values_of(page1, "IsTruncated") == std::vector<std::string>{"true"});
  const auto marker = values_of(page1, "Marker");
  REQUIRE(marker.size() == 1);

  Form second = to_form(in);
  second.add("MaxItems", "4").add("Marker", marker.front());
  const std::string page2 = world.ok(server::iam::simulate_custom_policy, second.text);
  CHECK(values_of(page2, "IsTruncated") == std::vector<std::string>{"false"});
  CHECK(values_of(page2, "Marker").empty());

  std::vector<std::string> got;
  for (const auto* page : {&page1, &page2}) {
    const auto actions = values_of(*page, "EvalActionName");
    // Top-level EvalResourceName only: each result repeats it once in ResourceSpecificResults.
    const auto resources = values_of(*page, "EvalResourceName");
    REQUIRE(resources.size() == 2 * actions.size());
    for (std::size_t i = 0; i < actions.size(); ++i) got.push_back(actions[i] + " " + resources[2 * i]);
  }
  CHECK(got == expected);

  Form zero = to_form(in);
  zero.add("MaxItems", "0");
  auto reply = world.run(server::iam::simulate_custom_policy, zero.text);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().code == "ValidationError");
}

TEST_CASE("the simulator operations are authorized like any other IAM call", "[server][iam][simulate]") {
  World world;
  world.alice_may(allow("iam:GetUser", "*"));
  const std::string form = to_form(custom({document(allow("s3:*", "*"))}, {"s3:GetObject"})).text;
  auto reply = world.run(server::iam::simulate_custom_policy, form);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().code == "AccessDenied");
  CHECK(reply.error().status == 403);
  CHECK(reply.error().message ==
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:SimulateCustomPolicy because "
        "no identity-based policy allows the iam:SimulateCustomPolicy action");

  Form keys;
  keys.list("PolicyInputList", {document(allow("s3:*", "*"))});
  auto context = world.run(server::iam::get_context_keys_for_custom_policy, keys.text);
  REQUIRE_FALSE(context);
  CHECK(context.error().code == "AccessDenied");
  CHECK_THAT(context.error().message, Catch::Contains("perform: iam:GetContextKeysForCustomPolicy because"));

  // SimulatePrincipalPolicy is authorized on the principal's ARN.
  world.alice_may(allow("iam:SimulatePrincipalPolicy", kCarol));
  Form carol;
  carol.add("PolicySourceArn", kCarol).list("ActionNames", {"s3:GetObject"});
  CHECK(world.run(server::iam::simulate_principal_policy, carol.text));
  Form role;
  role.add("PolicySourceArn", kRole).list("ActionNames", {"s3:GetObject"});
  auto denied = world.run(server::iam::simulate_principal_policy, role.text);
  REQUIRE_FALSE(denied);
  CHECK(denied.error().code == "AccessDenied");
  CHECK_THAT(denied.error().message, Catch::Contains("iam:SimulatePrincipalPolicy on resource: " + kRole));
}

TEST_CASE("SimulatePrincipalPolicy evaluates the entity's stored policies, named and typed", "[server][iam][simulate]") {
  World world;
  SECTION("a user: its inline and attached policies and its groups'") {
    Form f;
    f.add("PolicySourceArn", kCarol)
        .list("ActionNames", {"s3:GetObject", "s3:PutObject", "s3:ListBucket", "lambda:GetFunction",
                              "lambda:InvokeFunction", "s3:GetObjectTagging", "s3:GetObjectAcl"});
    const std::string xml = world.ok(server::iam::simulate_principal_policy, f.text);
    CHECK(values_of(xml, "EvalDecision") ==
          std::vector<std::string>{"allowed", "allowed", "allowed", "allowed", "implicitDeny", "allowed", "allowed"});
    // GetObjectTagging and GetObjectAcl hold through aws:PrincipalTag/team and aws:username:
    // CallerArn defaults to carol, with her stored tags.
    CHECK(values_of(xml, "SourcePolicyId") == std::vector<std::string>{"carol-inline", "cust", "devs-inline",
                                                                       "AWSLambda_ReadOnlyAccess", "carol-inline",
                                                                       "carol-inline"});
    CHECK(values_of(xml, "SourcePolicyType") ==
          std::vector<std::string>{"user", "user-managed", "group", "aws-managed", "user", "user"});
    CHECK(values_of(xml, "PermissionsBoundaryDecisionDetail").empty());
  }
  SECTION("an explicit CallerArn replaces the entity as the caller") {
    Form f;
    f.add("PolicySourceArn", kCarol)
        .add("CallerArn", "arn:aws:iam::111111111111:user/alice")
        .list("ActionNames", {"s3:GetObjectTagging", "s3:GetObjectAcl"});
    const std::string xml = world.ok(server::iam::simulate_principal_policy, f.text);
    CHECK(values_of(xml, "EvalDecision") == std::vector<std::string>{"implicitDeny", "implicitDeny"});
  }
  SECTION("a group: its own policies") {
    Form f;
    f.add("PolicySourceArn", kDevs).list("ActionNames", {"s3:ListBucket", "lambda:GetFunction", "s3:GetObject"});
    const std::string xml = world.ok(server::iam::simulate_principal_policy, f.text);
    CHECK(values_of(xml, "EvalDecision") == std::vector<std::string>{"allowed", "allowed", "implicitDeny"});
    CHECK(values_of(xml, "SourcePolicyId") == std::vector<std::string>{"devs-inline", "AWSLambda_ReadOnlyAccess"});
    CHECK(values_of(xml, "SourcePolicyType") == std::vector<std::string>{"group", "aws-managed"});
  }
  SECTION("a role: its inline policies under its permissions boundary") {
    Form f;
    f.add("PolicySourceArn", kRole).list("ActionNames", {"s3:GetObject", "lambda:InvokeFunction"});
    const std::string xml = world.ok(server::iam::simulate_principal_policy, f.text);
    CHECK(values_of(xml, "EvalDecision") == std::vector<std::string>{"allowed", "implicitDeny"});
    CHECK(values_of(xml, "AllowedByPermissionsBoundary") == std::vector<std::string>{"true", "false"});
    const auto ids = values_of(xml, "SourcePolicyId");
    REQUIRE_FALSE(ids.empty());
    CHECK(ids.front() == "r-inline");
    CHECK(values_of(xml, "SourcePolicyType").front() == "role");
  }
  SECTION("a boundary in the request replaces the entity's") {
    Form f;
    f.add("PolicySourceArn", kRole)
        .list("ActionNames", {"s3:GetObject", "lambda:InvokeFunction"})
        .list("PermissionsBoundaryPolicyInputList", {document(allow("lambda:*", "*"))});
    const std::string xml = world.ok(server::iam::simulate_principal_policy, f.text);
    CHECK(values_of(xml, "EvalDecision") == std::vector<std::string>{"implicitDeny", "allowed"});
  }
  SECTION("extra PolicyInputList members join the stored policies") {
    Form f;
    f.add("PolicySourceArn", kDevs)
        .list("ActionNames", {"sqs:SendMessage", "s3:ListBucket"})
        .list("PolicyInputList", {document(allow("sqs:SendMessage", "*"))});
    const std::string xml = world.ok(server::iam::simulate_principal_policy, f.text);
    CHECK(values_of(xml, "EvalDecision") == std::vector<std::string>{"allowed", "allowed"});
    CHECK(values_of(xml, "SourcePolicyId") == std::vector<std::string>{"PolicyInputList.1", "devs-inline"});
    CHECK(values_of(xml, "SourcePolicyType") == std::vector<std::string>{"IAM Policy", "group"});
  }
}

TEST_CASE("SimulatePrincipalPolicy errors", "[server][iam][simulate]") {
  World world;
  auto error_of = [&](const std::string& arn) {
    Form f;
    if (!arn.empty()) f.add("PolicySourceArn", arn);
    f.list("ActionNames", {"s3:GetObject"});
    auto reply = world.run(server::iam::simulate_principal_policy, f.text);
    REQUIRE_FALSE(reply);
    return reply.error();
  };
  const auto missing = error_of("");
  CHECK(missing.code == "ValidationError");
  CHECK_THAT(missing.message, Catch::Contains("'policySourceArn'"));
  for (const std::string bad : {"not-an-arn", "arn:aws:s3:::bucket", "arn:aws:iam::111111111111:policy/cust",
                                "arn:aws:iam::111111111111:user/"}) {
    INFO(bad);
    const auto e = error_of(bad);
    CHECK(e.code == "InvalidInput");
    CHECK(e.status == 400);
  }
  const auto nobody = error_of("arn:aws:iam::111111111111:user/nobody");
  CHECK(nobody.code == "NoSuchEntity");
  CHECK(nobody.status == 404);
  CHECK(nobody.message == "The user with name nobody cannot be found.");
  // The right name under the wrong path is not carol.
  CHECK(error_of("arn:aws:iam::111111111111:user/carol").code == "NoSuchEntity");
  CHECK(error_of("arn:aws:iam::111111111111:role/nope").message == "The role with name nope cannot be found.");
  CHECK(error_of("arn:aws:iam::111111111111:group/nope").message == "The group with name nope cannot be found.");
}

TEST_CASE("GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy list the keys the policies use",
          "[server][iam][simulate]") {
  World world;
  SECTION("variables and condition keys, as first written, once each") {
    const std::string first =
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:111111111111:table/${aws:username}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]})";
    const std::string second =
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"AWS:CurrentTime":"2030-01-01T00:00:00Z"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team}"}}}]})";
    Form f;
    f.list("PolicyInputList", {first, second});
    const std::string xml = world.ok(server::iam::get_context_keys_for_custom_policy, f.text);
    CHECK(xml ==
          "<ContextKeyNames><member>aws:username</member><member>aws:CurrentTime</member>"
          "<member>aws:SourceIp</member><member>s3:prefix</member><member>aws:PrincipalTag/team</member>"
          "</ContextKeyNames>");
  }
  SECTION("no keys: an empty list") {
    Form f;
    f.list("PolicyInputList", {document(allow("s3:*", "*"))});
    CHECK(world.ok(server::iam::get_context_keys_for_custom_policy, f.text) == "<ContextKeyNames/>");
  }
  SECTION("errors") {
    auto missing = world.run(server::iam::get_context_keys_for_custom_policy, "");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == "ValidationError");
    Form f;
    f.list("PolicyInputList", {"{not json"});
    auto malformed = world.run(server::iam::get_context_keys_for_custom_policy, f.text);
    REQUIRE_FALSE(malformed);
    CHECK(malformed.error().code == "MalformedPolicyDocument");
  }
  SECTION("a principal's stored policies") {
    Form f;
    f.add("PolicySourceArn", kCarol);
    CHECK(world.ok(server::iam::get_context_keys_for_principal_policy, f.text) ==
          "<ContextKeyNames><member>aws:PrincipalTag/team</member><member>aws:username</member></ContextKeyNames>");
  }
}

TEST_CASE("SimulateCustomPolicy: PolicyInputList is required but may be empty", "[server][iam][simulate]") {
  World world;
  // botocore sends an empty list as `PolicyInputList=`; a service principal has no identity policy.
  Form f;
  f.add("PolicyInputList", "");
  f.list("ActionNames", {"lambda:InvokeFunction"});
  f.list("ResourceArns", {"arn:aws:lambda:us-east-1:111111111111:function:F"});
  f.add("CallerArn", "s3.amazonaws.com");
  f.add("ResourcePolicy",
        R"({"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s3-invoke","Effect":"Allow",)"
        R"("Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction",)"
        R"("Resource":"arn:aws:lambda:us-east-1:111111111111:function:F"}]})");
  const std::string xml = world.ok(server::iam::simulate_custom_policy, f.text);
  CHECK_THAT(xml, Catch::Contains("<EvalDecision>allowed</EvalDecision>"));
  // GetContextKeysForCustomPolicy takes the same empty list.
  Form keys;
  keys.add("PolicyInputList", "");
  CHECK(world.ok(server::iam::get_context_keys_for_custom_policy, keys.text) == "<ContextKeyNames/>");
}

TEST_CASE("SimulateCustomPolicy: sts:AssumeRole reads ResourcePolicy as the role's trust policy",
          "[server][iam][simulate]") {
  World world;
  auto in = custom({document(allow("sts:AssumeRole", "arn:aws:iam::111111111111:role/R"))}, {"sts:AssumeRole"},
                   {"arn:aws:iam::111111111111:role/R"});
  in.caller_arn = "arn:aws:iam::111111111111:user/alice";
  in.resource_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/carol"},"Action":"sts:AssumeRole"}]})";
  const std::string xml = world.ok(server::iam::simulate_custom_policy, to_form(in).text);
  CHECK_THAT(xml, Catch::Contains("<EvalDecision>implicitDeny</EvalDecision>"));
}
