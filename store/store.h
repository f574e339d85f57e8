// The store: every account, user, group, role, key, policy, function,
// version, alias, function policy and event-source mapping, in one LMDB
// environment (docs/store.md) or in etcd, shared by replicas (docs/scale-out.md).
// Thread-safe: any number of readers; readers never wait for writers.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/consistency.h"
#include "store/credential.h"
#include "store/error.h"
#include "store/mutation.h"
#include "store/snapshot.h"

namespace gatehouse::store {

// An etcd cluster holding the store (docs/scale-out.md).
struct EtcdOptions {
  std::vector<std::string> endpoints;  // host:port of each member; calls fail over between them
  std::string prefix = "/gatehouse/v1/";  // every key lives under it (ends with '/')
  // TLS: on when any of these is given (ca_file: the CA that signed the members' certificates;
  // cert_file/key_file: this client's certificate).
  std::optional<std::filesystem::path> ca_file, cert_file, key_file;
  std::string user, password;  // etcd authentication, when user is not empty
  std::chrono::milliseconds call_timeout{2000};  // the deadline of every call
  // Code packages larger than blob_inline_limit are kept in blob_dir (shared by every replica),
  // named by their SHA-256 (hex), verified on read; without blob_dir they are refused.
  std::optional<std::filesystem::path> blob_dir;
  std::size_t blob_inline_limit = std::size_t{1} << 20;
  // Freshness (docs/scale-out.md 3): probed every probe_interval; stale after stale_after.
  std::chrono::milliseconds probe_interval{200};
  std::chrono::milliseconds stale_after{2000};
  // A write too large for one etcd transaction commits in pieces under a fence (docs/scale-out.md);
  // a fence that has not moved for fence_takeover_after is taken over by the next write, which
  // rolls the interrupted pieces back. Tests only: after_piece runs after each committed piece
  // (a throw there leaves the write half done, as a writer that died).
  std::chrono::milliseconds fence_takeover_after{5000};
  std::function<void(int piece)> after_piece;
};

// "etcd://host:port,host:port[/prefix]" (prefix default /gatehouse/v1/). Error: ValidationError.
Result<EtcdOptions> parse_etcd_url(std::string_view url);
// "etcd://host:port,...prefix" for messages.
std::string describe(const EtcdOptions& etcd);

struct Options {
  // LMDB: the store's directory, created if absent. etcd: where secret.key is looked for when
  // key_file is not given (optional then).
  std::filesystem::path data_dir;
  // The AES-256 key for secrets at rest; default data_dir/secret.key, created
  // (mode 0600) with a new store. A store never opens without its key.
  std::optional<std::filesystem::path> key_file;
  std::size_t initial_map_size = std::size_t{64} << 20;  // grows on MDB_MAP_FULL
  // Commit is durable (fsync) when true. false survives a crashed process but
  // not a crashed machine: for tests and benchmarks.
  bool sync = true;
  std::function<Millis()> clock;  // default: the system clock
  // Non-empty endpoints: the store lives in etcd, shared by every replica given the same
  // endpoints, prefix and key file; else LMDB in data_dir.
  EtcdOptions etcd;
};

// One key-value pair of one table: the unit `gatehouse store migrate` copies.
struct RawRecord {
  std::string table, key, value;
  bool operator==(const RawRecord&) const = default;
};

struct CacheStats {
  std::uint64_t compiled_hits = 0, compiled_misses = 0;      // compiled-policy cache
  std::uint64_t principal_hits = 0, principal_misses = 0;    // access key -> principal
};

class Store {
 public:
  // Opens or creates the store. Refuses a store of a newer schema, a store
  // without its key file, a key that does not match, and a directory in use.
  static Result<std::unique_ptr<Store>> open(const Options& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // One write transaction: fn(Mutation&) returns Result<T>; a value commits,
  // an error aborts. MDB_MAP_FULL grows the map and runs fn again, so fn must
  // have no effects outside the transaction. For example:
  //   auto user = store.write([&](Mutation& m) { return m.create_user({account, "alice"}); });
  template <class F>
  auto write(F&& fn) -> std::invoke_result_t<F, Mutation&> {
    using R = std::invoke_result_t<F, Mutation&>;
    std::optional<R> out;
    auto status = run_write([&](Mutation& m) {
      out.emplace(fn(m));
      return out->has_value();
    });
    if (!status) return status.error();
    return std::move(*out);
  }

  // One read transaction: fn(const Snapshot&) returns Result<T>.
  template <class F>
  auto read(F&& fn) const -> std::invoke_result_t<F, const Snapshot&> {
    using R = std::invoke_result_t<F, const Snapshot&>;
    std::optional<R> out;
    auto status = run_read([&](const Snapshot& s) { out.emplace(fn(s)); });
    if (!status) return status.error();
    return std::move(*out);
  }

  // Fast paths for the authorization pipeline; cached, and a write takes
  // effect on the very next call. nullptr: no such key / principal / policy.
  // An inactive key or an expired session is returned with its status and
  // expiry: the caller decides what to answer.
  Result<std::shared_ptr<const ResolvedCredential>> find_credential(std::string_view access_key_id) const;
  Result<std::shared_ptr<const ResolvedPrincipal>> resolve_user(std::string_view account, std::string_view name) const;
  // A role acting through a session (Lambda execution roles, the simulator).
  Result<std::shared_ptr<const ResolvedPrincipal>> resolve_role(std::string_view account, std::string_view role,
                                                                std::string_view session_name) const;
  Result<std::shared_ptr<const RoleTrust>> find_role_trust(std::string_view account, std::string_view role) const;
  // The compiled resource policy of (function, qualifier); "" is the unqualified function.
  Result<CompiledPolicyPtr> find_function_policy(const FunctionRef& ref, std::string_view qualifier = {}) const;
  // A managed policy's default version, compiled.
  Result<CompiledPolicyPtr> find_managed_policy(std::string_view arn) const;

  // Every record of every table but the store's own bookkeeping (schema, key check, revision
  // counter), in table and key order, from one consistent read; code packages as their bytes.
  Result<std::vector<RawRecord>> export_records() const;
  // Writes exported records into this store, which must hold no account yet and be opened
  // with the exporting store's key file (secrets stay sealed with it). Writes in batches
  // that fit one etcd transaction; afterwards the revision counter is past every revision
  // the records carry. Returns how many records were written. Run it with no server writing.
  Result<std::size_t> import_records(const std::vector<RawRecord>& records);

  // A consistent copy of the environment (hot backup), into an empty directory.
  Result<void> backup(const std::filesystem::path& dir, bool compact = true) const;

  const std::filesystem::path& data_dir() const noexcept;
  std::size_t map_size() const;
  Millis now() const;
  CacheStats cache_stats() const;

  // The revision this store's reads reflect, and whether it is current.
  Consistency consistency() const;
  // Blocks until applied_revision >= revision or the timeout; false on timeout.
  bool wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const;
  // The revision of the last write committed by the calling thread (0 when none yet): the
  // consistency token of that write.
  static std::uint64_t last_write_revision();

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  Result<void> run_write(const std::function<bool(Mutation&)>& body);
  Result<void> run_read(const std::function<void(const Snapshot&)>& body) const;

  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::store
