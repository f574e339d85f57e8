// The metrics registry: exposition format, label escaping, histogram buckets, concurrency.
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "server/metrics/metrics.h"

namespace gatehouse::server::metrics {
namespace {

TEST_CASE("counters render with HELP, TYPE and escaped labels in label order", "[server][metrics]") {
  Registry registry;
  CounterFamily& family = registry.counter("x_total", "Things.\nCounted \\ here.", {"a", "b"});
  family.with({"2", "y"}).inc();
  family.with({"1", "quote\"back\\slash\nline"}).inc(3);
  family.with({"2", "y"}).inc();
  CHECK(registry.render() ==
        "# HELP x_total Things.\\nCounted \\\\ here.\n"
        "# TYPE x_total counter\n"
        "x_total{a=\"1\",b=\"quote\\\"back\\\\slash\\nline\"} 3\n"
        "x_total{a=\"2\",b=\"y\"} 2\n");
}

TEST_CASE("a family with no samples shows only HELP and TYPE; gauges go up and down", "[server][metrics]") {
  Registry registry;
  registry.counter("empty_total", "Nothing yet.", {"reason"});
  GaugeFamily& gauge = registry.gauge("open", "Open things.", {});
  gauge.with({}).add(3);
  gauge.with({}).add(-1);
  CHECK(registry.render() ==
        "# HELP empty_total Nothing yet.\n# TYPE empty_total counter\n"
        "# HELP open Open things.\n# TYPE open gauge\nopen 2\n");
}

TEST_CASE("registering a name again returns the same family", "[server][metrics]") {
  Registry registry;
  CounterFamily& first = registry.counter("c_total", "first", {"l"});
  CounterFamily& second = registry.counter("c_total", "second", {"other"});
  CHECK(&first == &second);
  CHECK(second.help() == "first");
}

TEST_CASE("histograms count cumulatively with +Inf, sum and count", "[server][metrics]") {
  Registry registry;
  HistogramFamily& family = registry.histogram("latency_seconds", "Latency.", {"op"}, {0.1, 0.005, 1});
  Histogram& histogram = family.with({"Get"});
  // Binary fractions, so the sum is exact; 1 sits on a bound and counts in its bucket.
  for (double value : {0.00390625, 0.0625, 0.5, 1.0, 4.0}) histogram.observe(value);
  CHECK(registry.render() ==
        "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
        "latency_seconds_bucket{op=\"Get\",le=\"0.005\"} 1\n"
        "latency_seconds_bucket{op=\"Get\",le=\"0.1\"} 2\n"
        "latency_seconds_bucket{op=\"Get\",le=\"1\"} 4\n"
        "latency_seconds_bucket{op=\"Get\",le=\"+Inf\"} 5\n"
        "latency_seconds_sum{op=\"Get\"} 5.56640625\n"
        "latency_seconds_count{op=\"Get\"} 5\n");
}

TEST_CASE("the service metrics carry the names the docs promise", "[server][metrics]") {
  Registry registry;
  ServiceMetrics metrics(registry);
  const std::string text = registry.render();
  for (const char* name : {"gatehouse_requests_total counter", "gatehouse_request_duration_seconds histogram",
                           "gatehouse_authentication_failures_total counter",
                           "gatehouse_authorization_decisions_total counter",
                           "gatehouse_http_rejections_total counter", "gatehouse_http_connections gauge"}) {
    CHECK_THAT(text, Catch::Contains(std::string("# TYPE ") + name + "\n"));
  }
}

TEST_CASE("increments from many threads are all counted", "[server][metrics]") {
  Registry registry;
  CounterFamily& family = registry.counter("hits_total", "Hits.", {"who"});
  HistogramFamily& latency = registry.histogram("t_seconds", "T.", {});
  constexpr int kThreads = 8;
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string who = "w" + std::to_string(t % 3);
      for (int i = 0; i < kEach; ++i) {
        family.with({who}).inc();
        latency.with({}).observe(0.001);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::uint64_t total =
      family.with({"w0"}).value() + family.with({"w1"}).value() + family.with({"w2"}).value();
  CHECK(total == kThreads * kEach);
  CHECK(latency.with({}).count() == kThreads * kEach);
}

}  // namespace
}  // namespace gatehouse::server::metrics
