// `gatehouse validate`: checks policy documents as IAM (or Lambda) would and
// prints every finding with its JSON path and line/column (docs/validate.md).
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "policy/validate.h"

namespace gatehouse::cli {
namespace {

namespace po = boost::program_options;
using policy::Finding;
using policy::PolicyType;

constexpr std::string_view kUsage =
    "usage: gatehouse validate [--type TYPE] [--output text|json] FILE...\n"
    "\n"
    "Checks each policy document as IAM would on save (Lambda's AddPermission for\n"
    "--type resource) and prints every error, warning and suggestion with its JSON\n"
    "path and line:column. FILE `-` reads standard input.\n"
    "\n"
    "options:\n"
    "  --type TYPE      identity (default: a customer managed policy, as CreatePolicy\n"
    "                   checks it), inline-user, inline-group, inline-role, boundary,\n"
    "                   trust, resource (a Lambda function policy); also session,\n"
    "                   simulator-identity, simulator-resource, scp, rcp\n"
    "  --output FORMAT  text (default) or json\n"
    "  --help           show this help\n"
    "\n"
    "exit status: 0 no errors (warnings allowed), 1 at least one error,\n"
    "2 bad arguments or a FILE that cannot be read\n";

struct Options {
  PolicyType type = PolicyType::Identity;
  bool json = false;
  std::vector<std::string> files;
};

// Parses the arguments; on failure writes one line to err and returns nullopt.
std::optional<Options> parse_options(const Args& args, Io io, bool& help) {
  po::options_description described;
  described.add_options()("help", "")("type", po::value<std::string>()->default_value("identity"), "")(
      "output", po::value<std::string>()->default_value("text"), "")("file", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map vm;
  try {
    // Exceptions only at the edges: program_options reports bad arguments by throwing.
    po::store(po::command_line_parser(args).options(described).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    io.err << "gatehouse validate: " << e.what() << " (try `gatehouse validate --help`)\n";
    return std::nullopt;
  }
  if (vm.count("help")) {
    help = true;
    return std::nullopt;
  }
  Options options;
  const std::string type = vm["type"].as<std::string>();
  const auto parsed = policy::parse_policy_type(type);
  if (!parsed) {
    io.err << "gatehouse validate: unknown --type `" << type << "` (try `gatehouse validate --help`)\n";
    return std::nullopt;
  }
  options.type = *parsed;
  const std::string output = vm["output"].as<std::string>();
  if (output != "text" && output != "json") {
    io.err << "gatehouse validate: --output must be text or json, not `" << output << "`\n";
    return std::nullopt;
  }
  options.json = output == "json";
  if (vm.count("file")) options.files = vm["file"].as<std::vector<std::string>>();
  if (options.files.empty()) {
    io.err << "gatehouse validate: no FILE given (try `gatehouse validate --help`)\n";
    return std::nullopt;
  }
  return options;
}

// Reads a whole file (or standard input for "-"); the error names the reason.
std::optional<std::string> read_input(const std::string& name, std::istream& in, std::string& error) {
  if (name == "-") {
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  if (std::filesystem::is_directory(name, ec)) {
    error = "is a directory";
    return std::nullopt;
  }
  std::ifstream file(name, std::ios::binary);
  if (!file) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return std::move(text).str();
}

struct Counts {
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::size_t suggestions = 0;
};

Counts count(const std::vector<Finding>& findings) {
  Counts c;
  for (const Finding& f : findings) {
    switch (f.severity) {
      case Finding::Severity::Error: ++c.errors; break;
      case Finding::Severity::Warning: ++c.warnings; break;
      case Finding::Severity::Suggestion: ++c.suggestions; break;
    }
  }
  return c;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// FILE:LINE:COL: SEVERITY: CODE: MESSAGE (PATH: DETAIL)
void print_text(std::ostream& out, const std::string& file, const policy::ValidationReport& report) {
  for (const Finding& f : report.findings) {
    out << file << ':' << f.pos.line << ':' << f.pos.column << ": " << policy::severity_name(f.severity) << ": "
        << f.code << ": " << f.message;
    if (!f.path.empty() || !f.detail.empty()) {
      out << " (" << f.path << (!f.path.empty() && !f.detail.empty() ? ": " : "") << f.detail << ')';
    }
    out << '\n';
  }
  const Counts c = count(report.findings);
  out << file << ": " << plural(c.errors, "error") << ", " << plural(c.warnings, "warning") << ", "
      << plural(c.suggestions, "suggestion");
  if (report.size) {
    out << "; size " << *report.size;
    if (report.limit) out << " of " << *report.limit;
  }
  out << '\n';
}

using JsonWriter = rapidjson::PrettyWriter<rapidjson::OStreamWrapper>;

void write_string(JsonWriter& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_count(JsonWriter& w, std::string_view key, std::size_t value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Uint64(value);
}

void write_json(JsonWriter& w, const std::string& file, PolicyType type, const policy::ValidationReport& report) {
  w.StartObject();
  write_string(w, "file", file);
  write_string(w, "type", policy::policy_type_name(type));
  if (report.size) write_count(w, "size", *report.size);
  if (report.limit) write_count(w, "limit", *report.limit);
  const Counts c = count(report.findings);
  write_count(w, "errors", c.errors);
  write_count(w, "warnings", c.warnings);
  write_count(w, "suggestions", c.suggestions);
  w.Key("findings");
  w.StartArray();
  for (const Finding& f : report.findings) {
    w.StartObject();
    write_string(w, "severity", policy::severity_name(f.severity));
    write_string(w, "code", f.code);
    write_string(w, "message", f.message);
    write_string(w, "path", f.path);
    write_count(w, "line", f.pos.line);
    write_count(w, "column", f.pos.column);
    write_string(w, "detail", f.detail);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

int run_validate(const Args& args, Io io) {
  bool help = false;
  const auto options = parse_options(args, io, help);
  if (help) {
    io.out << kUsage;
    return 0;
  }
  if (!options) return 2;

  bool unreadable = false;
  bool any_error = false;
  rapidjson::OStreamWrapper json_out(io.out);
  JsonWriter writer(json_out);
  writer.SetIndent(' ', 2);
  if (options->json) {
    writer.StartObject();
    writer.Key("files");
    writer.StartArray();
  }
  for (const std::string& file : options->files) {
    std::string error;
    const auto text = read_input(file, io.in, error);
    if (!text) {
      io.err << "gatehouse validate: cannot read `" << file << "`: " << error << '\n';
      unreadable = true;
      continue;
    }
    const policy::ValidationReport report = policy::validate_report(*text, options->type);
    any_error = any_error || count(report.findings).errors > 0;
    if (options->json) write_json(writer, file, options->type, report);
    else print_text(io.out, file, report);
  }
  if (options->json) {
    writer.EndArray();
    writer.EndObject();
    io.out << '\n';
  }
  if (unreadable) return 2;
  return any_error ? 1 : 0;
}

}  // namespace gatehouse::cli
