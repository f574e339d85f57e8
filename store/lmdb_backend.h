// Internal: the embedded LMDB backend (the default; docs/store.md).
#pragma once

#include <filesystem>
#include <memory>

#include "store/backend.h"
#include "store/environment.h"

namespace gatehouse::store::detail {

// Opens (creating) the environment and its tables in `dir`. Throws lmdb::Error.
std::unique_ptr<Backend> open_lmdb_backend(const std::filesystem::path& dir, const lmdb::EnvironmentOptions& options);

}  // namespace gatehouse::store::detail
