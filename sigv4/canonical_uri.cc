#include "sigv4/canonical_uri.h"

#include "sigv4/percent_encoding.h"

namespace gatehouse::sigv4 {

namespace {

// True when normalization would leave the path as it is: it starts with '/' and has no empty,
// "." or ".." segment. SDK paths always qualify, so they take one encoding pass.
bool is_normal_path(std::string_view path) noexcept {
  if (path.empty() || path.front() != '/') return false;
  std::size_t segment_start = 1;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    const std::string_view segment = path.substr(segment_start, i - segment_start);
    // An empty segment is allowed only as the end of a trailing slash.
    if ((segment.empty() && i < path.size()) || segment == "." || segment == "..") return false;
    segment_start = i + 1;
  }
  return true;
}

}  // namespace

void append_canonical_uri(std::string& out, std::string_view raw_path) {
  if (is_normal_path(raw_path)) {
    append_uri_encoded(out, raw_path, SlashRule::Keep);
    return;
  }
  const std::size_t root = out.size();
  out.push_back('/');
  const bool trailing_slash = !raw_path.empty() && raw_path.back() == '/';
  std::size_t pos = 0;
  while (pos <= raw_path.size()) {
    std::size_t end = raw_path.find('/', pos);
    if (end == std::string_view::npos) end = raw_path.size();
    const std::string_view segment = raw_path.substr(pos, end - pos);
    if (segment == "..") {
      // Removes the previous kept segment; a ".." at the root stays at the root.
      if (out.size() > root + 1) {
        const std::size_t previous = out.rfind('/', out.size() - 2);
        out.resize(previous + 1);
      }
    } else if (!segment.empty() && segment != ".") {
      append_uri_encoded(out, segment, SlashRule::Encode);
      out.push_back('/');
    }
    pos = end + 1;
  }
  // Every kept segment was written with a '/' after it; keep that slash only where the
  // input itself ended with one.
  if (out.size() > root + 1 && !trailing_slash) out.pop_back();
}

}  // namespace gatehouse::sigv4
