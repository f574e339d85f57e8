// What a replica can vouch for (docs/scale-out.md): the revision its reads reflect.
#pragma once

#include <cstdint>

namespace gatehouse::store {

// The revision orders every committed write: LMDB counts them; etcd gives its own revision.
// `fresh` is false while a distributed store cannot tell that its view is current (the server
// then fails closed).
struct Consistency {
  std::uint64_t applied_revision = 0;
  bool fresh = true;
  bool distributed = false;
  // A distributed store's view holds the fence of a write too large for one etcd transaction,
  // committed in pieces (docs/scale-out.md): in progress, or interrupted. fresh is false then.
  bool fenced = false;
  // Full loads of a distributed store's view after the first (a compaction passed its watch,
  // or the watch stopped bringing changes).
  std::uint64_t reloads = 0;
};

}  // namespace gatehouse::store
