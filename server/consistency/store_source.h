// The consistency Source of a real store (LMDB: always fresh, a local revision counter; etcd:
// the watched view's revision and its freshness probe).
#pragma once

#include "server/consistency/gate.h"
#include "store/store.h"

namespace gatehouse::server::consistency {

class StoreSource final : public Source {
 public:
  // The store must outlive the source.
  explicit StoreSource(const store::Store& store) : store_(store) {}

  View view() const override {
    const store::Consistency now = store_.consistency();
    return {now.applied_revision, now.fresh, now.distributed, now.fenced};
  }
  bool wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const override {
    return store_.wait_applied(revision, timeout);
  }
  std::uint64_t last_write_revision() const override { return store::Store::last_write_revision(); }

 private:
  const store::Store& store_;
};

}  // namespace gatehouse::server::consistency
