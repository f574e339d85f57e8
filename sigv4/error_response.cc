#include "sigv4/error_response.h"

#include <array>
#include <cstdio>

namespace gatehouse::sigv4 {
namespace {

struct CategoryRow {
  Category category;
  std::string_view lambda_type;
  int lambda_status;
  std::string_view query_code;
  int query_status;
};

// "Common Errors" of the Lambda and IAM API references plus recorded responses (spec 12.1, 12.2).
constexpr std::array kCategories = {
    CategoryRow{Category::MissingAuthentication, "MissingAuthenticationTokenException", 403,
                "MissingAuthenticationToken", 403},
    CategoryRow{Category::IncompleteSignature, "IncompleteSignatureException", 403, "IncompleteSignature", 400},
    CategoryRow{Category::SignatureDoesNotMatch, "InvalidSignatureException", 403, "SignatureDoesNotMatch", 403},
    CategoryRow{Category::UnrecognizedClient, "UnrecognizedClientException", 403, "InvalidClientTokenId", 403},
    CategoryRow{Category::ExpiredToken, "ExpiredTokenException", 403, "ExpiredToken", 403},
};

constexpr bool rows_follow_declaration_order() {
  for (std::size_t i = 0; i < kCategories.size(); ++i) {
    if (static_cast<std::size_t>(kCategories[i].category) != i) return false;
  }
  return static_cast<std::size_t>(Category::ExpiredToken) + 1 == kCategories.size();
}
static_assert(rows_follow_declaration_order(), "kCategories must list every Category in declaration order");

constexpr std::string_view kLambdaMissingAuthentication = "Missing Authentication Token";
constexpr std::string_view kQueryMissingAuthentication = "Request is missing Authentication Token";

// Length of the well-formed UTF-8 sequence at text[pos], or 0. Messages echo client bytes
// (an Authorization value), and a JSON or XML body must still be valid UTF-8.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) noexcept {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t length = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) length = 3;
  else if (lead >= 0xf0 && lead <= 0xf4) length = 4;
  else return 0;
  if (text.size() - pos < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((static_cast<unsigned char>(text[pos + i]) & 0xc0) != 0x80) return 0;
  }
  return length;
}

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Calls `escape_ascii(out, c)` for ASCII, copies well-formed multi-byte sequences and replaces
// any other byte with U+FFFD.
template <class EscapeAscii>
void append_utf8(std::string& out, std::string_view text, EscapeAscii&& escape_ascii) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = utf8_sequence_length(text, pos);
    if (length == 0) {
      out.append(kReplacementCharacter);
      ++pos;
    } else if (length == 1) {
      escape_ascii(out, text[pos]);
      ++pos;
    } else {
      out.append(text.substr(pos, length));
      pos += length;
    }
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  append_utf8(out, text, [](std::string& out, char c) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escape[7];
          std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
          out.append(escape);
        } else {
          out.push_back(c);
        }
    }
  });
  out.push_back('"');
}

void append_xml_text(std::string& out, std::string_view text) {
  append_utf8(out, text, [](std::string& out, char c) {
    switch (c) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      default:
        // XML 1.0 allows no control characters other than tab, line feed and carriage return.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out.append(kReplacementCharacter);
        } else {
          out.push_back(c);
        }
    }
  });
}

}  // namespace

ErrorFields error_fields(const Rejection& rejection, Face face) noexcept {
  const CategoryRow& row = kCategories[static_cast<std::size_t>(rejection.category())];
  const bool lambda = face == Face::LambdaRest;
  std::string_view message = rejection.message;
  if (rejection.category() == Category::MissingAuthentication) {
    message = lambda ? kLambdaMissingAuthentication : kQueryMissingAuthentication;
  }
  return lambda ? ErrorFields{row.lambda_type, row.lambda_status, message}
                : ErrorFields{row.query_code, row.query_status, message};
}

ErrorResponse render_error_response(const Rejection& rejection, Face face, std::string_view request_id) {
  const ErrorFields fields = error_fields(rejection, face);
  ErrorResponse response;
  response.http_status = fields.http_status;
  if (face == Face::LambdaRest) {
    response.headers = {{"Content-Type", "application/json"},
                        {"x-amzn-ErrorType", std::string(fields.code)},
                        {"x-amzn-RequestId", std::string(request_id)}};
    response.body = "{\"Type\":\"User\",\"Message\":";
    append_json_string(response.body, fields.message);
    response.body += ",\"message\":";
    append_json_string(response.body, fields.message);
    response.body += "}";
    return response;
  }
  const std::string_view xml_namespace = face == Face::IamQuery ? "https://iam.amazonaws.com/doc/2010-05-08/"
                                                                : "https://sts.amazonaws.com/doc/2011-06-15/";
  response.headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", std::string(request_id)}};
  std::string& body = response.body;
  body = "<ErrorResponse xmlns=\"";
  body += xml_namespace;
  body += "\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>";
  body += fields.code;
  body += "</Code>\n    <Message>";
  append_xml_text(body, fields.message);
  body += "</Message>\n  </Error>\n  <RequestId>";
  append_xml_text(body, request_id);
  body += "</RequestId>\n</ErrorResponse>\n";
  return response;
}

}  // namespace gatehouse::sigv4
