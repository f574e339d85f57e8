// The etcd backend (docs/scale-out.md 2-3). Every key lives under the prefix as
// prefix + table + "/" + key; the meta revision counter, which every write
// takes, is prefix + "_rev". Reads are served from an in-memory view of the
// whole prefix: loaded with a paged linearizable Range at one revision R, then
// kept current by a Watch from R+1 (one view swap per watch response; events at
// or below the applied revision dropped). A probe reads _rev linearizably every
// probe_interval: the view is fresh while it has applied that revision, and
// stale after stale_after without such a confirmation. A write runs against the
// view, recording what it read, and commits as one Txn that compares every key
// it read (mod_revision, or create_revision 0 when absent; _rev among them) and
// that no fence is set. A failed compare on _rev alone (no other key it read
// changed: another replica wrote something unrelated) is retried, bounded by
// time; only a key it read that changed counts toward kMaxWriteAttempts.
//
// A write larger than one Txn (etcd's 128 operations, 1.5 MiB) commits in
// pieces under a fence, prefix + "_fence": the first piece compares what the
// write read and puts the fence (naming the writer, a token and the revision
// the write started from) with its first batch; each later piece compares the
// fence's mod_revision (each piece puts it again) and puts its batch; the last
// deletes the fence, so the whole write appears at once. A view holding a fence
// is not fresh (the server fails closed), reads keep being served from the newest
// view without one, and every other write waits while the fence moves. A fence that has not moved for fence_takeover_after was left by
// a writer that died: the next write takes it over, rolling the dead writer's
// pieces back (the world at the fence's base revision, read from etcd's history)
// before its own changes, in pieces when needed.
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "store/etcd_backend.h"
#include "store/store.h"

