#include "test_support.h"

#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "sigv4/timestamp.h"

namespace gatehouse::sigv4::testing {
namespace {

std::string_view strip_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::filesystem::path data_dir() { return std::filesystem::path(GATEHOUSE_SOURCE_DIR) / "tests/data"; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

rapidjson::Document read_json(const std::filesystem::path& path) {
  rapidjson::Document document;
  const std::string text = read_file(path);
  document.Parse(text.c_str(), text.size());
  if (document.HasParseError()) throw std::runtime_error("bad JSON in " + path.string());
  return document;
}

std::vector<Header> HttpRequest::header_views() const {
  std::vector<Header> views;
  for (const auto& [name, value] : headers) views.push_back({name, value});
  return views;
}

HttpRequest parse_http_request(std::string_view text) {
  HttpRequest request;
  std::size_t line_end = text.find('\n');
  const std::string_view request_line = text.substr(0, line_end);
  const std::size_t method_end = request_line.find(' ');
  const std::size_t version_at = request_line.rfind(" HTTP/");
  if (method_end == std::string_view::npos || version_at == std::string_view::npos || version_at <= method_end) {
    throw std::runtime_error("bad request line: " + std::string(request_line));
  }
  request.method = request_line.substr(0, method_end);
  request.target = request_line.substr(method_end + 1, version_at - method_end - 1);
  std::size_t pos = line_end == std::string_view::npos ? text.size() : line_end + 1;
  while (pos < text.size()) {
    line_end = text.find('\n', pos);
    const std::string_view line = text.substr(pos, line_end == std::string_view::npos ? std::string_view::npos : line_end - pos);
    pos = line_end == std::string_view::npos ? text.size() : line_end + 1;
    if (line.empty()) {
      request.body = text.substr(pos);
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      // obs-fold: the continuation joins the previous value after a space (RFC 9112 5.2).
      request.headers.back().second += " ";
      request.headers.back().second += strip_blanks(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("bad header line: " + std::string(line));
    request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(strip_blanks(line.substr(colon + 1))));
  }
  return request;
}

RequestHolder::RequestHolder(HttpRequest request) : request_(std::move(request)), headers_(request_.header_views()) {}

RequestView RequestHolder::view() const {
  const RequestTarget target = split_request_target(request_.target);
  return RequestView{request_.method, target.path, target.query, headers_, PayloadHash::of_body(request_.body)};
}

TimePoint parse_iso8601(std::string_view text) {
  // 2024-05-01T12:00:30Z -> 20240501T120030Z
  std::string basic;
  for (const char c : text) {
    if (c != '-' && c != ':') basic.push_back(c);
  }
  const auto parsed = parse_amz_date(basic);
  if (!parsed) throw std::runtime_error("bad ISO-8601 time " + std::string(text));
  return *parsed;
}

}  // namespace gatehouse::sigv4::testing
