#include "sigv4/authorization_header.h"

#include <string>

#include <boost/spirit/home/x3.hpp>

#include "sigv4/string_to_sign.h"
#include "sigv4/x3_run.h"

namespace gatehouse::sigv4 {
namespace {

namespace x3 = boost::spirit::x3;
using x3_run::Range;

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view text) noexcept {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view view_of(const Range& range) noexcept {
  return {range.begin(), static_cast<std::size_t>(range.end() - range.begin())};
}

// Collects parameters in order and remembers the first problem; the grammar itself accepts
// every input, so every problem is reported with the text AWS uses.
class Collector {
 public:
  explicit Collector(std::string_view whole) noexcept : whole_(whole) { header_.value = whole; }

  void algorithm(std::string_view token) {
    if (token != kAlgorithm) fail(Reason::UnsupportedAlgorithm, "Unsupported AWS 'algorithm': '" + std::string(token) + "'.");
  }

  void parameter(std::string_view name, std::string_view value) {
    std::optional<std::string_view>* slot = nullptr;
    if (name == "Credential") slot = &header_.credential;
    else if (name == "SignedHeaders") slot = &header_.signed_headers;
    else if (name == "Signature") slot = &header_.signature;
    if (slot == nullptr) return;  // unknown names are ignored
    if (slot->has_value()) {
      fail(Reason::DuplicateAuthorizationParameter,
           "Authorization header contains duplicate parameter '" + std::string(name) + "'.");
    }
    *slot = value;
  }

  void bare_token(std::string_view token) {
    fail(Reason::MalformedAuthorizationParameter, "'" + std::string(token) +
                                                      "' not a valid key=value pair (missing equal-sign) in "
                                                      "Authorization header: '" +
                                                      std::string(whole_) + "'.");
  }

  Result<AuthorizationHeader, Rejection> result() && {
    if (problem_) return std::move(*problem_);
    return header_;
  }

 private:
  void fail(Reason reason, std::string message) {
    if (!problem_) problem_ = reject(reason, std::move(message));
  }

  std::string_view whole_;
  AuthorizationHeader header_;
  std::optional<Rejection> problem_;
};

}  // namespace

Result<AuthorizationHeader, Rejection> parse_authorization_header(std::string_view value) {
  if (value.size() > kMaxAuthorizationSize) {
    return reject(Reason::AuthorizationTooLong,
                  "Authorization header is longer than " + std::to_string(kMaxAuthorizationSize) + " bytes.");
  }
  const std::string_view trimmed = trim_blanks(value);
  Collector collector(trimmed);

  // authorization = algorithm *( separator param ) [ separator ]
  // separator     = 1*( "," / SP / HTAB );  param = name "=" value, or a bare token (an error)
  const auto separator = x3::omit[+x3::char_(", \t")];
  const auto algorithm = x3_run::until<' ', '\t'>;
  const auto name = x3_run::until<'=', ',', ' ', '\t'>;
  const auto param_value = x3_run::until<',', ' ', '\t'>;
  const auto bare = x3_run::until1<',', ' ', '\t'>;

  const auto on_algorithm = [&](auto& ctx) { collector.algorithm(view_of(x3::_attr(ctx))); };
  const auto on_param = [&](auto& ctx) {
    const auto& attr = x3::_attr(ctx);
    collector.parameter(view_of(boost::fusion::at_c<0>(attr)), view_of(boost::fusion::at_c<1>(attr)));
  };
  const auto on_bare = [&](auto& ctx) { collector.bare_token(view_of(x3::_attr(ctx))); };

  const auto grammar = algorithm[on_algorithm] >>
                       *(separator >> ((name >> '=' >> param_value)[on_param] | bare[on_bare])) >> -separator;
  const char* first = trimmed.data();
  const char* const last = trimmed.data() + trimmed.size();
  // Every byte belongs to the algorithm, a separator or a token: the parse always consumes
  // the whole value.
  x3::parse(first, last, grammar);
  return std::move(collector).result();
}

}  // namespace gatehouse::sigv4
