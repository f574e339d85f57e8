// The etcd backend (docs/scale-out.md 2-3). Every key lives under the prefix as
// prefix + table + "/" + key; the meta revision counter, which every write
// takes, is prefix + "_rev". Reads are served from an in-memory view of the
// whole prefix: loaded with a paged linearizable Range at one revision R, then
// kept current by a Watch from R+1 (one view swap per watch response; events at
// or below the applied revision dropped). A probe reads _rev linearizably every
// probe_interval: the view is fresh while it has applied that revision, and
// stale after stale_after without such a confirmation. A write runs against the
// view, recording what it read, and commits as one Txn that compares every key
// it read (mod_revision, or create_revision 0 when absent; _rev among them).
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
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
constexpr std::string_view kBlobMarker = std::string_view("\0gatehouse-blob:sha256:", 23);
constexpr std::size_t kMaxTxnOps = 128;                   // etcd's --max-txn-ops default
constexpr std::size_t kMaxRequestBytes = 1536 * 1024;     // etcd's --max-request-bytes default
constexpr int kMaxWriteAttempts = 8;
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
    ViewTransaction txn(current(), blobs_);
    fn(txn);
  }

  std::uint64_t write(kv::FunctionRef<std::optional<std::uint64_t>(kv::Transaction&)> body) override {
    // One write at a time per replica: this replica's writes never conflict with each other.
    std::lock_guard serial(write_mutex_);
    for (int attempt = 1;; ++attempt) {
      WriteTransaction txn(current(), blobs_);
      if (!body(txn)) return 0;
      etcdserverpb::TxnRequest request = build_txn(txn);
      etcdserverpb::TxnResponse response;
      client_.run("Txn", [&](etcdserverpb::KV::Stub& kv, grpc::ClientContext& context) {
        response.Clear();
        return kv.Txn(&context, request, &response);
      });
      const auto revision = static_cast<std::uint64_t>(response.header().revision());
      if (response.succeeded()) {
        // Reads through this replica see the write once it returns (the watch brings it).
        wait_applied(revision, options_.stale_after);
        return revision;
      }
      // Another write committed first: run again on a view that has it.
      if (attempt >= kMaxWriteAttempts) {
        throw kv::Conflict("the entities changed by another request at the same time; try again");
      }
      wait_applied(revision, options_.stale_after);
    }
  }

  Consistency consistency() const override {
    Consistency c;
    c.distributed = true;
    c.applied_revision = static_cast<std::uint64_t>(applied_.load(std::memory_order_acquire));
    std::lock_guard lock(mutex_);
    c.fresh = Clock::now() - last_fresh_ <= options_.stale_after;
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

  void publish(ViewPtr view) {
    const std::int64_t revision = view->revision;
    {
      std::lock_guard lock(view_mutex_);
      view_ = std::move(view);
    }
    {
      std::lock_guard lock(mutex_);
      applied_.store(revision, std::memory_order_release);
    }
    applied_changed_.notify_all();
    if (on_change_) on_change_();
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

  etcdserverpb::TxnRequest build_txn(const WriteTransaction& txn) const {
    etcdserverpb::TxnRequest request;
    // _rev first: every write reads and writes it, so its compare alone orders all writes;
    // the compares of the other keys read follow while etcd's limit allows.
    std::vector<std::pair<std::string_view, std::int64_t>> reads(txn.reads().begin(), txn.reads().end());
    std::stable_partition(reads.begin(), reads.end(), [](const auto& r) { return r.first == kRevisionKey; });
    for (const auto& [key, mod_revision] : reads) {
      if (static_cast<std::size_t>(request.compare_size()) >= kMaxTxnOps) break;
      auto* compare = request.add_compare();
      compare->set_key(etcd_key(key));
      compare->set_result(etcdserverpb::Compare::EQUAL);
      if (mod_revision == 0) {
        compare->set_target(etcdserverpb::Compare::CREATE);
        compare->set_create_revision(0);
      } else {
        compare->set_target(etcdserverpb::Compare::MOD);
        compare->set_mod_revision(mod_revision);
      }
    }
    if (txn.changes().size() > kMaxTxnOps) {
      throw std::runtime_error("the write changes " + std::to_string(txn.changes().size()) +
                               " keys; one etcd transaction takes at most " + std::to_string(kMaxTxnOps));
    }
    const std::string blob_prefix = view_key(kv::Table::code_blobs, "");
    for (const auto& [key, value] : txn.changes()) {
      auto* op = request.add_success();
      if (value) {
        auto* put = op->mutable_request_put();
        put->set_key(etcd_key(key));
        put->set_value(std::string_view(key).starts_with(blob_prefix) ? blobs_.stored(*value) : *value);
      } else {
        op->mutable_request_delete_range()->set_key(etcd_key(key));
      }
    }
    if (request.ByteSizeLong() > kMaxRequestBytes) {
      throw std::runtime_error("the write is " + std::to_string(request.ByteSizeLong()) +
                               " bytes; one etcd request takes at most " + std::to_string(kMaxRequestBytes));
    }
    return request;
  }

  // The whole prefix, paged, at one revision (linearizable); starts over when that revision
  // is compacted between two pages.
  ViewPtr load() {
    for (;;) {
      try {
        return load_at_newest();
      } catch (const EtcdError& e) {
        if (!compacted(e)) throw;
      }
    }
  }

  ViewPtr load_at_newest() {
    auto view = std::make_shared<View>();
    std::string key = options_.prefix;
    std::int64_t revision = 0;
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

  std::mutex write_mutex_;
  mutable std::mutex view_mutex_;  // guards view_ (held only to copy the pointer)
  ViewPtr view_;
  std::atomic<std::int64_t> applied_{0};

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