namespace gatehouse::store::detail {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kRevisionKey = "meta/revision";  // the view's name of _rev
constexpr std::string_view kRevisionEtcdKey = "_rev";
constexpr std::string_view kFenceEtcdKey = "_fence";
constexpr std::string_view kBlobMarker = std::string_view("\0gatehouse-blob:sha256:", 23);
constexpr std::size_t kMaxTxnOps = 128;                   // etcd's --max-txn-ops default
constexpr std::size_t kMaxRequestBytes = 1536 * 1024;     // etcd's --max-request-bytes default
constexpr int kMaxWriteAttempts = 8;     // failed compares on a key the write read (real conflicts)
constexpr auto kRetryFor = std::chrono::seconds(5);  // retries after conflicts on _rev alone
constexpr auto kFenceWait = std::chrono::seconds(30);  // waiting for another writer's pieces
// One piece of a large write, with margins under etcd's limits (the fence takes one operation).
constexpr std::size_t kPieceOps = 100;
constexpr std::size_t kPieceBytes = std::size_t{1} << 20;
constexpr std::size_t kSingleTxnBytes = kMaxRequestBytes - 64 * 1024;
constexpr std::int64_t kPageSize = 1000;

struct Entry {
  std::string value;
  std::int64_t mod_revision = 0;
  std::int64_t create_revision = 0;
};

// The whole prefix at one revision; never changed once published.
struct View {
  std::int64_t revision = 0;
  std::map<std::string, Entry, std::less<>> entries;  // "table/key" -> entry
  std::optional<Entry> fence;                          // a large write in progress or interrupted
};
using ViewPtr = std::shared_ptr<const View>;

std::string view_key(kv::Table table, std::string_view key) {
  std::string out(kv::table_name(table));
  out.push_back('/');
  out.append(key);
  return out;
}

// The first key after every key starting with `prefix` (etcd's range_end for a prefix).
std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last < 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

std::string hex_sha256(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  ::SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

class EtcdError : public std::runtime_error {
 public:
  EtcdError(const std::string& what, const grpc::Status& status)
      : std::runtime_error(what + ": " + status.error_message() + " (gRPC " + std::to_string(status.error_code()) + ")"),
        code_(status.error_code()) {}
  grpc::StatusCode code() const noexcept { return code_; }

 private:
  grpc::StatusCode code_;
};

bool compacted(const std::exception& error) {
  return std::string_view(error.what()).find("required revision has been compacted") != std::string_view::npos;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fence of a large write: "writer=HOST:PID token=HEX base=REVISION started=UTC-TIME".
std::string fence_value(std::int64_t base) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device random;
  char token[17];
  std::snprintf(token, sizeof token, "%08x%08x", random(), random());
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char started[32];
  std::strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return "writer=" + std::string(host) + ":" + std::to_string(::getpid()) + " token=" + token +
         " base=" + std::to_string(base) + " started=" + started;
}

// The revision a fence's write started from (0: not named).
std::int64_t fence_base(std::string_view value) {
  const auto at = value.find(" base=");
  if (at == std::string_view::npos) return 0;
  std::int64_t base = 0;
  const char* first = value.data() + at + 6;
  std::from_chars(first, value.data() + value.size(), base);
  return base;
}

// The connection: one channel per endpoint, the current one first; calls fail over.
class Client {
 public:
  explicit Client(const EtcdOptions& options) : options_(options) {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (options.ca_file || options.cert_file || options.key_file) {
      grpc::SslCredentialsOptions ssl;
      if (options.ca_file) ssl.pem_root_certs = read_file(*options.ca_file);
      if (options.cert_file) ssl.pem_cert_chain = read_file(*options.cert_file);
      if (options.key_file) ssl.pem_private_key = read_file(*options.key_file);
      credentials = grpc::SslCredentials(ssl);
    }
    for (const auto& endpoint : options.endpoints) {
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(64 << 20);
      args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
      args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 2000);
      args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
      auto channel = grpc::CreateCustomChannel(endpoint, credentials, args);
      channels_.push_back(Channel{channel, etcdserverpb::KV::NewStub(channel), etcdserverpb::Watch::NewStub(channel),
                                  etcdserverpb::Auth::NewStub(channel)});
    }
  }

  // Runs call(stub, context) on the current endpoint, then on the others while they are
  // unreachable; every attempt has the call deadline. Throws EtcdError with the last status.
  template <class Call>
  void run(const char* what, Call&& call, std::chrono::milliseconds deadline = {}) {
    grpc::Status status;
    const std::size_t first = current_.load();
    for (std::size_t i = 0; i < channels_.size(); ++i) {
      const std::size_t index = (first + i) % channels_.size();
      for (int auth_attempt = 0; auth_attempt < 2; ++auth_attempt) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + (deadline.count() ? deadline : options_.call_timeout));
        add_token(context, index, auth_attempt > 0);
        status = call(*channels_[index].kv, context);
        if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED || options_.user.empty()) break;
      }
      if (status.ok()) {
        current_.store(index);
        return;
      }
      const auto code = status.error_code();
      if (code != grpc::StatusCode::UNAVAILABLE && code != grpc::StatusCode::DEADLINE_EXCEEDED) break;
    }
    throw EtcdError(std::string("etcd ") + what, status);
  }

  // A watch stream on the current endpoint (the caller rotates on failure).
  std::size_t current() const { return current_.load(); }
  void rotate() { current_.store((current_.load() + 1) % channels_.size()); }
  etcdserverpb::Watch::Stub& watch_stub(std::size_t index) { return *channels_[index].watch; }
  void add_token(grpc::ClientContext& context, std::size_t index, bool renew) {
    if (options_.user.empty()) return;
    std::lock_guard lock(token_mutex_);
    if (token_.empty() || renew) token_ = authenticate(index);
    context.AddMetadata("token", token_);
  }
  const EtcdOptions& options() const { return options_; }

 private:
  std::string authenticate(std::size_t index) {
    etcdserverpb::AuthenticateRequest request;
    request.set_name(options_.user);
    request.set_password(options_.password);
    etcdserverpb::AuthenticateResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
    auto status = channels_[index].auth->Authenticate(&context, request, &response);
    if (!status.ok()) throw EtcdError("etcd authentication as " + options_.user, status);
    return response.token();
  }

  struct Channel {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
    std::unique_ptr<etcdserverpb::Auth::Stub> auth;
  };
  EtcdOptions options_;
  std::vector<Channel> channels_;
  std::atomic<std::size_t> current_{0};
  std::mutex token_mutex_;  // guards token_
  std::string token_;
};

// Code packages kept outside etcd: blob_dir/<sha256 hex>, written once, verified on read.
class Blobs {
 public:
  explicit Blobs(const EtcdOptions& options) : options_(options) {}

