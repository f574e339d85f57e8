#include "sigv4/canonical_headers.h"

namespace gatehouse::sigv4 {
namespace {

constexpr char to_lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// Appends the canonical values of every `name` header, joined with ','; false when none.
bool append_joined_values(std::string& out, std::string_view name, std::span<const Header> headers) {
  bool found = false;
  for (const Header& header : headers) {
    if (!equals_ignore_case(header.name, name)) continue;
    if (found) out.push_back(',');
    found = true;
    append_canonical_header_value(out, header.value);
  }
  return found;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  }
  return true;
}

SignedHeaderNames split_signed_headers(std::string_view signed_headers) {
  SignedHeaderNames names;
  std::size_t pos = 0;
  while (true) {
    const std::size_t end = signed_headers.find(';', pos);
    if (end == std::string_view::npos) {
      names.push_back(signed_headers.substr(pos));
      return names;
    }
    names.push_back(signed_headers.substr(pos, end - pos));
    pos = end + 1;
  }
}

bool is_canonical_signed_headers(const SignedHeaderNames& names) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string_view name = names[i];
    if (name.empty()) return false;
    for (const char c : name) {
      if (c != to_lower_ascii(c) || is_blank(c)) return false;
    }
    if (i > 0 && !(names[i - 1] < name)) return false;
  }
  return true;
}

bool lists_header(const SignedHeaderNames& names, std::string_view wanted) noexcept {
  for (const std::string_view name : names) {
    if (equals_ignore_case(name, wanted)) return true;
  }
  return false;
}

void append_canonical_header_value(std::string& out, std::string_view value) {
  std::size_t first = 0;
  std::size_t last = value.size();
  while (first < last && is_blank(value[first])) ++first;
  while (last > first && is_blank(value[last - 1])) --last;
  bool in_blank_run = false;
  for (std::size_t i = first; i < last; ++i) {
    const char c = value[i];
    if (is_blank(c)) {
      in_blank_run = true;
      continue;
    }
    if (in_blank_run) out.push_back(' ');
    in_blank_run = false;
    out.push_back(c);
  }
}

bool append_canonical_headers(std::string& out, const SignedHeaderNames& names,
                              std::span<const Header> headers) {
  for (const std::string_view name : names) {
    out.append(name);
    out.push_back(':');
    // HTTP/2 carries the host in the :authority pseudo-header when there is no Host header.
    const bool found = append_joined_values(out, name, headers) ||
                       (name == "host" && append_joined_values(out, ":authority", headers));
    if (!found) return false;
    out.push_back('\n');
  }
  return true;
}

}  // namespace gatehouse::sigv4
