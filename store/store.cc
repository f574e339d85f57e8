#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "store/aws_errors.h"
#include "store/aws_managed_policies.h"
#include "store/iam_common.h"
#include "store/etcd_backend.h"
#include "store/lmdb_backend.h"
#include "store/resolve.h"
#include "store/state.h"

namespace gatehouse::store {

namespace {

constexpr std::string_view kSchemaKey = "schema";
constexpr std::string_view kKeyCheckKey = "key_check";
constexpr std::string_view kKeyCheckText = "gatehouse store key check";
constexpr std::string_view kRevisionKey = "revision";  // the counter every write takes (Mutation::next_revision)
constexpr std::size_t kMaxCachedEntries = 1 << 16;

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
  std::unique_ptr<detail::Backend> backend;
  int lock_fd = -1;
  // Bumped after each committed write of the kind (and after every change another replica
  // made): fast-path entries of an older generation are stale.
  std::atomic<std::uint64_t> iam_generation{1};
  std::atomic<std::uint64_t> lambda_generation{1};
  mutable std::atomic<std::uint64_t> principal_hits{0}, principal_misses{0};
  mutable GenerationCache<ResolvedCredential> credentials;
  mutable GenerationCache<ResolvedPrincipal> principals;
  mutable GenerationCache<RoleTrust> trusts;
  mutable GenerationCache<policy::CompiledPolicy> function_policies;
  mutable GenerationCache<policy::CompiledPolicy> managed_policies;

  ~Impl() {
    backend.reset();  // closes the environment before the lock is released
    if (lock_fd >= 0) ::close(lock_fd);
  }

