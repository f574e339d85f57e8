// The replica's consistency promise at the HTTP and gRPC edges (docs/scale-out.md): every
// successful write answers the revision it committed (x-gatehouse-revision); a request naming a
// revision (x-gatehouse-min-revision) is answered only once this replica has applied it; and a
// replica that cannot vouch for its view (not fresh) refuses to decide — 503 + Retry-After in
// the request's own error shape — rather than decide from stale policy.
//
// The wait for a named revision holds a request thread, so only an authenticated caller waits:
// the gate notes the revision (PendingRevision) and the API waits for it once the signature
// verified (authenticate_at_named_revision), then authenticates again on the newer view. An
// unauthenticated request gets its authentication error at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/errors.h"
#include "server/http/message.h"
#include "server/http/router.h"
#include "sigv4/rejection.h"

namespace gatehouse::server::consistency {

inline constexpr std::string_view kRevisionHeader = "x-gatehouse-revision";
inline constexpr std::string_view kMinRevisionHeader = "x-gatehouse-min-revision";
// Seconds a refused client should wait before it tries again.
inline constexpr std::string_view kRetryAfterSeconds = "1";

// What the store says about the view this replica decides from.
struct View {
  std::uint64_t applied_revision = 0;  // the newest revision the view holds
  bool fresh = true;                   // the view is known to be current (always so on LMDB)
  bool distributed = false;            // several replicas share the store (etcd)
  bool fenced = false;                 // not fresh: a large write's pieces are under way or were interrupted
};

// The store's side of the promise; StoreSource (store_source.h) is the real one, tests plug in
// their own. Thread-safe.
class Source {
 public:
  virtual ~Source() = default;
  virtual View view() const = 0;
  // true once the view has applied `revision`, false when `timeout` passed first.
  virtual bool wait_applied(std::uint64_t revision, std::chrono::milliseconds timeout) const = 0;
  // The revision of the calling thread's last committed write (0: none yet).
  virtual std::uint64_t last_write_revision() const = 0;
};

// Why a request was refused before its handler ran.
enum class Refusal : std::uint8_t {
  NotFresh,         // the view is not current: 503
  LargeWrite,       // the view holds a large write's fence (in progress or interrupted): 503
  RevisionTimeout,  // x-gatehouse-min-revision not applied within the wait: 503
  BadRevision,      // x-gatehouse-min-revision is not a decimal revision: 400
};

// Requests of one replica (HTTP and gRPC together) that may wait for a named revision at once;
// more are refused at once, as a wait that timed out is (serve runs 16 request threads).
inline constexpr std::size_t kMaxRevisionWaiters = 8;

// What the gate decides before anything authenticates the request.
struct Admission {
  std::optional<Refusal> refusal;  // answer this; the handler does not run
  // The revision the request names when this replica has not applied it yet (0: none): waited
  // for once the caller is authenticated (PendingRevision, authenticate_at_named_revision).
  std::uint64_t pending = 0;
};

class Gate {
 public:
  // The source must outlive the gate. `min_revision_wait`: how long a request may wait for the
  // revision it names (scale-out.md: 1 s); `max_waiters`: how many may wait at once.
  explicit Gate(const Source& source, std::chrono::milliseconds min_revision_wait = std::chrono::seconds(1),
                std::size_t max_waiters = kMaxRevisionWaiters)
      : source_(source), min_revision_wait_(min_revision_wait), max_waiters_(max_waiters) {}

