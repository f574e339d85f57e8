// The permission fixtures run through `gatehouse simulate`: every decision case the simulator's
// input can express (identity policies, a boundary, one resource policy, context entries; no
// session policies, no organization layer) is turned into a SimulateCustomPolicy input, run by
// the CLI with --explain, and must get the fixture's decision and reason. The worked cases of
// policy-semantics 6.1 / 6.6 (fixtures/semantics/trust-and-passrole.json) are among them: the
// simulator must apply the trust-policy rule exactly as the server's AssumeRole does.
#include <catch2/catch.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sstream>

#include "cli/commands.h"
#include "cli/fixture_runner.h"
#include "policy/context.h"
#include "policy/simulate.h"

namespace {

using gatehouse::cli::Fixture;
using gatehouse::cli::FixtureCase;
using gatehouse::policy::ResourcePolicyKind;

struct Conversion {
  std::string input;  // the --cli-input-json document
  gatehouse::cli::Args args;
};

// The case as a simulator input, or nullopt when the simulator cannot express it.
std::optional<Conversion> convert(const Fixture& fixture, const FixtureCase& c) {
  if (c.validate) return std::nullopt;
  const auto& principal = fixture.principals.at(c.principal);
  const auto& caller = principal.caller;
  // CallerArn carries only the ARN: the path must be what the simulator derives from it; the
  // keys a fixture's unique id and tags add (aws:userid, aws:PrincipalTag/*) are given as
  // ContextEntries, which override what the simulator fills.
  const auto derived = gatehouse::policy::caller_from_arn(caller.arn);
  if (!derived || derived->path != caller.path) return std::nullopt;
  gatehouse::policy::RequestContext fixture_keys, simulator_keys;
  gatehouse::policy::add_principal_keys(caller, fixture_keys);
  gatehouse::policy::add_principal_keys(*derived, simulator_keys);
  gatehouse::cli::ContextEntries context;
  for (const auto& entry : fixture_keys.entries()) {
    const auto theirs = simulator_keys.find(entry.name);
    if (theirs && theirs.multi == entry.multi &&
        std::equal(theirs.values.begin(), theirs.values.end(), entry.values.begin(), entry.values.end())) {
      continue;
    }
    context.push_back({entry.name, gatehouse::cli::ContextValue{false, entry.multi, entry.values}});
  }
  for (const auto& entry : simulator_keys.entries()) {
    if (!fixture_keys.find(entry.name)) return std::nullopt;  // a key the fixture's caller does not have
  }
  if (!c.session.value_or(principal.session).empty() || !principal.scp_levels.empty()) return std::nullopt;

  const auto declared = fixture.resources.find(c.resource);
  std::optional<std::string> resource_policy;
  ResourcePolicyKind kind = ResourcePolicyKind::Function;
  if (declared != fixture.resources.end()) {
    if (!declared->second.rcp_levels.empty()) return std::nullopt;
    resource_policy = declared->second.policy;
    kind = declared->second.kind;
  }
  if (c.resource_policy.set) resource_policy = c.resource_policy.name;
  if (c.resource_kind) kind = *c.resource_kind;

  for (const auto& entry : fixture.context) {
    auto it = std::find_if(context.begin(), context.end(), [&](const auto& e) { return e.first == entry.first; });
    if (it != context.end()) it->second = entry.second;
    else context.push_back(entry);
  }
  for (const auto& entry : c.context) {
    auto it = std::find_if(context.begin(), context.end(), [&](const auto& e) { return e.first == entry.first; });
    if (it != context.end()) it->second = entry.second;
    else context.push_back(entry);
  }
  for (const auto& entry : context) {
    // SimulateCustomPolicy's ContextKeyName is 5 to 256 characters; nothing removes a key.
    if (entry.second.erase || entry.first.size() < 5) return std::nullopt;
  }

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto text = [&](const std::string& s) { w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("PolicyInputList");
  w.StartArray();
  for (const auto& name : c.identity.value_or(principal.identity)) text(fixture.policies.at(name).text);
  w.EndArray();
  const std::optional<std::string> boundary = c.boundary.set ? c.boundary.name : principal.boundary;
  if (boundary) {
    w.Key("PermissionsBoundaryPolicyInputList");
    w.StartArray();
    text(fixture.policies.at(*boundary).text);
    w.EndArray();
  }
  Conversion out;
  if (resource_policy) {
    const auto& p = fixture.policies.at(*resource_policy);
    // A resource policy of another type than its kind validates as (a function "kind" with a
    // Deny, say) is not what the simulator reads for that kind.
    if (p.type != gatehouse::policy::validation_type(kind)) return std::nullopt;
    w.Key("ResourcePolicy");
    text(p.text);
    if (gatehouse::policy::resource_policy_kind_for(c.action, c.resource) != kind) {
      out.args = {"--resource-policy-type", std::string(gatehouse::policy::resource_policy_kind_name(kind))};
    }
  }
  w.Key("CallerArn");
  text(caller.arn);
  w.Key("ActionNames");
  w.StartArray();
  text(c.action);
  w.EndArray();
  w.Key("ResourceArns");
  w.StartArray();
  text(c.resource);
  w.EndArray();
  if (!context.empty()) {
    w.Key("ContextEntries");
    w.StartArray();
    for (const auto& [key, value] : context) {
      w.StartObject();
      w.Key("ContextKeyName");
      text(key);
      w.Key("ContextKeyValues");
      w.StartArray();
      for (const auto& v : value.values) text(v);
      w.EndArray();
      w.Key("ContextKeyType");
      w.String(value.list ? "stringList" : "string");
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  out.input = buffer.GetString();
  return out;
}

struct Explained {
  int status = 0;
  std::string decision, reason, err;
};

// `gatehouse simulate --cli-input-json - --explain`, first line: "<action> on <resource>: <decision>[ <reason>]".
Explained simulate(const Conversion& conversion, const FixtureCase& c) {
  gatehouse::cli::Args args = {"--cli-input-json", "-", "--explain"};
  args.insert(args.end(), conversion.args.begin(), conversion.args.end());
  std::istringstream in(conversion.input);
  std::ostringstream out, err;
  Explained e;
  e.status = gatehouse::cli::run_simulate(args, gatehouse::cli::Io{in, out, err});
  e.err = err.str();
  std::string line = out.str().substr(0, out.str().find('\n'));
  const std::string head = c.action + " on " + c.resource + ": ";
  if (!line.starts_with(head)) return e;
  line = line.substr(head.size());
  const auto space = line.find(' ');
  e.decision = line.substr(0, space);
  if (space != std::string::npos) e.reason = line.substr(space + 1);
  return e;
}

int run_file(const std::string& name, std::vector<std::string>& ran) {
  auto fixture = gatehouse::cli::load_fixture(std::string(GATEHOUSE_SOURCE_DIR) + "/fixtures/" + name);
  if (!fixture) FAIL(fixture.error().path << ": " << fixture.error().message);
  int count = 0;
  for (const auto& c : fixture.value().cases) {
    const auto conversion = convert(fixture.value(), c);
    if (!conversion) continue;
    INFO(name << ": " << c.name << "\n" << conversion->input);
    const Explained got = simulate(*conversion, c);
    CHECK(got.err.empty());
    CHECK(got.status == 0);
    CHECK(got.decision == gatehouse::policy::decision_name(c.expect.decision));
    if (c.expect.reason) CHECK(got.reason == *c.expect.reason);
    ran.push_back(c.name);
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("the trust worked cases of policy-semantics 6.1 and 6.6 run through simulate", "[cli][simulate][fixtures]") {
  std::vector<std::string> ran;
  run_file("semantics/trust-and-passrole.json", ran);
  // Every AssumeRole case of 6.1 / 6.6 is expressible, so every one ran.
  for (const char* name : {"A1", "A2", "A3", "A4", "A4 with identity", "A5", "A6", "A8", "A9 without ExternalId",
                           "A9 with ExternalId", "A10", "A11 TagSession", "A11 TagSession allowed", "P7", "P8",
                           "6.1 same account, trust names another user", "6.1 same account, trust names nobody"}) {
    INFO(name);
    CHECK(std::find(ran.begin(), ran.end(), name) != ran.end());
  }
}

TEST_CASE("the decision fixtures run through simulate get the fixture's decision", "[cli][simulate][fixtures]") {
  std::vector<std::string> ran;
  int count = 0;
  for (const char* file : {"semantics/decisions.json", "semantics/simulator.json", "semantics/matching.json",
                           "semantics/conditions.json", "semantics/request-context.json", "semantics/messages.json"}) {
    count += run_file(file, ran);
  }
  CHECK(count >= 100);
}
