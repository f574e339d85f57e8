// Routing and parameter parsing of the Lambda REST face on arbitrary input: the first line
// is "METHOD PATH[?QUERY]", the next lines up to an empty line are "Name: value" headers, the
// rest is the body. Every input must end in a request or a Lambda error, never a crash, and
// every error must render as a body that a strict JSON parser accepts (valid UTF-8 whatever
// bytes the path, the query or the body held).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "server/http/errors.h"
#include "server/lambda/authorization.h"
#include "server/lambda/request.h"

namespace lambda = gatehouse::server::lambda;

namespace {

// The answer the front end would send for a refusal must parse as JSON with both messages.
void require_json_answer(const lambda::LambdaError& error) {
  const auto response = gatehouse::server::http::lambda_error(error.status, error.type, error.message);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(response.body.data(), response.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("Message") || !doc["Message"].IsString() ||
      !doc.HasMember("message") || !doc["message"].IsString()) {
    std::abort();
  }
}

std::string_view next_line(std::string_view& text) {
  const std::size_t end = text.find('\n');
  const std::string_view line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string_view request_line = next_line(text);
  const std::size_t space = request_line.find(' ');
  const std::string_view method = request_line.substr(0, space);
  const std::string_view target = space == std::string_view::npos ? std::string_view{} : request_line.substr(space + 1);
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  std::vector<lambda::Header> headers;
  while (!text.empty()) {
    const std::string_view line = next_line(text);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers.push_back({line.substr(0, colon), value});
  }
  auto request = lambda::parse_request({method, path, query, headers, text});
  if (!request) {
    // Every refusal is one of Lambda's 4xx errors with a message.
    if (request.error().status < 400 || request.error().status >= 500 || request.error().message.empty()) std::abort();
    require_json_answer(request.error());
    return 0;
  }
  const lambda::CallerView caller{"111111111111", "arn:aws:iam::111111111111:user/fuzz", "us-east-1"};
  auto resolution = lambda::resolve_request(request.value(), caller);
  if (resolution && resolution.value().authorization.action.empty()) std::abort();
  if (!resolution) require_json_answer(resolution.error());
  return 0;
}