  // What etcd keeps for a code package: the bytes, or a marker naming the file.
  std::string stored(std::string_view bytes) const {
    if (bytes.size() <= options_.blob_inline_limit) return std::string(bytes);
    if (!options_.blob_dir) {
      throw std::runtime_error("a code package of " + std::to_string(bytes.size()) +
                               " bytes is larger than the etcd store keeps inline (" +
                               std::to_string(options_.blob_inline_limit) + "), and no blob directory is configured");
    }
    const std::string hash = hex_sha256(bytes);
    const auto path = *options_.blob_dir / hash;
    if (!std::filesystem::exists(path)) {
      std::filesystem::create_directories(*options_.blob_dir);
      const auto temporary = path.string() + ".tmp" + std::to_string(::getpid()) + "-" +
                             std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()));
      {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + temporary);
      }
      std::filesystem::rename(temporary, path);
    }
    return std::string(kBlobMarker) + hash;
  }

  // The bytes a stored value stands for (read and verified when it is a marker).
  static bool is_marker(std::string_view value) { return value.starts_with(kBlobMarker); }
  std::string load(std::string_view marker) const {
    const std::string hash(marker.substr(kBlobMarker.size()));
    if (!options_.blob_dir) throw std::runtime_error("code package " + hash + " is in a blob directory, and none is configured");
    std::string bytes = read_file(*options_.blob_dir / hash);
    if (hex_sha256(bytes) != hash) {
      throw std::runtime_error("code package " + (*options_.blob_dir / hash).string() + " does not match its SHA-256");
    }
    return bytes;
  }

 private:
  const EtcdOptions& options_;
};

// Reads of a view: lock-free (the view is immutable and held for the transaction).
class ViewTransaction : public kv::Transaction {
 public:
  ViewTransaction(ViewPtr view, const Blobs& blobs) : view_(std::move(view)), blobs_(blobs) {}

  std::optional<std::string_view> get(kv::Table table, std::string_view key) const override {
    const std::string k = view_key(table, key);
    auto it = view_->entries.find(k);
    if (it == view_->entries.end()) return std::nullopt;
    return value_of(table, it->second.value);
  }
  void put(kv::Table, std::string_view, std::string_view) override { read_only(); }
  bool insert(kv::Table, std::string_view, std::string_view) override { read_only(); }
  bool del(kv::Table, std::string_view) override { read_only(); }
  void scan(kv::Table table, std::string_view from, kv::Visitor fn) const override {
    const std::string start = view_key(table, from);
    const std::size_t skip = kv::table_name(table).size() + 1;
    for (auto it = view_->entries.lower_bound(start); it != view_->entries.end(); ++it) {
      const std::string_view key = it->first;
      if (key.size() < skip || key.substr(0, skip) != std::string_view(start).substr(0, skip)) break;
      if (!fn(key.substr(skip), value_of(table, it->second.value))) break;
    }
  }

 protected:
  [[noreturn]] static void read_only() { throw std::logic_error("a write in a read transaction"); }
  std::string_view value_of(kv::Table table, std::string_view value) const {
    if (table != kv::Table::code_blobs || !Blobs::is_marker(value)) return value;
    loaded_.push_back(blobs_.load(value));
    return loaded_.back();
  }

  ViewPtr view_;
  const Blobs& blobs_;
  mutable std::deque<std::string> loaded_;  // blob bytes read in this transaction
};

// A write against a view: changes kept aside, reads recorded for the Txn's compares.
class WriteTransaction final : public ViewTransaction {
 public:
  using ViewTransaction::ViewTransaction;

  std::optional<std::string_view> get(kv::Table table, std::string_view key) const override {
    std::string k = view_key(table, key);
    if (auto it = changes_.find(k); it != changes_.end()) {
      if (!it->second) return std::nullopt;
      return value_of(table, *it->second);
    }
    auto it = view_->entries.find(k);
    reads_.emplace(std::move(k), it == view_->entries.end() ? 0 : it->second.mod_revision);
    if (it == view_->entries.end()) return std::nullopt;
    return value_of(table, it->second.value);
  }
  void put(kv::Table table, std::string_view key, std::string_view value) override {
    changes_[view_key(table, key)] = std::string(value);
  }
  bool insert(kv::Table table, std::string_view key, std::string_view value) override {
    if (get(table, key)) return false;
    put(table, key, value);
    return true;
  }
  bool del(kv::Table table, std::string_view key) override {
    const bool existed = get(table, key).has_value();
    changes_[view_key(table, key)] = std::nullopt;
    return existed;
  }
  // The view's entries and the changes, merged in key order.
  void scan(kv::Table table, std::string_view from, kv::Visitor fn) const override {
    const std::string start = view_key(table, from);
    const std::string_view table_prefix = std::string_view(start).substr(0, kv::table_name(table).size() + 1);
    auto in_table = [&](std::string_view key) { return key.starts_with(table_prefix); };
    auto base = view_->entries.lower_bound(start);
    auto change = changes_.lower_bound(start);
    while (true) {
      const bool base_ok = base != view_->entries.end() && in_table(base->first);
      const bool change_ok = change != changes_.end() && in_table(change->first);
      if (!base_ok && !change_ok) break;
      std::string_view key, value;
      bool present = true;
      if (change_ok && (!base_ok || change->first <= base->first)) {
        if (base_ok && base->first == change->first) ++base;
        key = change->first;
        present = change->second.has_value();
        if (present) value = *change->second;
        ++change;
      } else {
        key = base->first;
        value = base->second.value;
        ++base;
      }
      if (present && !fn(key.substr(table_prefix.size()), value_of(table, value))) break;
    }
  }

