#include "server/http/request_log.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cmath>

namespace gatehouse::server::http {
namespace {

// The access key id of "Credential=AKIA.../20240501/..." (header) or "X-Amz-Credential=AKIA...%2F..." (query).
std::string access_key_of(const HttpRequest& request) {
  auto key_at = [](std::string_view text, std::string_view marker, std::string_view stop) -> std::string {
    const auto at = text.find(marker);
    if (at == std::string_view::npos) return {};
    text.remove_prefix(at + marker.size());
    const auto end = text.find(stop);
    text = text.substr(0, end);
    std::string key;
    for (char c : text) {
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return {};
      key.push_back(c);
    }
    return key.size() >= 16 && key.size() <= 128 ? key : std::string();
  };
  if (const std::string* authorization = request.header("Authorization")) {
    return key_at(*authorization, "Credential=", "/");
  }
  return key_at(request.query, "X-Amz-Credential=", "%2F");
}

std::string xml_unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const auto end = text.find(';', i);
    const std::string_view entity = end == std::string_view::npos ? std::string_view() : text.substr(i, end - i + 1);
    if (entity == "&lt;") out.push_back('<');
    else if (entity == "&gt;") out.push_back('>');
    else if (entity == "&amp;") out.push_back('&');
    else if (entity == "&quot;") out.push_back('"');
    else if (entity == "&apos;") out.push_back('\'');
    else {
      out.push_back('&');
      continue;
    }
    i = end;
  }
  return out;
}

std::string error_message_of(const HttpResponse& response) {
  const std::string_view body = response.body;
  if (body.empty()) return {};
  if (body.front() == '{') {
    rapidjson::Document json;
    json.Parse(body.data(), body.size());
    if (json.HasParseError() || !json.IsObject()) return {};
    const rapidjson::Value& object = json;  // const iterators: clang finds non-const ones' != ambiguous in C++20
    for (const char* key : {"message", "Message"}) {
      const auto it = object.FindMember(key);
      if (it != object.MemberEnd() && it->value.IsString()) return {it->value.GetString(), it->value.GetStringLength()};
    }
    return {};
  }
  const auto open = body.find("<Message>");
  if (open == std::string_view::npos) return {};
  const auto close = body.find("</Message>", open);
  if (close == std::string_view::npos) return {};
  return xml_unescape(body.substr(open + 9, close - open - 9));
}

// Printable on one line: control characters become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : one_line(text)) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string milliseconds_text(double ms) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, ms, std::chars_format::fixed, 1);
  return std::string(buffer, result.ptr);
}

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::Text;
  if (text == "json") return LogFormat::Json;
  return std::nullopt;
}

RequestLogEntry request_log_entry(const HttpRequest& request, const HttpResponse& response, double milliseconds) {
  RequestLogEntry entry;
  entry.request_id = request.request_id;
  entry.method = request.method;
  entry.path = request.path;
  entry.operation = response.operation;
  entry.principal = response.principal.empty() ? access_key_of(request) : response.principal;
  entry.decision = response.decision;
  entry.status = response.status;
  entry.milliseconds = milliseconds;
  if (response.status >= 400) entry.reason = error_message_of(response);
  return entry;
}

std::string format_request_log(const RequestLogEntry& entry, LogFormat format) {
  if (format == LogFormat::Json) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto text = [&w](const char* key, std::string_view value) {
      w.Key(key);
      const std::string safe = one_line(value);
      w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
    };
    w.StartObject();
    text("requestId", entry.request_id);
    text("method", entry.method);
    text("path", entry.path);
    text("operation", entry.operation);
    text("principal", entry.principal);
    text("decision", entry.decision);
    w.Key("status");
    w.Int(entry.status);
    w.Key("ms");
    w.Double(std::round(entry.milliseconds * 10) / 10);
    if (!entry.reason.empty()) text("reason", entry.reason);
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
  }
  const auto field = [](std::string_view text) { return text.empty() ? std::string("-") : one_line(text); };
  std::string line = field(entry.method) + " " + field(entry.path) + " " + field(entry.operation);
  line += " principal=" + field(entry.principal);
  line += " decision=" + field(entry.decision);
  line += " status=" + std::to_string(entry.status) + " " + milliseconds_text(entry.milliseconds) + "ms";
  if (!entry.reason.empty()) line += " reason=" + quoted(entry.reason);
  return line;
}

}  // namespace gatehouse::server::http
