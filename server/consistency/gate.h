// The replica's consistency promise at the HTTP and gRPC edges (docs/scale-out.md): every
// successful write answers the revision it committed (x-gatehouse-revision); a request naming a
// revision (x-gatehouse-min-revision) is answered only once this replica has applied it; and a
// replica that cannot vouch for its view (not fresh) refuses to decide — 503 + Retry-After in
// the request's own error shape — rather than decide from stale policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/errors.h"
#include "server/http/message.h"
#include "server/http/router.h"

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

class Gate {
 public:
  // The source must outlive the gate. `min_revision_wait`: how long a request may wait for the
  // revision it names (scale-out.md: 1 s).
  explicit Gate(const Source& source, std::chrono::milliseconds min_revision_wait = std::chrono::seconds(1))
      : source_(source), min_revision_wait_(min_revision_wait) {}

  // Waits for the revision the request names, then checks freshness; nothing: go on.
  std::optional<Refusal> admit(const http::HttpRequest& request) const;
  // The handler with the promise around it: refusals in `family`'s shape, the commit revision
  // on a successful response whose handler wrote.
  http::Handler guard(http::Handler inner, http::ErrorFamily family) const;
  // The answer to a refused request in Lambda's (JSON) or the Query API's (XML) shape.
  static http::HttpResponse refusal_response(Refusal refusal, http::ErrorFamily family, const http::HttpRequest& request);
  // Why this replica is not ready (for /healthz), or nothing.
  std::optional<std::string> not_ready() const;

  bool fresh() const { return source_.view().fresh; }
  // Why this replica does not decide now (NotFresh or LargeWrite), or nothing.
  std::optional<Refusal> unfresh() const;
  const Source& source() const noexcept { return source_; }

 private:
  const Source& source_;
  std::chrono::milliseconds min_revision_wait_;
};

// The message of a refusal (also the sidecar's).
std::string_view refusal_message(Refusal refusal) noexcept;

}  // namespace gatehouse::server::consistency