  // Runs fn in a read transaction; exceptions of the backend become errors.
  template <class F>
  auto with_snapshot(F&& fn) const -> decltype(fn(std::declval<const Snapshot&>())) {
    using R = decltype(fn(std::declval<const Snapshot&>()));
    try {
      std::optional<R> out;
      backend->read([&](kv::Transaction& txn) {
        Snapshot snapshot(*state, txn);
        out.emplace(fn(snapshot));
      });
      return std::move(*out);
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
  const bool etcd = !options.etcd.endpoints.empty();
  if (options.data_dir.empty() && !(etcd && options.key_file)) {
    return open_error(etcd ? "an etcd store needs its secret key file (or a data directory holding secret.key)"
                           : "no data directory given");
  }
  auto impl = std::make_unique<Impl>();
  if (!options.data_dir.empty()) {
    std::error_code ec;
    // A new data directory holds the key file: only its owner may enter it.
    if (fs::create_directories(options.data_dir, ec) && !ec) {
      fs::permissions(options.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    }
    if (ec || !fs::is_directory(options.data_dir)) {
      return open_error("cannot use the data directory " + options.data_dir.string() + ": " +
                        (ec ? ec.message() : "not a directory"));
    }
  }
  if (!etcd) {
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
  }

  const fs::path key_path = options.key_file.value_or(options.data_dir / "secret.key");
  const std::string where = etcd ? "the etcd store " + describe(options.etcd) : "the store in " + options.data_dir.string();
  try {
    if (etcd) {
      Impl* raw = impl.get();
      // Changes any replica made: every cached entry may be stale.
      impl->backend = detail::open_etcd_backend(options.etcd, [raw] {
        raw->iam_generation.fetch_add(1, std::memory_order_acq_rel);
        raw->lambda_generation.fetch_add(1, std::memory_order_acq_rel);
      });
    } else {
      lmdb::EnvironmentOptions env_options;
      env_options.map_size = options.initial_map_size;
      env_options.sync = options.sync;
      impl->backend = detail::open_lmdb_backend(options.data_dir, env_options);
    }
    std::optional<std::uint32_t> schema;
    impl->backend->read([&](kv::Transaction& txn) {
      if (auto bytes = txn.get(kv::Table::meta, kSchemaKey)) schema = decode_u32(*bytes);
    });
    if (schema && *schema > kSchemaVersion) {
      return open_error(where + " has schema version " + std::to_string(*schema) +
                        ", newer than this gatehouse supports (" + std::to_string(kSchemaVersion) +
                        "); use a newer gatehouse to open it");
    }
    const bool fresh = !schema.has_value();
    Result<SecretKey> key = (fresh && !fs::exists(key_path)) ? create_key_file(key_path) : read_key_file(key_path);
    if (!key) {
      if (!fresh && !fs::exists(key_path)) {
        return open_error("the secret key file " + key_path.string() + " is missing: " + where +
                          " keeps its secrets encrypted with it and cannot be opened without it");
      }
      return open_error(key.error().message);
    }
    impl->state = std::make_unique<detail::StoreState>(key.value());
    detail::StoreState& state = *impl->state;
    state.data_dir = options.data_dir;
    state.clock = options.clock ? options.clock : std::function<Millis()>(system_now);
    // One write: a new store's schema and key check, and the AWS-managed policies, which exist
    // in every store. Idempotent, and safe when several replicas of an etcd store start at once
    // (a lost race runs it again on the winner's data).
    std::optional<Error> refused;
    impl->backend->write([&](kv::Transaction& txn) -> std::optional<std::uint64_t> {
      refused.reset();
      const auto check = txn.get(kv::Table::meta, kKeyCheckKey);
      if (!check) {
        txn.put(kv::Table::meta, kSchemaKey, encode_u32(kSchemaVersion));
        txn.put(kv::Table::meta, kKeyCheckKey, state.box.seal(kKeyCheckText, kKeyCheckKey));
      } else if (state.box.open(*check, kKeyCheckKey) != std::optional<std::string>(kKeyCheckText)) {
        refused = open_error("the secret key in " + key_path.string() + " is not the key of " + where +
                             " (wrong key file); refusing to open");
        return std::nullopt;
      }
      detail::Effects effects;
      Mutation m(state, txn, effects);
      if (auto seeded = seed_aws_managed_policies(m); !seeded) {
        refused = seeded.error();
        return std::nullopt;
      }
      if (auto bound = detail::bind_unbound_principals(m); !bound) {
        refused = bound.error();
        return std::nullopt;
      }
      return m.next_revision();
    });
    if (refused) return *refused;
  } catch (const std::exception& e) {
    return open_error("cannot open " + where + ": " + e.what());
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<void> Store::run_write(const std::function<bool(Mutation&)>& body) {
  detail::StoreState& state = *impl_->state;
  detail::Effects effects;
  std::uint64_t revision = 0;
  try {
    revision = impl_->backend->write([&](kv::Transaction& txn) -> std::optional<std::uint64_t> {
      effects = detail::Effects{};
      Mutation mutation(state, txn, effects);
      if (!body(mutation)) return std::nullopt;  // the call failed: abort, nothing applied
      return mutation.next_revision();            // every committed write bumps the counter
    });
  } catch (const kv::Conflict& e) {
    return aws::make(aws::kConcurrentModification, e.what());
  } catch (const std::exception& e) {
    return service_failure(e.what());
  }
  if (revision == 0) return success();
  for (const auto& key : effects.forget) state.policies.forget(key);
  if (effects.iam) impl_->iam_generation.fetch_add(1, std::memory_order_acq_rel);
  if (effects.lambda) impl_->lambda_generation.fetch_add(1, std::memory_order_acq_rel);
  t_last_write_revision = revision;
  return success();
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
    impl_->backend->backup(dir, compact);
  } catch (const std::exception& e) {
    return service_failure(e.what());
  }
  return success();
}

const std::filesystem::path& Store::data_dir() const noexcept { return impl_->state->data_dir; }

std::size_t Store::map_size() const { return impl_->backend->map_size(); }

Millis Store::now() const { return impl_->state->clock(); }

CacheStats Store::cache_stats() const {
  CacheStats stats;
  stats.compiled_hits = impl_->state->policies.hits();
  stats.compiled_misses = impl_->state->policies.misses();
  stats.principal_hits = impl_->principal_hits.load(std::memory_order_relaxed);
  stats.principal_misses = impl_->principal_misses.load(std::memory_order_relaxed);
  return stats;
}

Result<std::vector<RawRecord>> Store::export_records() const {
  std::vector<RawRecord> out;
  std::uint64_t revision = 0;
  try {
    impl_->backend->read([&](kv::Transaction& txn) {
      for (std::size_t i = 0; i < kv::kTableCount; ++i) {
        const auto table = static_cast<kv::Table>(i);
        if (table == kv::Table::meta) continue;
        txn.scan(table, "", [&](std::string_view key, std::string_view value) {
          out.push_back(RawRecord{std::string(kv::table_name(table)), std::string(key), std::string(value)});
          return true;
        });
      }
      if (auto bytes = txn.get(kv::Table::meta, kRevisionKey)) {
        Decoder d(*bytes);
        d(revision);
      }
    });
  } catch (const std::exception& e) {
    return service_failure(e.what());
  }
  // The counter travels as a record of its own, read back by import_records.
  Encoder e;
  e(revision);
  out.push_back(RawRecord{"meta", std::string(kRevisionKey), e.take()});
  return out;
}

Result<std::size_t> Store::import_records(const std::vector<RawRecord>& records) {
  std::uint64_t source_revision = 0;
  std::vector<std::pair<kv::Table, const RawRecord*>> todo;
  for (const auto& r : records) {
    auto table = kv::table_by_name(r.table);
    if (!table) return Error{"ValidationError", 400, "unknown table " + r.table};
    if (*table == kv::Table::meta) {
      if (r.key == kRevisionKey) {
        Decoder d(r.value);
        d(source_revision);
      }
      continue;
    }
    todo.emplace_back(*table, &r);
  }
  auto empty = read([](const Snapshot& s) -> Result<bool> { return s.list_accounts().empty(); });
  if (!empty) return empty.error();
  if (!empty.value()) return Error{"ValidationError", 400, "the destination store is not empty (it has accounts)"};
  // One write: on etcd, larger than one transaction, it commits in pieces under a fence, so no
  // replica decides from a half-copied world (docs/scale-out.md).
  try {
    impl_->backend->write([&](kv::Transaction& txn) -> std::optional<std::uint64_t> {
      for (const auto& [table, record] : todo) txn.put(table, record->key, record->value);
      // The counter moves past every revision the records carry.
      return detail::bump_revision(txn, source_revision);
    });
  } catch (const std::exception& e) {
    return service_failure(e.what());
  }
  const std::size_t written = todo.size();
  impl_->iam_generation.fetch_add(1, std::memory_order_acq_rel);
  impl_->lambda_generation.fetch_add(1, std::memory_order_acq_rel);
  return written;
}

Consistency Store::consistency() const { return impl_->backend->consistency(); }

bool Store::wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const {
  return impl_->backend->wait_applied(revision, timeout);
}

std::uint64_t Store::last_write_revision() { return t_last_write_revision; }

}  // namespace gatehouse::store
