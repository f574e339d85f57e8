#include "server/consistency/gate.h"

#include <charconv>
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

std::optional<Refusal> Gate::admit(const http::HttpRequest& request) const {
  if (const std::string* named = request.header(kMinRevisionHeader)) {
    const auto revision = parse_revision(*named);
    if (!revision) return Refusal::BadRevision;
    if (!source_.wait_applied(*revision, min_revision_wait_)) return Refusal::RevisionTimeout;
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
    if (const auto refusal = admit(request)) return refusal_response(*refusal, family, request);
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

}  // namespace gatehouse::server::consistency
