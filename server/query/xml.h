// The Query protocol's XML answers (iam-sts-api.md 1.2): a small writer for result elements,
// and the encodings IAM uses inside them (ISO 8601 dates, URL-encoded policy documents).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::server::query {

class Xml {
 public:
  Xml& open(std::string_view tag);
  Xml& close(std::string_view tag);
  // <tag>value</tag>, the value escaped.
  Xml& element(std::string_view tag, std::string_view value);
  // A literal is text: without this overload it would convert to bool, not to string_view.
  Xml& element(std::string_view tag, const char* value) { return element(tag, std::string_view(value)); }
  Xml& element(std::string_view tag, const std::string& value) { return element(tag, std::string_view(value)); }
  Xml& element(std::string_view tag, std::int64_t value);
  Xml& element(std::string_view tag, bool value);
  // <tag/>: an empty list.
  Xml& empty(std::string_view tag);
  // Already-written XML of another writer.
  Xml& append(const Xml& other);

  const std::string& text() const noexcept { return text_; }
  std::string take() noexcept { return std::move(text_); }

 private:
  std::string text_;
};

// `text` with what XML 1.0 cannot carry at all, not even as &#N; (C0 controls but TAB, LF and
// CR, U+FFFE, U+FFFF, bytes that are not UTF-8), as U+FFFD: botocore's expat and the JS SDK's
// parser refuse a whole answer for one such character. Not escaped.
std::string xml_safe(std::string_view text);
void append_xml_escaped(std::string& out, std::string_view text);

// 2024-05-01T12:00:00Z from milliseconds since the epoch (IAM prints whole seconds).
std::string iso8601(std::int64_t millis);

// A policy document as IAM returns it: every byte outside A-Z a-z 0-9 - _ . ~ as %XX (RFC 3986,
// never '+' for a space, which boto3's unquote would keep).
std::string url_encode_document(std::string_view document);

}  // namespace gatehouse::server::query
