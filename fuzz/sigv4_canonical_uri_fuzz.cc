// Path canonicalization: any raw path becomes an absolute path with no empty, "." or ".."
// segment (except a trailing slash), every byte encoded once more, in bounded size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sigv4/canonical_uri.h"
#include "sigv4/percent_encoding.h"

namespace sv = gatehouse::sigv4;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string canonical = "prefix kept:";
  const std::size_t start = canonical.size();
  sv::append_canonical_uri(canonical, raw);
  const std::string_view uri = std::string_view(canonical).substr(start);

  require(!uri.empty() && uri.front() == '/');
  require(uri.size() <= 3 * size + 1);
  for (std::size_t i = 0; i < uri.size(); ++i) {
    const char c = uri[i];
    if (sv::is_unreserved(c) || c == '/') continue;
    require(c == '%' && uri.size() - i >= 3 && is_upper_hex(uri[i + 1]) && is_upper_hex(uri[i + 2]));
    i += 2;
  }
  std::size_t segment_start = 1;
  for (std::size_t i = 1; i <= uri.size(); ++i) {
    if (i < uri.size() && uri[i] != '/') continue;
    const std::string_view segment = uri.substr(segment_start, i - segment_start);
    require(segment != "." && segment != "..");
    require(!segment.empty() || i == uri.size());
    segment_start = i + 1;
  }
  // A trailing slash survives exactly when the input had one and a segment remains.
  if (uri.size() > 1) require((uri.back() == '/') == (!raw.empty() && raw.back() == '/'));
  return 0;
}
