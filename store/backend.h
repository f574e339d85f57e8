// Internal: what a store backend (LMDB, etcd) gives the Store. Everything above
// it — Snapshot, Mutation, the invariants, the caches — is backend-neutral.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

#include "store/consistency.h"
#include "store/kv.h"

namespace gatehouse::store::detail {

class Backend {
 public:
  virtual ~Backend() = default;

  // Runs fn in a read transaction over one consistent state.
  virtual void read(kv::FunctionRef<void(kv::Transaction&)> fn) const = 0;
  // Runs body in one write transaction. body returns the write's counter (the meta revision it
  // took), or nullopt to abort. body may run more than once (LMDB map growth, etcd conflicts),
  // so it must have no effects outside the transaction. Returns the consistency token of the
  // committed write (0 when aborted). Throws on failure (kv::Conflict: lost its retries).
  virtual std::uint64_t write(kv::FunctionRef<std::optional<std::uint64_t>(kv::Transaction&)> body) = 0;

  virtual Consistency consistency() const = 0;
  virtual bool wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const = 0;

  // A consistent copy (LMDB only; others throw).
  virtual void backup(const std::filesystem::path& dir, bool compact) const = 0;
  virtual std::size_t map_size() const { return 0; }
};

// Called after changes (written by any replica) were applied to a distributed store's view.
using ChangeListener = std::function<void()>;

}  // namespace gatehouse::store::detail
