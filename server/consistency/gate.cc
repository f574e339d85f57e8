#include "server/consistency/gate.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

namespace gatehouse::server::consistency {
namespace {

// A decimal revision: digits only, no sign, no spaces, within 64 bits.
std::optional<std::uint64_t> parse_revision(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string_view refusal_message(Refusal refusal) noexcept {
  switch (refusal) {
    case Refusal::NotFresh:
      return "This gatehouse replica cannot confirm that its view of the store is current (the store is unreachable "
             "or this replica is behind), so it does not decide. Retry shortly.";
    case Refusal::LargeWrite:
      return "This gatehouse replica's view of the store holds part of a large write (a bootstrap) that is in "
             "progress or was interrupted, so it does not decide. Retry shortly; if it lasts, run the bootstrap "
             "again.";
    case Refusal::RevisionTimeout:
      return "This gatehouse replica has not yet applied the revision named by x-gatehouse-min-revision. Retry "
             "shortly.";
    case Refusal::BadRevision:
      return "x-gatehouse-min-revision must be a revision number (decimal digits), as x-gatehouse-revision "
             "returned it.";
  }
  return "unavailable";
}

Admission Gate::admit(const http::HttpRequest& request) const {
  Admission admission;
  if (const std::string* named = request.header(kMinRevisionHeader)) {
    const auto revision = parse_revision(*named);
    if (!revision) return {Refusal::BadRevision, 0};
    if (*revision > source_.view().applied_revision) admission.pending = *revision;
  }
  admission.refusal = unfresh();
  return admission;
}

bool Gate::may_come(const View& view, std::uint64_t revision) noexcept {
  // One process writes an LMDB store: no revision exists beyond the one it applied. etcd counts
  // in int64.
  constexpr auto kLargestEtcdRevision = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return revision <= view.applied_revision || (view.distributed && revision <= kLargestEtcdRevision);
}

std::optional<Refusal> Gate::wait_for(std::uint64_t revision, std::chrono::steady_clock::time_point until) const {
  const View view = source_.view();
  if (view.applied_revision < revision) {
    if (!may_come(view, revision)) return Refusal::RevisionTimeout;
    if (waiters_.fetch_add(1, std::memory_order_acq_rel) >= max_waiters_) {
      waiters_.fetch_sub(1, std::memory_order_acq_rel);
      return Refusal::RevisionTimeout;
    }
    struct Leave {
      std::atomic<std::size_t>& waiters;
      ~Leave() { waiters.fetch_sub(1, std::memory_order_acq_rel); }
    } leave{waiters_};
    std::chrono::milliseconds wait = min_revision_wait_;
    if (until != std::chrono::steady_clock::time_point::max()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      wait = std::clamp(left, std::chrono::milliseconds(0), wait);
    }
    if (!source_.wait_applied(revision, wait)) return Refusal::RevisionTimeout;
  }
  return unfresh();
}

std::optional<Refusal> Gate::unfresh() const {
  const View view = source_.view();
  if (view.fresh) return std::nullopt;
  return view.fenced ? Refusal::LargeWrite : Refusal::NotFresh;
}

http::HttpResponse Gate::refusal_response(Refusal refusal, http::ErrorFamily family, const http::HttpRequest& request) {
  const bool bad = refusal == Refusal::BadRevision;
  const int status = bad ? 400 : 503;
  const std::string_view message = refusal_message(refusal);
  http::HttpResponse response;
  if (family == http::ErrorFamily::LambdaRest) {
    response = http::lambda_error(status, bad ? "InvalidParameterValueException" : "ServiceException", message);
  } else {
    response = http::query_error(status, bad ? "InvalidParameterValue" : "ServiceUnavailable", message,
                                 request.request_id, http::query_service_of(request));
  }
  if (!bad) response.set_header("Retry-After", std::string(kRetryAfterSeconds));
  response.operation = bad ? "rejected" : "unavailable";
  return response;
}

http::Handler Gate::guard(http::Handler inner, http::ErrorFamily family) const {
  return [this, inner = std::move(inner), family](const http::HttpRequest& request) {
    const Admission admission = admit(request);
    if (admission.refusal) return refusal_response(*admission.refusal, family, request);
    const PendingRevision pending(*this, admission.pending);
    // The handler runs on this thread, so a write it committed is this thread's last one.
    const std::uint64_t before = source_.last_write_revision();
    http::HttpResponse response = inner(request);
    const std::uint64_t after = source_.last_write_revision();
    if (after != before) response.set_header(std::string(kRevisionHeader), std::to_string(after));
    return response;
  };
}

std::optional<std::string> Gate::not_ready() const {
  const View view = source_.view();
  if (view.fresh) return std::nullopt;
  if (view.fenced) {
    return "the view of the store holds part of a large write (bootstrap) in progress or interrupted (applied "
           "revision " + std::to_string(view.applied_revision) + ")";
  }
  return "the view of the store is not known to be current (applied revision " +
         std::to_string(view.applied_revision) + ")";
}

namespace {

// The pending revision of the request this thread handles (PendingRevision).
thread_local PendingRevision::State pending_here;

}  // namespace

PendingRevision::PendingRevision(const Gate& gate, std::uint64_t revision,
                                 std::chrono::steady_clock::time_point until) noexcept
    : previous_(pending_here) {
  pending_here = {&gate, revision, until};
}

PendingRevision::~PendingRevision() { pending_here = previous_; }

Awaited unknown_key_at_named_revision() {
  PendingRevision::State& pending = pending_here;
  if (pending.gate == nullptr || pending.revision == 0) return {};
  const std::uint64_t revision = std::exchange(pending.revision, 0);  // once per request
  const Gate& gate = *pending.gate;
  const View view = gate.source().view();
  if (view.applied_revision >= revision) return {gate.unfresh(), true};  // it came meanwhile
  if (!gate.may_come(view, revision)) return {};
  return {Refusal::RevisionTimeout, false};
}

Awaited await_named_revision() {
  PendingRevision::State& pending = pending_here;
  if (pending.gate == nullptr || pending.revision == 0) return {};
  const std::uint64_t revision = std::exchange(pending.revision, 0);  // once per request
  return {pending.gate->wait_for(revision, pending.until), true};
}

}  // namespace gatehouse::server::consistency
