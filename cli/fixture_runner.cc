#include "cli/fixture_runner.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <system_error>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "policy/action_catalog.h"
#include "policy/arn.h"
#include "policy/context.h"
#include "policy/operators.h"
#include "policy/text.h"
#include "server/fixture/world.h"
#include "server/lambda/function_name.h"
#include "store/bootstrap.h"
#include "store/store.h"

#include <unistd.h>

namespace gatehouse::cli {
namespace {

using rapidjson::Value;
namespace fs = std::filesystem;

std::string quoted_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& item : items) quoted.push_back("`" + item + "`");
  return "[" + join_text(quoted, ", ") + "]";
}

std::optional<policy::PolicyType> policy_type_from_name(std::string_view name) {
  using policy::PolicyType;
  static const std::pair<std::string_view, PolicyType> kTypes[] = {
      {"identity", PolicyType::Identity},         {"inline-user", PolicyType::InlineUser},
      {"inline-group", PolicyType::InlineGroup},  {"inline-role", PolicyType::InlineRole},
      {"boundary", PolicyType::Boundary},         {"session", PolicyType::Session},
      {"trust", PolicyType::Trust},               {"resource", PolicyType::Resource},
      {"simulator-resource", PolicyType::SimulatorResource},
      {"scp", PolicyType::Scp},                   {"rcp", PolicyType::Rcp},
  };
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::optional<policy::ResourcePolicyKind> resource_kind_from_name(std::string_view name) {
  if (name == "function") return policy::ResourcePolicyKind::Function;
  if (name == "trust") return policy::ResourcePolicyKind::Trust;
  if (name == "generic") return policy::ResourcePolicyKind::Generic;
  return std::nullopt;
}

std::optional<policy::Decision> decision_from_name(std::string_view name) {
  for (auto d : {policy::Decision::Allowed, policy::Decision::ExplicitDeny, policy::Decision::ImplicitDeny}) {
    if (policy::decision_name(d) == name) return d;
  }
  return std::nullopt;
}

// The resource templates lambda-actions.json gives each Lambda action (unqualified, and
// qualified where the action takes a qualifier), keyed by the action in lower case.
const std::map<std::string, std::vector<std::string>>& lambda_resource_templates() {
  static const auto templates = [] {
    std::map<std::string, std::vector<std::string>> out;
    rapidjson::Document doc;
    const std::string_view text = policy::embedded_lambda_actions_json();
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsArray()) return out;
    for (const auto& row : doc.GetArray()) {
      const auto action = row.FindMember("iamAction");
      if (action == row.MemberEnd() || !action->value.IsString()) continue;
      std::string key = action->value.GetString();
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      for (const char* field : {"resource", "resourceWhenQualified"}) {
        const auto t = row.FindMember(field);
        if (t != row.MemberEnd() && t->value.IsString()) out[key].emplace_back(t->value.GetString());
      }
    }
    return out;
  }();
  return templates;
}

std::vector<std::string_view> split_colons(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::size_t from = 0;;) {
    const auto colon = text.find(':', from);
    parts.push_back(text.substr(from, colon == std::string_view::npos ? std::string_view::npos : colon - from));
    if (colon == std::string_view::npos) return parts;
    from = colon + 1;
  }
}

// arn:aws:lambda:{region}:{account}:function:{function}: literal parts equal, {account} twelve
// digits, any other {placeholder} a non-empty part, partition aws or aws-*.
bool matches_template(std::string_view resource, std::string_view pattern) {
  const auto parts = split_colons(resource);
  const auto want = split_colons(pattern);
  if (parts.size() != want.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i], w = want[i];
    if (i == 1 && w == "aws") {
      if (part != "aws" && !part.starts_with("aws-")) return false;
    } else if (w == "{account}") {
      if (part.size() != 12 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
      }
    } else if (w.starts_with('{')) {
      if (part.empty()) return false;
    } else if (part != w) {
      return false;
    }
  }
  return true;
}

struct RequestProblem {
  std::string_view member;  // "action" or "resource"
  std::string message;
};

// A case's request is checked as a policy naming it would be: an action outside the action
// catalog (or of no AWS service) or a resource that can never be that action's request resource
// makes the fixture wrong, with the validator's message and did-you-mean, instead of a case
// that passes as a deny while testing nothing.
// `outside_catalog`: the case says its action is deliberately not a real one (pattern tests).
std::optional<RequestProblem> request_problem(std::string_view action, std::string_view resource,
                                              bool outside_catalog) {
  const auto json = [](std::string_view text) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    return std::string(buffer.GetString(), buffer.GetSize());
  };
  const std::string document = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)" + json(action) +
                               R"(,"Resource":)" + json(resource) + "}]}";
  for (const policy::Finding& f : policy::validate_policy(document, policy::PolicyType::Identity)) {
    const bool on_action = f.path.find("Action") != std::string::npos;
    const bool unknown_action = f.code == "W12" || f.code == "W14";
    const bool relevant = f.severity == policy::Finding::Severity::Error || f.code == "W1" || f.code == "W11" ||
                          (unknown_action && !outside_catalog);
    if (!relevant) continue;
    std::string message = f.message;
    if (!f.detail.empty()) message += " (" + f.detail + ")";
    return RequestProblem{on_action ? "action" : "resource", std::move(message)};
  }
  if (action.find_first_of("*?") != std::string_view::npos) {
    return RequestProblem{"action", "`" + std::string(action) + "` is a pattern; a request names one action"};
  }
  const std::string_view service = action.substr(0, action.find(':'));
  const auto id = policy::find_action(action);
  if (resource == "*") return std::nullopt;
  const auto arn = policy::parse_arn(resource);
  if (!arn) {
    return RequestProblem{"resource", "`" + std::string(resource) + "` is neither `*` nor an ARN "
                                                                      "(arn:partition:service:region:account:resource)"};
  }
  if (id && policy::equals_ignore_case(service, "lambda")) {
    const auto found = lambda_resource_templates().find(policy::known_actions()[*id].lower);
    if (found != lambda_resource_templates().end() && !found->second.empty() && found->second.front() != "*") {
      const auto& patterns = found->second;
      const auto fits = [&](const std::string& t) { return matches_template(resource, t); };
      if (std::none_of(patterns.begin(), patterns.end(), fits)) {
        return RequestProblem{"resource", "`" + std::string(resource) + "` cannot be the resource of " +
                                              policy::known_actions()[*id].name + ", which is authorized on " +
                                              join_text(patterns, " or ")};
      }
    }
    return std::nullopt;
  }
  const bool iam_family = policy::equals_ignore_case(service, "iam") || policy::equals_ignore_case(service, "sts");
  const bool same_service = iam_family ? (arn->service == "iam" || arn->service == "sts")
                                       : policy::equals_ignore_case(arn->service, service);
  if (!same_service) {
    return RequestProblem{"resource", "`" + std::string(resource) + "` is a resource of `" + std::string(arn->service) +
                                          "`, never of `" + std::string(action) + "`"};
  }
  return std::nullopt;
}

