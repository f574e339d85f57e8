#include "sigv4/canonical_uri.h"

#include "sigv4/percent_encoding.h"

namespace gatehouse::sigv4 {

namespace {

// True when the path surely needs no normalization: it starts with '/' and holds neither "//"
// nor "/." (a name such as ".well-known" takes the general path, which gives the same result).
// SDK paths qualify, so they take one encoding pass.
bool is_plain_path(std::string_view path) noexcept {
  return !path.empty() && path.front() == '/' && path.find("//") == std::string_view::npos &&
         path.find("/.") == std::string_view::npos;
}

}  // namespace

void append_canonical_uri(std::string& out, std::string_view raw_path) {
  if (is_plain_path(raw_path)) {
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
