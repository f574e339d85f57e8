#include "server/http/errors.h"

#include <array>

#include "policy/text.h"

namespace gatehouse::server::http {
namespace {

constexpr std::array<std::string_view, 3> kLambdaPrefixes = {
    "/2015-03-31/",
    "/2016-08-19/account-settings",
    "/2014-11-13/functions/",
};

// Every JSON body is valid UTF-8 whatever the request held: bytes that are not UTF-8 (a
// path's %FF%FE, an overlong %C0%AF, an encoded surrogate) are written as U+FFFD, as the
// Query API's XML writes them.
void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      policy::append_utf8(out, policy::decode_utf8(text, i));
      continue;
    }
    ++i;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    } else {
      out += c;
    }
  }
}

void append_xml_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
    else out += c;
  }
}

struct RefusalRow {
  Refusal refusal;
  std::string_view name;
  int status;
  std::string_view lambda_code;
  std::string_view query_code;
};

// Lambda's own name where it has one (RequestEntityTooLargeException, ServiceException,
// lambda-api.md 2.2); otherwise the HTTP condition's name in each family's convention.
constexpr std::array kRefusals = {
    RefusalRow{Refusal::MalformedRequest, "malformed_request", 400, "BadRequestException", "MalformedHttpRequest"},
    RefusalRow{Refusal::HeaderTooLarge, "header_too_large", 431, "RequestHeaderFieldsTooLargeException",
               "RequestHeaderFieldsTooLarge"},
    RefusalRow{Refusal::UriTooLong, "uri_too_long", 414, "RequestURITooLongException", "RequestURITooLong"},
    RefusalRow{Refusal::BodyTooLarge, "body_too_large", 413, "RequestEntityTooLargeException",
               "RequestEntityTooLarge"},
    RefusalRow{Refusal::RequestTimeout, "request_timeout", 408, "RequestTimeoutException", "RequestTimeout"},
    RefusalRow{Refusal::InternalError, "internal_error", 500, "ServiceException", "ServiceFailure"},
};

constexpr bool rows_follow_declaration_order() {
  for (std::size_t i = 0; i < kRefusals.size(); ++i) {
    if (static_cast<std::size_t>(kRefusals[i].refusal) != i) return false;
  }
  return true;
}
static_assert(rows_follow_declaration_order(), "kRefusals must list every Refusal in declaration order");

}  // namespace

bool is_lambda_path(std::string_view raw_path) noexcept {
  for (std::string_view prefix : kLambdaPrefixes) {
    if (!raw_path.starts_with(prefix)) continue;
    // "/2016-08-19/account-settings" must not claim "/2016-08-19/account-settingsX".
    if (prefix.ends_with('/') || raw_path.size() == prefix.size() || raw_path[prefix.size()] == '/') return true;
  }
  return false;
}

ErrorFamily family_for_path(std::string_view raw_path) noexcept {
  return raw_path == "/" ? ErrorFamily::Query : ErrorFamily::LambdaRest;
}

HttpResponse lambda_error(int status, std::string_view code, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.set_header("x-amzn-ErrorType", std::string(code));
  response.set_header("Content-Type", "application/json");
  std::string& body = response.body;
  body.reserve(48 + 2 * message.size());
  body += status >= 500 ? R"({"Type":"Service","Message":")" : R"({"Type":"User","Message":")";
  append_json_escaped(body, message);
  body += R"(","message":")";
  append_json_escaped(body, message);
  body += "\"}";
  return response;
}

HttpResponse query_error(int status, std::string_view code, std::string_view message, std::string_view request_id,
                         QueryService service) {
  HttpResponse response;
  response.status = status;
  response.set_header("Content-Type", "text/xml");
  std::string& body = response.body;
  body += service == QueryService::Sts ? R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">)"
                                       : R"(<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">)";
  body += status >= 500 ? "\n  <Error>\n    <Type>Receiver</Type>\n    <Code>" : "\n  <Error>\n    <Type>Sender</Type>\n    <Code>";
  append_xml_escaped(body, code);
  body += "</Code>\n    <Message>";
  append_xml_escaped(body, message);
  body += "</Message>\n  </Error>\n  <RequestId>";
  append_xml_escaped(body, request_id);
  body += "</RequestId>\n</ErrorResponse>\n";
  return response;
}

std::string_view refusal_name(Refusal refusal) noexcept { return kRefusals[static_cast<std::size_t>(refusal)].name; }

HttpResponse refusal_response(Refusal refusal, ErrorFamily family, std::string_view message,
                              std::string_view request_id, QueryService service) {
  const RefusalRow& row = kRefusals[static_cast<std::size_t>(refusal)];
  HttpResponse response = family == ErrorFamily::LambdaRest
                              ? lambda_error(row.status, row.lambda_code, message)
                              : query_error(row.status, row.query_code, message, request_id, service);
  response.operation = "rejected";
  return response;
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  }
  return out;
}

}  // namespace gatehouse::server::http