  // Reads x-gatehouse-min-revision (a bad one is refused) and checks freshness; waits for
  // nothing.
  Admission admit(const http::HttpRequest& request) const;
  // For an authenticated caller: waits for `revision` (within the wait and before `until`,
  // while fewer than max_waiters wait), then checks freshness; nothing: go on. Refused at once
  // when no later revision can come (LMDB: the applied revision is the newest; etcd: beyond its
  // int64).
  std::optional<Refusal> wait_for(std::uint64_t revision, std::chrono::steady_clock::time_point until =
                                                              std::chrono::steady_clock::time_point::max()) const;
  // The handler with the promise around it: refusals in `family`'s shape, the commit revision
  // on a successful response whose handler wrote. A revision the request names is waited for
  // inside the handler, once it has authenticated the caller (authenticate_at_named_revision);
  // a handler that authenticates no one answers without it.
  http::Handler guard(http::Handler inner, http::ErrorFamily family) const;
  // The answer to a refused request in Lambda's (JSON) or the Query API's (XML) shape.
  static http::HttpResponse refusal_response(Refusal refusal, http::ErrorFamily family, const http::HttpRequest& request);
  // Why this replica is not ready (for /healthz), or nothing.
  std::optional<std::string> not_ready() const;

  // Whether `revision` exists in `view` or may still come: not beyond an LMDB store's applied
  // revision (one process writes it), nor beyond etcd's int64.
  static bool may_come(const View& view, std::uint64_t revision) noexcept;

  bool fresh() const { return source_.view().fresh; }
  // Why this replica does not decide now (NotFresh or LargeWrite), or nothing.
  std::optional<Refusal> unfresh() const;
  const Source& source() const noexcept { return source_; }

 private:
  const Source& source_;
  std::chrono::milliseconds min_revision_wait_;
  std::size_t max_waiters_;
  mutable std::atomic<std::size_t> waiters_{0};
};

// The message of a refusal (also the sidecar's).
std::string_view refusal_message(Refusal refusal) noexcept;

// The revision the request handled on this thread names and the gate that admitted it, while
// the handler runs: Gate::guard and the sidecar's Check open one around it. `until`: when the
// caller stops waiting for the answer (the Check's RPC deadline), so the wait ends first.
class PendingRevision {
 public:
  PendingRevision(const Gate& gate, std::uint64_t revision,
                  std::chrono::steady_clock::time_point until = std::chrono::steady_clock::time_point::max()) noexcept;
  ~PendingRevision();
  PendingRevision(const PendingRevision&) = delete;
  PendingRevision& operator=(const PendingRevision&) = delete;

  struct State {
    const Gate* gate = nullptr;
    std::uint64_t revision = 0;
    std::chrono::steady_clock::time_point until = std::chrono::steady_clock::time_point::max();
  };

 private:
  State previous_;
};

// What await_named_revision() found.
struct Awaited {
  std::optional<Refusal> refusal;  // answer this instead
  bool waited = false;             // the view may have moved on since the caller was authenticated
};

// Once per request, after its signature verified: waits for this thread's pending revision
// (Gate::wait_for); nothing pending: {}.
Awaited await_named_revision();
// Once per request, when its access key is not known here: the pending revision may be the one
// that creates it (a key or STS session made through another replica), so the request is not
// answered from a view without it, nor held: RevisionTimeout at once while it may still come;
// waited = true when it has come (authenticate again); {} when it never can (the error stands).
Awaited unknown_key_at_named_revision();

// `authenticate()` (a sigv4::Result of the caller); for an authenticated caller, the wait for the
// revision the request names, and then `authenticate()` again on the view that has it (a key or
// policy the revision removed counts); for an access key not known here, no wait (see
// unknown_key_at_named_revision). The one sequence of the Lambda API, the Query API and the
// sidecar's Check. `unavailable`: set when the replica does not answer yet; the result is then
// the first authentication's.
template <class Authenticate>
auto authenticate_at_named_revision(Authenticate&& authenticate, std::optional<Refusal>& unavailable) {
  auto result = authenticate();
  const Awaited awaited = result                                                  ? await_named_revision()
                          : result.error().reason == sigv4::Reason::UnknownAccessKey ? unknown_key_at_named_revision()
                                                                                     : Awaited{};
  if (awaited.refusal) {
    unavailable = awaited.refusal;
  } else if (awaited.waited) {
    result = authenticate();
  }
  return result;
}

}  // namespace gatehouse::server::consistency
