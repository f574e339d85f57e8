// Event invocations (Invoke with InvocationType Event, and InvokeAsync; spec/executor.md
// section 7): durably queued before the 202, run by a pool of workers, retried twice after
// a function error or a failure to run, dropped once older than the event age limit; after the
// last failed attempt, a dead-letter record when the function has DeadLetterConfig.TargetArn
// and its execution role may sqs:SendMessage / sns:Publish it (else a dead-letter error).
//
// The queue is a directory of one JSON file per event (written to a temporary name, fsync'ed,
// renamed, the directory fsync'ed): a restart or a SIGKILL after the 202 loses nothing, and an
// event may run more than once (as on AWS). Dead-letter records are files in their own
// directory.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "policy/result.h"
#include "server/authz/pipeline.h"
#include "server/invoke/execution.h"
#include "server/metrics/metrics.h"
#include "store/store.h"

namespace gatehouse::server::invoke {

// One queued event.
struct QueuedEvent {
  std::string id;  // the request id of the Invoke that queued it
  std::string account, region, function_name, qualifier;
  // The function the Invoke was authorized for (store::Function's id and created): a function
  // created later under its name is another, and the event is dropped as for a deleted one.
  // Events queued before these were recorded carry neither and find their function by name.
  std::string function_id;
  std::int64_t function_created = 0;
  std::string payload;
  int attempts = 0;
  std::int64_t enqueued_ms = 0, due_ms = 0;
  std::string last_error_code, last_error_message;
};

// A function's settings for Event invocations, named and bounded as AWS's
// FunctionEventInvokeConfig: MaximumRetryAttempts 0-2 (default 2), MaximumEventAgeInSeconds
// 60-21600 (default 6 hours). PutFunctionEventInvokeConfig is not among the served operations,
// so they come from the server's configuration (`serve --event-invoke-config`).
struct EventInvokeConfig {
  int maximum_retry_attempts = 2;
  std::chrono::seconds maximum_event_age{21600};
};

struct AsyncOptions {
  std::vector<std::chrono::milliseconds> retry_delays{std::chrono::minutes(1), std::chrono::minutes(2)};
  EventInvokeConfig defaults;
  // By function: a name, NAME:QUALIFIER, a function ARN (with or without a qualifier) or `*`.
  std::vector<std::pair<std::string, EventInvokeConfig>> per_function;
  unsigned workers = 2;

  // The most specific entry for the event's function: its qualified ARN, its ARN, NAME:QUALIFIER,
  // NAME, `*`, else the defaults.
  const EventInvokeConfig& config_for(const QueuedEvent& event) const;
};

// "FUNCTION,MaximumRetryAttempts=N,MaximumEventAgeInSeconds=S" (either member may be left out:
// AWS's default then) → the entry, or why not.
policy::Result<std::pair<std::string, EventInvokeConfig>, std::string> parse_event_invoke_config(std::string_view text);

class AsyncQueue {
 public:
  // Nothing runs before start().
  AsyncQueue(const Invocations& invocations, store::Store& store, const authz::Pipeline& pipeline,
             std::filesystem::path queue_dir, std::filesystem::path dead_letter_dir, AsyncOptions options,
             metrics::Registry* registry = nullptr);
  ~AsyncQueue();  // stops the workers after the invocations they are running
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  // Starts the workers; events left in the queue directory by an earlier run are picked up.
  void start();

  // Durably records the event (true), or cannot (false: the caller answers 5xx).
  bool enqueue(QueuedEvent event);

  std::size_t depth() const;

 private:
  void work();
  bool store_event(const QueuedEvent& event) const;
  // The event's function as it is now: none when deleted or replaced by another function of
  // its name.
  std::optional<store::FunctionView> function_of(const QueuedEvent& event) const;
  void finish(const QueuedEvent& event) const;
  void dead_letter(const QueuedEvent& event) const;

  const Invocations& invocations_;
  store::Store& store_;
  const authz::Pipeline& pipeline_;
  std::filesystem::path dir_, dead_letters_;
  AsyncOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::set<std::string> running_;  // ids a worker holds
  std::vector<std::thread> workers_;
  metrics::GaugeFamily* depth_ = nullptr;
  metrics::CounterFamily* dead_letters_total_ = nullptr;
  metrics::CounterFamily* dead_letter_errors_ = nullptr;
};

// Writes the event into a queue directory durably (what enqueue does, also for
// `gatehouse dlq redrive` while a server runs or before it starts).
bool write_queued_event(const std::filesystem::path& queue_dir, const QueuedEvent& event);

// Whether `function` is the function the event was queued for (always, for an event that
// recorded none).
bool same_function(const QueuedEvent& event, const store::Function& function);

// The event as stored (JSON), and back; nullopt for a damaged file.
std::string event_json(const QueuedEvent& event);
std::optional<QueuedEvent> parse_event(std::string_view json);

}  // namespace gatehouse::server::invoke