// Reads one fixture document strictly: every object's fields are checked
// against the format, and the first problem is kept with its JSON path.
class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}
  ~Loader() { close_world(); }
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  bool fail(const std::string& path, std::string message) {
    if (!error_) error_ = FixtureError{file_, path, std::move(message)};
    return false;
  }
  FixtureError take_error() { return std::move(*error_); }

  // Rejects unknown fields and reports the first missing required one.
  bool check_object(const Value& v, const std::string& path, std::initializer_list<std::string_view> required,
                    std::initializer_list<std::string_view> optional) {
    if (!v.IsObject()) return fail(path, "expected an object");
    std::set<std::string_view> seen;
    for (const auto& m : v.GetObject()) {
      std::string_view key(m.name.GetString(), m.name.GetStringLength());
      const bool known = std::find(required.begin(), required.end(), key) != required.end() ||
                         std::find(optional.begin(), optional.end(), key) != optional.end();
      if (!known) {
        std::vector<std::string> allowed(required.begin(), required.end());
        allowed.insert(allowed.end(), optional.begin(), optional.end());
        return fail(path, "unknown field `" + std::string(key) + "` (known: " + join_text(allowed, ", ") + ")");
      }
      if (!seen.insert(key).second) return fail(path, "duplicate field `" + std::string(key) + "`");
    }
    for (auto key : required) {
      if (!seen.count(key)) return fail(path, "missing required field `" + std::string(key) + "`");
    }
    return true;
  }

  static const Value* member(const Value& obj, std::string_view key) {
    auto it = obj.FindMember(Value(rapidjson::StringRef(key.data(), key.size())));
    return it == obj.MemberEnd() ? nullptr : &it->value;
  }

  bool read_string(const Value& v, const std::string& path, std::string& out) {
    if (!v.IsString()) return fail(path, "expected a string");
    out.assign(v.GetString(), v.GetStringLength());
    return true;
  }

  bool read_nonempty_string(const Value& v, const std::string& path, std::string& out) {
    if (!read_string(v, path, out)) return false;
    if (out.empty()) return fail(path, "must not be empty");
    return true;
  }

  bool read_string_list(const Value& v, const std::string& path, std::vector<std::string>& out) {
    if (!v.IsArray()) return fail(path, "expected an array of strings");
    out.clear();
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      std::string s;
      if (!read_string(v[i], path + "[" + std::to_string(i) + "]", s)) return false;
      out.push_back(std::move(s));
    }
    return true;
  }

  bool read_levels(const Value& v, const std::string& path, std::vector<std::vector<std::string>>& out) {
    if (!v.IsArray()) return fail(path, "expected an array of arrays of policy names");
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      std::vector<std::string> level;
      if (!read_string_list(v[i], path + "[" + std::to_string(i) + "]", level)) return false;
      out.push_back(std::move(level));
    }
    return true;
  }

  bool read_context(const Value& v, const std::string& path, ContextEntries& out) {
    if (!v.IsObject()) return fail(path, "expected an object of context keys");
    for (const auto& m : v.GetObject()) {
      std::string key(m.name.GetString(), m.name.GetStringLength());
      const std::string at = path + "." + key;
      ContextValue value;
      if (m.value.IsNull()) {
        value.erase = true;
      } else if (m.value.IsString()) {
        value.values.emplace_back(m.value.GetString(), m.value.GetStringLength());
      } else if (m.value.IsArray()) {
        value.list = true;
        if (!read_string_list(m.value, at, value.values)) return false;
      } else {
        return fail(at, "a context value is a string, an array of strings (a list-typed key) or null (absent)");
      }
      out.emplace_back(std::move(key), std::move(value));
    }
    return true;
  }

  bool read_position(const Value& v, const std::string& path, policy::Position& out) {
    if (!check_object(v, path, {"line", "column"}, {})) return false;
    const Value& line = v["line"];
    const Value& column = v["column"];
    if (!line.IsUint() || line.GetUint() == 0) return fail(path + ".line", "expected a positive integer");
    if (!column.IsUint() || column.GetUint() == 0) return fail(path + ".column", "expected a positive integer");
    out = {line.GetUint(), column.GetUint()};
    return true;
  }

  bool load(const Value& root, Fixture& fixture) {
    if (!check_object(root, "$", {"description", "source", "cases"},
                      {"note", "policies", "principals", "resources", "context", "world"}))
      return false;
    std::string text;
    if (!read_nonempty_string(root["description"], "$.description", text)) return false;
    if (!read_nonempty_string(root["source"], "$.source", text)) return false;
    if (const Value* note = member(root, "note"); note && !read_string(*note, "$.note", text)) return false;
    if (const Value* v = member(root, "world"); v && !load_world(*v, fixture)) return false;
    if (const Value* v = member(root, "policies"); v && !load_policies(*v, fixture)) return false;
    if (const Value* v = member(root, "principals"); v && !load_principals(*v, fixture)) return false;
    if (const Value* v = member(root, "resources"); v && !load_resources(*v, fixture)) return false;
    if (const Value* v = member(root, "context"); v && !read_context(*v, "$.context", fixture.context)) return false;
    const Value& cases = root["cases"];
    if (!cases.IsArray() || cases.Empty()) return fail("$.cases", "expected a non-empty array of cases");
    std::set<std::string> names;
    for (rapidjson::SizeType i = 0; i < cases.Size(); ++i) {
      const std::string path = "$.cases[" + std::to_string(i) + "]";
      if (cases[i].IsObject() && (member(cases[i], "where") || member(cases[i], "matrix"))) {
        if (!load_table(cases[i], path, fixture, names)) return false;
        continue;
      }
      FixtureCase c;
      c.path = path;
      if (!load_case(cases[i], fixture, c)) return false;
      if (!names.insert(c.name).second) return fail(c.path + ".name", "duplicate case name `" + c.name + "`");
      fixture.cases.push_back(std::move(c));
    }
    return true;
  }

  // Closes and removes the world's scratch store; what was resolved from it stays valid.
  void close_world() {
    world_store_.reset();
    if (!world_dir_.empty()) {
      std::error_code ec;
      fs::remove_all(world_dir_, ec);
      world_dir_.clear();
    }
  }

 private:
  bool load_policies(const Value& v, Fixture& fixture) {
    if (!v.IsObject()) return fail("$.policies", "expected an object of named policies");
    for (const auto& m : v.GetObject()) {
      std::string name(m.name.GetString(), m.name.GetStringLength());
      const std::string path = "$.policies." + name;
      if (!check_object(m.value, path, {"type"}, {"document", "text", "description", "source"})) return false;
      std::string type_name;
      if (!read_string(m.value["type"], path + ".type", type_name)) return false;
      auto type = policy_type_from_name(type_name);
      if (!type) {
        return fail(path + ".type", "unknown policy type `" + type_name +
                                        "` (known: identity, inline-user, inline-group, inline-role, boundary, "
                                        "session, trust, resource, simulator-resource, scp, rcp)");
      }
      for (const char* key : {"description", "source"}) {
        std::string ignored;
        if (const Value* s = member(m.value, key); s && !read_string(*s, path + "." + key, ignored)) return false;
      }
      const Value* document = member(m.value, "document");
      const Value* text = member(m.value, "text");
      if ((document == nullptr) == (text == nullptr)) return fail(path, "give exactly one of `document` and `text`");
      FixturePolicy p;
      p.type = *type;
      if (text) {
        if (!read_string(*text, path + ".text", p.text)) return false;
      } else {
        // Serialized compactly, so statement positions are on line 1.
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        document->Accept(writer);
        p.text.assign(buffer.GetString(), buffer.GetSize());
      }
      auto parsed = policy::parse_and_validate(p.text, p.type);
      if (parsed) {
        p.compiled = policy::compile_validated(parsed.value(), name);
      } else {
        p.error = parsed.error().message;
      }
      const auto [stored, added] = fixture.policies.emplace(name, std::move(p));
      if (!added) return fail(path, "duplicate policy name");
      if (stored->second.compiled) fixture.origins[&*stored->second.compiled] = {file_, name};
    }
    return true;
  }

  bool check_policy_name(const Fixture& fixture, const std::string& name, const std::string& path) {
    if (!fixture.policies.count(name)) return fail(path, "no policy named `" + name + "` in `policies`");
    return true;
  }

  bool check_policy_names(const Fixture& fixture, const std::vector<std::string>& names, const std::string& path) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!check_policy_name(fixture, names[i], path + "[" + std::to_string(i) + "]")) return false;
    }
    return true;
  }

  bool check_levels(const Fixture& fixture, const std::vector<std::vector<std::string>>& levels,
                    const std::string& path) {
    for (std::size_t i = 0; i < levels.size(); ++i) {
      if (!check_policy_names(fixture, levels[i], path + "[" + std::to_string(i) + "]")) return false;
    }
    return true;
  }

  bool load_principals(const Value& v, Fixture& fixture) {
    if (!v.IsObject()) return fail("$.principals", "expected an object of named principals");
    for (const auto& m : v.GetObject()) {
      std::string name(m.name.GetString(), m.name.GetStringLength());
      const std::string path = "$.principals." + name;
      if (!check_object(m.value, path, {"arn"},
                        {"description", "identity", "boundary", "session", "tags", "path", "uniqueId",
                         "subjectToScps", "scpLevels"}))
        return false;
      std::string arn;
      if (!read_nonempty_string(m.value["arn"], path + ".arn", arn)) return false;
      auto caller = policy::caller_from_arn(arn);
      if (!caller) {
        return fail(path + ".arn", "`" + arn +
                                       "` is not a caller (user, role, assumed-role session, root, account id, "
                                       "service principal or anonymous)");
      }
      FixturePrincipal p;
      p.caller = std::move(*caller);
      std::string text;
      if (const Value* s = member(m.value, "description"); s && !read_string(*s, path + ".description", text))
        return false;
      if (const Value* s = member(m.value, "identity")) {
        if (!read_string_list(*s, path + ".identity", p.identity)) return false;
        if (!check_policy_names(fixture, p.identity, path + ".identity")) return false;
      }
      if (const Value* s = member(m.value, "boundary")) {
        if (!read_string(*s, path + ".boundary", text)) return false;
        if (!check_policy_name(fixture, text, path + ".boundary")) return false;
        p.boundary = text;
      }
      if (const Value* s = member(m.value, "session")) {
        if (!read_string_list(*s, path + ".session", p.session)) return false;
        if (!check_policy_names(fixture, p.session, path + ".session")) return false;
      }
      if (const Value* s = member(m.value, "scpLevels")) {
        if (!read_levels(*s, path + ".scpLevels", p.scp_levels)) return false;
        if (!check_levels(fixture, p.scp_levels, path + ".scpLevels")) return false;
      }
      if (const Value* s = member(m.value, "tags")) {
        if (!s->IsObject()) return fail(path + ".tags", "expected an object of tag key to value");
        for (const auto& t : s->GetObject()) {
          std::string value;
          if (!read_string(t.value, path + ".tags." + t.name.GetString(), value)) return false;
          p.caller.tags[std::string(t.name.GetString(), t.name.GetStringLength())] = value;
        }
      }
      if (const Value* s = member(m.value, "path")) {
        if (!read_nonempty_string(*s, path + ".path", p.caller.path)) return false;
      }
      if (const Value* s = member(m.value, "uniqueId")) {
        if (!read_nonempty_string(*s, path + ".uniqueId", p.caller.unique_id)) return false;
      }
      if (const Value* s = member(m.value, "subjectToScps")) {
        if (!s->IsBool()) return fail(path + ".subjectToScps", "expected true or false");
        p.caller.subject_to_scps = s->GetBool();
      }
      fixture.principals.emplace(std::move(name), std::move(p));
    }
    return true;
  }

  bool read_kind(const Value& v, const std::string& path, policy::ResourcePolicyKind& out) {
    std::string name;
    if (!read_string(v, path, name)) return false;
    auto kind = resource_kind_from_name(name);
    if (!kind) return fail(path, "unknown resource kind `" + name + "` (known: function, trust, generic)");
    out = *kind;
    return true;
  }

  bool load_resources(const Value& v, Fixture& fixture) {
    if (!v.IsObject()) return fail("$.resources", "expected an object keyed by resource ARN");
    for (const auto& m : v.GetObject()) {
      std::string arn(m.name.GetString(), m.name.GetStringLength());
      const std::string path = "$.resources." + arn;
      if (!check_object(m.value, path, {"kind", "policy"}, {"description", "rcpLevels"})) return false;
      FixtureResource r;
      if (!read_kind(m.value["kind"], path + ".kind", r.kind)) return false;
      if (!m.value["policy"].IsNull()) {
        std::string name;
        if (!read_string(m.value["policy"], path + ".policy", name)) return false;
        if (!check_policy_name(fixture, name, path + ".policy")) return false;
        r.policy = name;
      }
      std::string text;
      if (const Value* s = member(m.value, "description"); s && !read_string(*s, path + ".description", text))
        return false;
      if (const Value* s = member(m.value, "rcpLevels")) {
        if (!read_levels(*s, path + ".rcpLevels", r.rcp_levels)) return false;
        if (!check_levels(fixture, r.rcp_levels, path + ".rcpLevels")) return false;
      }
      fixture.resources.emplace(std::move(arn), std::move(r));
    }
    return true;
  }

  bool read_override(const Fixture& fixture, const Value& v, const std::string& path, PolicyOverride& out) {
    out.set = true;
    if (v.IsNull()) return true;
    std::string name;
    if (!read_string(v, path, name)) return false;
    if (!check_policy_name(fixture, name, path)) return false;
    out.name = name;
    return true;
  }

  bool load_case(const Value& v, Fixture& fixture, FixtureCase& c) {
    if (!v.IsObject()) return fail(c.path, "expected an object");
    const std::string& path = c.path;
    std::string text;
    if (member(v, "validate")) {
      if (!check_object(v, path, {"name", "description", "source", "validate", "expect"}, {"note"})) return false;
    } else if (!check_object(v, path, {"name", "description", "source", "principal", "action", "resource", "expect"},
                             {"note", "context", "identity", "boundary", "session", "resourcePolicy",
                              "resourceKind", "actionOutsideCatalog"})) {
      return false;
    }
    if (!read_nonempty_string(v["name"], path + ".name", c.name)) return false;
    if (!read_nonempty_string(v["description"], path + ".description", text)) return false;
    if (!read_nonempty_string(v["source"], path + ".source", text)) return false;
    if (const Value* s = member(v, "note"); s && !read_string(*s, path + ".note", text)) return false;

    if (const Value* s = member(v, "validate")) {
      std::string name;
      if (!read_string(*s, path + ".validate", name)) return false;
      if (!check_policy_name(fixture, name, path + ".validate")) return false;
      c.validate = name;
      const Value& expect = v["expect"];
      if (!check_object(expect, path + ".expect", {}, {"error", "valid"})) return false;
      const Value* error = member(expect, "error");
      const Value* valid = member(expect, "valid");
      if ((error == nullptr) == (valid == nullptr)) {
        return fail(path + ".expect", "a validation case expects exactly one of `error` and `valid`");
      }
      if (error) {
        if (!read_nonempty_string(*error, path + ".expect.error", text)) return false;
        c.expect.validation_error = text;
      } else if (!valid->IsBool() || !valid->GetBool()) {
        return fail(path + ".expect.valid", "expected true");
      }
      return true;
    }

    if (!read_nonempty_string(v["principal"], path + ".principal", c.principal)) return false;
    if (!fixture.principals.count(c.principal) && !resolve_world_principal(c.principal, path + ".principal", fixture)) {
      return false;
    }
    if (!read_nonempty_string(v["action"], path + ".action", c.action)) return false;
    if (!read_nonempty_string(v["resource"], path + ".resource", c.resource)) return false;
    bool outside_catalog = false;
    if (const Value* s = member(v, "actionOutsideCatalog")) {
      if (!s->IsBool()) return fail(path + ".actionOutsideCatalog", "expected true or false");
      outside_catalog = s->GetBool();
    }
    if (auto problem = request_problem(c.action, c.resource, outside_catalog)) {
      return fail(path + "." + std::string(problem->member), problem->message);
    }
    if (!resolve_world_trust(c.action, c.resource, path + ".resource", fixture)) return false;
    if (!resolve_world_function(c.resource, path + ".resource", fixture)) return false;
    if (const Value* s = member(v, "context"); s && !read_context(*s, path + ".context", c.context)) return false;
    if (const Value* s = member(v, "identity")) {
      c.identity.emplace();
      if (!read_string_list(*s, path + ".identity", *c.identity)) return false;
      if (!check_policy_names(fixture, *c.identity, path + ".identity")) return false;
    }
    if (const Value* s = member(v, "session")) {
      c.session.emplace();
      if (!read_string_list(*s, path + ".session", *c.session)) return false;
      if (!check_policy_names(fixture, *c.session, path + ".session")) return false;
    }
    if (const Value* s = member(v, "boundary"); s && !read_override(fixture, *s, path + ".boundary", c.boundary))
      return false;
    if (const Value* s = member(v, "resourcePolicy");
        s && !read_override(fixture, *s, path + ".resourcePolicy", c.resource_policy))
      return false;
    if (const Value* s = member(v, "resourceKind")) {
      policy::ResourcePolicyKind kind{};
      if (!read_kind(*s, path + ".resourceKind", kind)) return false;
      c.resource_kind = kind;
    }
    if (c.resource_policy.name && !c.resource_kind && !fixture.resources.count(c.resource)) {
      return fail(path, "`resourcePolicy` on an undeclared resource needs `resourceKind`");
    }
    return load_expect(v["expect"], path + ".expect", fixture, c.expect);
  }

  // `{"policy": name, "statement": i | "sid": s}`; `start`/`end` positions only in `matched`;
  // Embedded: the members are part of a larger object whose fields the caller checked.
  enum class MatchFields { WithPositions, Plain, Embedded };
  bool read_expected_match(const Value& m, const std::string& at, MatchFields fields, ExpectedMatch& match) {
    if (fields == MatchFields::WithPositions) {
      if (!check_object(m, at, {"policy"}, {"statement", "sid", "start", "end"})) return false;
    } else if (fields == MatchFields::Plain && !check_object(m, at, {"policy"}, {"statement", "sid"})) {
      return false;
    }
    if (!read_nonempty_string(m["policy"], at + ".policy", match.policy)) return false;
    const Value* index = member(m, "statement");
    const Value* sid = member(m, "sid");
    if ((index == nullptr) == (sid == nullptr)) return fail(at, "give exactly one of `statement` and `sid`");
    if (index) {
      if (!index->IsUint()) return fail(at + ".statement", "expected a 0-based statement index");
      match.statement = index->GetUint();
    } else {
      std::string text;
      if (!read_string(*sid, at + ".sid", text)) return false;
      match.sid = text;
    }
    for (const char* key : {"start", "end"}) {
      if (const Value* p = member(m, key)) {
        policy::Position pos;
        if (!read_position(*p, at + "." + key, pos)) return false;
        (std::string_view(key) == "start" ? match.start : match.end) = pos;
      }
    }
    return true;
  }

  // A reason assertion names a policy the case can see: one of the file's or of the world's.
  bool check_known_policy(const Fixture& fixture, const std::string& name, const std::string& path) {
    if (fixture.policies.count(name)) return true;
    for (const auto& entry : fixture.origins) {
      if (entry.first->id == name) return true;
    }
    return fail(path, "no policy named `" + name + "` in `policies`" +
                          (fixture.world.empty() ? std::string() : " or among the world principals' policies"));
  }

  bool load_reason(const Value& v, const std::string& path, const Fixture& fixture, Expectation& e) {
    if (const Value* s = member(v, "decidedBy")) {
      const std::string at = path + ".decidedBy";
      if (e.decision == policy::Decision::ImplicitDeny) {
        return fail(at, "an implicit deny is decided by no statement (give `failedCondition` or `missingKeys`)");
      }
      const bool list = s->IsArray();
      if (list && s->Empty()) return fail(at, "expected a statement or a non-empty array of statements");
      const rapidjson::SizeType n = list ? s->Size() : 1;
      for (rapidjson::SizeType i = 0; i < n; ++i) {
        const std::string item = list ? at + "[" + std::to_string(i) + "]" : at;
        ExpectedMatch match;
        if (!read_expected_match(list ? (*s)[i] : *s, item, MatchFields::Plain, match)) return false;
        if (!check_known_policy(fixture, match.policy, item + ".policy")) return false;
        e.decided_by.push_back(std::move(match));
      }
    }
    if (const Value* s = member(v, "failedCondition")) {
      const std::string at = path + ".failedCondition";
      if (e.decision == policy::Decision::Allowed) return fail(at, "an allowed decision has no failing condition");
      if (!check_object(*s, at, {"operator", "key"}, {"policy", "statement", "sid"})) return false;
      ExpectedCondition condition;
      std::string op;
      if (!read_nonempty_string((*s)["operator"], at + ".operator", op)) return false;
      const auto spec = policy::parse_operator(op);
      if (!spec) return fail(at + ".operator", "`" + op + "` is not a condition operator");
      condition.op = policy::operator_spec_name(*spec);
      if (!read_nonempty_string((*s)["key"], at + ".key", condition.key)) return false;
      if (member(*s, "policy")) {
        ExpectedMatch match;
        if (!read_expected_match(*s, at, MatchFields::Embedded, match)) return false;
        if (!check_known_policy(fixture, match.policy, at + ".policy")) return false;
        condition.statement = std::move(match);
      } else if (member(*s, "statement") || member(*s, "sid")) {
        return fail(at, "`statement` and `sid` need `policy`");
      }
      e.failed_condition = std::move(condition);
    }
    return true;
  }

  bool load_expect(const Value& v, const std::string& path, const Fixture& fixture, Expectation& e) {
    if (!check_object(v, path, {"decision"},
                      {"matched", "reason", "message", "missingKeys", "allowedByPermissionsBoundary",
                       "allowedByOrganizations", "evalDecisionDetails", "decidedBy", "failedCondition"}))
      return false;
    std::string text;
    if (!read_string(v["decision"], path + ".decision", text)) return false;
    auto decision = decision_from_name(text);
    if (!decision) {
      return fail(path + ".decision", "unknown decision `" + text + "` (known: allowed, explicitDeny, implicitDeny)");
    }
    e.decision = *decision;
    for (const char* key : {"reason", "message"}) {
      const Value* s = member(v, key);
      if (!s) continue;
      if (e.decision == policy::Decision::Allowed) {
        return fail(path + "." + key, "an allowed decision has no AccessDenied " + std::string(key));
      }
      if (!read_nonempty_string(*s, path + "." + key, text)) return false;
      (std::string_view(key) == "reason" ? e.reason : e.message) = text;
    }
    if (const Value* s = member(v, "missingKeys")) {
      e.missing_keys.emplace();
      if (!read_string_list(*s, path + ".missingKeys", *e.missing_keys)) return false;
    }
    if (const Value* s = member(v, "allowedByPermissionsBoundary")) {
      if (!s->IsBool()) return fail(path + ".allowedByPermissionsBoundary", "expected true or false");
      e.allowed_by_boundary = s->GetBool();
    }
    if (const Value* s = member(v, "allowedByOrganizations")) {
      if (!s->IsBool()) return fail(path + ".allowedByOrganizations", "expected true or false");
      e.allowed_by_organizations = s->GetBool();
    }
    if (const Value* s = member(v, "evalDecisionDetails")) {
      if (!check_object(*s, path + ".evalDecisionDetails", {"IAM Policy", "Resource Policy"}, {})) return false;
      e.eval_decision_details.emplace();
      for (const auto& m : s->GetObject()) {
        const std::string at = path + ".evalDecisionDetails." + m.name.GetString();
        if (!read_string(m.value, at, text)) return false;
        if (!decision_from_name(text)) return fail(at, "unknown decision `" + text + "`");
        (*e.eval_decision_details)[m.name.GetString()] = text;
      }
    }
    if (const Value* s = member(v, "matched")) {
      if (!s->IsArray()) return fail(path + ".matched", "expected an array of statements");
      e.matched.emplace();
      for (rapidjson::SizeType i = 0; i < s->Size(); ++i) {
        const std::string at = path + ".matched[" + std::to_string(i) + "]";
        ExpectedMatch match;
        if (!read_expected_match((*s)[i], at, MatchFields::WithPositions, match)) return false;
        e.matched->push_back(std::move(match));
      }
    }
    return load_reason(v, path, fixture, e);
  }

  // `"world": "path"`: a world file (the bootstrap format plus functions, as `serve --world` reads
  // it), read relative to the fixture's folder, loaded by the fixture server's own world loader
  // into a scratch store. Its principals are resolved on first use (resolve_world_principal),
  // its functions' policies likewise (resolve_world_function).
  bool load_world(const Value& v, Fixture& fixture) {
    std::string name;
    if (!read_nonempty_string(v, "$.world", name)) return false;
    const fs::path world = fs::path(file_).parent_path() / name;
    std::error_code ec;
    // Only regular files: a fixture must not make the runner read a device or a folder.
    if (!fs::is_regular_file(world, ec)) return fail("$.world", "`" + world.string() + "` is not a readable file");
    auto parsed = server::fixture::read_world_file(world);
    if (!parsed) return fail("$.world", "bad world file: " + parsed.error().to_string());
    static std::atomic<unsigned> counter{0};
    world_dir_ = fs::temp_directory_path(ec) /
                 ("gatehouse-test-world-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    if (ec) return fail("$.world", "no temporary directory: " + ec.message());
    fs::remove_all(world_dir_, ec);
    store::Options options;
    options.data_dir = world_dir_;
    options.sync = false;
    options.initial_map_size = std::size_t{8} << 20;
    auto opened = store::Store::open(options);
    if (!opened) return fail("$.world", "cannot open a scratch store: " + opened.error().message);
    world_store_ = std::move(opened.value());
    const std::string& region = parsed.value().bootstrap.region;
    world_region_ = region.empty() ? "us-east-1" : region;
    auto applied = server::fixture::load_world(*world_store_, parsed.value(), world_region_);
    if (!applied) return fail("$.world", "bad world file: " + applied.error().to_string());
    fixture.world = world.string();
    world_ = std::move(parsed.value());
    return true;
  }

  // Labels a world principal's policies for coverage: who holds them and how.
  static std::string world_policy_label(const store::AppliedPolicy& p) {
    using store::PolicySource;
    switch (p.source) {
      case PolicySource::Managed:
      case PolicySource::SessionManaged:
        return "managed " + p.arn;
      case PolicySource::Boundary:
        return "boundary " + (p.arn.empty() ? p.name : p.arn);
      case PolicySource::UserInline:
        return "user " + p.owner + ": inline " + p.name;
      case PolicySource::GroupInline:
        return "group " + p.owner + ": inline " + p.name;
      case PolicySource::RoleInline:
        return "role " + p.owner + ": inline " + p.name;
      case PolicySource::SessionInline:
        return "session " + p.owner + ": " + p.name;
    }
    return p.name;
  }

  // A case's principal that `principals` does not declare, looked up in the world: a user or
  // role name (unique in the world), a user or role ARN (a role acts through a session named
  // after it, as the simulator's CallerArn does), or an assumed-role session ARN.
  bool resolve_world_principal(const std::string& ref, const std::string& path, Fixture& fixture) {
    if (!world_store_) return fail(path, "no principal named `" + ref + "` in `principals`");
    struct Found {
      bool user = false;
      std::string account, name, session;
    };
    std::vector<Found> found;
    if (ref.starts_with("arn:")) {
      const auto caller = policy::caller_from_arn(ref);
      if (caller && caller->type == policy::PrincipalType::User) {
        found.push_back({true, caller->account, caller->name, ""});
      } else if (caller && caller->type == policy::PrincipalType::AssumedRole) {
        found.push_back({false, caller->account, caller->name, caller->session});
      }
    } else {
      for (const auto& account : world_->bootstrap.accounts) {
        for (const auto& u : account.users) {
          if (u.name == ref) found.push_back({true, account.id, u.name, ""});
        }
        for (const auto& r : account.roles) {
          if (r.name == ref) found.push_back({false, account.id, r.name, r.name});
        }
      }
    }
    if (found.size() > 1) {
      return fail(path, "`" + ref + "` names several principals of the world; name it by its ARN");
    }
    std::shared_ptr<const store::ResolvedPrincipal> resolved;
    if (found.size() == 1) {
      const Found& f = found.front();
      auto r = f.user ? world_store_->resolve_user(f.account, f.name)
                      : world_store_->resolve_role(f.account, f.name, f.session);
      if (!r) return fail(path, "cannot read `" + ref + "` from the world: " + r.error().message);
      resolved = std::move(r.value());
    }
    if (!resolved) {
      return fail(path, "no principal named `" + ref + "` in `principals` or in the world `" + fixture.world +
                            "` (a user or role name, a user or role ARN, or an assumed-role session ARN)");
    }
    FixturePrincipal p;
    p.caller = resolved->caller;
    const store::PrincipalPolicies& policies = resolved->policies;
    for (const auto& applied : policies.identity) {
      fixture.origins[applied.compiled.get()] = {fixture.world, world_policy_label(applied)};
    }
    for (const auto& applied : policies.session) {
      fixture.origins[applied.compiled.get()] = {fixture.world, world_policy_label(applied)};
    }
    if (policies.boundary) {
      fixture.origins[policies.boundary->compiled.get()] = {fixture.world, world_policy_label(*policies.boundary)};
    }
    p.world = std::move(resolved);
    fixture.principals.emplace(ref, std::move(p));
    return true;
  }

  // sts:AssumeRole on a role of the world that `resources` does not declare: the role's trust
  // policy is the resource policy, as the STS API evaluates it.
  // A case's resource that is the ARN of a function of the world (optionally qualified): its
  // function policy, read as the pipeline reads it (Store::find_function_policy), is the case's
  // resource policy unless the case overrides it. A function without a policy adds nothing.
  bool resolve_world_function(const std::string& resource, const std::string& path, Fixture& fixture) {
    if (!world_store_ || fixture.resources.count(resource) || !resource.starts_with("arn:") ||
        resource.find(":function:") == std::string::npos) {
      return true;
    }
    auto parts = server::lambda::parse_function_name(resource);
    if (!parts || !parts->arn || !parts->account || !parts->region) return true;
    auto found = world_store_->find_function_policy({*parts->account, *parts->region, parts->name},
                                                    parts->qualifier.value_or(""));
    if (!found) return fail(path, "cannot read the function from the world: " + found.error().message);
    if (!found.value()) return true;
    FixtureResource r;
    r.kind = policy::ResourcePolicyKind::Function;
    r.world_policy = found.value();
    fixture.origins[r.world_policy.get()] = {fixture.world, "function " + parts->name + ": function policy"};
    fixture.resources.emplace(resource, std::move(r));
    return true;
  }

  bool resolve_world_trust(const std::string& action, const std::string& resource, const std::string& path,
                           Fixture& fixture) {
    if (!world_store_ || fixture.resources.count(resource) || !policy::equals_ignore_case(action, "sts:AssumeRole")) {
      return true;
    }
    const auto arn = policy::parse_arn(resource);
    if (!arn || arn->service != "iam" || !arn->resource.starts_with("role/")) return true;
    const std::string_view role = arn->resource.substr(arn->resource.rfind('/') + 1);
    auto trust = world_store_->find_role_trust(arn->account, role);
    if (!trust) return fail(path, "cannot read the role from the world: " + trust.error().message);
    if (!trust.value() || !trust.value()->trust) return true;  // not a role of the world: no resource policy
    FixtureResource r;
    r.kind = policy::ResourcePolicyKind::Trust;
    r.world_policy = trust.value()->trust;
    fixture.origins[r.world_policy.get()] = {fixture.world, "role " + std::string(role) + ": trust policy"};
    fixture.resources.emplace(resource, std::move(r));
    return true;
  }

  // Row `where[j]` of a parameterized case: the case's fields, the row's replacing them
  // (`context` merged key by key), under a name of its own.
  // `matrix`: every combination of the values given for principal, action, resource and context,
  // in order (the last key varies fastest), as the rows of a `where`.
  static constexpr std::size_t kMaxMatrixRows = 10000;
  bool matrix_rows(const Value& matrix, const std::string& path, rapidjson::Document& rows) {
    if (!check_object(matrix, path, {}, {"principal", "action", "resource", "context"})) return false;
    if (matrix.ObjectEmpty()) return fail(path, "expected at least one of principal, action, resource, context");
    auto& alloc = rows.GetAllocator();
    rows.SetArray();
    rows.PushBack(Value(rapidjson::kObjectType), alloc);
    for (const char* key : {"principal", "action", "resource", "context"}) {
      const Value* values = member(matrix, key);
      if (!values) continue;
      const std::string at = path + "." + key;
      const bool context = std::string_view(key) == "context";
      if (!values->IsArray() || values->Empty()) {
        return fail(at, context ? "expected a non-empty array of context objects"
                                : "expected a non-empty array of strings");
      }
      for (rapidjson::SizeType i = 0; i < values->Size(); ++i) {
        if (context ? !(*values)[i].IsObject() : !(*values)[i].IsString()) {
          return fail(at + "[" + std::to_string(i) + "]", context ? "expected an object" : "expected a string");
        }
      }
      if (static_cast<std::size_t>(rows.Size()) * values->Size() > kMaxMatrixRows) {
        return fail(path, "more than " + std::to_string(kMaxMatrixRows) + " combinations");
      }
      Value next(rapidjson::kArrayType);
      for (const auto& row : rows.GetArray()) {
        for (const auto& value : values->GetArray()) {
          Value combined(row, alloc);
          combined.AddMember(rapidjson::StringRef(key), Value(value, alloc), alloc);
          next.PushBack(combined, alloc);
        }
      }
      static_cast<Value&>(rows).Swap(next);
    }
    return true;
  }

  bool load_table(const Value& v, const std::string& path, Fixture& fixture, std::set<std::string>& names) {
    if (!check_object(v, path, {"name", "description", "source"},
                      {"note", "principal", "action", "resource", "context", "identity", "boundary", "session",
                       "resourcePolicy", "resourceKind", "actionOutsideCatalog", "expect", "where", "matrix"}))
      return false;
    std::string name_template;
    if (!read_nonempty_string(v["name"], path + ".name", name_template)) return false;
    const Value* where = member(v, "where");
    const Value* matrix = member(v, "matrix");
    if (where && matrix) return fail(path, "give one of `where` and `matrix`");
    rapidjson::Document generated;
    if (matrix && !matrix_rows(*matrix, path + ".matrix", generated)) return false;
    const Value& rows = where ? *where : static_cast<const Value&>(generated);
    const std::string rows_path = path + (where ? ".where" : ".matrix");
    if (!rows.IsArray() || rows.Empty()) return fail(rows_path, "expected a non-empty array of rows");
    for (rapidjson::SizeType j = 0; j < rows.Size(); ++j) {
      const std::string at = rows_path + "[" + std::to_string(j) + "]";
      const Value& row = rows[j];
      if (!check_object(row, at, {},
                        {"name", "principal", "action", "resource", "context", "identity", "boundary", "session",
                         "resourcePolicy", "resourceKind", "expect"}))
        return false;
      rapidjson::Document merged;
      auto& alloc = merged.GetAllocator();
      merged.SetObject();
      for (const auto& m : v.GetObject()) {
        const std::string_view field(m.name.GetString(), m.name.GetStringLength());
        if (field == "where" || field == "matrix") continue;
        merged.AddMember(Value(m.name, alloc), Value(m.value, alloc), alloc);
      }
      std::vector<std::string> parts;  // what the row sets, for its name
      std::string row_name;
      for (const auto& m : row.GetObject()) {
        const std::string_view key(m.name.GetString(), m.name.GetStringLength());
        if (key == "name") {
          if (!read_nonempty_string(m.value, at + ".name", row_name)) return false;
          continue;
        }
        if (m.value.IsString() && key != "boundary" && key != "resourcePolicy" && key != "resourceKind") {
          parts.emplace_back(m.value.GetString(), m.value.GetStringLength());
        }
        if (key == "context" && m.value.IsObject()) {
          // key=value, key=[a,b] for a list, key=null for a removal.
          for (const auto& entry : m.value.GetObject()) {
            std::string shown;
            if (entry.value.IsString()) {
              shown.assign(entry.value.GetString(), entry.value.GetStringLength());
            } else if (entry.value.IsNull()) {
              shown = "null";
            } else if (entry.value.IsArray()) {
              std::vector<std::string> items;
              for (const auto& item : entry.value.GetArray()) {
                if (item.IsString()) items.emplace_back(item.GetString(), item.GetStringLength());
              }
              shown = "[" + join_text(items, ",") + "]";
            } else {
              continue;  // refused with its path when the row's case loads
            }
            parts.push_back(std::string(entry.name.GetString(), entry.name.GetStringLength()) + "=" + shown);
          }
        }
        // Lookups by name (no member iterators: their comparison is ambiguous under C++20).
        const bool present = merged.HasMember(m.name);
        if (key == "context" && m.value.IsObject() && present && merged[m.name].IsObject()) {
          Value& context = merged[m.name];
          for (const auto& entry : m.value.GetObject()) {
            context.RemoveMember(entry.name);
            context.AddMember(Value(entry.name, alloc), Value(entry.value, alloc), alloc);
          }
          continue;
        }
        if (present) merged.RemoveMember(m.name);
        merged.AddMember(Value(m.name, alloc), Value(m.value, alloc), alloc);
      }
      std::string name;
      if (!row_case_name(name_template, row_name, parts, j, path + ".name", name)) return false;
      merged.RemoveMember("name");
      merged.AddMember("name", Value(name.c_str(), static_cast<rapidjson::SizeType>(name.size()), alloc), alloc);
      for (const char* required : {"principal", "action", "resource", "expect"}) {
        if (!merged.HasMember(required)) {
          return fail(at, "missing `" + std::string(required) + "` (give it in the row or in the case)");
        }
      }
      FixtureCase c;
      c.path = at;
      if (!load_case(merged, fixture, c)) return false;
      for (const auto& [placeholder, value] : {std::pair<std::string, const std::string*>{"{principal}", &c.principal},
                                               {"{action}", &c.action},
                                               {"{resource}", &c.resource}}) {
        for (auto pos = c.name.find(placeholder); pos != std::string::npos;
             pos = c.name.find(placeholder, pos + value->size())) {
          c.name.replace(pos, placeholder.size(), *value);
        }
      }
      if (!names.insert(c.name).second) return fail(at, "duplicate case name `" + c.name + "`");
      fixture.cases.push_back(std::move(c));
    }
    return true;
  }

  // A row's name: the case's name as a template when it holds `{...}` placeholders ({principal},
  // {action}, {resource}, {row}, {index}); else `case[row name]` or `case[value,value,...]`.
  bool row_case_name(const std::string& name, const std::string& row_name, const std::vector<std::string>& parts,
                     std::size_t index, const std::string& path, std::string& out) {
    if (name.find('{') == std::string::npos) {
      const std::string label =
          !row_name.empty() ? row_name : (parts.empty() ? std::to_string(index) : join_text(parts, ","));
      out = name + "[" + label + "]";
      return true;
    }
    out.clear();
    for (std::size_t i = 0; i < name.size();) {
      if (name[i] != '{') {
        out += name[i++];
        continue;
      }
      const auto close = name.find('}', i);
      if (close == std::string::npos) return fail(path, "unclosed `{` in the name template");
      const std::string placeholder = name.substr(i + 1, close - i - 1);
      i = close + 1;
      if (placeholder == "row") {
        out += row_name.empty() ? std::to_string(index) : row_name;
      } else if (placeholder == "index") {
        out += std::to_string(index);
      } else if (placeholder == "principal" || placeholder == "action" || placeholder == "resource") {
        out += "{" + placeholder + "}";  // filled in by load_case's values below
      } else {
        return fail(path, "unknown placeholder `{" + placeholder +
                              "}` in the name template (known: {principal}, {action}, {resource}, {row}, {index})");
      }
    }
    return true;
  }

  std::string file_;
  std::optional<FixtureError> error_;
  fs::path world_dir_;
  std::unique_ptr<store::Store> world_store_;
  std::optional<server::fixture::World> world_;
  std::string world_region_;  // the region the world's functions were created in
};

