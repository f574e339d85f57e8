// A small Prometheus-style metrics registry: counters, gauges and histograms with labels,
// rendered in the text exposition format 0.0.4 for GET /metrics. Every layer of the server
// records through it (requests, authentication failures, decisions, latencies).
//
// Thread-safe and lock-light: a family finds its child under a shared lock (an exclusive one
// only the first time a label set appears) and the child updates with relaxed atomics. A
// caller on a hot path may keep the child reference: children live as long as the registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gatehouse::server::metrics {

using LabelValues = std::initializer_list<std::string_view>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double value) noexcept;
  // Cumulative count of observations <= bounds[i]; index bounds.size() is +Inf.
  std::uint64_t cumulative_count(std::size_t bucket) const noexcept;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// One metric name with its label names; children are created on first use of a label set.
template <class Child>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {});
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The child for these label values, in the order of the label names. A missing value is
  // taken as empty and extra values are ignored (a caller bug, but never a crash).
  Child& with(LabelValues values);

  const std::string& name() const noexcept { return name_; }
  const std::string& help() const noexcept { return help_; }
  const std::vector<std::string>& label_names() const noexcept { return label_names_; }
  const std::vector<double>& bounds() const noexcept { return bounds_; }

  // Calls visit(label_values, child) for every child in label order, under the shared lock.
  template <class Visit>
  void for_each(Visit&& visit) const {
    std::shared_lock lock(mutex_);
    for (const auto& [key, entry] : children_) visit(entry.values, *entry.child);
  }

 private:
  struct Entry {
    std::vector<std::string> values;
    std::unique_ptr<Child> child;
  };

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histograms only
  mutable std::shared_mutex mutex_;
  std::map<std::string, Entry, std::less<>> children_;  // key: values joined with '\x1f'
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Upper bounds in seconds for request latencies: 100 us to 10 s.
std::vector<double> default_latency_bounds();

class Registry {
 public:
  // Registering a name twice returns the first family (its help and labels win).
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> label_names);
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> label_names);
  HistogramFamily& histogram(std::string name, std::string help, std::vector<std::string> label_names,
                             std::vector<double> bounds = default_latency_bounds());

  // Prometheus text exposition format, families in registration order.
  std::string render() const;

 private:
  using Registered = std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>,
                                  std::unique_ptr<HistogramFamily>>;
  template <class F, class... Args>
  F& add(std::string name, Args&&... args);

  mutable std::mutex mutex_;
  std::vector<Registered> families_;
};

inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

// The service's standard metrics, registered once by the composition root and handed to
// every layer that records.
struct ServiceMetrics {
  explicit ServiceMetrics(Registry& registry);

  Registry& registry;
  // operation: the API operation (e.g. GetFunction, CreateUser) or a front-end name
  // (healthz, metrics, unknown, rejected); status: the HTTP status code.
  CounterFamily& requests;                 // gatehouse_requests_total{operation,status}
  HistogramFamily& request_duration;       // gatehouse_request_duration_seconds{operation}
  CounterFamily& authentication_failures;  // gatehouse_authentication_failures_total{reason}
  CounterFamily& decisions;                // gatehouse_authorization_decisions_total{outcome}
  CounterFamily& http_rejections;          // gatehouse_http_rejections_total{reason}
  GaugeFamily& connections;                // gatehouse_http_connections{}
};

}  // namespace gatehouse::server::metrics
