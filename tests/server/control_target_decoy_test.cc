// "Authorize what you act on", table-driven: every Lambda operation that names a function or a
// mapping, sent by a caller allowed on a decoy and not on the target, in every form a request
// can name the target in (name, partial and full ARN, qualifier in the name or the query, percent
// escapes, other case, leading zeros). Each is refused and leaves the whole store as it was; the
// same request on the decoy is allowed, so the policy is not simply denying everything. The
// world runs with the control plane's touch check on (control_test_world.h), so a handler that
// reached the target's records would also fail with ServiceException.
#include <catch2/catch.hpp>

#include "store/codec.h"
#include "store/mutation.h"
#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

const std::string kMappings = "/2015-03-31/event-source-mappings";
const std::string kQueue = "arn:aws:sqs:us-east-1:111111111111:queue-";

// Everything the Lambda side of the store holds for account A, record by record.
std::string lambda_state(World& world) {
  std::string out;
  require_ok(world.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    for (const store::Function& f : s.list_functions(std::string(kA), "us-east-1")) {
      const store::FunctionRef ref{f.account, f.region, f.name};
      out += store::encode(f);
      std::vector<std::string> qualifiers = {""};
      if (auto versions = s.list_versions(ref)) {
        for (const auto& v : versions.value()) {
          out += store::encode(v);
          qualifiers.push_back(v.version);
        }
      }
      if (auto aliases = s.list_aliases(ref)) {
        for (const auto& a : aliases.value()) {
          out += store::encode(a);
          qualifiers.push_back(a.name);
        }
      }
      for (const std::string& q : qualifiers) {
        if (auto policy = s.get_function_policy(ref, q)) out += store::encode(policy.value());
      }
    }
    for (const auto& m : s.list_event_source_mappings(std::string(kA), "us-east-1")) out += store::encode(m);
    return store::success();
  }));
  return out;
}

// How the caller is kept off the target.
enum class Policy {
  OnlyDecoy,       // allowed on the decoy's ARNs and nothing else
  DenyTargetArns,  // allowed everywhere, denied on each canonical ARN of the target
};

// Functions `target` and `decoy`, each with version 1, alias `live`, a function-policy statement
// `s1` and a mapping from its own queue.
struct Fixture {
  World world;
  std::string target_mapping, decoy_mapping;

  explicit Fixture(Policy policy) {
    world.role_policy(allow("sqs:*", kQueue + "*"));
    for (const std::string name : {"target", "decoy"}) {
      world.seed_function(name);
      (name == "target" ? target_mapping : decoy_mapping) = seed_family(world, name, kQueue + name);
    }
    const std::string decoy_arn = fn_arn("decoy");
    if (policy == Policy::OnlyDecoy) {
      // Allowed on the decoy (and whatever starts with its name), nothing on the target.
      world.alice_policy(allow("lambda:*", decoy_arn + "*") + "," +
                         allow("lambda:*EventSourceMapping*", "*",
                               R"({"StringLike":{"lambda:FunctionArn":")" + decoy_arn + "*\"}}") +
                         "," + allow("iam:PassRole", kRoleR));
      return;
    }
    // The issue's shape: an explicit deny that lists the target's ARNs as AWS spells them.
    const std::string t = fn_arn("target");
    const std::string arns = "[\"" + t + "\",\"" + t + ":1\",\"" + t + ":live\",\"" + t + ":$LATEST\"]";
    world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", kRoleR) +
                       R"(,{"Effect":"Deny","Action":"lambda:*","Resource":)" + arns + "}" +
                       R"(,{"Effect":"Deny","Action":"lambda:*EventSourceMapping*","Resource":"*",)" +
                       R"("Condition":{"StringEquals":{"lambda:FunctionArn":)" + arns + "}}}");
  }
};

// How a request names the function: the text for the path or body, and a query string.
struct Form {
  std::string name;   // {X}: replaced by the function's name in the text
  std::string query;  // appended to the path ("" or "?Qualifier=...")
};

std::string named(const std::string& text, const std::string& function) {
  std::string out = text;
  for (std::size_t at = out.find("{X}"); at != std::string::npos; at = out.find("{X}")) out.replace(at, 3, function);
  return out;
}

const std::vector<Form> kForms = {
    {"{X}", ""},
    {"111111111111:function:{X}", ""},
    {"arn:aws:lambda:us-east-1:111111111111:function:{X}", ""},
    {"{X}:1", ""},
    {"{X}:live", ""},
    {"{X}:01", ""},
    {"{X}:$LATEST", ""},
    {"{X}", "?Qualifier=1"},
    {"{X}", "?Qualifier=01"},
    {"{X}", "?Qualifier=0000000001"},
    {"{X}", "?Qualifier=live"},
    {"arn:aws:lambda:us-east-1:111111111111:function:{X}:1", "?Qualifier=1"},
};

// Path label forms only: escapes a path can carry and a body cannot.
const std::vector<Form> kPathForms = {
    {"%74{Y}", ""},                                                             // 't' escaped
    {"arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3A{X}", ""},     // ':' escaped
    {"{X}%3A1", ""},
    {"{Z}", ""},  // upper case: another function's name
};

