#include "server/metrics/metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <charconv>
#include <type_traits>

namespace gatehouse::server::metrics {
namespace {

constexpr char kKeySeparator = '\x1f';

// Label values are escaped as the exposition format asks: backslash, quote, newline.
void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    append_label_value(out, values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

// Prometheus floats: the shortest text that reads back the same value (0.005, 10, +Inf).
std::string format_number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void append_help_and_type(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// Counters and gauges: one sample line per child.
template <class Family>
void render_family(std::string& out, const Family& family, std::string_view type) {
  append_help_and_type(out, family.name(), family.help(), type);
  family.for_each([&](const std::vector<std::string>& values, const auto& child) {
    out += family.name();
    append_labels(out, family.label_names(), values);
    out += ' ';
    out += std::to_string(child.value());
    out += '\n';
  });
}

void render_family(std::string& out, const HistogramFamily& family, const std::vector<double>& bounds) {
  append_help_and_type(out, family.name(), family.help(), "histogram");
  family.for_each([&](const std::vector<std::string>& values, const Histogram& histogram) {
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      out += family.name();
      out += "_bucket";
      append_labels(out, family.label_names(), values, "le",
                    i == bounds.size() ? std::string("+Inf") : format_number(bounds[i]));
      out += ' ';
      out += std::to_string(histogram.cumulative_count(i));
      out += '\n';
    }
    out += family.name();
    out += "_sum";
    append_labels(out, family.label_names(), values);
    out += ' ';
    out += format_number(histogram.sum());
    out += '\n';
    out += family.name();
    out += "_count";
    append_labels(out, family.label_names(), values);
    out += ' ';
    out += std::to_string(histogram.count());
    out += '\n';
  });
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) noexcept {
  // Bounds are few (a dozen), so a linear scan beats a binary search's branches.
  std::size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Histogram::cumulative_count(std::size_t bucket) const noexcept {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bucket && i <= bounds_.size(); ++i) total += buckets_[i].load(std::memory_order_relaxed);
  return total;
}

template <class Child>
Family<Child>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                      std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
}

template <class Child>
Child& Family<Child>::with(LabelValues values) {
  assert(values.size() == label_names_.size() && "label values must match the family's label names");
  thread_local std::string key;
  key.clear();
  std::size_t index = 0;
  for (std::string_view value : values) {
    if (index++ == label_names_.size()) break;
    if (index > 1) key += kKeySeparator;
    key += value;
  }
  for (; index < label_names_.size(); ++index) key += kKeySeparator;  // missing values are empty
  {
    std::shared_lock lock(mutex_);
    if (auto it = children_.find(std::string_view(key)); it != children_.end()) return *it->second.child;
  }
  std::unique_lock lock(mutex_);
  if (auto it = children_.find(std::string_view(key)); it != children_.end()) return *it->second.child;
  Entry entry;
  for (std::string_view value : values) {
    if (entry.values.size() == label_names_.size()) break;
    entry.values.emplace_back(value);
  }
  entry.values.resize(label_names_.size());
  if constexpr (std::is_same_v<Child, Histogram>) {
    entry.child = std::make_unique<Histogram>(bounds_);
  } else {
    entry.child = std::make_unique<Child>();
  }
  Child& child = *entry.child;
  children_.emplace(key, std::move(entry));
  return child;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

std::vector<double> default_latency_bounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <class F, class... Args>
F& Registry::add(std::string name, Args&&... args) {
  std::lock_guard lock(mutex_);
  for (auto& registered : families_) {
    auto* existing = std::get_if<std::unique_ptr<F>>(&registered);
    if (existing != nullptr && (*existing)->name() == name) return **existing;
  }
  auto family = std::make_unique<F>(std::move(name), std::forward<Args>(args)...);
  F& result = *family;
  families_.emplace_back(std::move(family));
  return result;
}

CounterFamily& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  return add<CounterFamily>(std::move(name), std::move(help), std::move(label_names));
}

GaugeFamily& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return add<GaugeFamily>(std::move(name), std::move(help), std::move(label_names));
}

HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  return add<HistogramFamily>(std::move(name), std::move(help), std::move(label_names), std::move(bounds));
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& registered : families_) {
    std::visit(
        [&](const auto& family) {
          using F = std::decay_t<decltype(*family)>;
          if constexpr (std::is_same_v<F, HistogramFamily>) {
            render_family(out, *family, family->bounds());
          } else {
            render_family(out, *family, std::is_same_v<F, CounterFamily> ? "counter" : "gauge");
          }
        },
        registered);
  }
  return out;
}

ServiceMetrics::ServiceMetrics(Registry& registry)
    : registry(registry),
      requests(registry.counter("gatehouse_requests_total", "HTTP requests answered, by API operation and status.",
                                {"operation", "status"})),
      request_duration(registry.histogram("gatehouse_request_duration_seconds",
                                           "Time from a complete request header to the response being queued.",
                                           {"operation"})),
      authentication_failures(registry.counter("gatehouse_authentication_failures_total",
                                               "Requests whose SigV4 authentication failed, by reason.", {"reason"})),
      decisions(registry.counter("gatehouse_authorization_decisions_total",
                                 "Authorization decisions, by outcome (allowed, explicitDeny, implicitDeny, error).",
                                 {"outcome"})),
      http_rejections(registry.counter("gatehouse_http_rejections_total",
                                       "Requests or connections the HTTP front end refused before routing, by reason.",
                                       {"reason"})),
      connections(registry.gauge("gatehouse_http_connections", "Open client connections.", {})) {}

}  // namespace gatehouse::server::metrics
