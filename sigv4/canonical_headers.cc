#include "sigv4/canonical_headers.h"

#include <array>

namespace gatehouse::sigv4 {
namespace {

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// Blanks of a header value: spaces, tabs and the CR/LF of an obs-fold continuation, which
// counts as one blank run (spec section 4.4). A table: every value byte is tested.
constexpr auto kValueBlanks = [] {
  std::array<bool, 256> blanks{};
  for (const char c : {' ', '\t', '\r', '\n'}) blanks[static_cast<unsigned char>(c)] = true;
  return blanks;
}();

constexpr bool is_value_blank(char c) noexcept { return kValueBlanks[static_cast<unsigned char>(c)]; }

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

SignedHeaderNames split_signed_headers(std::string_view signed_headers) {
  SignedHeaderNames names;
  std::size_t start = 0;
  for (std::size_t i = 0; i < signed_headers.size(); ++i) {
    if (signed_headers[i] != ';') continue;
    names.push_back(signed_headers.substr(start, i - start));
    start = i + 1;
  }
  names.push_back(signed_headers.substr(start));
  return names;
}

bool is_canonical_signed_headers(const SignedHeaderNames& names) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string_view name = names[i];
    if (name.empty()) return false;
    for (const char c : name) {
      if (kAsciiLower[static_cast<unsigned char>(c)] != static_cast<unsigned char>(c) || is_blank(c)) return false;
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
  while (first < last && is_value_blank(value[first])) ++first;
  while (last > first && is_value_blank(value[last - 1])) --last;

  // Copies each run of non-blank bytes whole, with one space between runs.
  std::size_t run = first;
  while (run < last) {
    std::size_t end = run;
    while (end < last && !is_value_blank(value[end])) ++end;
    out.append(value.data() + run, end - run);
    while (end < last && is_value_blank(value[end])) ++end;
    if (end < last) out.push_back(' ');
    run = end;
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
