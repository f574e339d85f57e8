// libFuzzer: `gatehouse simulate --requests -` over arbitrary input lines
// (the simulate-custom-policy input reader, the simulator and its writer).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "cli/commands.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::ostringstream out, err;
  gatehouse::cli::run_simulate({"--requests", "-"}, gatehouse::cli::Io{in, out, err});
  return 0;
}
