// Invariants of the sigv4/ sources that behaviour cannot show: no std::regex (the grammars are
// Spirit X3), and no signature compared with memcmp or strcmp (only CRYPTO_memcmp, via
// constant_time_equal).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "test_support.h"

namespace gatehouse::sigv4 {

TEST_CASE("sigv4 sources use no std::regex and no variable-time compare (invariant)", "[sigv4][source]") {
  const std::filesystem::path root = std::filesystem::path(GATEHOUSE_SOURCE_DIR) / "sigv4";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    const auto extension = entry.path().extension();
    if (extension != ".cc" && extension != ".h") continue;
    ++files;
    const std::string text = testing::read_file(entry.path());
    INFO("file " << entry.path().filename().string());
    CHECK(text.find("<regex>") == std::string::npos);
    CHECK(text.find("std::regex") == std::string::npos);
    CHECK(text.find("strcmp(") == std::string::npos);
    std::size_t memcmp_uses = 0;
    for (std::size_t at = text.find("memcmp("); at != std::string::npos; at = text.find("memcmp(", at + 1)) {
      CHECK(text.compare(at - 7, 7, "CRYPTO_") == 0);
      ++memcmp_uses;
    }
    if (entry.path().filename() == "crypto.cc") CHECK(memcmp_uses == 1);
  }
  CHECK(files > 20);
}

}  // namespace gatehouse::sigv4
