// A thin RAII layer over LMDB's C API in lmdb++'s spirit: expected outcomes
// (not found, key exists) are values; real failures are exceptions that never
// leave the store (the public API converts them to Result).
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace gatehouse::store::lmdb {

// A failed LMDB call: the C function's name joined with LMDB's own message.
class Error : public std::runtime_error {
 public:
  Error(const char* function, int code);
  int code() const noexcept { return code_; }
  const char* function() const noexcept { return function_; }

 private:
  const char* function_;
  int code_;
};

// MDB_MAP_FULL: the write transaction must be retried after growing the map.
class MapFullError final : public Error {
 public:
  using Error::Error;
};

// Throws the right exception for a non-zero LMDB return code.
[[noreturn]] void fail(const char* function, int code);
inline void check(const char* function, int code) {
  if (code != MDB_SUCCESS) fail(function, code);
}

struct EnvironmentOptions {
  std::size_t map_size = 0;     // bytes; rounded up to whole pages by LMDB
  unsigned max_databases = 32;
  unsigned max_readers = 512;
  bool sync = true;             // false: MDB_NOSYNC (survives a process crash, not a power loss)
};

// One MDB_env, move-only; closed in the destructor.
class Environment {
 public:
  Environment() = default;
  // Opens (creating if needed) the environment in directory `dir`.
  Environment(const std::filesystem::path& dir, const EnvironmentOptions& options);
  Environment(Environment&& other) noexcept : env_(other.env_) { other.env_ = nullptr; }
  Environment& operator=(Environment&& other) noexcept;
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  ~Environment();

  MDB_env* handle() const noexcept { return env_; }
  std::size_t map_size() const;
  // Only while no transaction of this process is active (mdb_env_set_mapsize).
  void set_map_size(std::size_t bytes);
  // A consistent copy of the environment into an existing empty directory (mdb_env_copy2).
  void copy_to(const std::filesystem::path& dir, bool compact) const;
  void sync(bool force);

 private:
  MDB_env* env_ = nullptr;
};

}  // namespace gatehouse::store::lmdb
