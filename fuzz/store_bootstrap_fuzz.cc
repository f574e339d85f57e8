// libFuzzer: the bootstrap loader on arbitrary text. Faults name a JSON path;
// a world that applies applies again with nothing new (idempotence), inside
// one transaction that is then aborted, so the store never changes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>

#include "store/bootstrap.h"
#include "store/store.h"

namespace gs = gatehouse::store;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

std::filesystem::path data_dir() {
  return std::filesystem::temp_directory_path() / ("gatehouse-store-bootstrap-fuzz-" + std::to_string(::getpid()));
}

gs::Store& store() {
  static std::unique_ptr<gs::Store> instance = [] {
    gs::Options options;
    options.data_dir = data_dir();
    std::filesystem::remove_all(options.data_dir);
    // Registered before the store exists, so it runs after the store is closed.
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(data_dir(), ec);
    });
    options.sync = false;
    auto opened = gs::Store::open(options);
    require(opened.has_value());
    return std::move(opened.value());
  }();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto world = gs::parse_bootstrap(text, "fuzz.json");
  if (!world) {
    require(world.error().path.starts_with("$") && !world.error().message.empty());
    return 0;
  }
  auto outcome = store().write([&](gs::Mutation& m) -> gs::Result<int> {
    auto first = gs::apply_bootstrap(m, world.value());
    if (!first) {
      require(first.error().path.starts_with("$") && !first.error().message.empty());
    } else {
      auto second = gs::apply_bootstrap(m, world.value());
      require(second.has_value() && second.value().created == 0);
      require(!m.check_invariants().has_value());
    }
    return gs::Error{"Rollback", 400, "the fuzzer never commits"};
  });
  require(!outcome.has_value() && outcome.error().code == "Rollback");
  return 0;
}
