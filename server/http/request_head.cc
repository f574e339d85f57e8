#include "server/http/request_head.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <exception>
#include <limits>

#include "server/http/request_id.h"

namespace gatehouse::server::http {
namespace {

std::string_view view(boost::beast::string_view text) noexcept { return {text.data(), text.size()}; }

}  // namespace

HttpRequest request_head(const beast_http::request<beast_http::string_body>& message) {
  HttpRequest request;
  request.method = std::string(view(message.method_string()));
  request.target = std::string(view(message.target()));
  const std::string_view target = request.target;
  std::string_view without_fragment = target.substr(0, target.find('#'));
  const auto question = without_fragment.find('?');
  request.path = std::string(without_fragment.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(without_fragment.substr(question + 1));
  request.headers.reserve(16);
  for (const auto& field : message) {
    request.headers.push_back({std::string(view(field.name_string())), std::string(view(field.value()))});
  }
  request.http_version = message.version();
  return request;
}

HeadDecision decide_on_head(const HttpRequest& head, std::optional<std::uint64_t> content_length,
                            const Router& router, const Limits& limits) {
  HeadDecision decision;
  decision.route = &router.route_for(head.path);
  if (head.target.size() > limits.max_target_bytes) {
    decision.refusal = Refusal::UriTooLong;
    decision.message = "Request URI must be at most " + std::to_string(limits.max_target_bytes) + " bytes";
    return decision;
  }
  decision.body_limit = router.body_limit_for(*decision.route, head);
  if (content_length && *content_length > decision.body_limit.max_bytes) {
    decision.refusal = Refusal::BodyTooLarge;
    decision.message = too_large_message(decision.body_limit, *content_length);
  }
  return decision;
}

std::string request_line_of(const RequestParser& parser, std::string_view buffered) {
  const auto& message = parser.get();
  if (!message.target().empty()) {
    return std::string(view(message.method_string())) + " " + std::string(view(message.target())) + " HTTP/1.1";
  }
  return std::string(buffered.substr(0, buffered.find_first_of("\r\n")));
}

ErrorFamily family_of_raw_request(std::string_view request_line) noexcept {
  const std::string_view line = request_line.substr(0, request_line.find_first_of("\r\n"));
  const auto first_space = line.find(' ');
  if (first_space == std::string_view::npos) return ErrorFamily::LambdaRest;
  std::string_view target = line.substr(first_space + 1);
  target = target.substr(0, target.find(' '));
  return family_for_path(target.substr(0, target.find_first_of("?#")));
}

std::optional<ParseRefusal> refusal_for_parse_error(const boost::beast::error_code& error, std::string_view request_line,
                                                    const Limits& limits, const BodyLimit& body_limit,
                                                    std::optional<std::uint64_t> content_length) {
  const ErrorFamily family = family_of_raw_request(request_line);
  if (error == beast_http::error::end_of_stream || error == beast_http::error::partial_message) return std::nullopt;
  if (error == beast_http::error::header_limit) {
    // The request line alone may be what is too long: then the URL is the problem.
    const std::string_view line = request_line.substr(0, request_line.find_first_of("\r\n"));
    const auto first_space = line.find(' ');
    std::string_view target = first_space == std::string_view::npos ? std::string_view() : line.substr(first_space + 1);
    target = target.substr(0, target.find(' '));
    if (target.size() > limits.max_target_bytes) {
      return ParseRefusal{Refusal::UriTooLong, family,
                          "Request URI must be at most " + std::to_string(limits.max_target_bytes) + " bytes"};
    }
    return ParseRefusal{Refusal::HeaderTooLarge, family,
                        "Request header fields must be at most " + std::to_string(limits.max_header_bytes) + " bytes"};
  }
  if (error == beast_http::error::body_limit) {
    // A chunked body gives no size up front: report the first size known to be too large.
    return ParseRefusal{Refusal::BodyTooLarge, family,
                        too_large_message(body_limit, content_length.value_or(body_limit.max_bytes + 1))};
  }
  if (error.category() == beast_http::make_error_code(beast_http::error::bad_target).category()) {
    return ParseRefusal{Refusal::MalformedRequest, family, "Malformed HTTP request: " + error.message()};
  }
  return std::nullopt;  // a socket error or a timeout: the session decides
}

HttpResponse run_handler(const Route& route, const HttpRequest& request,
                         const std::function<void(std::string_view)>& log) {
  const auto internal_error = [&](std::string_view why) {
    if (log) {
      log("handler for " + printable(request.method) + " " + printable(request.path) + " failed (request " +
          request.request_id + "): " + std::string(why));
    }
    return refusal_response(Refusal::InternalError, route.family, "Internal server error", request.request_id,
                            route.family == ErrorFamily::Query ? query_service_of(request) : QueryService::Iam);
  };
  if (!route.handler) return internal_error("no handler registered");
  try {
    HttpResponse response = route.handler(request);
    if (response.status < 200 || response.status > 599) {
      return internal_error("status " + std::to_string(response.status) + " is not a final HTTP status");
    }
    if (response.operation.empty()) response.operation = route.operation;
    return response;
  } catch (const std::exception& e) {
    return internal_error(e.what());
  } catch (...) {
    return internal_error("unknown exception");
  }
}

WireResponse to_wire(HttpResponse&& response, std::string_view request_id, unsigned http_version, bool keep_alive,
                     bool head_request, std::chrono::system_clock::time_point now) {
  WireResponse wire;
  wire.result(static_cast<unsigned>(response.status));
  wire.version(http_version == 10 ? 10 : 11);
  bool has_request_id = false;
  bool has_date = false;
  for (Header& header : response.headers) {
    // The front end owns the message framing; a handler's framing headers would corrupt it.
    if (equals_ignore_case(header.name, "Content-Length") || equals_ignore_case(header.name, "Transfer-Encoding") ||
        equals_ignore_case(header.name, "Connection")) {
      continue;
    }
    has_request_id = has_request_id || equals_ignore_case(header.name, "x-amzn-RequestId");
    has_date = has_date || equals_ignore_case(header.name, "Date");
    wire.insert(header.name, header.value);
  }
  if (!has_request_id) wire.insert("x-amzn-RequestId", boost::beast::string_view(request_id.data(), request_id.size()));
  if (!has_date) wire.insert(beast_http::field::date, http_date(now));
  const int status = response.status;
  const bool bodiless_status = status < 200 || status == 204 || status == 304;
  if (bodiless_status) {
    response.body.clear();
  } else {
    wire.content_length(response.body.size());
  }
  if (!head_request) wire.body() = std::move(response.body);
  wire.keep_alive(keep_alive);
  return wire;
}

HttpResponse answer_buffered_request(std::string_view bytes, const Router& router, const Limits& limits) {
  RequestParser parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // the route's limit applies after the header
  parser.eager(false);  // stop after the header, as the session's async_read_header does
  boost::beast::error_code error;
  std::size_t consumed = 0;
  // Feeds the remaining bytes until the header (or the whole message) is parsed, the parser
  // fails, or it needs bytes that never come.
  const auto put_available = [&](bool header_only) {
    while (!(header_only ? parser.is_header_done() : parser.is_done()) && consumed < bytes.size()) {
      const std::size_t used = parser.put(boost::asio::buffer(bytes.data() + consumed, bytes.size() - consumed), error);
      consumed += used;
      if (error == beast_http::error::need_more) {
        error = {};
        if (used == 0) return;
      } else if (error) {
        return;
      }
    }
  };
  const auto not_complete = [&](ErrorFamily family, std::string_view request_id) {
    // The session would wait for bytes that never come and time out.
    return refusal_response(Refusal::RequestTimeout, family, "Request not complete in time", request_id);
  };

  put_available(true);
  if (!parser.is_header_done()) {
    if (!error) return not_complete(family_of_raw_request(bytes), new_request_id());
    const auto refusal =
        refusal_for_parse_error(error, request_line_of(parser, bytes), limits, BodyLimit{}, std::nullopt);
    if (!refusal) return not_complete(family_of_raw_request(bytes), new_request_id());
    return refusal_response(refusal->refusal, refusal->family, refusal->message, new_request_id());
  }
  HttpRequest head = request_head(parser.get());
  head.request_id = new_request_id();
  const HeadDecision decision = decide_on_head(head, content_length_of(parser), router, limits);
  const Route& route = *decision.route;
  const QueryService service = route.family == ErrorFamily::Query ? query_service_of(head) : QueryService::Iam;
  if (decision.refusal) {
    return refusal_response(*decision.refusal, route.family, decision.message, head.request_id, service);
  }
  parser.body_limit(decision.body_limit.max_bytes);
  parser.eager(true);
  put_available(false);
  if (!parser.is_done()) {
    const auto refusal =
        error ? refusal_for_parse_error(error, std::string_view(), limits, decision.body_limit, content_length_of(parser))
              : std::nullopt;
    if (!refusal) return not_complete(route.family, head.request_id);
    return refusal_response(refusal->refusal, route.family, refusal->message, head.request_id, service);
  }
  HttpRequest request = std::move(head);
  request.body = parser.release().body();
  return run_handler(route, request, {});
}

}  // namespace gatehouse::server::http
