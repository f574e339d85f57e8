// Golden-file comparison. Set GATEHOUSE_UPDATE_GOLDENS=1 to rewrite the files
// explicitly; a normal run never writes them.
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace gatehouse::testing {

inline std::string golden_path(const std::string& name) {
  return std::string(GATEHOUSE_SOURCE_DIR) + "/tests/golden/" + name;
}

inline void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_path(name);
  if (const char* update = std::getenv("GATEHOUSE_UPDATE_GOLDENS"); update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    WARN("updated golden " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream expected;
  expected << in.rdbuf();
  CHECK(actual == expected.str());
}

}  // namespace gatehouse::testing
