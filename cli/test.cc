// `gatehouse test PATH...`: runs permission fixtures and ends with the plain
// line `N passed, N failed` that CI reads; JSON, JUnit XML and statement
// coverage on request.
#include <cmath>
#include <exception>
#include <fstream>
#include <optional>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cli/commands.h"
#include "cli/fixture_runner.h"
#include "cli/test_report.h"

namespace gatehouse::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "usage: gatehouse test [--verbose] [--run REGEX] [--json] [--junit FILE]\n"
    "                      [--coverage] [--coverage-min PCT] PATH...\n"
    "\n"
    "Runs permission fixtures (format: fixtures/README.md). Each PATH is a fixture\n"
    "file or a directory, searched recursively for *.json (README* and *.world.json\n"
    "files and demo/ directories are skipped). Prints one line per failing case with\n"
    "the expected and actual decision, the deciding statements, the failed conditions\n"
    "and the missing context keys, then `N passed, N failed`. Reason assertions\n"
    "(decidedBy, failedCondition), tables of cases (where, matrix), world files\n"
    "(world), the reports and coverage: docs/testing.md.\n"
    "\n"
    "Exit status: 0 all cases passed, 1 some case failed (or coverage is below\n"
    "--coverage-min), 2 bad arguments or a fixture file that cannot be read or does\n"
    "not follow the format.\n"
    "\n"
    "options:\n";

void report(std::ostream& err, const FixtureError& e) {
  err << "ERROR " << e.file << ": " << (e.path.empty() ? "" : e.path + ": ") << e.message << "\n";
}

int usage_error(std::ostream& err, const std::string& message) {
  err << "gatehouse test: " << message << " (try `gatehouse test --help`)\n";
  return 2;
}

}  // namespace

int run_test(const Args& args, Io io) {
  po::options_description options;
  options.add_options()("help,h", "show this help")("verbose,v", "list every case, passing or not")(
      "run", po::value<std::string>()->value_name("REGEX"),
      "run only the cases whose name matches REGEX (ECMAScript syntax, matched anywhere in the name)")(
      "json", "print one JSON document (cases, errors, totals, coverage) instead of text")(
      "junit", po::value<std::string>()->value_name("FILE"), "also write the results as JUnit XML to FILE")(
      "coverage", "after the run, list the statements no case matched, with the percentage matched")(
      "coverage-min", po::value<std::string>()->value_name("PCT"),
      "fail (exit 1) when less than PCT percent of the statements are matched (implies --coverage)");
  po::options_description hidden;
  hidden.add_options()("path", po::value<std::vector<std::string>>(), "fixture file or directory");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("path", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return usage_error(io.err, e.what());
  }
  if (vm.count("help")) {
    io.out << kUsage << options;
    return 0;
  }
  if (!vm.count("path")) return usage_error(io.err, "give at least one fixture file or directory");
  const bool verbose = vm.count("verbose") > 0;
  const bool json = vm.count("json") > 0;

  std::optional<double> coverage_min;
  if (vm.count("coverage-min")) {
    const std::string text = vm["coverage-min"].as<std::string>();
    std::size_t used = 0;
    double value = -1;
    try {
      value = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || text.empty() || !std::isfinite(value) || value < 0 || value > 100) {
      return usage_error(io.err, "--coverage-min: `" + text + "` is not a percentage from 0 to 100");
    }
    coverage_min = value;
  }
  const bool coverage_wanted = vm.count("coverage") > 0 || coverage_min.has_value();

  CaseFilter select;
  if (vm.count("run")) {
    const std::string pattern = vm["run"].as<std::string>();
    std::shared_ptr<const std::regex> re;
    try {
      re = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return usage_error(io.err, "--run: `" + pattern + "` is not a regular expression: " + e.what());
    }
    select = [re](const std::string& name) {
      try {
        return std::regex_search(name, *re);
      } catch (const std::regex_error&) {
        return false;  // too complex for this name: not selected
      }
    };
  }

  const FixtureFiles found = find_fixture_files(vm["path"].as<std::vector<std::string>>());
  bool bad_files = !found.errors.empty();
  std::vector<FileReport> files;
  for (const auto& e : found.errors) {
    report(io.err, e);
    files.push_back({e.file, e, {}});
  }

  Coverage coverage;
  std::size_t passed = 0, failed = 0;
  for (const auto& file : found.files) {
    FileReport& entry = files.emplace_back();
    entry.file = file.string();
    auto fixture = load_fixture(file);
    if (!fixture) {
      report(io.err, fixture.error());
      entry.error = fixture.error();
      bad_files = true;
      continue;
    }
    entry.cases = run_fixture(fixture.value(), select);
    if (coverage_wanted) coverage.add(fixture.value(), entry.cases);
    for (const auto& result : entry.cases) {
      (result.passed ? passed : failed) += 1;
      if (json) continue;
      if (!result.passed) {
        write_failure(io.out, entry.file, result);
      } else if (verbose) {
        io.out << "PASS " << entry.file << ": " << result.name << "\n";
      }
    }
  }
  if (select && passed + failed == 0) io.err << "gatehouse test: --run selected no case\n";

  bool coverage_low = false;
  std::string coverage_note;
  if (coverage_min && coverage.percent() < *coverage_min) {
    coverage_low = true;
    coverage_note = "FAIL coverage: " + format_percent(coverage.percent()) +
                    "% of the statements matched, below --coverage-min " + vm["coverage-min"].as<std::string>() +
                    "\n";
  }

  if (vm.count("junit")) {
    const std::string path = vm["junit"].as<std::string>();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << junit_report(files);
    out.close();
    if (!out) {
      io.err << "gatehouse test: --junit: cannot write `" << path << "`\n";
      bad_files = true;
    }
  }

  if (json) {
    io.out << json_report(files, coverage_wanted ? &coverage : nullptr);
    io.err << coverage_note;
  } else {
    if (coverage_wanted) write_coverage(io.out, coverage);
    io.out << coverage_note;
    io.out << passed << " passed, " << failed << " failed\n";
  }
  if (bad_files) return 2;
  return failed || coverage_low ? 1 : 0;
}

}  // namespace gatehouse::cli
