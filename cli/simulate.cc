// `gatehouse simulate`: the input and output of `aws iam simulate-custom-policy`.
#include <boost/program_options.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cli/commands.h"
#include "policy/simulate.h"

namespace gatehouse::cli {
namespace {

namespace po = boost::program_options;
using policy::EvaluationResult;
using policy::SimulationError;
using policy::SimulationInput;

constexpr std::string_view kOperation = "SimulateCustomPolicy";

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return buffer.GetString();
}

using ReadResult = policy::Result<SimulationInput, SimulationError>;

SimulationError invalid_input(std::string message) { return SimulationError{"InvalidInput", std::move(message), 400}; }

// Reads the parsed `--cli-input-json` document. Unknown members are refused the way
// the AWS CLI refuses them, so a typo never silently changes a simulation.
ReadResult read_value(const rapidjson::Value& doc) {
  auto invalid = [](std::string m) { return policy::failure(invalid_input(std::move(m))); };
  if (!doc.IsObject()) return invalid("input must be a JSON object");

  SimulationInput in;
  bool policy_input_list = false;
  auto strings = [&](const rapidjson::Value& v, std::string_view name,
                     std::vector<std::string>& out) -> std::optional<SimulationError> {
    if (!v.IsArray()) return SimulationError{"InvalidInput", std::string(name) + " must be a list of strings", 400};
    for (const auto& item : v.GetArray()) {
      if (!item.IsString()) {
        return SimulationError{"InvalidInput", std::string(name) + " must be a list of strings", 400};
      }
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return std::nullopt;
  };
  auto string = [&](const rapidjson::Value& v, std::string_view name,
                    std::optional<std::string>& out) -> std::optional<SimulationError> {
    if (!v.IsString()) return SimulationError{"InvalidInput", std::string(name) + " must be a string", 400};
    out = std::string(v.GetString(), v.GetStringLength());
    return std::nullopt;
  };

  for (const auto& member : std::as_const(doc).GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    const auto& v = member.value;
    std::optional<SimulationError> err;
    if (name == "PolicyInputList") {
      policy_input_list = true;
      err = strings(v, name, in.policy_input_list);
    }
    else if (name == "PermissionsBoundaryPolicyInputList") err = strings(v, name, in.permissions_boundary_policy_input_list);
    else if (name == "ActionNames") err = strings(v, name, in.action_names);
    else if (name == "ResourceArns") err = strings(v, name, in.resource_arns);
    else if (name == "ResourcePolicy") err = string(v, name, in.resource_policy);
    else if (name == "ResourceOwner") err = string(v, name, in.resource_owner);
    else if (name == "CallerArn") err = string(v, name, in.caller_arn);
    else if (name == "ResourceHandlingOption") err = string(v, name, in.resource_handling_option);
    else if (name == "MaxItems" || name == "Marker") continue;  // one page holds every result
    else if (name == "ContextEntries") {
      if (!v.IsArray()) return invalid("ContextEntries must be a list");
      for (const auto& e : v.GetArray()) {
        if (!e.IsObject()) return invalid("each ContextEntries member must be an object");
        policy::ContextEntry entry;
        for (const auto& m : e.GetObject()) {
          const std::string_view key(m.name.GetString(), m.name.GetStringLength());
          if (key == "ContextKeyName" && m.value.IsString()) entry.name = m.value.GetString();
          else if (key == "ContextKeyType" && m.value.IsString()) entry.type = m.value.GetString();
          else if (key == "ContextKeyValues" && m.value.IsArray()) {
            for (const auto& x : m.value.GetArray()) {
              if (x.IsString()) entry.values.emplace_back(x.GetString(), x.GetStringLength());
              else if (x.IsNumber() || x.IsBool()) entry.values.push_back(to_text(x));
              else return invalid("ContextKeyValues must be a list of strings");
            }
          } else {
            return invalid("Unknown parameter in ContextEntries: \"" + std::string(key) + "\"");
          }
        }
        if (entry.name.empty()) return invalid("ContextEntries member is missing ContextKeyName");
        in.context_entries.push_back(std::move(entry));
      }
      continue;
    } else {
      return invalid("Unknown parameter in input: \"" + std::string(name) +
                     "\", must be one of: PolicyInputList, PermissionsBoundaryPolicyInputList, ActionNames, "
                     "ResourceArns, ResourcePolicy, ResourceOwner, CallerArn, ContextEntries, "
                     "ResourceHandlingOption, MaxItems, Marker");
    }
    if (err) return policy::failure(*err);
  }
  // Required but may be empty (AWS's API model): a service principal has no identity policy.
  if (!policy_input_list) return invalid("PolicyInputList is required");
  if (in.action_names.empty()) return invalid("ActionNames is required");
  return in;
}

// Parses and reads one input, every string's encoding checked by the parser.
ReadResult read_input(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return policy::failure(invalid_input(std::string("input is not valid JSON: ") +
                                         rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                                         std::to_string(doc.GetErrorOffset())));
  }
  return read_value(doc);
}

bool is_ascii(const rapidjson::Value& v) {
  const char* s = v.GetString();
  return std::all_of(s, s + v.GetStringLength(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// True iff every key and string of `v`, nested at most `depth` deep, is ASCII.
bool all_ascii(const rapidjson::Value& v, int depth) {
  if (v.IsString()) return is_ascii(v);
  if (depth == 0) return !v.IsObject() && !v.IsArray();
  if (v.IsArray()) {
    return std::all_of(v.Begin(), v.End(), [depth](const rapidjson::Value& x) { return all_ascii(x, depth - 1); });
  }
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (!is_ascii(m.name) || !all_ascii(m.value, depth - 1)) return false;
    }
  }
  return true;
}

// True iff every string of the input outside the policy documents (member names, ARNs,
// context entries, ...) is ASCII. The policy documents are checked when they are parsed.
bool ascii_outside_policies(const rapidjson::Value& doc) {
  if (!doc.IsObject()) return false;
  for (const auto& m : doc.GetObject()) {
    if (!is_ascii(m.name)) return false;
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    const bool policies = name == "PolicyInputList" || name == "PermissionsBoundaryPolicyInputList";
    if (name == "ResourcePolicy" && m.value.IsString()) continue;
    if (policies && m.value.IsArray()) {
      for (const auto& x : m.value.GetArray()) {
        if (!x.IsString()) return false;
      }
      continue;
    }
    if (!all_ascii(m.value, 4)) return false;
  }
  return true;
}

// `--requests`: one input per line, with what one line needs kept for the next (the parse
// buffers), so that a line costs its own parse, compilation and decisions only.
//
// The line is parsed in place, once, without the parser's encoding check: every policy
// document is a string that is checked when it is parsed as a document, and the lines this
// path takes have nothing but ASCII elsewhere. A line that has, or that gets any error, is
// simulated again by the complete path (read_input), so the answers, error messages
// included, are exactly those of that path.
class LineSimulator {
 public:
  explicit LineSimulator(std::optional<policy::ResourcePolicyKind> kind) : kind_(kind), pool_buffer_(kPoolSize) {}

  policy::Result<std::vector<EvaluationResult>, SimulationError> simulate(std::string_view line,
                                                                            SimulationInput& input) {
    text_.assign(line);
    rapidjson::MemoryPoolAllocator<> pool(pool_buffer_.data(), pool_buffer_.size());
    rapidjson::Document doc(&pool);
    doc.ParseInsitu<rapidjson::kParseIterativeFlag>(text_.data());
    if (!doc.HasParseError() && ascii_outside_policies(doc)) {
      auto read = read_value(doc);
      if (read) {
        input = std::move(read).value();
        if (kind_) input.resource_policy_kind = *kind_;
        auto results = policy::simulate_custom_policy(input);
        if (results) return results;
      }
    }
    return complete(line, input);
  }

  // The complete path: the whole line's encoding checked by the JSON parser.
  policy::Result<std::vector<EvaluationResult>, SimulationError> complete(std::string_view text,
                                                                            SimulationInput& input) const {
    auto read = read_input(text);
    if (!read) return policy::failure(read.error());
    input = std::move(read).value();
    if (kind_) input.resource_policy_kind = *kind_;
    return policy::simulate_custom_policy(input);
  }

 private:
  static constexpr std::size_t kPoolSize = 64 * 1024;
  std::optional<policy::ResourcePolicyKind> kind_;
  std::string text_;               // the line, parsed in place
  std::vector<char> pool_buffer_;  // the parsed line's values, reused line after line
};

template <class Writer>
void write_position(Writer& w, const char* name, const policy::Position& p) {
  w.Key(name);
  w.StartObject();
  w.Key("Line");
  w.Uint(p.line);
  w.Key("Column");
  w.Uint(p.column);
  w.EndObject();
}

template <class Writer>
void write_matched(Writer& w, const std::vector<policy::MatchedStatement>& list) {
  w.Key("MatchedStatements");
  w.StartArray();
  for (const auto& m : list) {
    w.StartObject();
    w.Key("SourcePolicyId");
    w.String(m.source_policy_id.c_str());
    w.Key("SourcePolicyType");
    w.String(m.source_policy_type.c_str());
    write_position(w, "StartPosition", m.start_position);
    write_position(w, "EndPosition", m.end_position);
    w.EndObject();
  }
  w.EndArray();
}

template <class Writer>
void write_strings(Writer& w, const char* name, const std::vector<std::string>& list) {
  w.Key(name);
  w.StartArray();
  for (const auto& s : list) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
}

template <class Writer>
void write_details(Writer& w, const std::optional<std::map<std::string, std::string>>& details,
                   const std::optional<bool>& boundary) {
  if (details) {
    w.Key("EvalDecisionDetails");
    w.StartObject();
    for (const auto& [k, v] : *details) {
      w.Key(k.c_str());
      w.String(v.c_str());
    }
    w.EndObject();
  }
  if (boundary) {
    w.Key("PermissionsBoundaryDecisionDetail");
    w.StartObject();
    w.Key("AllowedByPermissionsBoundary");
    w.Bool(*boundary);
    w.EndObject();
  }
}

template <class Writer>
void write_results(Writer& w, const std::vector<EvaluationResult>& results) {
  w.StartObject();
  w.Key("EvaluationResults");
  w.StartArray();
  for (const auto& r : results) {
    w.StartObject();
    w.Key("EvalActionName");
    w.String(r.eval_action_name.c_str());
    w.Key("EvalResourceName");
    w.String(r.eval_resource_name.c_str());
    w.Key("EvalDecision");
    w.String(policy::decision_name(r.eval_decision).data());
    write_matched(w, r.matched_statements);
    write_strings(w, "MissingContextValues", r.missing_context_values);
    write_details(w, r.eval_decision_details, r.allowed_by_permissions_boundary);
    if (r.has_resource_specific_results) {
      w.Key("ResourceSpecificResults");
      w.StartArray();
      for (const auto& rs : r.resource_specific_results) {
        w.StartObject();
        w.Key("EvalResourceName");
        w.String(rs.eval_resource_name.c_str());
        w.Key("EvalResourceDecision");
        w.String(policy::decision_name(rs.eval_resource_decision).data());
        write_matched(w, rs.matched_statements);
        write_strings(w, "MissingContextValues", rs.missing_context_values);
        write_details(w, rs.eval_decision_details, rs.allowed_by_permissions_boundary);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("IsTruncated");
  w.Bool(false);
  w.EndObject();
}

template <class Writer>
void write_error(Writer& w, const SimulationError& e) {
  w.StartObject();
  w.Key("Error");
  w.StartObject();
  w.Key("Code");
  w.String(e.code.c_str());
  w.Key("Message");
  w.String(e.message.c_str());
  w.EndObject();
  w.EndObject();
}

// The text of the input policy a result names (PolicyInputList.N, ResourcePolicy, ...).
const std::string* input_policy(const SimulationInput& input, std::string_view id) {
  if (id == "ResourcePolicy") return input.resource_policy ? &*input.resource_policy : nullptr;
  if (id == "PermissionsBoundaryPolicyInputList.1") {
    return input.permissions_boundary_policy_input_list.empty() ? nullptr
                                                                : &input.permissions_boundary_policy_input_list.front();
  }
  constexpr std::string_view kList = "PolicyInputList.";
  if (!id.starts_with(kList)) return nullptr;
  std::size_t n = 0;
  for (const char c : id.substr(kList.size())) {
    if (c < '0' || c > '9') return nullptr;
    n = n * 10 + static_cast<std::size_t>(c - '0');
    if (n > input.policy_input_list.size()) return nullptr;
  }
  return n >= 1 ? &input.policy_input_list[n - 1] : nullptr;
}

void write_explanation(std::ostream& out, const SimulationInput& input, const std::vector<EvaluationResult>& results) {
  for (const auto& r : results) {
    out << r.eval_action_name << " on " << r.eval_resource_name << ": " << policy::decision_name(r.eval_decision);
    if (!r.explanation.reason.empty()) out << " " << r.explanation.reason;
    out << "\n";
    for (const auto& m : r.matched_statements) {
      // Named by Sid (or index), shown compactly: positions mean little in one-line JSON strings.
      out << "  decided by " << m.source_policy_id << " (" << m.source_policy_type << ") statement "
          << m.statement_index;
      if (!m.sid.empty()) out << " (Sid " << m.sid << ")";
      out << ", line " << m.start_position.line << " column " << m.start_position.column << "\n";
      if (const std::string* text = input_policy(input, m.source_policy_id)) {
        const std::string statement = policy::statement_text(*text, m.start_position, m.end_position);
        if (!statement.empty()) out << "    " << statement << "\n";
      }
    }
    for (const auto& f : r.explanation.failed_conditions) {
      out << "  condition failed: " << f.source_policy_id << " statement " << f.statement_index;
      if (!f.sid.empty()) out << " (Sid " << f.sid << ")";
      out << ": " << f.operator_name << " on " << f.key << "\n";
    }
    const auto& missing = r.has_resource_specific_results && !r.resource_specific_results.empty()
                              ? r.resource_specific_results.front().missing_context_values
                              : r.missing_context_values;
    for (const auto& k : missing) out << "  missing context value: " << k << "\n";
  }
}

std::string aws_cli_error(const SimulationError& e) {
  return "An error occurred (" + e.code + ") when calling the " + std::string(kOperation) +
         " operation: " + e.message;
}

constexpr std::string_view kUsage =
    "usage: gatehouse simulate (--cli-input-json FILE | --requests FILE.jsonl) [--explain]\n"
    "                         [--resource-policy-type trust|function|generic]\n"
    "\n"
    "Evaluates requests against policies exactly as `aws iam simulate-custom-policy`.\n"
    "  --cli-input-json FILE   one request, the JSON that `aws iam simulate-custom-policy\n"
    "                          --cli-input-json` takes (file:// prefix accepted, - for stdin)\n"
    "  --requests FILE.jsonl   one such request per line; prints one result object per line\n"
    "  --explain               print, for each decision, the statements that decided it (Sid or\n"
    "                          index, and the statement itself) and the conditions that failed,\n"
    "                          instead of the JSON response\n"
    "  --resource-policy-type trust|function|generic\n"
    "                          what ResourcePolicy is; default: a trust policy for sts: actions on\n"
    "                          roles, a function policy for lambda: actions on Lambda ARNs, else generic\n"
    "CallerArn may be any principal: a user, role or assumed-role session ARN, an account\n"
    "root ARN, or a service principal such as s3.amazonaws.com.\n";

bool read_file(const std::string& name, Io io, std::string& text) {
  std::string path = name;
  if (path.starts_with("file://")) path = path.substr(7);
  if (path == "-") {
    std::ostringstream ss;
    ss << io.in.rdbuf();
    text = ss.str();
    return true;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  text = ss.str();
  return true;
}

}  // namespace

int run_simulate(const Args& args, Io io) {
  po::options_description options;
  options.add_options()("help,h", "")("cli-input-json", po::value<std::string>(), "")(
      "requests", po::value<std::string>(), "")("explain", "")("resource-policy-type", po::value<std::string>(), "");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
  } catch (const po::error& e) {
    io.err << "gatehouse simulate: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    io.out << kUsage;
    return 0;
  }
  const bool explain = vm.count("explain") > 0;
  std::optional<policy::ResourcePolicyKind> kind;
  if (vm.count("resource-policy-type")) {
    kind = policy::parse_resource_policy_kind(vm["resource-policy-type"].as<std::string>());
    if (!kind) {
      io.err << "gatehouse simulate: --resource-policy-type must be trust, function or generic\n";
      return 2;
    }
  }
  // One input: read, then simulated with the stated resource policy kind.
  LineSimulator simulator(kind);
  if (vm.count("cli-input-json") == vm.count("requests")) {
    io.err << "gatehouse simulate: give exactly one of --cli-input-json and --requests\n";
    return 2;
  }

  if (vm.count("cli-input-json")) {
    const std::string name = vm["cli-input-json"].as<std::string>();
    std::string text;
    if (!read_file(name, io, text)) {
      io.err << "gatehouse simulate: cannot read " << name << "\n";
      return 2;
    }
    SimulationInput input;
    auto results = simulator.complete(text, input);
    if (!results) {
      io.err << aws_cli_error(results.error()) << "\n";
      return 1;
    }
    if (explain) {
      write_explanation(io.out, input, results.value());
      return 0;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 4);
    write_results(writer, results.value());
    io.out << buffer.GetString() << "\n";
    return 0;
  }

  // --requests: one line in, one line out; nothing is kept between lines.
  const std::string name = vm["requests"].as<std::string>();
  std::ifstream file;
  std::istream* in = &io.in;
  if (name != "-") {
    file.open(name.starts_with("file://") ? name.substr(7) : name, std::ios::binary);
    if (!file) {
      io.err << "gatehouse simulate: cannot read " << name << "\n";
      return 2;
    }
    in = &file;
  }
  int status = 0;
  std::string line;
  std::size_t line_number = 0;
  rapidjson::StringBuffer buffer;  // one writer for every line
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  while (std::getline(*in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    SimulationInput input;
    auto results = simulator.simulate(line, input);
    if (explain) {
      io.out << "# line " << line_number << "\n";
      if (results) write_explanation(io.out, input, results.value());
      else io.out << aws_cli_error(results.error()) << "\n";
    } else {
      buffer.Clear();
      writer.Reset(buffer);
      if (results) write_results(writer, results.value());
      else write_error(writer, results.error());
      buffer.Put('\n');
      io.out.write(buffer.GetString(), static_cast<std::streamsize>(buffer.GetSize()));
    }
    if (!results) {
      io.err << "line " << line_number << ": " << aws_cli_error(results.error()) << "\n";
      status = 1;
    }
  }
  return status;
}

}  // namespace gatehouse::cli
