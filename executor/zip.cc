#include "executor/zip.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

namespace gatehouse::executor {
namespace {

std::string too_big(std::uint64_t limit) {
  return "Unzipped size must be smaller than " + std::to_string(limit) + " bytes";
}

struct ArchiveCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct FileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// Splits a normal relative path into its parts.
std::vector<std::string_view> parts_of(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) out.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// A link at `entry` pointing at `target` stays inside the tree.
bool link_stays_inside(std::string_view entry, std::string_view target) {
  if (target.empty() || target.front() == '/' || target.find('\0') != std::string_view::npos) return false;
  std::vector<std::string_view> at = parts_of(entry);
  if (!at.empty()) at.pop_back();  // the link's own name
  for (std::string_view part : parts_of(target)) {
    if (part == ".") continue;
    if (part == "..") {
      if (at.empty()) return false;
      at.pop_back();
    } else {
      at.push_back(part);
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> normal_entry_path(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string_view::npos ||
      name.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out;
  for (std::string_view part : parts_of(name)) {
    if (part == ".") continue;
    if (part == "..") return std::nullopt;
    if (!out.empty()) out += '/';
    out += part;
  }
  if (out.empty()) return std::nullopt;
  if (name.back() == '/') out += '/';
  return out;
}

std::optional<std::string> read_zip(std::string_view bytes, const EntryFn& on_entry, const DataFn& on_data,
                                    const ZipLimits& limits) {
  const std::string not_zip(kNotAZip);
  if (bytes.empty()) return not_zip;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!source) {
    zip_error_fini(&error);
    return not_zip;
  }
  std::unique_ptr<zip_t, ArchiveCloser> archive(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  zip_error_fini(&error);
  if (!archive) {
    zip_source_free(source);
    return not_zip;
  }
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  if (count < 0) return not_zip;
  if (static_cast<std::uint64_t>(count) > limits.entries) {
    return "Could not unzip uploaded file: the package has " + std::to_string(count) + " entries; at most " +
           std::to_string(limits.entries) + " are accepted.";
  }
  std::uint64_t total = 0;
  std::vector<char> buffer(64 * 1024);
  std::set<std::string, std::less<>> links;  // nothing may be written through a link
  const auto under_link = [&](std::string_view path) {
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
      if (links.count(path.substr(0, slash))) return true;
    }
    return false;
  };
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* raw_name = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
    if (!raw_name) return not_zip;
    auto path = normal_entry_path(raw_name);
    if (!path) return "Could not unzip uploaded file: the entry " + std::string(raw_name).substr(0, 256) +
                      " names a path outside the package.";
    ZipEntry entry;
    entry.path = *path;
    entry.directory = entry.path.back() == '/';
    if (under_link(entry.path)) {
      return "Could not unzip uploaded file: the entry " + entry.path + " lies under a symbolic link.";
    }
    zip_uint8_t system = 0;
    zip_uint32_t attributes = 0;
    std::uint32_t mode = 0;
    if (zip_file_get_external_attributes(archive.get(), static_cast<zip_uint64_t>(i), 0, &system, &attributes) == 0 &&
        system == ZIP_OPSYS_UNIX) {
      mode = attributes >> 16;
    }
    const bool link = (mode & S_IFMT) == S_IFLNK;
    entry.executable = (mode & S_IXUSR) != 0;
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(i), 0, &stat) != 0 ||
        !(stat.valid & ZIP_STAT_COMP_SIZE)) {
      return not_zip;
    }
    std::unique_ptr<zip_file_t, FileCloser> file(zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(i), 0));
    if (!file) return not_zip;
    std::uint64_t expanded = 0;  // this entry's bytes so far, against its compressed size
    std::string link_target;
    bool announced = false;
    for (;;) {
      const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
      if (n < 0) return not_zip;  // corrupt data, bad CRC, unsupported method
      if (n == 0) break;
      total += static_cast<std::uint64_t>(n);
      if (total > limits.unzipped) return too_big(limits.unzipped);
      expanded += static_cast<std::uint64_t>(n);
      if (expanded > kRatioFloor && expanded / std::max<std::uint64_t>(stat.comp_size, 1) >= limits.ratio) {
        return "Could not unzip uploaded file: the entry " + entry.path + " expands more than " +
               std::to_string(limits.ratio) + " times its compressed size (a decompression bomb).";
      }
      if (entry.directory) continue;
      if (link) {
        if (link_target.size() + static_cast<std::size_t>(n) > 4096) return not_zip;
        link_target.append(buffer.data(), static_cast<std::size_t>(n));
        continue;
      }
      if (!announced) {
        if (!on_entry(entry)) return "Could not write the package's files.";
        announced = true;
      }
      if (!on_data(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) {
        return "Could not write the package's files.";
      }
    }
    if (link) {
      if (!link_stays_inside(entry.path, link_target)) {
        return "Could not unzip uploaded file: the symbolic link " + entry.path + " leads outside the package.";
      }
      entry.link_target = link_target;
      links.insert(entry.path);
    }
    if (!announced && !on_entry(entry)) return "Could not write the package's files.";
  }
  return std::nullopt;
}

std::optional<std::string> check_zip(std::string_view zip, const ZipLimits& limits) {
  return read_zip(
      zip, [](const ZipEntry&) { return true; }, [](std::string_view) { return true; }, limits);
}

std::optional<std::string> unpack_zip(std::string_view zip, const std::filesystem::path& dir,
                                      const ZipLimits& limits) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::create_directory(dir, ec) || ec) return "Could not create the code directory.";
  int fd = -1;
  std::vector<fs::path> directories{dir};
  const auto close_current = [&] {
    if (fd >= 0) ::close(fd);
    fd = -1;
  };
  auto refused = read_zip(
      zip,
      [&](const ZipEntry& entry) {
        close_current();
        const fs::path target = dir / entry.path;
        // Parents are created here; none of them can be a link (links are created as
        // entries and O_NOFOLLOW / create_directories refuse to go through one below).
        fs::create_directories(entry.directory ? target : target.parent_path(), ec);
        if (ec) return false;
        if (entry.directory) {
          directories.push_back(target);
          return true;
        }
        if (entry.link_target) {
          fs::create_symlink(*entry.link_target, target, ec);
          return !ec;
        }
        fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    entry.executable ? 0555 : 0444);
        return fd >= 0;
      },
      [&](std::string_view data) {
        while (!data.empty()) {
          const ssize_t n = ::write(fd, data.data(), data.size());
          if (n <= 0) return false;
          data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
      },
      limits);
  close_current();
  if (refused) {
    fs::remove_all(dir, ec);
    return refused;
  }
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) fs::permissions(it->path(), fs::perms(0555), ec);
  }
  fs::permissions(dir, fs::perms(0555), ec);
  return std::nullopt;
}

}  // namespace gatehouse::executor
