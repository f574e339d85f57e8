#include "sigv4/canonical_uri.h"

#include "sigv4/percent_encoding.h"

namespace gatehouse::sigv4 {

namespace {

// Encodes a path that needs no normalization (it starts with '/' and holds neither "//" nor
// "/.") in one pass. At anything else it restores `out` and returns false, and the general
// path takes over (a name such as ".well-known" goes there too, with the same result). SDK
// paths always take this pass.
bool append_plain_path(std::string& out, std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  const std::size_t start = out.size();
  std::size_t literal_from = 0;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/') {
      if (i + 1 < path.size() && (path[i + 1] == '/' || path[i + 1] == '.')) {
        out.resize(start);
        return false;
      }
      continue;
    }
    if (is_unreserved(c)) continue;
    out.append(path.data() + literal_from, i - literal_from);
    append_escape(out, c);
    literal_from = i + 1;
  }
  out.append(path.data() + literal_from, path.size() - literal_from);
  return true;
}

}  // namespace

void append_canonical_uri(std::string& out, std::string_view raw_path) {
  if (append_plain_path(out, raw_path)) return;
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
