// Zips made in memory for the executor's tests (libzip), with Unix modes and links.
#pragma once

#include <sys/stat.h>
#include <zip.h>

#include <string>
#include <vector>

namespace gatehouse::executor::testing {

struct ZipItem {
  std::string name, data;
  unsigned mode = S_IFREG | 0644;
  bool raw_method_store = false;
};

inline std::string make_zip(const std::vector<ZipItem>& items) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(source);
  zip_t* archive = zip_open_from_source(source, ZIP_TRUNCATE, &error);
  for (const ZipItem& item : items) {
    zip_int64_t index;
    if (!item.name.empty() && item.name.back() == '/') {
      index = zip_dir_add(archive, item.name.c_str(), ZIP_FL_ENC_RAW);
    } else {
      zip_source_t* data = zip_source_buffer(archive, item.data.data(), item.data.size(), 0);
      index = zip_file_add(archive, item.name.c_str(), data, ZIP_FL_ENC_RAW | ZIP_FL_OVERWRITE);
    }
    zip_file_set_external_attributes(archive, static_cast<zip_uint64_t>(index), 0, ZIP_OPSYS_UNIX, item.mode << 16);
  }
  zip_close(archive);
  std::string out;
  zip_source_open(source);
  zip_source_seek(source, 0, SEEK_END);
  out.resize(static_cast<std::size_t>(zip_source_tell(source)));
  zip_source_seek(source, 0, SEEK_SET);
  zip_source_read(source, out.data(), out.size());
  zip_source_close(source);
  zip_source_free(source);
  zip_error_fini(&error);
  return out;
}

}  // namespace gatehouse::executor::testing
