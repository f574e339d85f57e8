// libFuzzer: the permission-fixture loader and runner on arbitrary text, and the reports
// (`gatehouse test --json`, `--junit`, `--coverage`) of what it ran.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/fixture_runner.h"
#include "cli/test_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto fixture = gatehouse::cli::parse_fixture(text, "fuzz.json");
  std::vector<gatehouse::cli::FileReport> files(1);
  files[0].file = "fuzz.json";
  gatehouse::cli::Coverage coverage;
  if (fixture) {
    files[0].cases = gatehouse::cli::run_fixture(fixture.value());
    coverage.add(fixture.value(), files[0].cases);
  } else {
    files[0].error = fixture.error();
  }
  gatehouse::cli::json_report(files, &coverage);
  gatehouse::cli::junit_report(files);
  return 0;
}
