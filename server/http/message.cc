#include "server/http/message.h"

#include <ctime>

namespace gatehouse::server::http {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

template <class Headers>
auto find_header(Headers& headers, std::string_view name) noexcept -> decltype(&headers.front().value) {
  for (auto& header : headers) {
    if (equals_ignore_case(header.name, name)) return &header.value;
  }
  return nullptr;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const std::string* HttpRequest::header(std::string_view name) const noexcept { return find_header(headers, name); }

const std::string* HttpResponse::header(std::string_view name) const noexcept { return find_header(headers, name); }

HttpResponse& HttpResponse::set_header(std::string name, std::string value) {
  if (std::string* existing = find_header(headers, name)) {
    *existing = std::move(value);
  } else {
    headers.push_back({std::move(name), std::move(value)});
  }
  return *this;
}

std::string http_date(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const std::size_t length = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(buffer, length);
}

}  // namespace gatehouse::server::http
