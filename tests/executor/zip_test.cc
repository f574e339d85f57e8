#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "executor/zip.h"
#include "tests/zip_writer.h"

using namespace gatehouse::executor;
using testing::make_zip;

TEST_CASE("zip: entry paths are made relative or refused", "[executor][zip]") {
  CHECK(normal_entry_path("app.py") == "app.py");
  CHECK(normal_entry_path("./pkg//mod.py") == "pkg/mod.py");
  CHECK(normal_entry_path("pkg/") == "pkg/");
  CHECK_FALSE(normal_entry_path("/etc/passwd"));
  CHECK_FALSE(normal_entry_path("../x"));
  CHECK_FALSE(normal_entry_path("a/../../x"));
  CHECK_FALSE(normal_entry_path("a/.."));
  CHECK_FALSE(normal_entry_path("a\\..\\x"));
  CHECK_FALSE(normal_entry_path(""));
}

TEST_CASE("zip: not a zip is Lambda's message", "[executor][zip]") {
  CHECK(check_zip("not a zip") == std::string(kNotAZip));
  CHECK(check_zip("") == std::string(kNotAZip));
  std::string zip = make_zip({{"app.py", "print(1)\n"}});
  zip[zip.size() / 2] ^= 0x55;  // corrupt
  CHECK(check_zip(zip).has_value());
}

TEST_CASE("zip: traversal, absolute paths and escaping links are refused", "[executor][zip]") {
  CHECK(check_zip(make_zip({{"../evil.py", "x"}})).has_value());
  CHECK(check_zip(make_zip({{"/abs.py", "x"}})).has_value());
  CHECK(check_zip(make_zip({{"out", "/etc/passwd", S_IFLNK | 0777}})).has_value());
  CHECK(check_zip(make_zip({{"d/out", "../../x", S_IFLNK | 0777}})).has_value());
  // Nothing may be written through a link, even one that stays inside.
  CHECK(check_zip(make_zip({{"d/up", "..", S_IFLNK | 0777}, {"d/up/x", "y"}})).has_value());
  CHECK_FALSE(check_zip(make_zip({{"lib/real.py", "x"}, {"lib/alias.py", "real.py", S_IFLNK | 0777}})).has_value());
}

TEST_CASE("zip: the unzipped size is counted while decompressing", "[executor][zip]") {
  // 4 MB of zeros compress to a few KB: the header is not what is trusted, the bytes are.
  const std::string zip = make_zip({{"zeros", std::string(4 << 20, '\0')}});
  CHECK(zip.size() < 100000);
  CHECK(check_zip(zip, 1 << 20) == std::string("Unzipped size must be smaller than 1048576 bytes"));
  CHECK_FALSE(check_zip(zip).has_value());
}

TEST_CASE("zip: bombs are refused by entry count and by expansion ratio", "[executor][zip]") {
  ZipLimits few;
  few.entries = 3;
  CHECK_FALSE(check_zip(make_zip({{"a", "1"}, {"b", "2"}, {"c", "3"}}), few).has_value());
  CHECK(check_zip(make_zip({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}}), few) ==
        std::string("Could not unzip uploaded file: the package has 4 entries; at most 3 are accepted."));
  // Deflate stays under 1100:1 even on zeros; bzip2 does not.
  CHECK_FALSE(check_zip(make_zip({{"zeros", std::string(8 << 20, '\0')}})).has_value());
  const std::string bomb = make_zip({{"zeros", std::string(8 << 20, '\0'), S_IFREG | 0644, false, ZIP_CM_BZIP2}});
  CHECK_THAT(check_zip(bomb).value_or(""), Catch::Contains("expands more than 1100 times"));
  ZipLimits lenient;
  lenient.ratio = 1 << 30;
  CHECK_FALSE(check_zip(bomb, lenient).has_value());
}

TEST_CASE("zip: unpacked read-only, the owner's execute bit kept", "[executor][zip]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("gatehouse-zip-test-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  const std::string zip = make_zip({{"bootstrap", "#!/bin/sh\n", S_IFREG | 0755},
                                    {"pkg/", "", S_IFDIR | 0755},
                                    {"pkg/mod.py", "X = 1\n"},
                                    {"alias", "pkg/mod.py", S_IFLNK | 0777}});
  REQUIRE_FALSE(unpack_zip(zip, dir).has_value());
  CHECK((fs::status(dir / "bootstrap").permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK((fs::status(dir / "pkg/mod.py").permissions() & fs::perms::owner_write) == fs::perms::none);
  CHECK(fs::read_symlink(dir / "alias") == "pkg/mod.py");
  std::ifstream in(dir / "pkg/mod.py");
  std::string text;
  std::getline(in, text);
  CHECK(text == "X = 1");
  fs::remove_all(dir, ec);
  // A refused package leaves nothing behind.
  CHECK(unpack_zip(make_zip({{"ok.py", "x"}, {"../bad", "y"}}), dir).has_value());
  CHECK_FALSE(fs::exists(dir));
}
