#include "store/store.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "store/aws_managed_policies.h"
#include "store/resolve.h"
#include "store/state.h"

namespace gatehouse::store {

namespace {

constexpr std::string_view kSchemaKey = "schema";
constexpr std::string_view kKeyCheckKey = "key_check";
constexpr std::string_view kKeyCheckText = "gatehouse store key check";
constexpr int kMaxMapGrowths = 24;
constexpr std::size_t kMaxCachedEntries = 1 << 16;
// Reset read transactions kept for renewal; each holds one of the environment's reader slots.
constexpr std::size_t kMaxIdleReaders = 16;

Error open_error(std::string message) { return Error{"StoreOpenFailed", 500, std::move(message)}; }

Millis system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string encode_u32(std::uint32_t v) {
  Encoder e;
  e(v);
  return e.take();
}

std::uint32_t decode_u32(std::string_view bytes) {
  Decoder d(bytes);
  std::uint32_t v = 0;
  d(v);
  return v;
}

// Values valid for one generation of the store's data: a write bumps the
// generation, and every entry of an older one is rebuilt on its next use.
template <class T>
class GenerationCache {
 public:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>()(key); }
  };

  bool find(std::string_view key, std::uint64_t generation, std::shared_ptr<const T>& out) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.first != generation) return false;
    out = it->second.second;
    return true;
  }
  void put(std::string_view key, std::uint64_t generation, std::shared_ptr<const T> value) {
    std::unique_lock lock(mutex_);
    // A bound on memory: callers may ask for any number of names.
    if (entries_.size() >= kMaxCachedEntries) entries_.clear();
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      entries_.emplace(std::string(key), std::make_pair(generation, std::move(value)));
    } else if (it->second.first <= generation) {
      it->second = std::make_pair(generation, std::move(value));
    }
  }

 private:
  mutable std::shared_mutex mutex_;  // guards entries_
  std::unordered_map<std::string, std::pair<std::uint64_t, std::shared_ptr<const T>>, Hash, std::equal_to<>> entries_;
};

}  // namespace

struct Store::Impl {
  std::unique_ptr<detail::StoreState> state;
  int lock_fd = -1;
  std::mutex write_mutex;  // one writer at a time in this process (LMDB's own lock covers others)
  // Readers hold it shared while a transaction is open; growing the map takes
  // it exclusively (mdb_env_set_mapsize needs no live transaction).
  mutable std::shared_mutex map_gate;
  // Bumped after each committed write of the kind: fast-path entries of an
  // older generation are stale.
  std::atomic<std::uint64_t> iam_generation{1};
  std::atomic<std::uint64_t> lambda_generation{1};
  mutable std::atomic<std::uint64_t> principal_hits{0}, principal_misses{0};
  mutable GenerationCache<ResolvedCredential> credentials;
  mutable GenerationCache<ResolvedPrincipal> principals;
  mutable GenerationCache<RoleTrust> trusts;
  mutable GenerationCache<policy::CompiledPolicy> function_policies;
  mutable GenerationCache<policy::CompiledPolicy> managed_policies;
  // Read transactions reset after use (mdb_txn_reset) and renewed by the next read
  // (mdb_txn_renew): a read then begins without an allocation or the reader table's lock.
  // A reset transaction holds no snapshot, so it keeps no page from being reused.
  mutable std::mutex idle_readers_mutex;  // guards idle_readers
  mutable std::vector<lmdb::Transaction> idle_readers;
  // The revision of the last committed write (the meta counter every write bumps).
  std::atomic<std::uint64_t> applied_revision{0};
  mutable std::mutex applied_mutex;  // with applied_changed: wait_applied's wake-up
  mutable std::condition_variable applied_changed;

  void applied(std::uint64_t revision) {
    {
      std::lock_guard lock(applied_mutex);
      applied_revision.store(revision, std::memory_order_release);
    }
    applied_changed.notify_all();
  }

