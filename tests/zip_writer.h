// Zips made in memory for the tests (libzip), with Unix modes, links and a chosen compression
// method; base64 for the ZipFile member of CreateFunction / UpdateFunctionCode.
#pragma once

#include <sys/stat.h>
#include <zip.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::executor::testing {

struct ZipItem {
  std::string name, data;
  unsigned mode = S_IFREG | 0644;
  bool raw_method_store = false;
  zip_int32_t method = ZIP_CM_DEFAULT;  // e.g. ZIP_CM_BZIP2
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
    if (item.method != ZIP_CM_DEFAULT) zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), item.method, 9);
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

// Standard base64 with padding.
inline std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

// A small real package: app.py whose handler returns the event.
inline std::string small_zip() { return make_zip({{"app.py", "def handler(event, context):\n    return event\n"}}); }

}  // namespace gatehouse::executor::testing
