#include "cli/test_report.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "policy/text.h"
#include "server/query/xml.h"

namespace gatehouse::cli {
namespace {

std::string statements_list(const std::vector<StatementRef>& statements) {
  if (statements.empty()) return "none";
  std::vector<std::string> items;
  for (const auto& s : statements) items.push_back(describe_statement(s));
  return join_text(items, ", ");
}

std::string conditions_list(const std::vector<FailedConditionRef>& failed) {
  if (failed.empty()) return "none";
  std::vector<std::string> items;
  for (const auto& f : failed) items.push_back(describe_failed_condition(f));
  return join_text(items, ", ");
}

std::string keys_list(const std::vector<std::string>& keys) { return keys.empty() ? "none" : join_text(keys, ", "); }

// The details under a FAIL line (and in a JUnit failure body).
std::vector<std::string> failure_details(const CaseResult& r) {
  if (r.validation) return {"expected: " + r.expected, "actual:   " + r.actual};
  return {"expected decision: " + r.expected,
          "actual decision:   " + r.actual,
          "deciding statements: " + statements_list(r.deciding),
          "failed conditions: " + conditions_list(r.failed_conditions),
          "missing context keys: " + keys_list(r.missing_keys)};
}

// Invalid UTF-8 as U+FFFD, so the JSON written is text any parser reads.
std::string utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      out += text[i++];
      continue;
    }
    const std::size_t start = i;
    const char32_t cp = policy::decode_utf8(text, i);
    if (cp == policy::kReplacementChar) {
      policy::append_utf8(out, cp);
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void json_string(JsonWriter& w, std::string_view text) {
  const std::string clean = utf8(text);
  w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void json_statement(JsonWriter& w, const StatementRef& s) {
  w.Key("policy");
  json_string(w, s.policy_id);
  w.Key("statement");
  w.Uint(s.index);
  if (!s.sid.empty()) {
    w.Key("sid");
    json_string(w, s.sid);
  }
}

std::string xml(std::string_view text) {
  std::string out;
  server::query::append_xml_escaped(out, text);
  return out;
}

std::string seconds(double ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6f", ms / 1000.0);
  return buffer;
}

}  // namespace

Coverage::Policy& Coverage::entry(const Fixture& fixture, const policy::CompiledPolicy* compiled, bool grants) {
  const auto origin = fixture.origins.find(compiled);
  std::pair<std::string, std::string> key = origin != fixture.origins.end()
                                                ? std::make_pair(origin->second.file, origin->second.label)
                                                : std::make_pair(fixture.file, compiled->id);
  auto [it, added] = policies_.try_emplace(key);
  if (added) {
    it->second.file = key.first;
    it->second.label = key.second;
    for (const auto& s : compiled->statements) {
      it->second.statements.push_back({s.index, s.sid, s.effect == policy::Effect::Allow, false});
    }
  }
  it->second.grants = it->second.grants || grants;
  return it->second;
}

void Coverage::add(const Fixture& fixture, const std::vector<CaseResult>& results) {
  const auto attach = [&](const std::string& name, bool grants) {
    const auto p = fixture.policies.find(name);
    if (p != fixture.policies.end() && p->second.compiled) entry(fixture, &*p->second.compiled, grants);
  };
  for (const auto& [name, principal] : fixture.principals) {
    for (const auto& n : principal.identity) attach(n, true);
    if (principal.boundary) attach(*principal.boundary, false);
    for (const auto& n : principal.session) attach(n, false);
    for (const auto& level : principal.scp_levels) {
      for (const auto& n : level) attach(n, false);
    }
  }
  for (const auto& [arn, resource] : fixture.resources) {
    if (resource.policy) attach(*resource.policy, true);
    if (resource.world_policy) entry(fixture, resource.world_policy.get(), true);
    for (const auto& level : resource.rcp_levels) {
      for (const auto& n : level) attach(n, false);
    }
  }
  for (const auto& r : results) {
    for (const auto* p : r.granting) {
      if (p) entry(fixture, p, true);
    }
    for (const auto* p : r.limiting) {
      if (p) entry(fixture, p, false);
    }
    for (const auto& s : r.deciding) {
      if (!s.policy) continue;
      for (auto& statement : entry(fixture, s.policy, false).statements) {
        if (statement.index == s.index) statement.matched = true;
      }
    }
  }
}

std::size_t Coverage::statements() const {
  std::size_t n = 0;
  for (const auto& item : policies_) {
    const Policy& p = item.second;
    n += static_cast<std::size_t>(std::count_if(p.statements.begin(), p.statements.end(),
                                                [&](const Statement& s) { return p.counts(s); }));
  }
  return n;
}

std::size_t Coverage::matched() const {
  std::size_t n = 0;
  for (const auto& item : policies_) {
    const Policy& p = item.second;
    n += static_cast<std::size_t>(std::count_if(p.statements.begin(), p.statements.end(),
                                                [&](const Statement& s) { return s.matched && p.counts(s); }));
  }
  return n;
}

double Coverage::percent() const {
  const std::size_t total = statements();
  return total == 0 ? 100.0 : 100.0 * static_cast<double>(matched()) / static_cast<double>(total);
}

std::string format_percent(double percent) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", percent);
  return buffer;
}

void write_failure(std::ostream& out, const std::string& file, const CaseResult& result) {
  out << "FAIL " << file << ": " << result.name << ": " << join_text(result.mismatches, "; ") << "\n";
  for (const auto& line : failure_details(result)) out << "    " << line << "\n";
}

void write_coverage(std::ostream& out, const Coverage& coverage) {
  for (const auto& [key, p] : coverage.policies()) {
    for (const auto& s : p.statements) {
      if (s.matched || !p.counts(s)) continue;
      out << "NOT MATCHED " << p.file << ": policy " << p.label << ": statement #" << s.index;
      if (!s.sid.empty()) out << " (Sid " << s.sid << ")";
      out << "\n";
    }
  }
  out << "coverage: " << coverage.matched() << " of " << coverage.statements() << " statements matched ("
      << format_percent(coverage.percent()) << "%)\n";
}

std::string json_report(const std::vector<FileReport>& files, const Coverage* coverage) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  std::size_t passed = 0, failed = 0, errors = 0;
  w.StartObject();
  w.Key("cases");
  w.StartArray();
  for (const auto& f : files) {
    for (const auto& r : f.cases) {
      (r.passed ? passed : failed) += 1;
      w.StartObject();
      w.Key("name");
      json_string(w, r.name);
      w.Key("file");
      json_string(w, f.file);
      w.Key("path");
      json_string(w, r.path);
      w.Key("kind");
      w.String(r.validation ? "validation" : "decision");
      w.Key("status");
      w.String(r.passed ? "passed" : "failed");
      w.Key("expected");
      json_string(w, r.expected);
      w.Key("actual");
      json_string(w, r.actual);
      w.Key("mismatches");
      w.StartArray();
      for (const auto& m : r.mismatches) json_string(w, m);
      w.EndArray();
      if (!r.validation) {
        w.Key("decidingStatements");
        w.StartArray();
        for (const auto& s : r.deciding) {
          w.StartObject();
          json_statement(w, s);
          w.EndObject();
        }
        w.EndArray();
        w.Key("failedConditions");
        w.StartArray();
        for (const auto& c : r.failed_conditions) {
          w.StartObject();
          json_statement(w, c.statement);
          w.Key("operator");
          json_string(w, c.op);
          w.Key("key");
          json_string(w, c.key);
          w.EndObject();
        }
        w.EndArray();
        w.Key("missingKeys");
        w.StartArray();
        for (const auto& k : r.missing_keys) json_string(w, k);
        w.EndArray();
      }
      w.Key("durationMs");
      w.Double(r.duration_ms);
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("errors");
  w.StartArray();
  for (const auto& f : files) {
    if (!f.error) continue;
    ++errors;
    w.StartObject();
    w.Key("file");
    json_string(w, f.error->file);
    w.Key("path");
    json_string(w, f.error->path);
    w.Key("message");
    json_string(w, f.error->message);
    w.EndObject();
  }
  w.EndArray();
  w.Key("totals");
  w.StartObject();
  w.Key("passed");
  w.Uint64(passed);
  w.Key("failed");
  w.Uint64(failed);
  w.Key("errors");
  w.Uint64(errors);
  w.EndObject();
  if (coverage) {
    w.Key("coverage");
    w.StartObject();
    w.Key("statements");
    w.Uint64(coverage->statements());
    w.Key("matched");
    w.Uint64(coverage->matched());
    w.Key("percent");
    w.Double(coverage->percent());
    w.Key("notMatched");
    w.StartArray();
    for (const auto& [key, p] : coverage->policies()) {
      for (const auto& s : p.statements) {
        if (s.matched || !p.counts(s)) continue;
        w.StartObject();
        w.Key("file");
        json_string(w, p.file);
        w.Key("policy");
        json_string(w, p.label);
        w.Key("statement");
        w.Uint(s.index);
        if (!s.sid.empty()) {
          w.Key("sid");
          json_string(w, s.sid);
        }
        w.EndObject();
      }
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string junit_report(const std::vector<FileReport>& files) {
  std::size_t tests = 0, failures = 0, errors = 0;
  double total_ms = 0;
  std::string suites;
  for (const auto& f : files) {
    std::size_t suite_failures = 0;
    double suite_ms = 0;
    std::string cases;
    if (f.error) {
      ++errors;
      ++tests;
      const std::string where = f.error->path.empty() ? f.error->message : f.error->path + ": " + f.error->message;
      cases += "    <testcase name=\"(fixture file)\" classname=\"" + xml(f.file) + "\" time=\"0\">\n";
      cases += "      <error message=\"" + xml(where) + "\" type=\"fixture\">" + xml(where) + "</error>\n";
      cases += "    </testcase>\n";
    }
    for (const auto& r : f.cases) {
      ++tests;
      suite_ms += r.duration_ms;
      cases += "    <testcase name=\"" + xml(r.name) + "\" classname=\"" + xml(f.file) + "\" time=\"" +
               seconds(r.duration_ms) + "\"";
      if (r.passed) {
        cases += "/>\n";
        continue;
      }
      ++suite_failures;
      std::vector<std::string> body = r.mismatches;
      for (const auto& line : failure_details(r)) body.push_back(line);
      cases += ">\n      <failure message=\"" + xml(r.mismatches.empty() ? "failed" : r.mismatches.front()) +
               "\" type=\"mismatch\">" + xml(join_text(body, "\n")) + "</failure>\n    </testcase>\n";
    }
    failures += suite_failures;
    total_ms += suite_ms;
    suites += "  <testsuite name=\"" + xml(f.file) + "\" tests=\"" +
              std::to_string(f.cases.size() + (f.error ? 1 : 0)) + "\" failures=\"" + std::to_string(suite_failures) +
              "\" errors=\"" + std::to_string(f.error ? 1 : 0) + "\" skipped=\"0\" time=\"" + seconds(suite_ms) +
              "\">\n" + cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gatehouse test\" tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
         std::to_string(errors) + "\" time=\"" + seconds(total_ms) + "\">\n" + suites + "</testsuites>\n";
}

}  // namespace gatehouse::cli