std::string path_name(const Form& form, const std::string& function) {
  std::string upper = function;
  for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  std::string out = named(form.name, function);
  for (std::size_t at = out.find("{Y}"); at != std::string::npos; at = out.find("{Y}")) out.replace(at, 3, function.substr(1));
  for (std::size_t at = out.find("{Z}"); at != std::string::npos; at = out.find("{Z}")) out.replace(at, 3, upper);
  return out;
}

std::string escaped_colons(std::string text) {
  for (std::size_t at = text.find(':'); at != std::string::npos; at = text.find(':', at)) text.replace(at, 1, "%3A");
  return text;
}

struct Case {
  std::string operation;
  std::string method;
  std::string path;  // {F}: the function in path form; {M}: the target's mapping, {D}: the decoy's
  std::string body;  // {B}: the function in body form
  std::string decoy_body = "";  // the body of the decoy's request when it is not `body` for the decoy
};

// Every operation on a function or mapping. GetAccountSettings, ListFunctions and
// ListEventSourceMappings have no resource-level permissions ("*"): nothing to target.
const std::vector<Case> kCases = {
    {"AddPermission", "POST", "/2015-03-31/functions/{F}/policy",
     R"({"StatementId":"new","Action":"lambda:InvokeFunction","Principal":"sns.amazonaws.com"})"},
    {"CreateAlias", "POST", "/2015-03-31/functions/{F}/aliases", R"({"Name":"fresh","FunctionVersion":"1"})"},
    {"CreateEventSourceMapping", "POST", kMappings,
     R"({"EventSourceArn":"arn:aws:sqs:us-east-1:111111111111:queue-new","FunctionName":"{B}"})"},
    {"CreateFunction", "POST", "/2015-03-31/functions", create_body("{B}", kRoleR), create_body("decoy2", kRoleR)},
    {"DeleteAlias", "DELETE", "/2015-03-31/functions/{F}/aliases/live", ""},
    {"DeleteEventSourceMapping", "DELETE", kMappings + "/{M}", ""},
    {"DeleteFunction", "DELETE", "/2015-03-31/functions/{F}", ""},
    {"GetAlias", "GET", "/2015-03-31/functions/{F}/aliases/live", ""},
    {"GetEventSourceMapping", "GET", kMappings + "/{M}", ""},
    {"GetFunction", "GET", "/2015-03-31/functions/{F}", ""},
    {"GetFunctionConfiguration", "GET", "/2015-03-31/functions/{F}/configuration", ""},
    {"GetPolicy", "GET", "/2015-03-31/functions/{F}/policy", ""},
    {"Invoke", "POST", "/2015-03-31/functions/{F}/invocations", "{}"},
    {"InvokeAsync", "POST", "/2014-11-13/functions/{F}/invoke-async/", "{}"},
    {"ListAliases", "GET", "/2015-03-31/functions/{F}/aliases", ""},
    {"ListVersionsByFunction", "GET", "/2015-03-31/functions/{F}/versions", ""},
    {"PublishVersion", "POST", "/2015-03-31/functions/{F}/versions", R"({"Description":"again"})"},
    {"RemovePermission", "DELETE", "/2015-03-31/functions/{F}/policy/s1", ""},
    {"UpdateAlias", "PUT", "/2015-03-31/functions/{F}/aliases/live", R"({"Description":"changed"})"},
    {"UpdateEventSourceMapping", "PUT", kMappings + "/{M}", R"({"Enabled":false})"},
    {"UpdateEventSourceMapping (retarget)", "PUT", kMappings + "/{D}", R"({"FunctionName":"{B}"})"},
    {"UpdateEventSourceMapping (take over)", "PUT", kMappings + "/{M}", R"({"FunctionName":"decoy"})"},
    {"UpdateFunctionCode", "PUT", "/2015-03-31/functions/{F}/code", R"({"ZipFile":")" + kChangedZip + "\"}"},
    {"UpdateFunctionConfiguration", "PUT", "/2015-03-31/functions/{F}/configuration", R"({"Description":"changed"})"},
};

std::string fill(std::string text, const std::string& key, const std::string& value) {
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
    text.replace(at, key.size(), value);
  }
  return text;
}

std::vector<std::pair<std::string, std::string>> headers_of(const Case& c) {
  if (c.operation == "Invoke") return {{"X-Amz-Invocation-Type", "DryRun"}};
  return {};
}

}  // namespace