  ~Impl() {
    idle_readers.clear();  // their reader slots belong to the environment
    state.reset();         // closes the environment before the lock is released
    if (lock_fd >= 0) ::close(lock_fd);
  }

  void grow() {
    std::unique_lock gate(map_gate);
    {
      // No reader runs under the exclusive gate; the parked ones start over with the new map.
      std::lock_guard lock(idle_readers_mutex);
      idle_readers.clear();
    }
    state->env.set_map_size(state->env.map_size() * 2);
  }

  // A read transaction on the current data: a parked one renewed, or a new one.
  lmdb::Transaction begin_read() const {
    lmdb::Transaction txn;
    {
      std::lock_guard lock(idle_readers_mutex);
      if (!idle_readers.empty()) {
        txn = std::move(idle_readers.back());
        idle_readers.pop_back();
      }
    }
    if (txn.handle() != nullptr && ::mdb_txn_renew(txn.handle()) == MDB_SUCCESS) return txn;
    return lmdb::Transaction(state->env, lmdb::Transaction::Mode::ReadOnly);  // (a failed renewal aborts)
  }

  // Ends a read that completed: reset and parked for the next begin_read().
  void end_read(lmdb::Transaction& txn) const {
    ::mdb_txn_reset(txn.handle());
    std::lock_guard lock(idle_readers_mutex);
    if (idle_readers.size() < kMaxIdleReaders) idle_readers.push_back(std::move(txn));
  }

  // Runs fn in a read transaction; exceptions of the LMDB layer become errors.
  template <class F>
  auto with_snapshot(F&& fn) const -> decltype(fn(std::declval<const Snapshot&>())) {
    try {
      std::shared_lock gate(map_gate);
      lmdb::Transaction txn = begin_read();
      Snapshot snapshot(*state, txn);
      auto result = fn(snapshot);
      end_read(txn);  // after an exception the transaction is aborted instead
      return result;
    } catch (const std::exception& e) {
      return service_failure(e.what());
    }
  }

  template <class T, class F>
  Result<std::shared_ptr<const T>> cached(GenerationCache<T>& cache, const std::atomic<std::uint64_t>& generation,
                                          std::string_view key, F&& build) const {
    // Read the generation before the snapshot: an entry is never newer than its tag.
    const std::uint64_t gen = generation.load(std::memory_order_acquire);
    std::shared_ptr<const T> value;
    if (cache.find(key, gen, value)) {
      principal_hits.fetch_add(1, std::memory_order_relaxed);
      return value;
    }
    principal_misses.fetch_add(1, std::memory_order_relaxed);
    auto built = with_snapshot(build);
    if (!built) return built.error();
    cache.put(key, gen, built.value());
    return built.value();
  }
};