// The compiled policies one decision case uses, and the spans decide() reads.
struct CaseInputs {
  std::vector<const policy::CompiledPolicy*> identity;
  const policy::CompiledPolicy* boundary = nullptr;
  std::vector<const policy::CompiledPolicy*> session;
  const policy::CompiledPolicy* resource = nullptr;
  policy::ResourcePolicyKind resource_kind = policy::ResourcePolicyKind::Function;
  std::vector<std::vector<const policy::CompiledPolicy*>> scp_levels, rcp_levels;
  std::vector<policy::PolicyList> scp_spans, rcp_spans;
};

// Resolves a policy name to its compiled form, or says why it has none.
const policy::CompiledPolicy* compiled_or_note(const Fixture& fixture, const std::string& name,
                                               std::vector<std::string>& problems) {
  const FixturePolicy& p = fixture.policies.at(name);
  if (!p.compiled) problems.push_back("policy `" + name + "` does not validate: " + p.error);
  return p.compiled ? &*p.compiled : nullptr;
}

void apply_context(const ContextEntries& entries, policy::RequestContext& context) {
  for (const auto& [key, value] : entries) {
    if (value.erase) {
      context.erase(key);
    } else if (value.list) {
      context.set_list(key, value.values);
    } else {
      context.set(key, value.values.front());
    }
  }
}

