// `gatehouse logs FUNCTION --data DIR [--follow]`: the logs `gatehouse serve --data DIR` kept for
// a function's invocations (START, the function's output, END, REPORT; docs/executor.md), stream
// by stream, oldest first; --follow keeps printing what is appended until interrupted.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUsage =
    "usage: gatehouse logs FUNCTION --data DIR [--follow]\n"
    "\n"
    "Prints the invocation logs of FUNCTION (a name, or a function ARN to pick the account and\n"
    "region) that `gatehouse serve --data DIR` kept: one file per log stream (execution\n"
    "environment), oldest first, as Lambda writes them. --follow: keep printing new lines until\n"
    "interrupted.\n"
    "\n"
    "exit status: 0 done, 1 no logs for that function, 2 bad arguments\n";

// DIR/logs/ACCOUNT/REGION/NAME for every account and region (or the ARN's), that exist.
std::vector<fs::path> function_dirs(const fs::path& data, std::string_view function) {
  std::string account = "*", region = "*", name(function);
  if (function.starts_with("arn:")) {
    std::vector<std::string> parts;
    std::string part;
    for (char c : std::string(function) + ":") {
      if (c == ':') {
        parts.push_back(part);
        part.clear();
      } else {
        part += c;
      }
    }
    if (parts.size() < 7) return {};
    region = parts[3];
    account = parts[4];
    name = parts[6];
  }
  std::vector<fs::path> out;
  std::error_code ec;
  const fs::path logs = data / "logs";
  for (fs::directory_iterator a(logs, ec), end; !ec && a != end; a.increment(ec)) {
    if (account != "*" && a->path().filename() != account) continue;
    std::error_code ec2;
    for (fs::directory_iterator r(a->path(), ec2); !ec2 && r != end; r.increment(ec2)) {
      if (region != "*" && r->path().filename() != region) continue;
      const fs::path dir = r->path() / name;
      if (fs::is_directory(dir)) out.push_back(dir);
    }
  }
  return out;
}

std::vector<fs::path> streams_of(const std::vector<fs::path>& dirs) {
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  std::error_code ec;
  for (const fs::path& dir : dirs) {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".log") found.emplace_back(it->last_write_time(ec), it->path());
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& [when, path] : found) out.push_back(std::move(path));
  return out;
}

// Prints what `path` holds beyond `offset`; the new offset.
std::uintmax_t print_from(std::ostream& out, const fs::path& path, std::uintmax_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  out << chunk << std::flush;
  return offset + chunk.size();
}

}  // namespace

int run_logs(const Args& args, Io io) {
  std::string function, data;
  bool follow = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      io.out << kUsage;
      return 0;
    }
    if (a == "--data" && i + 1 < args.size()) {
      data = args[++i];
    } else if (a == "--follow" || a == "-f") {
      follow = true;
    } else if (function.empty() && !a.starts_with("-")) {
      function = a;
    } else {
      io.err << "gatehouse logs: unexpected `" << a << "` (try `gatehouse logs --help`)\n";
      return 2;
    }
  }
  if (function.empty() || data.empty() || function.find('/') != std::string::npos || function.find("..") != std::string::npos) {
    io.err << "gatehouse logs: expected FUNCTION --data DIR (try `gatehouse logs --help`)\n";
    return 2;
  }
  const auto dirs = function_dirs(data, function);
  if (dirs.empty() && !follow) {
    io.err << "gatehouse logs: no logs for " << function << " in " << data << "\n";
    return 1;
  }
  std::map<fs::path, std::uintmax_t> printed;
  for (const fs::path& stream : streams_of(dirs)) printed[stream] = print_from(io.out, stream, 0);
  while (follow) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (const fs::path& stream : streams_of(function_dirs(data, function))) {
      std::error_code ec;
      const auto size = fs::file_size(stream, ec);
      auto& offset = printed[stream];
      if (!ec && size > offset) offset = print_from(io.out, stream, offset);
    }
  }
  return 0;
}

}  // namespace gatehouse::cli
