// A store in a fresh temporary directory, for the test worlds of the server tests.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "store/store.h"

namespace gatehouse::test_support {

// A new empty directory under the system's temporary directory; the caller removes it.
inline std::filesystem::path scratch_dir(std::string_view prefix) {
  std::random_device rd;
  auto path = std::filesystem::temp_directory_path() /
              (std::string(prefix) + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path);
  return path;
}

// A store in `dir`, without fsync (tests need no durability).
inline std::unique_ptr<store::Store> open_scratch_store(const std::filesystem::path& dir) {
  store::Options options;
  options.data_dir = dir;
  options.sync = false;
  auto opened = store::Store::open(options);
  if (!opened) FAIL(opened.error().message);
  return std::move(opened.value());
}

}  // namespace gatehouse::test_support
