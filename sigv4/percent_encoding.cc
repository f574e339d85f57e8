#include "sigv4/percent_encoding.h"

#include <array>

namespace gatehouse::sigv4 {
namespace {

// The path rule keeps '/' too; one table lookup per byte either way.
constexpr std::array<bool, 256> kUnreservedOrSlash = [] {
  std::array<bool, 256> table = kUnreservedBytes;
  table['/'] = true;
  return table;
}();

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void append_uri_encoded(std::string& out, std::string_view in, SlashRule slash) {
  const std::array<bool, 256>& literal = slash == SlashRule::Keep ? kUnreservedOrSlash : kUnreservedBytes;
  std::size_t literal_from = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto byte = static_cast<unsigned char>(in[i]);
    if (literal[byte]) continue;
    // Runs of literal bytes are copied whole; most names and paths are one run.
    out.append(in.data() + literal_from, i - literal_from);
    append_escape(out, in[i]);
    literal_from = i + 1;
  }
  out.append(in.data() + literal_from, in.size() - literal_from);
}

bool append_percent_decoded(std::string& out, std::string_view in) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      if (in.size() - i < 3) return false;
      const int high = hex_value(in[i + 1]);
      const int low = hex_value(in[i + 2]);
      if (high < 0 || low < 0) return false;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return true;
}

}  // namespace gatehouse::sigv4