TEST_CASE("target and decoy: every operation in every form is refused on the target and changes nothing",
          "[server][control][bypass]") {
  const Policy policy = GENERATE(Policy::OnlyDecoy, Policy::DenyTargetArns);
  for (const Case& c : kCases) {
    DYNAMIC_SECTION(c.operation << (policy == Policy::OnlyDecoy ? " (only the decoy allowed)" : " (target denied)")) {
      Fixture fx(policy);
      const std::string before = lambda_state(fx.world);
      std::vector<Form> forms = kForms;
      if (c.path.find("{F}") != std::string::npos) forms.insert(forms.end(), kPathForms.begin(), kPathForms.end());
      for (const Form& form : forms) {
        // The mapping cases name the mapping; the retarget case names the target in its body.
        const std::string in_path = path_name(form, "target");
        std::string path = fill(fill(fill(c.path, "{F}", escaped_colons(in_path)), "{M}", fx.target_mapping), "{D}",
                                fx.decoy_mapping);
        const bool takes_query = c.path.find("{F}") != std::string::npos;
        if (takes_query) path += form.query;
        const std::string body = fill(c.body, "{B}", named(form.name, "target"));
        INFO(c.method << " " << path << " " << body);
        const Response response = fx.world.call(c.method, path, body, kAliceKey, kAliceSecret, headers_of(c));
        // Deleting a version or alias that does not exist is AWS's idempotent 204 (lambda-api 5.4, 5.7).
        const bool idempotent_delete = response.status == 204 && c.method == "DELETE" && c.path.find("{F}") != std::string::npos;
        CHECK((response.status >= 400 || idempotent_delete));
        CHECK(response.status < 500);
        CHECK(lambda_state(fx.world) == before);
        if (!takes_query && c.body.find("{B}") == std::string::npos) break;  // the form does not matter
      }
      // The decoy in the plain form: allowed, so the refusals above are about the target.
      const std::string path =
          fill(fill(fill(c.path, "{F}", "decoy"), "{M}", fx.decoy_mapping), "{D}", fx.decoy_mapping);
      const std::string body = c.decoy_body.empty() ? fill(c.body, "{B}", "decoy") : c.decoy_body;
      INFO("decoy: " << c.method << " " << path << " " << body);
      const Response decoy = fx.world.call(c.method, path, body, kAliceKey, kAliceSecret, headers_of(c));
      if (c.operation == "InvokeAsync") {
        CHECK(decoy.status != 403);  // authorized; running code is the executor's (lambda-api 6)
      } else {
        CHECK(decoy.status < 300);
      }
    }
  }
}

namespace {

// The records of one function (with its versions, aliases and policies) and of the mappings that
// invoke it, as the store holds them.
std::string state_of(World& world, const std::string& function) {
  std::string out;
  require_ok(world.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    const store::FunctionRef ref{std::string(kA), "us-east-1", function};
    if (auto f = s.find_function(ref)) out += store::encode(*f);
    std::vector<std::string> qualifiers = {""};
    if (auto versions = s.list_versions(ref)) {
      for (const auto& v : versions.value()) qualifiers.push_back(v.version);
    }
    if (auto aliases = s.list_aliases(ref)) {
      for (const auto& a : aliases.value()) {
        out += store::encode(a);
        qualifiers.push_back(a.name);
      }
    }
    for (const std::string& q : qualifiers) {
      if (auto policy = s.get_function_policy(ref, q)) out += store::encode(policy.value());
    }
    for (const auto& m : s.list_event_source_mappings(std::string(kA), "us-east-1")) {
      if (m.function_arn.starts_with(fn_arn(function)) &&
          (m.function_arn.size() == fn_arn(function).size() || m.function_arn[fn_arn(function).size()] == ':')) {
        out += store::encode(m);
      }
    }
    return store::success();
  }));
  return out;
}

}  // namespace

TEST_CASE("target and decoy: random call sequences never change the target", "[server][control][bypass]") {
  // Seeded, so a failure replays; each step is any operation, any form, on the target or the decoy.
  const std::uint32_t seed = GENERATE(1u, 2u, 3u);
  const Policy policy = GENERATE(Policy::OnlyDecoy, Policy::DenyTargetArns);
  std::mt19937 random(seed);
  Fixture fx(policy);
  const std::string target_before = state_of(fx.world, "target");
  std::vector<Form> forms = kForms;
  forms.insert(forms.end(), kPathForms.begin(), kPathForms.end());
  int allowed = 0;
  for (int step = 0; step < 150; ++step) {
    const Case& c = kCases[random() % kCases.size()];
    const Form& form = forms[random() % forms.size()];
    const bool on_target = random() % 2 == 0;
    const std::string function = on_target ? "target" : "decoy";
    std::string path = fill(fill(fill(c.path, "{F}", escaped_colons(path_name(form, function))), "{M}",
                                 on_target ? fx.target_mapping : fx.decoy_mapping),
                            "{D}", fx.decoy_mapping);
    if (c.path.find("{F}") != std::string::npos) path += form.query;
    const std::string body = !on_target && !c.decoy_body.empty() ? c.decoy_body : fill(c.body, "{B}", named(form.name, function));
    INFO("seed " << seed << " step " << step << ": " << c.method << " " << path << " " << body);
    const Response response = fx.world.call(c.method, path, body, kAliceKey, kAliceSecret, headers_of(c));
    CHECK((response.status < 500 || c.operation == "InvokeAsync"));
    if (response.status < 300) ++allowed;
    CHECK(state_of(fx.world, "target") == target_before);
  }
  CHECK(allowed > 0);  // the decoy's calls went through: the sequence did change state somewhere
}
