#include "server/query/xml.h"

#include "policy/text.h"
#include "policy/values.h"
#include "sigv4/percent_encoding.h"

namespace gatehouse::server::query {

void append_xml_escaped(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    // XML 1.0 has no way to write C0 controls but TAB, LF and CR, U+FFFE/U+FFFF or invalid UTF-8
    // (not even as &#N;): a parser (botocore's expat, the JS SDK's) rejects the whole answer, so
    // such characters are written as U+FFFD.
    if (byte >= 0x80) {
      const std::size_t start = i;
      const char32_t cp = policy::decode_utf8(text, i);
      const bool invalid = cp == policy::kReplacementChar && text.substr(start, i - start) != "\xEF\xBF\xBD";
      if (invalid || cp == 0xFFFE || cp == 0xFFFF) {
        policy::append_utf8(out, policy::kReplacementChar);
      } else {
        out.append(text.substr(start, i - start));
      }
      --i;
      continue;
    }
    if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      policy::append_utf8(out, policy::kReplacementChar);
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;  // a literal CR would be normalized away by XML parsers
      default: out += c;
    }
  }
}

Xml& Xml::open(std::string_view tag) {
  text_.append("<").append(tag).append(">");
  return *this;
}

Xml& Xml::close(std::string_view tag) {
  text_.append("</").append(tag).append(">");
  return *this;
}

Xml& Xml::element(std::string_view tag, std::string_view value) {
  open(tag);
  append_xml_escaped(text_, value);
  return close(tag);
}

Xml& Xml::element(std::string_view tag, std::int64_t value) { return element(tag, std::to_string(value)); }

Xml& Xml::element(std::string_view tag, bool value) {
  return element(tag, value ? std::string_view("true") : std::string_view("false"));
}

Xml& Xml::empty(std::string_view tag) {
  text_.append("<").append(tag).append("/>");
  return *this;
}

Xml& Xml::append(const Xml& other) {
  text_ += other.text_;
  return *this;
}

std::string iso8601(std::int64_t millis) {
  const std::int64_t seconds = millis >= 0 ? millis / 1000 : -((-millis + 999) / 1000);
  return policy::format_date(policy::Instant{seconds, 0});
}

std::string url_encode_document(std::string_view document) {
  std::string out;
  out.reserve(document.size() * 2);
  sigv4::append_uri_encoded(out, document, sigv4::SlashRule::Encode);
  return out;
}

}  // namespace gatehouse::server::query
