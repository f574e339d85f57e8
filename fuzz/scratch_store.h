// A store for a fuzz target: a fresh LMDB directory of this process under the temporary
// directory, not synced, seeded by `seed` (one write), removed when the holder goes away. An
// unusable store aborts: the target cannot run without one.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/mutation.h"
#include "store/store.h"

namespace gatehouse::fuzz {

struct ScratchStore {
  std::filesystem::path dir;
  std::unique_ptr<store::Store> store;

  template <class Seed>
  ScratchStore(std::string_view name, Seed&& seed)
      : dir(std::filesystem::temp_directory_path() / ("gatehouse-" + std::string(name) + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store::Options options;
    options.data_dir = dir;
    options.sync = false;
    auto opened = store::Store::open(options);
    if (!opened) std::abort();
    store = std::move(opened.value());
    if (!store->write(seed)) std::abort();
  }
  ~ScratchStore() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;
};

}  // namespace gatehouse::fuzz
