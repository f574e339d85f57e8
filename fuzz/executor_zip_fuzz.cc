// The executor's zip reader (executor/zip.h) on arbitrary bytes: a refusal or a list of entries,
// never a crash, never more bytes than the limit, and every accepted entry a normal relative
// path (no absolute path, no `..`), every link target staying inside.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "executor/zip.h"

namespace executor = gatehouse::executor;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  constexpr std::uint64_t kLimit = 1 << 20;
  std::uint64_t total = 0;
  const auto refused = executor::read_zip(
      bytes,
      [](const executor::ZipEntry& entry) {
        if (entry.path.empty() || entry.path.front() == '/' || executor::normal_entry_path(entry.path) != entry.path) {
          std::abort();
        }
        if (entry.link_target && (entry.link_target->empty() || entry.link_target->front() == '/')) std::abort();
        return true;
      },
      [&](std::string_view chunk) {
        total += chunk.size();
        return true;
      },
      kLimit);
  if (total > kLimit) std::abort();
  if (refused && refused->empty()) std::abort();
  return 0;
}
