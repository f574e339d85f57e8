#include "server/invoke/async_queue.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "server/authz/execution_role.h"

namespace gatehouse::server::invoke {
namespace {

namespace fs = std::filesystem;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Written to a temporary name, flushed to disk, renamed, and the directory flushed: after a
// crash the file is either there whole or not at all.
bool write_durably(const fs::path& path, std::string_view text) {
  const fs::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = true;
  while (ok && !text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    ok = n > 0;
    if (ok) text.remove_prefix(static_cast<std::size_t>(n));
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  std::error_code ec;
  if (ok) fs::rename(temporary, path, ec);
  if (!ok || ec) {
    fs::remove(temporary, ec);
    return false;
  }
  const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
void put(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string text_of(const rapidjson::Value& o, const char* key) {
  const auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                     : std::string();
}
std::int64_t int_of(const rapidjson::Value& o, const char* key) {
  const auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

// The function error's errorMessage (the whole payload when it has none), at most 1 KB.
std::string error_message_of(const std::string& payload) {
  rapidjson::Document d;
  d.Parse(payload.data(), payload.size());
  std::string message = !d.HasParseError() && d.IsObject() ? text_of(d, "errorMessage") : payload;
  if (message.empty()) message = payload;
  if (message.size() > 1024) message.resize(1024);
  return message;
}

}  // namespace

const EventInvokeConfig& AsyncOptions::config_for(const QueuedEvent& event) const {
  const std::string arn = "arn:aws:lambda:" + event.region + ":" + event.account + ":function:" + event.function_name;
  std::vector<std::string> keys;
  if (!event.qualifier.empty()) keys.push_back(arn + ":" + event.qualifier);
  keys.push_back(arn);
  if (!event.qualifier.empty()) keys.push_back(event.function_name + ":" + event.qualifier);
  keys.push_back(event.function_name);
  keys.emplace_back("*");
  for (const std::string& key : keys) {
    for (const auto& [function, config] : per_function) {
      if (function == key) return config;
    }
  }
  return defaults;
}

policy::Result<std::pair<std::string, EventInvokeConfig>, std::string> parse_event_invoke_config(std::string_view text) {
  const std::string usage = "expected FUNCTION,MaximumRetryAttempts=N,MaximumEventAgeInSeconds=S (N 0-2, S 60-21600)";
  const std::size_t comma = text.find(',');
  std::pair<std::string, EventInvokeConfig> out{std::string(text.substr(0, comma)), {}};
  if (out.first.empty() || comma == std::string_view::npos) return usage;
  std::string_view rest = text.substr(comma + 1);
  while (!rest.empty()) {
    const std::size_t next = rest.find(',');
    const std::string_view member = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    const std::size_t equals = member.find('=');
    if (equals == std::string_view::npos) return usage;
    const std::string_view name = member.substr(0, equals), value = member.substr(equals + 1);
    long long number = -1;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end != value.data() + value.size()) return usage;
    if (name == "MaximumRetryAttempts" && number >= 0 && number <= 2) {
      out.second.maximum_retry_attempts = static_cast<int>(number);
    } else if (name == "MaximumEventAgeInSeconds" && number >= 60 && number <= 21600) {
      out.second.maximum_event_age = std::chrono::seconds(number);
    } else {
      return usage;
    }
  }
  return out;
}

std::string event_json(const QueuedEvent& e) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  put(w, "Id", e.id);
  put(w, "Account", e.account);
  put(w, "Region", e.region);
  put(w, "FunctionName", e.function_name);
  put(w, "Qualifier", e.qualifier);
  put(w, "FunctionId", e.function_id);
  w.Key("FunctionCreated");
  w.Int64(e.function_created);
  put(w, "Payload", e.payload);
  w.Key("Attempts");
  w.Int(e.attempts);
  w.Key("EnqueuedMs");
  w.Int64(e.enqueued_ms);
  w.Key("DueMs");
  w.Int64(e.due_ms);
  put(w, "LastErrorCode", e.last_error_code);
  put(w, "LastErrorMessage", e.last_error_message);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<QueuedEvent> parse_event(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  QueuedEvent e;
  e.id = text_of(d, "Id");
  e.account = text_of(d, "Account");
  e.region = text_of(d, "Region");
  e.function_name = text_of(d, "FunctionName");
  e.qualifier = text_of(d, "Qualifier");
  e.function_id = text_of(d, "FunctionId");  // both absent from events queued before they were
  e.function_created = int_of(d, "FunctionCreated");
  e.payload = text_of(d, "Payload");
  e.attempts = static_cast<int>(int_of(d, "Attempts"));
  e.enqueued_ms = int_of(d, "EnqueuedMs");
  e.due_ms = int_of(d, "DueMs");
  e.last_error_code = text_of(d, "LastErrorCode");
  e.last_error_message = text_of(d, "LastErrorMessage");
  if (e.id.empty() || e.function_name.empty()) return std::nullopt;
  return e;
}

AsyncQueue::AsyncQueue(const Invocations& invocations, store::Store& store, const authz::Pipeline& pipeline,
                       fs::path queue_dir, fs::path dead_letter_dir, AsyncOptions options,
                       metrics::Registry* registry)
    : invocations_(invocations),
      store_(store),
      pipeline_(pipeline),
      dir_(std::move(queue_dir)),
      dead_letters_(std::move(dead_letter_dir)),
      options_(std::move(options)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  fs::create_directories(dead_letters_, ec);
  if (registry) {
    depth_ = &registry->gauge("gatehouse_async_queue_depth", "Event invocations waiting or running", {});
    dead_letters_total_ =
        &registry->counter("gatehouse_dead_letters_total", "Events kept as dead-letter records", {"function"});
    dead_letter_errors_ = &registry->counter(
        "gatehouse_dead_letter_errors_total",
        "Events whose dead-letter target the execution role may not write (Lambda's DeadLetterErrors)", {"function"});
  }
}

void AsyncQueue::start() {
  std::lock_guard lock(mutex_);
  if (!workers_.empty()) return;
  for (unsigned i = 0; i < std::max(1u, options_.workers); ++i) workers_.emplace_back([this] { work(); });
}

AsyncQueue::~AsyncQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::size_t AsyncQueue::depth() const {
  std::size_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") ++n;
  }
  return n;
}

bool same_function(const QueuedEvent& event, const store::Function& function) {
  if (!event.function_id.empty() && event.function_id != function.id) return false;
  return event.function_created == 0 || event.function_created == function.created;
}

std::optional<store::FunctionView> AsyncQueue::function_of(const QueuedEvent& event) const {
  const store::FunctionRef ref{event.account, event.region, event.function_name};
  auto view = store_.read([&](const store::Snapshot& s) { return s.get_function(ref, event.qualifier); });
  if (!view || !same_function(event, view.value().function)) return std::nullopt;
  return std::move(view).value();
}

bool write_queued_event(const fs::path& queue_dir, const QueuedEvent& event) {
  return write_durably(queue_dir / (event.id + ".json"), event_json(event));
}

bool AsyncQueue::store_event(const QueuedEvent& event) const { return write_queued_event(dir_, event); }

bool AsyncQueue::enqueue(QueuedEvent event) {
  event.enqueued_ms = event.due_ms = now_ms();
  if (!store_event(event)) return false;
  if (depth_) depth_->with({}).set(static_cast<std::int64_t>(depth()));
  wake_.notify_one();
  return true;
}

void AsyncQueue::finish(const QueuedEvent& event) const {
  std::error_code ec;
  fs::remove(dir_ / (event.id + ".json"), ec);
  const int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  if (depth_) depth_->with({}).set(static_cast<std::int64_t>(depth()));
}

void AsyncQueue::dead_letter(const QueuedEvent& event) const {
  // A function deleted or replaced meanwhile: dropped (its successor's target never saw it).
  const auto view = function_of(event);
  if (!view || view->config.dead_letter_target.empty()) return;  // dropped, as on AWS
  const std::string& target = view->config.dead_letter_target;
  const bool queue = target.starts_with("arn:aws:sqs:");
  const authz::RoleAction wanted{queue ? "sqs:SendMessage" : "sns:Publish", target};
  const authz::RoleUse use{view->config.role, view->function.arn, event.function_name, event.region};
  auto refused = authz::authorize_role(pipeline_, store_, use, std::span<const authz::RoleAction>(&wanted, 1));
  if (!refused || refused.value()) {
    if (dead_letter_errors_) dead_letter_errors_->with({event.function_name}).inc();
    return;
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  put(w, "TargetArn", target);
  put(w, "FunctionArn", view->function.arn);
  // What `gatehouse dlq redrive` needs to queue the event again.
  put(w, "Account", event.account);
  put(w, "Region", event.region);
  put(w, "FunctionName", event.function_name);
  put(w, "Qualifier", event.qualifier);
  put(w, "FunctionId", view->function.id);
  w.Key("FunctionCreated");
  w.Int64(view->function.created);
  put(w, "Body", event.payload);
  w.Key("MessageAttributes");
  w.StartObject();
  put(w, "RequestID", event.id);
  put(w, "ErrorCode", event.last_error_code);
  put(w, "ErrorMessage", event.last_error_message);
  w.EndObject();
  w.Key("Attempts");
  w.Int(event.attempts);
  w.Key("EnqueuedMs");
  w.Int64(event.enqueued_ms);
  w.EndObject();
  if (write_durably(dead_letters_ / (event.id + ".json"), std::string_view(buffer.GetString(), buffer.GetSize()))) {
    if (dead_letters_total_) dead_letters_total_->with({event.function_name}).inc();
  } else if (dead_letter_errors_) {
    dead_letter_errors_->with({event.function_name}).inc();
  }
}

void AsyncQueue::work() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // The earliest due event no worker holds.
    std::optional<QueuedEvent> next;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".json") continue;
      const std::string id = it->path().stem().string();
      if (running_.count(id)) continue;
      auto event = parse_event(read_file(it->path()));
      if (!event) continue;
      if (!next || event->due_ms < next->due_ms) next = std::move(event);
    }
    const std::int64_t now = now_ms();
    if (!next || next->due_ms > now) {
      const std::int64_t wait = next ? std::min<std::int64_t>(next->due_ms - now, 500) : 500;
      wake_.wait_for(lock, std::chrono::milliseconds(wait));
      continue;
    }
    running_.insert(next->id);
    lock.unlock();