thread_local std::uint64_t t_last_write_revision = 0;

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const Options& options) {
  namespace fs = std::filesystem;
  if (options.data_dir.empty()) return open_error("no data directory given");
  std::error_code ec;
  // A new data directory holds the key file: only its owner may enter it.
  if (fs::create_directories(options.data_dir, ec) && !ec) {
    fs::permissions(options.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  if (ec || !fs::is_directory(options.data_dir)) {
    return open_error("cannot use the data directory " + options.data_dir.string() + ": " +
                      (ec ? ec.message() : "not a directory"));
  }
  auto impl = std::make_unique<Impl>();
  // One process (and one Store) per data directory: the caches trust that
  // every write goes through this object.
  const fs::path lock_path = options.data_dir / "gatehouse.lock";
  impl->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (impl->lock_fd < 0) {
    return open_error("cannot create " + lock_path.string() + ": " + std::strerror(errno));
  }
  if (::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    return open_error("the data directory " + options.data_dir.string() +
                      " is in use by another gatehouse store (" + lock_path.string() + " is locked)");
  }

  const fs::path key_path = options.key_file.value_or(options.data_dir / "secret.key");
  try {
    lmdb::EnvironmentOptions env_options;
    env_options.map_size = options.initial_map_size;
    env_options.sync = options.sync;
    lmdb::Environment env(options.data_dir, env_options);
    lmdb::Transaction txn(env, lmdb::Transaction::Mode::ReadWrite);
    Databases db = Databases::open(txn);

    const auto schema = db.meta.get(txn, kSchemaKey);
    const bool fresh = !schema.has_value();
    if (schema) {
      const std::uint32_t version = decode_u32(*schema);
      if (version > kSchemaVersion) {
        return open_error("the store in " + options.data_dir.string() + " has schema version " +
                          std::to_string(version) + ", newer than this gatehouse supports (" +
                          std::to_string(kSchemaVersion) + "); use a newer gatehouse to open it");
      }
    }
    Result<SecretKey> key = (fresh && !fs::exists(key_path)) ? create_key_file(key_path) : read_key_file(key_path);
    if (!key) {
      if (!fresh && !fs::exists(key_path)) {
        return open_error("the secret key file " + key_path.string() + " is missing: the store in " +
                          options.data_dir.string() +
                          " keeps its secrets encrypted with it and cannot be opened without it");
      }
      return open_error(key.error().message);
    }
    impl->state = std::make_unique<detail::StoreState>(key.value());
    detail::StoreState& state = *impl->state;
    if (fresh) {
      db.meta.put(txn, kSchemaKey, encode_u32(kSchemaVersion));
      db.meta.put(txn, kKeyCheckKey, state.box.seal(kKeyCheckText, kKeyCheckKey));
    } else {
      const auto check = db.meta.get(txn, kKeyCheckKey);
      if (!check || state.box.open(*check, kKeyCheckKey) != std::optional<std::string>(kKeyCheckText)) {
        return open_error("the secret key in " + key_path.string() + " is not the key of the store in " +
                          options.data_dir.string() + " (wrong key file); refusing to open");
      }
    }
    state.data_dir = options.data_dir;
    state.clock = options.clock ? options.clock : std::function<Millis()>(system_now);
    state.db = db;
    // The AWS-managed policies exist in every store.
    detail::Effects effects;
    Mutation m(state, txn, effects);
    if (auto seeded = seed_aws_managed_policies(m); !seeded) return seeded.error();
    impl->applied_revision.store(m.next_revision());
    txn.commit();
    state.env = std::move(env);
  } catch (const lmdb::Error& e) {
    return open_error("cannot open the store in " + options.data_dir.string() + ": " + e.what());
  } catch (const std::exception& e) {
    return open_error("cannot open the store in " + options.data_dir.string() + ": " + e.what());
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<void> Store::run_write(const std::function<bool(Mutation&)>& body) {
  std::lock_guard lock(impl_->write_mutex);
  detail::StoreState& state = *impl_->state;
  for (int attempt = 0;; ++attempt) {
    detail::Effects effects;
    std::uint64_t revision = 0;
    try {
      std::shared_lock gate(impl_->map_gate);
      lmdb::Transaction txn(state.env, lmdb::Transaction::Mode::ReadWrite);
      Mutation mutation(state, txn, effects);
      if (!body(mutation)) return success();  // the call failed: abort, nothing applied
      revision = mutation.next_revision();    // every committed write bumps the counter
      txn.commit();
    } catch (const lmdb::MapFullError& e) {
      if (attempt >= kMaxMapGrowths) return service_failure(e.what());
      try {
        impl_->grow();
      } catch (const std::exception& grow_error) {
        return service_failure(grow_error.what());
      }
      continue;
    } catch (const std::exception& e) {
      return service_failure(e.what());
    }
    for (const auto& key : effects.forget) state.policies.forget(key);
    if (effects.iam) impl_->iam_generation.fetch_add(1, std::memory_order_acq_rel);
    if (effects.lambda) impl_->lambda_generation.fetch_add(1, std::memory_order_acq_rel);
    impl_->applied(revision);
    t_last_write_revision = revision;
    return success();
  }
}

Result<void> Store::run_read(const std::function<void(const Snapshot&)>& body) const {
  return impl_->with_snapshot([&](const Snapshot& s) -> Result<void> {
    body(s);
    return success();
  });
}

Result<std::shared_ptr<const ResolvedCredential>> Store::find_credential(std::string_view access_key_id) const {
  return impl_->cached(impl_->credentials, impl_->iam_generation, access_key_id,
                       [&](const Snapshot& s) { return detail::resolve_credential(s, access_key_id); });
}

Result<std::shared_ptr<const ResolvedPrincipal>> Store::resolve_user(std::string_view account,
                                                                    std::string_view name) const {
  const std::string key = "user/" + keys::entity(account, name);
  return impl_->cached(impl_->principals, impl_->iam_generation, key,
                       [&](const Snapshot& s) { return detail::resolve_user(s, account, name); });
}

Result<std::shared_ptr<const ResolvedPrincipal>> Store::resolve_role(std::string_view account, std::string_view role,
                                                                    std::string_view session_name) const {
  const std::string key = "role/" + keys::entity(account, role) + "/" + std::string(session_name);
  return impl_->cached(impl_->principals, impl_->iam_generation, key,
                       [&](const Snapshot& s) { return detail::resolve_role(s, account, role, session_name); });
}

Result<std::shared_ptr<const RoleTrust>> Store::find_role_trust(std::string_view account,
                                                               std::string_view role) const {
  return impl_->cached(impl_->trusts, impl_->iam_generation, keys::entity(account, role),
                       [&](const Snapshot& s) { return detail::resolve_trust(s, account, role); });
}

Result<CompiledPolicyPtr> Store::find_function_policy(const FunctionRef& ref, std::string_view qualifier) const {
  // keys::child(keys::function(...), qualifier), built in a per-thread buffer: a cache hit allocates nothing.
  thread_local std::string key;
  key.clear();
  key.append(ref.account).append(1, '/').append(ref.region).append(1, '/').append(ref.name).append(1, '/');
  key.append(qualifier);
  return impl_->cached(impl_->function_policies, impl_->lambda_generation, key,
                       [&](const Snapshot& s) { return detail::resolve_function_policy(s, ref, qualifier); });
}

Result<CompiledPolicyPtr> Store::find_managed_policy(std::string_view arn) const {
  return impl_->cached(impl_->managed_policies, impl_->iam_generation, arn,
                       [&](const Snapshot& s) { return detail::resolve_managed_policy(s, arn); });
}

Result<void> Store::backup(const std::filesystem::path& dir, bool compact) const {
  try {
    std::shared_lock gate(impl_->map_gate);
    impl_->state->env.copy_to(dir, compact);
  } catch (const std::exception& e) {
    return service_failure(e.what());
  }
  return success();
}

const std::filesystem::path& Store::data_dir() const noexcept { return impl_->state->data_dir; }

std::size_t Store::map_size() const {
  std::shared_lock gate(impl_->map_gate);
  return impl_->state->env.map_size();
}

Millis Store::now() const { return impl_->state->clock(); }

CacheStats Store::cache_stats() const {
  CacheStats stats;
  stats.compiled_hits = impl_->state->policies.hits();
  stats.compiled_misses = impl_->state->policies.misses();
  stats.principal_hits = impl_->principal_hits.load(std::memory_order_relaxed);
  stats.principal_misses = impl_->principal_misses.load(std::memory_order_relaxed);
  return stats;
}

Consistency Store::consistency() const {
  Consistency c;
  c.applied_revision = impl_->applied_revision.load(std::memory_order_acquire);
  return c;
}

bool Store::wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->applied_mutex);
  return impl_->applied_changed.wait_for(lock, timeout, [&] {
    return impl_->applied_revision.load(std::memory_order_acquire) >= revision;
  });
}

std::uint64_t Store::last_write_revision() { return t_last_write_revision; }

}  // namespace gatehouse::store
