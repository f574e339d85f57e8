// The subcommands of the one `gatehouse` binary. Each takes its arguments
// (without the program and command names) and streams, and returns the exit
// code: 0 success, 1 a finding or failure the command reports, 2 bad arguments.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace gatehouse::cli {

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

using Args = std::vector<std::string>;

int run_simulate(const Args& args, Io io);
int run_validate(const Args& args, Io io);
int run_test(const Args& args, Io io);
int run_sign(const Args& args, Io io);
// Runs the server until SIGTERM/SIGINT; 0 after a clean shutdown, 1 if it cannot start.
int run_serve(const Args& args, Io io);
int run_dlq(const Args& args, Io io);
int run_logs(const Args& args, Io io);
int run_sync(const Args& args, Io io);
// `gatehouse store migrate`: a world copied between LMDB and etcd.
int run_store(const Args& args, Io io);

}  // namespace gatehouse::cli
