#include "server/query/xml.h"

#include "policy/text.h"
#include "policy/values.h"
#include "sigv4/percent_encoding.h"

namespace gatehouse::server::query {

std::string xml_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') {
        policy::append_utf8(out, policy::kReplacementChar);
      } else {
        out += text[i];
      }
      ++i;
      continue;
    }
    const std::size_t start = i;
    const char32_t cp = policy::decode_utf8(text, i);
    if (cp == 0xFFFE || cp == 0xFFFF) {
      policy::append_utf8(out, policy::kReplacementChar);
    } else if (cp == policy::kReplacementChar) {
      policy::append_utf8(out, cp);  // invalid bytes, or U+FFFD itself
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

void append_xml_escaped(std::string& out, std::string_view text) {
  for (const char c : xml_safe(text)) {
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
