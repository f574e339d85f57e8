// `gatehouse dlq list|show|redrive`: the dead-letter records of Event invocations that failed
// every attempt (docs/executor.md), read from the data directory; redrive queues the event
// again (a running server picks it up within a second, else the next one at start).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "cli/commands.h"
#include "server/invoke/async_queue.h"

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUsage =
    "usage: gatehouse dlq list --data DIR\n"
    "       gatehouse dlq show --data DIR REQUEST_ID\n"
    "       gatehouse dlq redrive --data DIR REQUEST_ID\n"
    "\n"
    "The dead-letter records `gatehouse serve --data DIR` kept for Event invocations that failed\n"
    "three times (DIR/dead-letters/). list: one line per record (request id, function, target,\n"
    "error code, error message); show: the record as JSON; redrive: queue the event again and\n"
    "remove the record.\n"
    "\n"
    "exit status: 0 done, 1 no such record or unreadable data, 2 bad arguments\n";

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string text(const rapidjson::Value& o, const char* key) {
  const auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                     : std::string();
}

// A request id names a file: nothing that could leave the directory.
bool plain_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

}  // namespace

int run_dlq(const Args& args, Io io) {
  std::string verb, data, id;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      io.out << kUsage;
      return 0;
    }
    if (a == "--data" && i + 1 < args.size()) {
      data = args[++i];
    } else if (verb.empty()) {
      verb = a;
    } else if (id.empty()) {
      id = a;
    } else {
      io.err << "gatehouse dlq: unexpected `" << a << "` (try `gatehouse dlq --help`)\n";
      return 2;
    }
  }
  const bool needs_id = verb == "show" || verb == "redrive";
  if ((verb != "list" && !needs_id) || data.empty() || needs_id != !id.empty() || (needs_id && !plain_id(id))) {
    io.err << "gatehouse dlq: expected list, show ID or redrive ID with --data DIR (try `gatehouse dlq --help`)\n";
    return 2;
  }
  const fs::path dir = fs::path(data) / "dead-letters";
  std::error_code ec;
  if (verb == "list") {
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".json") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      rapidjson::Document d;
      const std::string json = read_file(file);
      d.Parse(json.data(), json.size());
      if (d.HasParseError() || !d.IsObject()) continue;
      std::string code, message;
      const rapidjson::Value& record = d;  // const iterators: C++20 finds no ambiguous comparison
      if (const auto a = record.FindMember("MessageAttributes"); a != record.MemberEnd() && a->value.IsObject()) {
        code = text(a->value, "ErrorCode");
        message = text(a->value, "ErrorMessage").substr(0, 100);
      }
      std::replace(message.begin(), message.end(), '\n', ' ');
      io.out << file.stem().string() << "\t" << text(d, "FunctionArn") << "\t" << text(d, "TargetArn") << "\t" << code
             << "\t" << message << "\n";
    }
    return 0;
  }
  const fs::path file = dir / (id + ".json");
  if (!fs::is_regular_file(file, ec)) {
    io.err << "gatehouse dlq: no dead-letter record " << id << " in " << dir.string() << "\n";
    return 1;
  }
  const std::string json = read_file(file);
  if (verb == "show") {
    io.out << json << "\n";
    return 0;
  }
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject() || text(d, "FunctionName").empty()) {
    io.err << "gatehouse dlq: the record " << id << " cannot be read\n";
    return 1;
  }
  server::invoke::QueuedEvent event;
  event.id = id + "-redrive-" +
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  event.account = text(d, "Account");
  event.region = text(d, "Region");
  event.function_name = text(d, "FunctionName");
  event.qualifier = text(d, "Qualifier");
  event.function_id = text(d, "FunctionId");  // still that function, not a later one of its name
  const rapidjson::Value& record = d;  // const iterators: C++20 finds no ambiguous comparison
  if (const auto c = record.FindMember("FunctionCreated"); c != record.MemberEnd() && c->value.IsInt64()) {
    event.function_created = c->value.GetInt64();
  }
  event.payload = text(d, "Body");
  event.enqueued_ms = event.due_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
  const fs::path queue = fs::path(data) / "async-events";
  fs::create_directories(queue, ec);
  if (!server::invoke::write_queued_event(queue, event)) {
    io.err << "gatehouse dlq: cannot queue the event in " << queue.string() << "\n";
    return 1;
  }
  fs::remove(file, ec);
  io.out << "queued " << event.id << " for " << event.function_name << "\n";
  return 0;
}

}  // namespace gatehouse::cli
