// Deployment packages (spec/executor.md section 5): a zip read with libzip, entry by entry,
// with the checks Lambda makes at upload and ours against hostile archives: no absolute
// paths, no `..`, no symbolic link leading out of the tree, and the unzipped size counted
// while decompressing (never trusted from the headers).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::executor {

inline constexpr std::uint64_t kUnzippedLimit = 262144000;  // 250 MB (AWS)
// Ours (executor.md section 5): a zip without ZIP64 holds at most 65535 entries, and no package
// needs more files than that; deflate cannot expand past 1032:1, so an entry that grows more
// than 1100 times its compressed size (beyond its first MiB) is a bomb in another method.
inline constexpr std::uint64_t kEntryLimit = 65535;
inline constexpr std::uint64_t kRatioLimit = 1100;
inline constexpr std::uint64_t kRatioFloor = 1 << 20;

// What a package may expand to; implicitly made from the unzipped size alone.
struct ZipLimits {
  ZipLimits(std::uint64_t unzipped_bytes = kUnzippedLimit) : unzipped(unzipped_bytes) {}  // NOLINT: implicit
  std::uint64_t unzipped;
  std::uint64_t entries = kEntryLimit;
  std::uint64_t ratio = kRatioLimit;
};

// The message Lambda gives for a package that is not a zip; the size message is
// "Unzipped size must be smaller than 262144000 bytes".
inline constexpr std::string_view kNotAZip = "Could not unzip uploaded file. Please check your file, then try to upload again.";

struct ZipEntry {
  std::string path;            // normalized, relative, '/'-separated; a directory ends in '/'
  bool directory = false;
  bool executable = false;     // the owner's execute bit from the Unix mode, when present
  std::optional<std::string> link_target;  // a symbolic link, already checked to stay inside
};

// Calls `on_entry` once per entry and `on_data` with its decompressed bytes, in order.
// Returns the refusal message (in Lambda's words where Lambda has them), or nullopt.
using EntryFn = std::function<bool(const ZipEntry&)>;  // false: stop with a write failure
using DataFn = std::function<bool(std::string_view)>;
std::optional<std::string> read_zip(std::string_view zip, const EntryFn& on_entry, const DataFn& on_data,
                                    const ZipLimits& limits = {});

// Only the checks (nothing written): what CreateFunction / UpdateFunctionCode refuse.
std::optional<std::string> check_zip(std::string_view zip, const ZipLimits& limits = {});

// Unpacks into `dir` (created; must not exist yet): files 0444 or 0555, directories 0555.
std::optional<std::string> unpack_zip(std::string_view zip, const std::filesystem::path& dir,
                                      const ZipLimits& limits = {});

// The entry's path made relative and normal, or nullopt when it is absolute, climbs out with
// `..`, or is empty / has NUL bytes.
std::optional<std::string> normal_entry_path(std::string_view name);

}  // namespace gatehouse::executor
