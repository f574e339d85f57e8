// `gatehouse test PATH...`: runs permission fixtures and ends with the plain
// line `N passed, N failed` that CI reads.
#include <exception>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cli/commands.h"
#include "cli/fixture_runner.h"

namespace gatehouse::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "usage: gatehouse test [--verbose] PATH...\n"
    "\n"
    "Runs permission fixtures (format: fixtures/README.md). Each PATH is a fixture\n"
    "file or a directory, searched recursively for *.json (README* files and demo/\n"
    "directories are skipped). Prints one line per failing case, then\n"
    "`N passed, N failed`.\n"
    "\n"
    "Exit status: 0 all cases passed, 1 some case failed, 2 bad arguments or a\n"
    "fixture file that cannot be read or does not follow the format.\n"
    "\n"
    "options:\n";

void report(std::ostream& err, const FixtureError& e) {
  err << "ERROR " << e.file << ": " << (e.path.empty() ? "" : e.path + ": ") << e.message << "\n";
}

}  // namespace

int run_test(const Args& args, Io io) {
  po::options_description options;
  options.add_options()("help,h", "show this help")("verbose,v", "list every case, passing or not");
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
    io.err << "gatehouse test: " << e.what() << " (try `gatehouse test --help`)\n";
    return 2;
  }
  if (vm.count("help")) {
    io.out << kUsage << options;
    return 0;
  }
  if (!vm.count("path")) {
    io.err << "gatehouse test: give at least one fixture file or directory (try `gatehouse test --help`)\n";
    return 2;
  }
  const bool verbose = vm.count("verbose") > 0;

  const FixtureFiles found = find_fixture_files(vm["path"].as<std::vector<std::string>>());
  bool bad_files = !found.errors.empty();
  for (const auto& e : found.errors) report(io.err, e);

  std::size_t passed = 0, failed = 0;
  for (const auto& file : found.files) {
    auto fixture = load_fixture(file);
    if (!fixture) {
      report(io.err, fixture.error());
      bad_files = true;
      continue;
    }
    for (const auto& result : run_fixture(fixture.value())) {
      if (result.passed) {
        ++passed;
        if (verbose) io.out << "PASS " << file.string() << ": " << result.name << "\n";
        continue;
      }
      ++failed;
      io.out << "FAIL " << file.string() << ": " << result.name << ": ";
      for (std::size_t i = 0; i < result.mismatches.size(); ++i) {
        io.out << (i ? "; " : "") << result.mismatches[i];
      }
      io.out << "\n";
    }
  }
  io.out << passed << " passed, " << failed << " failed\n";
  if (bad_files) return 2;
  return failed ? 1 : 0;
}

}  // namespace gatehouse::cli
