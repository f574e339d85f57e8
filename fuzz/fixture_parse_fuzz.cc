// libFuzzer: the permission-fixture loader and runner on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/fixture_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto fixture = gatehouse::cli::parse_fixture(text, "fuzz.json");
  if (fixture) gatehouse::cli::run_fixture(fixture.value());
  return 0;
}
