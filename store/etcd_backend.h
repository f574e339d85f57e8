// Internal: the etcd backend (store/etcd/, docs/scale-out.md 2-3).
#pragma once

#include <memory>

#include "store/backend.h"

namespace gatehouse::store {
struct EtcdOptions;
}

namespace gatehouse::store::detail {

// Connects, loads the prefix into memory and starts watching it; on_change runs after each
// change applied. Throws on failure.
std::unique_ptr<Backend> open_etcd_backend(const EtcdOptions& options, ChangeListener on_change);

}  // namespace gatehouse::store::detail