    QueuedEvent event = std::move(*next);
    bool done = true;
    const EventInvokeConfig& config = options_.config_for(event);
    const auto age_limit = std::chrono::duration_cast<std::chrono::milliseconds>(config.maximum_event_age);
    const std::size_t retries =
        std::min(static_cast<std::size_t>(config.maximum_retry_attempts), options_.retry_delays.size());
    if (now - event.enqueued_ms > age_limit.count()) {
      event.last_error_code = event.last_error_code.empty() ? "429" : event.last_error_code;
      dead_letter(event);  // too old: no further attempt
    } else {
      // A function deleted meanwhile, or replaced by another of its name: the event is dropped.
      if (const auto view = function_of(event)) {
        // Each attempt routes anew through an alias with RoutingConfig.
        auto result = invocations_.execute(invocations_.route(*view), event.payload, "", event.id);
        const auto* ran = std::get_if<executor::InvokeOutput>(&result);
        if (!ran || ran->function_error) {
          ++event.attempts;
          if (ran) {
            event.last_error_code = "200";
            event.last_error_message = error_message_of(ran->payload);
          } else {
            const auto& failure = std::get<executor::Failure>(result);
            event.last_error_code = std::to_string(failure.status);
            event.last_error_message = error_message_of(failure.message);
          }
          if (static_cast<std::size_t>(event.attempts) <= retries) {
            event.due_ms = now_ms() + options_.retry_delays[static_cast<std::size_t>(event.attempts) - 1].count();
            done = !store_event(event);
          } else {
            dead_letter(event);
          }
        }
      }
    }
    if (done) finish(event);
    lock.lock();
    running_.erase(event.id);
  }
}

}  // namespace gatehouse::server::invoke
