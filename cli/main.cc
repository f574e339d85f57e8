#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/commands.h"

namespace {

constexpr std::string_view kUsage =
    "usage: gatehouse <command> [options]\n"
    "\n"
    "commands:\n"
    "  simulate   evaluate requests against policies, as `aws iam simulate-custom-policy`\n"
    "  validate   check policy documents as IAM does, with warnings beyond AWS\n"
    "  test       run permission fixtures; prints 'N passed, N failed'\n"
    "  sign       sign a request with AWS Signature Version 4 and show every step\n"
    "  serve      run the service: Lambda REST and IAM/STS Query APIs over HTTP\n"
    "  dlq        list, show or redrive the dead-letter records of Event invocations\n"
    "  logs       print a function's invocation logs (START/END/REPORT), or follow them\n"
    "  sync       copy the function policies of the endpoint the sidecar fronts into the store\n"
    "  store      migrate a world between an LMDB data directory and etcd\n"
    "\n"
    "\n"
    "  --version  print gatehouse's version (also: `gatehouse version`)\n"
    "  --help     this help\n"
    "\n"
    "Run `gatehouse <command> --help` for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace gatehouse::cli;
  if (argc < 2) {
    std::cerr << "gatehouse: missing command (try `gatehouse --help`)\n";
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "--version" || command == "version") {
    std::cout << "gatehouse " << GATEHOUSE_VERSION << "\n";
    return 0;
  }
  Args args(argv + 2, argv + argc);
  Io io{std::cin, std::cout, std::cerr};
  try {
    if (command == "simulate") return run_simulate(args, io);
    if (command == "validate") return run_validate(args, io);
    if (command == "test") return run_test(args, io);
    if (command == "sign") return run_sign(args, io);
    if (command == "serve") return run_serve(args, io);
    if (command == "dlq") return run_dlq(args, io);
    if (command == "logs") return run_logs(args, io);
    if (command == "sync") return run_sync(args, io);
    if (command == "store") return run_store(args, io);
  } catch (const std::exception& e) {
    // Exceptions only at the edges: report, never crash.
    std::cerr << "gatehouse " << command << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "gatehouse: unknown command `" << command << "` (try `gatehouse --help`)\n";
  return 2;
}
