#include "store/environment.h"

#include <cstring>

namespace gatehouse::store::lmdb {

namespace {

std::string describe(const char* function, int code) {
  std::string text(function);
  text += ": ";
  text += ::mdb_strerror(code);
  return text;
}

}  // namespace

Error::Error(const char* function, int code)
    : std::runtime_error(describe(function, code)), function_(function), code_(code) {}

void fail(const char* function, int code) {
  if (code == MDB_MAP_FULL) throw MapFullError(function, code);
  throw Error(function, code);
}

Environment::Environment(const std::filesystem::path& dir, const EnvironmentOptions& options) {
  check("mdb_env_create", ::mdb_env_create(&env_));
  try {
    if (options.map_size != 0) check("mdb_env_set_mapsize", ::mdb_env_set_mapsize(env_, options.map_size));
    check("mdb_env_set_maxdbs", ::mdb_env_set_maxdbs(env_, options.max_databases));
    check("mdb_env_set_maxreaders", ::mdb_env_set_maxreaders(env_, options.max_readers));
    // MDB_NOTLS: read transactions belong to the transaction object, not the
    // thread, so a thread pool can hand them around and readers never block.
    unsigned flags = MDB_NOTLS;
    if (!options.sync) flags |= MDB_NOSYNC;
    check("mdb_env_open", ::mdb_env_open(env_, dir.c_str(), flags, 0600));
  } catch (...) {
    ::mdb_env_close(env_);
    env_ = nullptr;
    throw;
  }
}

Environment& Environment::operator=(Environment&& other) noexcept {
  if (this != &other) {
    if (env_ != nullptr) ::mdb_env_close(env_);
    env_ = other.env_;
    other.env_ = nullptr;
  }
  return *this;
}

Environment::~Environment() {
  if (env_ != nullptr) ::mdb_env_close(env_);
}

std::size_t Environment::map_size() const {
  MDB_envinfo info;
  check("mdb_env_info", ::mdb_env_info(env_, &info));
  return info.me_mapsize;
}

void Environment::set_map_size(std::size_t bytes) {
  check("mdb_env_set_mapsize", ::mdb_env_set_mapsize(env_, bytes));
}

void Environment::copy_to(const std::filesystem::path& dir, bool compact) const {
  check("mdb_env_copy2", ::mdb_env_copy2(env_, dir.c_str(), compact ? MDB_CP_COMPACT : 0));
}

void Environment::sync(bool force) { check("mdb_env_sync", ::mdb_env_sync(env_, force ? 1 : 0)); }

}  // namespace gatehouse::store::lmdb