std::string describe_match(const policy::Trace::Match& m) {
  return describe_statement(StatementRef{m.policy, m.policy->id, m.statement->index, m.statement->sid});
}

std::string describe_expected(const ExpectedMatch& m) {
  return m.policy + (m.statement ? "#" + std::to_string(*m.statement) : "(" + m.sid.value_or("") + ")");
}

std::string describe_position(const policy::Position& p) {
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

bool match_equals(const ExpectedMatch& e, const policy::Trace::Match& m) {
  if (m.policy->id != e.policy) return false;
  if (e.statement && m.statement->index != *e.statement) return false;
  if (e.sid && m.statement->sid != *e.sid) return false;
  if (e.start && m.statement->start != *e.start) return false;
  if (e.end && m.statement->end != *e.end) return false;
  return true;
}

// Order-insensitive: every expected statement matched once, nothing left over.
bool matches_equal(const std::vector<ExpectedMatch>& expected, const std::vector<policy::Trace::Match>& got) {
  if (expected.size() != got.size()) return false;
  std::vector<bool> used(got.size(), false);
  for (const auto& e : expected) {
    bool found = false;
    for (std::size_t i = 0; i < got.size() && !found; ++i) {
      if (!used[i] && match_equals(e, got[i])) used[i] = found = true;
    }
    if (!found) return false;
  }
  return true;
}

std::string describe_matches(const std::vector<policy::Trace::Match>& got, bool with_positions) {
  std::vector<std::string> items;
  for (const auto& m : got) {
    std::string item = describe_match(m);
    if (with_positions) {
      item += " " + describe_position(m.statement->start) + "-" + describe_position(m.statement->end);
    }
    items.push_back(std::move(item));
  }
  return "[" + join_text(items, ", ") + "]";
}

std::string describe_expected_matches(const std::vector<ExpectedMatch>& expected) {
  std::vector<std::string> items;
  for (const auto& m : expected) {
    std::string item = describe_expected(m);
    if (m.start || m.end) {
      item += " " + (m.start ? describe_position(*m.start) : std::string("?")) + "-" +
              (m.end ? describe_position(*m.end) : std::string("?"));
    }
    items.push_back(std::move(item));
  }
  return "[" + join_text(items, ", ") + "]";
}

std::string expected_got(std::string_view what, std::string_view expected, std::string_view got) {
  return std::string(what) + ": expected " + std::string(expected) + ", got " + std::string(got);
}

CaseResult run_validation_case(const Fixture& fixture, const FixtureCase& c) {
  CaseResult result;
  result.name = c.name;
  result.path = c.path;
  result.validation = true;
  const FixturePolicy& p = fixture.policies.at(*c.validate);
  result.actual = p.compiled ? "valid" : p.error;
  result.expected = c.expect.validation_error.value_or("valid");
  const std::string got = p.compiled ? "valid" : "`" + p.error + "`";
  const std::string expected = c.expect.validation_error ? "`" + *c.expect.validation_error + "`" : "valid";
  if (got != expected) result.mismatches.push_back(expected_got("validation", expected, got));
  result.passed = result.mismatches.empty();
  return result;
}

StatementRef statement_ref(const policy::CompiledPolicy* policy, const policy::CompiledStatement* statement) {
  return StatementRef{policy, policy->id, statement->index, statement->sid};
}

// Reason assertions, against the engine's own explanation of the decision.
void check_reasons(const Expectation& e, const policy::Trace& trace, std::vector<std::string>& problems) {
  for (const auto& want : e.decided_by) {
    const bool found = std::any_of(trace.matched.begin(), trace.matched.end(),
                                   [&](const policy::Trace::Match& m) { return match_equals(want, m); });
    if (!found) {
      problems.push_back("decidedBy: expected " + describe_expected(want) + " among the deciding statements, got " +
                         describe_matches(trace.matched, false));
    }
  }
  if (e.failed_condition) {
    const ExpectedCondition& want = *e.failed_condition;
    std::vector<std::string> failed;
    bool found = false;
    for (const auto& f : trace.failed_conditions) {
      const std::string op = policy::operator_spec_name(f.condition->spec);
      failed.push_back(
          describe_failed_condition({statement_ref(f.policy, f.statement), op, f.condition->key_as_written}));
      if (op != want.op || !policy::equals_ignore_case(f.condition->key_as_written, want.key)) continue;
      if (want.statement && !match_equals(*want.statement, policy::Trace::Match{f.policy, f.statement, {}})) continue;
      found = true;
    }
    if (!found) {
      std::string expected = want.op + " " + want.key;
      if (want.statement) expected += " in " + describe_expected(*want.statement);
      problems.push_back("failedCondition: expected " + expected + " to fail, got " +
                         (failed.empty() ? std::string("no failed condition") : "[" + join_text(failed, ", ") + "]"));
    }
  }
}

CaseResult run_decision_case(const Fixture& fixture, const FixtureCase& c) {
  CaseResult result;
  result.name = c.name;
  result.path = c.path;
  result.expected = std::string(policy::decision_name(c.expect.decision));
  const FixturePrincipal& principal = fixture.principals.at(c.principal);
  const auto declared = fixture.resources.find(c.resource);

  CaseInputs in;
  std::vector<std::string>& problems = result.mismatches;
  // A world principal's policies as the store gathers them for the authorization pipeline;
  // a case's overrides replace a part with the file's policies.
  const policy::PolicySet gathered = principal.world ? principal.world->policies.policy_set() : policy::PolicySet{};
  if (principal.world && !c.identity) {
    in.identity.assign(gathered.identity.begin(), gathered.identity.end());
  } else {
    for (const auto& name : c.identity.value_or(principal.identity)) {
      in.identity.push_back(compiled_or_note(fixture, name, problems));
    }
  }
  if (principal.world && !c.boundary.set) {
    in.boundary = gathered.boundary;
  } else {
    const std::optional<std::string> boundary = c.boundary.set ? c.boundary.name : principal.boundary;
    if (boundary) in.boundary = compiled_or_note(fixture, *boundary, problems);
  }
  if (principal.world && !c.session) {
    in.session.assign(gathered.session.begin(), gathered.session.end());
  } else {
    for (const auto& name : c.session.value_or(principal.session)) {
      in.session.push_back(compiled_or_note(fixture, name, problems));
    }
  }
  std::optional<std::string> resource_policy;
  if (declared != fixture.resources.end()) {
    resource_policy = declared->second.policy;
    in.resource_kind = declared->second.kind;
    for (const auto& level : declared->second.rcp_levels) {
      auto& out = in.rcp_levels.emplace_back();
      for (const auto& name : level) out.push_back(compiled_or_note(fixture, name, problems));
    }
  }
  if (c.resource_policy.set) resource_policy = c.resource_policy.name;
  if (c.resource_kind) in.resource_kind = *c.resource_kind;
  if (resource_policy) {
    in.resource = compiled_or_note(fixture, *resource_policy, problems);
  } else if (declared != fixture.resources.end() && !c.resource_policy.set) {
    in.resource = declared->second.world_policy.get();
  }
  for (const auto& level : principal.scp_levels) {
    auto& out = in.scp_levels.emplace_back();
    for (const auto& name : level) out.push_back(compiled_or_note(fixture, name, problems));
  }
  if (!problems.empty()) return result;
  for (const auto& level : in.scp_levels) in.scp_spans.emplace_back(level);
  for (const auto& level : in.rcp_levels) in.rcp_spans.emplace_back(level);

  policy::PolicySet set;
  set.identity = in.identity;
  set.boundary = in.boundary;
  set.session = in.session;
  set.resource = in.resource;
  set.resource_kind = in.resource_kind;
  set.scp_levels = in.scp_spans;
  set.rcp_levels = in.rcp_spans;

  // As the simulator builds it (policy semantics 5.8): principal keys, then the
  // fixture's defaults, then the case's entries, each overriding the one before.
  policy::RequestContext context;
  policy::add_principal_keys(principal.caller, context);
  apply_context(fixture.context, context);
  apply_context(c.context, context);

  policy::Request request;
  request.action = c.action;
  request.resource = c.resource;
  request.caller = &principal.caller;
  request.context = &context;
  policy::Trace trace;
  const policy::Outcome outcome = policy::decide(set, request, &trace);

  result.actual = std::string(policy::decision_name(outcome.decision));
  for (const auto& m : trace.matched) result.deciding.push_back(statement_ref(m.policy, m.statement));
  result.missing_keys = trace.missing_keys;
  for (const auto& f : trace.failed_conditions) {
    result.failed_conditions.push_back(FailedConditionRef{statement_ref(f.policy, f.statement),
                                                          policy::operator_spec_name(f.condition->spec),
                                                          f.condition->key_as_written});
  }
  result.granting = in.identity;
  if (in.resource) result.granting.push_back(in.resource);
  if (in.boundary) result.limiting.push_back(in.boundary);
  result.limiting.insert(result.limiting.end(), in.session.begin(), in.session.end());
  for (const auto& level : in.scp_levels) result.limiting.insert(result.limiting.end(), level.begin(), level.end());
  for (const auto& level : in.rcp_levels) result.limiting.insert(result.limiting.end(), level.begin(), level.end());

  const Expectation& e = c.expect;
  if (outcome.decision != e.decision) {
    problems.push_back(
        expected_got("decision", policy::decision_name(e.decision), policy::decision_name(outcome.decision)));
  }
  if (e.reason) {
    const std::string got = policy::reason_clause(outcome, c.action);
    if (got != *e.reason) problems.push_back(expected_got("reason", "`" + *e.reason + "`", "`" + got + "`"));
  }
  if (e.message) {
    const std::string got = policy::access_denied_message(principal.caller, c.action, c.resource, outcome);
    if (got != *e.message) problems.push_back(expected_got("message", "`" + *e.message + "`", "`" + got + "`"));
  }
  if (e.matched && !matches_equal(*e.matched, trace.matched)) {
    const bool positions = std::any_of(e.matched->begin(), e.matched->end(),
                                       [](const ExpectedMatch& m) { return m.start || m.end; });
    problems.push_back(
        expected_got("matched", describe_expected_matches(*e.matched), describe_matches(trace.matched, positions)));
  }
  if (e.missing_keys) {
    std::vector<std::string> expected = *e.missing_keys;
    std::vector<std::string> got = trace.missing_keys;
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    if (expected != got) problems.push_back(expected_got("missingKeys", quoted_list(*e.missing_keys),
                                                         quoted_list(trace.missing_keys)));
  }
  if (e.allowed_by_boundary) {
    const std::string expected = *e.allowed_by_boundary ? "true" : "false";
    const std::string got =
        trace.boundary_present ? (trace.allowed_by_boundary ? "true" : "false") : "no boundary taking part";
    if (got != expected) problems.push_back(expected_got("allowedByPermissionsBoundary", expected, got));
  }
  if (e.allowed_by_organizations) {
    const std::string expected = *e.allowed_by_organizations ? "true" : "false";
    const std::string got = trace.organizations_modelled ? (trace.allowed_by_organizations ? "true" : "false")
                                                         : "organizations not modelled";
    if (got != expected) problems.push_back(expected_got("allowedByOrganizations", expected, got));
  }
  if (e.eval_decision_details) {
    auto describe = [](const std::map<std::string, std::string>& details) {
      std::vector<std::string> items;
      for (const auto& [k, v] : details) items.push_back(k + "=" + v);
      return "{" + join_text(items, ", ") + "}";
    };
    const std::string expected = describe(*e.eval_decision_details);
    const std::string got =
        trace.cross_account ? describe({{"IAM Policy", std::string(policy::decision_name(trace.identity_side))},
                                        {"Resource Policy", std::string(policy::decision_name(trace.resource_side))}})
                            : "not cross-account";
    if (got != expected) problems.push_back(expected_got("evalDecisionDetails", expected, got));
  }
  check_reasons(e, trace, problems);
  result.passed = problems.empty();
  return result;
}

std::string location(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

policy::Result<Fixture, FixtureError> parse_fixture(std::string_view json, const std::string& file) {
  rapidjson::Document root;
  // Default flags: trailing content after the one value is an error too.
  root.Parse(json.data(), json.size());
  if (root.HasParseError()) {
    return policy::failure(FixtureError{file, "",
                                        std::string("invalid JSON at ") + location(json, root.GetErrorOffset()) +
                                            ": " + rapidjson::GetParseError_En(root.GetParseError())});
  }
  Fixture fixture;
  fixture.file = file;
  Loader loader(file);
  if (!loader.load(root, fixture)) return policy::failure(loader.take_error());
  return fixture;
}

policy::Result<Fixture, FixtureError> load_fixture(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return policy::failure(FixtureError{file.string(), "", "cannot open the file"});
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return policy::failure(FixtureError{file.string(), "", "cannot read the file"});
  return parse_fixture(text.str(), file.string());
}

std::string join_text(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string describe_statement(const StatementRef& s) {
  std::string out = s.policy_id + "#" + std::to_string(s.index);
  if (!s.sid.empty()) out += "(" + s.sid + ")";
  return out;
}

std::string describe_failed_condition(const FailedConditionRef& f) {
  return describe_statement(f.statement) + ": " + f.op + " " + f.key;
}

std::vector<CaseResult> run_fixture(const Fixture& fixture, const CaseFilter& select) {
  std::vector<CaseResult> results;
  results.reserve(fixture.cases.size());
  for (const auto& c : fixture.cases) {
    if (select && !select(c.name)) continue;
    const auto start = std::chrono::steady_clock::now();
    results.push_back(c.validate ? run_validation_case(fixture, c) : run_decision_case(fixture, c));
    results.back().duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  return results;
}

FixtureFiles find_fixture_files(const std::vector<std::string>& paths) {
  FixtureFiles out;
  for (const auto& arg : paths) {
    const fs::path path(arg);
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      out.errors.push_back({arg, "", "no such file or directory"});
      continue;
    }
    if (!fs::is_directory(status)) {
      out.files.push_back(path);
      continue;
    }
    std::vector<fs::path> found;
    fs::recursive_directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (it->is_directory(ec)) {
        // demo/ holds simulator inputs, not fixtures.
        if (name == "demo") it.disable_recursion_pending();
        continue;
      }
      // *.world.json: world files that fixtures name in `world`, not fixtures.
      if (it->path().extension() == ".json" && !name.starts_with("README") && !name.ends_with(".world.json")) {
        found.push_back(it->path());
      }
    }
    if (ec) out.errors.push_back({arg, "", "cannot list the directory: " + ec.message()});
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace gatehouse::cli