  const std::map<std::string, std::int64_t, std::less<>>& reads() const { return reads_; }
  const std::map<std::string, std::optional<std::string>, std::less<>>& changes() const { return changes_; }

 private:
  mutable std::map<std::string, std::int64_t, std::less<>> reads_;  // view key -> mod_revision (0: absent)
  std::map<std::string, std::optional<std::string>, std::less<>> changes_;  // nullopt: deleted
};

class EtcdBackend final : public Backend {
 public:
  EtcdBackend(const EtcdOptions& options, ChangeListener on_change)
      : options_(options), client_(options_), blobs_(options_), on_change_(std::move(on_change)) {
    if (options_.prefix.empty() || options_.prefix.back() != '/') options_.prefix.push_back('/');
    range_end_ = prefix_end(options_.prefix);
    fence_key_ = options_.prefix + std::string(kFenceEtcdKey);
    publish(load());
    last_fresh_ = Clock::now();
    watcher_ = std::thread([this] { watch_loop(); });
    prober_ = std::thread([this] { probe_loop(); });
  }

  ~EtcdBackend() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      if (watch_context_) watch_context_->TryCancel();
    }
    wake_.notify_all();
    watcher_.join();
    prober_.join();
  }

  void read(kv::FunctionRef<void(kv::Transaction&)> fn) const override {
    ViewTransaction txn(complete(), blobs_);
    fn(txn);
  }

  std::uint64_t write(kv::FunctionRef<std::optional<std::uint64_t>(kv::Transaction&)> body) override {
    // One write at a time per replica: this replica's writes never conflict with each other.
    std::lock_guard serial(write_mutex_);
    const auto started = Clock::now();
    int conflicts = 0;
    int retries = 0;
    std::int64_t fence_seen = 0;  // the mod_revision of another writer's fence, seen since fence_since
    Clock::time_point fence_since;
    for (;;) {
      const ViewPtr view = current();
      ViewPtr base = view;  // what the body runs on
      if (view->fence) {
        const auto now = Clock::now();
        if (view->fence->mod_revision != fence_seen) {
          fence_seen = view->fence->mod_revision;
          fence_since = now;
        }
        if (now - fence_since < options_.fence_takeover_after) {
          // Another writer's pieces: wait for its last one (or for it to stop moving).
          if (now - started > kFenceWait) {
            throw std::runtime_error("a large write (bootstrap) is still in progress on the etcd store (fence " +
                                     view->fence->value + "); try again");
          }
          wait_applied(static_cast<std::uint64_t>(view->revision) + 1, 100ms);
          continue;
        }
        base = world_before(*view->fence);  // its writer died: undo its pieces
      }
      WriteTransaction txn(base, blobs_);
      if (!body(txn)) return 0;
      const Commit commit = base == view ? commit_write(txn, *view) : take_over(txn, *base, *view);
      if (commit.committed) {
        // Reads through this replica see the write once it returns (the watch brings it).
        wait_applied(static_cast<std::uint64_t>(commit.revision), options_.stale_after);
        return static_cast<std::uint64_t>(commit.revision);
      }
      // Another write committed first: run again on a view that has it. Only a change to a key
      // this write read is a real conflict; a write elsewhere (it moved _rev) or a large write's
      // fence (waited for above, bounded) is not.
      wait_applied(static_cast<std::uint64_t>(commit.revision), options_.stale_after);
      if (commit.lost_fence || base != view || read_changed(txn, *current())) {
        if (++conflicts >= kMaxWriteAttempts) {
          throw kv::Conflict("the entities changed by another request at the same time; try again");
        }
      } else if (Clock::now() - started > kRetryFor) {
        throw kv::Conflict("the store is too busy with other writes to commit this one; try again");
      }
      backoff(++retries);
    }
  }

  Consistency consistency() const override {
    Consistency c;
    c.distributed = true;
    c.applied_revision = static_cast<std::uint64_t>(applied_.load(std::memory_order_acquire));
    std::lock_guard lock(mutex_);
    // A fence: the view may hold part of a large write, so it cannot be vouched for.
    c.fenced = fenced_.load(std::memory_order_acquire);
    c.fresh = !c.fenced && Clock::now() - last_fresh_ <= options_.stale_after;
    c.reloads = reloads_;
    return c;
  }

  bool wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(mutex_);
    return applied_changed_.wait_for(lock, timeout, [&] {
      return static_cast<std::uint64_t>(applied_.load(std::memory_order_acquire)) >= revision;
    });
  }

  void backup(const std::filesystem::path&, bool) const override {
    throw std::runtime_error("an etcd store is backed up with etcdctl snapshot save, not by gatehouse");
  }

 private:
  ViewPtr current() const {
    std::lock_guard lock(view_mutex_);
    return view_;
  }
  // What reads see: the newest view without a fence (a request admitted just before a fence
  // arrived never reads part of a large write), or the current one when there has been none.
  ViewPtr complete() const {
    std::lock_guard lock(view_mutex_);
    return complete_ ? complete_ : view_;
  }

  void publish(ViewPtr view) {
    const std::int64_t revision = view->revision;
    const bool fenced = view->fence.has_value();
    {
      std::lock_guard lock(view_mutex_);
      if (!fenced) complete_ = view;
      view_ = std::move(view);
    }
    // The caches move to a new generation before anyone waiting for this revision goes on.
    if (on_change_) on_change_();
    {
      std::lock_guard lock(mutex_);
      fenced_.store(fenced, std::memory_order_release);
      applied_.store(revision, std::memory_order_release);
    }
    applied_changed_.notify_all();
  }

  std::string etcd_key(std::string_view view_key) const {
    return options_.prefix + std::string(view_key == kRevisionKey ? kRevisionEtcdKey : view_key);
  }
  std::optional<std::string> key_of(const std::string& etcd_key) const {
    if (!std::string_view(etcd_key).starts_with(options_.prefix)) return std::nullopt;
    std::string key = etcd_key.substr(options_.prefix.size());
    if (key == kRevisionEtcdKey) return std::string(kRevisionKey);
    const auto slash = key.find('/');
    if (slash == std::string::npos || !kv::table_by_name(std::string_view(key).substr(0, slash))) return std::nullopt;
    return key;
  }

  // One key to put (a value) or delete (nullopt) in etcd; raw: the value as etcd keeps it (a
  // code package's blob marker restored by a rollback), else as the write made it.
  struct Op {
    std::string key;  // the view's key
    std::optional<std::string> value;
    bool raw = false;
  };
  struct Commit {
    bool committed = false;
    std::int64_t revision = 0;  // of the commit, or etcd's revision when a compare failed
    bool lost_fence = false;    // a later piece found its fence taken over
  };

  static std::vector<Op> ops_of(const WriteTransaction& txn) {
    std::vector<Op> ops;
    ops.reserve(txn.changes().size());
    for (const auto& [key, value] : txn.changes()) ops.push_back(Op{key, value, false});
    return ops;
  }

  void add_compare(etcdserverpb::TxnRequest& request, std::string key, std::int64_t mod_revision) const {
    auto* compare = request.add_compare();
    compare->set_key(std::move(key));
    compare->set_result(etcdserverpb::Compare::EQUAL);
    if (mod_revision == 0) {
      compare->set_target(etcdserverpb::Compare::CREATE);
      compare->set_create_revision(0);
    } else {
      compare->set_target(etcdserverpb::Compare::MOD);
      compare->set_mod_revision(mod_revision);
    }
  }

  void add_op(etcdserverpb::TxnRequest& request, const Op& op) const {
    static const std::string blob_prefix = view_key(kv::Table::code_blobs, "");
    auto* out = request.add_success();
    if (op.value) {
      auto* put = out->mutable_request_put();
      put->set_key(etcd_key(op.key));
      put->set_value(!op.raw && std::string_view(op.key).starts_with(blob_prefix) ? blobs_.stored(*op.value)
                                                                                   : *op.value);
    } else {
      out->mutable_request_delete_range()->set_key(etcd_key(op.key));
    }
  }

  // A normal write: one Txn comparing what it read and that no fence is set, or, when its
  // changes exceed one Txn, pieces under a fence of its own.
  Commit commit_write(const WriteTransaction& txn, const View& view) {
    etcdserverpb::TxnRequest first;
    // _rev and the fence first: every write takes _rev, so its compare alone orders all writes;
    // the compares of the other keys read follow while etcd's limit allows.
    const auto rev = txn.reads().find(kRevisionKey);
    if (rev != txn.reads().end()) add_compare(first, etcd_key(kRevisionKey), rev->second);
    add_compare(first, fence_key_, 0);
    for (const auto& [key, mod_revision] : txn.reads()) {
      if (static_cast<std::size_t>(first.compare_size()) >= kMaxTxnOps) break;
      if (key != kRevisionKey) add_compare(first, etcd_key(key), mod_revision);
    }
    const std::vector<Op> ops = ops_of(txn);
    if (ops.size() <= kMaxTxnOps) {
      etcdserverpb::TxnRequest whole = first;
      for (const auto& op : ops) add_op(whole, op);
      if (whole.ByteSizeLong() <= kSingleTxnBytes) return run_txn(whole);
    }
    return commit_pieces(std::move(first), ops, view.revision);
  }

  // Taking over the fence of a writer that died: the world at its base revision plus this
  // write's changes (made against that world), whatever its pieces changed rolled back.
  Commit take_over(const WriteTransaction& txn, const View& base, const View& view) {
    std::map<std::string, Op, std::less<>> ops;
    for (const auto& [key, entry] : view.entries) {
      auto before = base.entries.find(key);
      if (before == base.entries.end()) {
        ops[key] = Op{key, std::nullopt, true};  // created by the dead writer's pieces
      } else if (before->second.mod_revision != entry.mod_revision) {
        ops[key] = Op{key, before->second.value, true};  // changed by them
      }
    }
    for (const auto& [key, entry] : base.entries) {
      if (!view.entries.contains(key)) ops[key] = Op{key, entry.value, true};  // deleted by them
    }
    for (auto& op : ops_of(txn)) ops[op.key] = std::move(op);
    std::vector<Op> ordered;
    ordered.reserve(ops.size());
    for (auto& [key, op] : ops) ordered.push_back(std::move(op));
    // The fence alone guards the world: nothing but its holder writes while it is set.
    etcdserverpb::TxnRequest first;
    add_compare(first, fence_key_, view.fence->mod_revision);
    return commit_pieces(std::move(first), ordered, base.revision);
  }

  // ops in pieces: the first with `first`'s compares and a fence of this writer's (base: the
  // revision the write's world is), each later one comparing the fence; the last deletes it.
  Commit commit_pieces(etcdserverpb::TxnRequest first, const std::vector<Op>& ops, std::int64_t base) {
    const std::string& fence_key = fence_key_;
    const std::string fence = fence_value(base);
    std::int64_t fence_mod = 0;
    std::size_t next = 0;
    for (int piece = 0;; ++piece) {
      etcdserverpb::TxnRequest request;
      if (piece == 0) {
        request = std::move(first);
      } else {
        add_compare(request, fence_key, fence_mod);
      }
      std::size_t bytes = request.ByteSizeLong() + fence_key.size() + fence.size() + 16;
      std::size_t count = 0;
      while (next < ops.size() && count + 1 < kPieceOps) {
        etcdserverpb::TxnRequest one;
        add_op(one, ops[next]);
        const std::size_t size = one.ByteSizeLong();
        if (count > 0 && bytes + size > kPieceBytes) break;
        request.add_success()->Swap(one.mutable_success(0));
        bytes += size;
        ++count;
        ++next;
      }
      const bool last = next >= ops.size();
      auto* fence_op = request.add_success();
      if (last) {
        fence_op->mutable_request_delete_range()->set_key(fence_key);
      } else {
        fence_op->mutable_request_put()->set_key(fence_key);
        fence_op->mutable_request_put()->set_value(fence);
      }
      Commit commit = run_txn(request);
      if (!commit.committed) {
        commit.lost_fence = piece > 0;
        return commit;
      }
      fence_mod = commit.revision;
      if (options_.after_piece && !last) options_.after_piece(piece);
      if (last) return commit;
    }
  }

  Commit run_txn(const etcdserverpb::TxnRequest& request) {
    etcdserverpb::TxnResponse response;
    client_.run("Txn", [&](etcdserverpb::KV::Stub& kv, grpc::ClientContext& context) {
      response.Clear();
      return kv.Txn(&context, request, &response);
    });
    return Commit{response.succeeded(), response.header().revision(), false};
  }

  // Whether a key the write read (other than _rev) is not as it read it in `now`.
  static bool read_changed(const WriteTransaction& txn, const View& now) {
    for (const auto& [key, mod_revision] : txn.reads()) {
      if (key == kRevisionKey) continue;
      auto it = now.entries.find(key);
      if ((it == now.entries.end() ? 0 : it->second.mod_revision) != mod_revision) return true;
    }
    return false;
  }

  // A short random pause before a retry, growing with the retries (up to 16 ms).
  static void backoff(int retries) {
    thread_local std::minstd_rand random(std::random_device{}());
    const int ceiling = 1 << std::min(retries, 4);
    std::this_thread::sleep_for(std::chrono::microseconds(random() % (ceiling * 1000)));
  }

  // The world as it was before the fence's write began: its base revision, from etcd's history.
  ViewPtr world_before(const Entry& fence) {
    const std::int64_t base = fence_base(fence.value);
    std::string why = "the fence names no base revision";
    if (base > 0) {
      try {
        return load_at(base);
      } catch (const EtcdError& e) {
        if (!compacted(e)) throw;
        why = "revision " + std::to_string(base) + " is compacted";
      }
    }
    throw std::runtime_error("an interrupted large write (bootstrap) left the etcd store half-written (fence " +
                             fence_key_ + ": " + fence.value + "), and the world before it cannot be read back (" +
                             why + "). Delete the fence (etcdctl del " + fence_key_ +
                             ") and run the bootstrap again to complete the world (docs/scale-out.md)");
  }

  // The whole prefix, paged, at one revision (linearizable); starts over when that revision
  // is compacted between two pages.
  ViewPtr load() {
    for (;;) {
      try {
        return load_at(0);
      } catch (const EtcdError& e) {
        if (!compacted(e)) throw;
      }
    }
  }

  // The prefix at `revision` (0: the newest).
  ViewPtr load_at(std::int64_t revision) {
    auto view = std::make_shared<View>();
    std::string key = options_.prefix;
    while (true) {
      etcdserverpb::RangeRequest request;
      request.set_key(key);
      request.set_range_end(range_end_);
      request.set_limit(kPageSize);
      request.set_revision(revision);
      etcdserverpb::RangeResponse response;
      client_.run("Range", [&](etcdserverpb::KV::Stub& kv, grpc::ClientContext& context) {
        response.Clear();
        return kv.Range(&context, request, &response);
      });
      if (revision == 0) revision = response.header().revision();
      for (const auto& kv : response.kvs()) {
        if (auto k = key_of(kv.key())) view->entries[*k] = Entry{kv.value(), kv.mod_revision(), kv.create_revision()};
        if (kv.key() == fence_key_) view->fence = Entry{kv.value(), kv.mod_revision(), kv.create_revision()};
      }
      if (!response.more() || response.kvs().empty()) break;
      key = response.kvs(response.kvs_size() - 1).key();
      key.push_back('\0');
    }
    view->revision = revision;
    return view;
  }

  // Applies one watch response's events above the applied revision; one swap.
  void apply(const etcdserverpb::WatchResponse& response) {
    const ViewPtr base = current();
    std::shared_ptr<View> next;
    std::int64_t revision = base->revision;
    for (const auto& event : response.events()) {
      const std::int64_t mod = event.kv().mod_revision();
      if (mod <= base->revision) continue;  // a duplicate (etcd 3.4.23 sends some)
      if (!next) next = std::make_shared<View>(*base);
      revision = std::max(revision, mod);
      if (event.kv().key() == fence_key_) {
        if (event.type() == mvccpb::Event::DELETE) {
          next->fence.reset();
        } else {
          next->fence = Entry{event.kv().value(), mod, event.kv().create_revision()};
        }
        continue;
      }
      auto key = key_of(event.kv().key());
      if (!key) continue;
      if (event.type() == mvccpb::Event::DELETE) {
        next->entries.erase(*key);
      } else {
        next->entries[*key] = Entry{event.kv().value(), mod, event.kv().create_revision()};
      }
    }
    if (!next) return;
    next->revision = revision;
    publish(std::move(next));
  }

  // Watches from the applied revision + 1; reloads on compaction; reconnects on failure.
  void watch_loop() {
    bool reload = false;
    while (!stopped()) {
      if (reload) {
        try {
          ViewPtr view = load();
          {
            std::lock_guard lock(mutex_);
            ++reloads_;  // counted before a waiter can see the reloaded revision
          }
          publish(std::move(view));
          reload = false;
        } catch (const std::exception&) {
          pause(100ms);
          continue;
        }
      }
      reload = watch_once();
      if (!reload && !stopped()) {
        client_.rotate();
        pause(100ms);
      }
    }
  }

  // One watch stream until it ends; true when the view must be reloaded (compacted).
  bool watch_once() {
    const std::size_t index = client_.current();
    auto context = std::make_shared<grpc::ClientContext>();
    try {
      client_.add_token(*context, index, false);
    } catch (const std::exception&) {
      return false;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return false;
      watch_context_ = context;
    }
    auto stream = client_.watch_stub(index).Watch(context.get());
    etcdserverpb::WatchRequest request;
    auto* create = request.mutable_create_request();
    create->set_key(options_.prefix);
    create->set_range_end(range_end_);
    create->set_start_revision(applied_.load() + 1);
    create->set_prev_kv(true);
    create->set_progress_notify(true);
    bool reload = false;
    if (stream->Write(request)) {
      etcdserverpb::WatchResponse response;
      while (stream->Read(&response)) {
        if (response.compact_revision() != 0) {
          reload = true;
          break;
        }
        if (response.canceled()) {
          reload = response.cancel_reason().find("compacted") != std::string::npos;
          break;
        }
        apply(response);
        if (stale_watch_.exchange(false)) break;  // the probe saw it fall behind: start over
      }
    }
    context->TryCancel();
    stream->Finish();
    std::lock_guard lock(mutex_);
    watch_context_.reset();
    return reload;
  }

  // Every probe_interval: the newest revision of _rev, linearizably; fresh when applied.
  void probe_loop() {
    Clock::time_point behind_since{};
    while (!stopped()) {
      pause(options_.probe_interval);
      if (stopped()) break;
      try {
        etcdserverpb::RangeRequest request;
        request.set_key(etcd_key(kRevisionKey));
        request.set_keys_only(true);
        etcdserverpb::RangeResponse response;
        client_.run(
            "Range _rev",
            [&](etcdserverpb::KV::Stub& kv, grpc::ClientContext& context) {
              response.Clear();
              return kv.Range(&context, request, &response);
            },
            std::max(options_.probe_interval, 500ms));
        const std::int64_t latest = response.kvs().empty() ? 0 : response.kvs(0).mod_revision();
        if (applied_.load(std::memory_order_acquire) >= latest) {
          std::lock_guard lock(mutex_);
          last_fresh_ = Clock::now();
          behind_since = {};
        } else if (behind_since == Clock::time_point{}) {
          behind_since = Clock::now();
        } else if (Clock::now() - behind_since > options_.stale_after) {
          // etcd answers but the watch does not bring the change: restart the watch.
          behind_since = {};
          stale_watch_ = true;
          std::lock_guard lock(mutex_);
          if (watch_context_) watch_context_->TryCancel();
        }
      } catch (const std::exception&) {
        // Unreachable or no quorum: freshness lapses on its own.
      }
    }
  }

  bool stopped() const {
    std::lock_guard lock(mutex_);
    return stopping_;
  }
  void pause(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, duration, [&] { return stopping_; });
  }

  EtcdOptions options_;
  Client client_;
  Blobs blobs_;
  const ChangeListener on_change_;
  std::string range_end_;
  std::string fence_key_;

  std::mutex write_mutex_;
  mutable std::mutex view_mutex_;  // guards view_ and complete_ (held only to copy a pointer)
  ViewPtr view_;
  ViewPtr complete_;  // the newest published view without a fence
  std::atomic<std::int64_t> applied_{0};
  std::atomic<bool> fenced_{false};  // the published view holds a fence

  mutable std::mutex mutex_;  // guards the rest; with applied_changed_ and wake_
  mutable std::condition_variable applied_changed_;
  std::condition_variable wake_;
  bool stopping_ = false;
  Clock::time_point last_fresh_;
  std::uint64_t reloads_ = 0;
  std::shared_ptr<grpc::ClientContext> watch_context_;
  std::atomic<bool> stale_watch_{false};
  std::thread watcher_, prober_;
};

}  // namespace

std::unique_ptr<Backend> open_etcd_backend(const EtcdOptions& options, ChangeListener on_change) {
  return std::make_unique<EtcdBackend>(options, std::move(on_change));
}

}  // namespace gatehouse::store::detail
