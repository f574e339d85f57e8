#include "policy/variables.h"

#include "policy/x3_support.h"

#include <tuple>

namespace gatehouse::policy {
namespace {

namespace x3 = x3_support::x3;
using x3_support::Range;
using x3_support::view_of;

// "IAM policy elements: Variables and tags". A reference runs from "${" to the
// first "}"; its inside is one of three spellings, tried in this order.
// ${*}, ${?}, ${$}: the character itself, never a wildcard.
const auto kSpecial = x3::lit("${") >> x3::raw[x3::char_("*?$")] >> '}';
// ${key, 'default'}: comma, exactly one space, single quotes.
const auto kDefaulted = x3::lit("${") >> x3::raw[+~x3::char_("${}',")] >> x3::lit(", '") >>
                        x3::raw[*~x3::char_("'}")] >> x3::lit("'}");
// ${anything else}: the whole inside is the key name.
const auto kPlain = x3::lit("${") >> x3::raw[*~x3::char_('}')] >> '}';

void append(std::vector<TemplatePiece>& pieces, TemplatePiece::Kind kind, std::string_view text) {
  if (text.empty()) return;
  if (!pieces.empty() && pieces.back().kind == kind) {
    pieces.back().text.append(text);
  } else {
    pieces.push_back({kind, std::string(text), std::nullopt});
  }
}

}  // namespace

std::vector<TemplatePiece> parse_template(std::string_view text) {
  using Kind = TemplatePiece::Kind;
  std::vector<TemplatePiece> pieces;
  // A "${" after the last "}" can never close, so everything from it on is text;
  // checking this up front keeps "${${${..." linear.
  const std::size_t last_close = text.rfind('}');
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = text.find("${", pos);
    if (start == std::string_view::npos || last_close == std::string_view::npos ||
        last_close < start) {
      append(pieces, Kind::Text, text.substr(pos));
      break;
    }
    append(pieces, Kind::Text, text.substr(pos, start - pos));

    const char* const begin = text.data() + start;
    const char* const end = text.data() + text.size();
    const char* first = begin;
    Range special;
    std::tuple<Range, Range> defaulted;
    Range plain;
    if (x3::parse(first, end, kSpecial, special)) {
      append(pieces, Kind::Literal, view_of(special));
    } else if (first = begin; x3::parse(first, end, kDefaulted, defaulted)) {
      pieces.push_back({Kind::Variable, std::string(view_of(std::get<0>(defaulted))),
                        std::string(view_of(std::get<1>(defaulted)))});
    } else if (first = begin; x3::parse(first, end, kPlain, plain)) {
      pieces.push_back({Kind::Variable, std::string(view_of(plain)), std::nullopt});
    } else {
      // INVARIANT: unreachable, a "}" follows start, so kPlain matches; stay total anyway.
      append(pieces, Kind::Text, text.substr(start));
      break;
    }
    pos = static_cast<std::size_t>(first - text.data());
  }
  return pieces;
}

bool has_variables(std::string_view text) noexcept {
  const std::size_t start = text.find("${");
  return start != std::string_view::npos && text.find('}', start + 2) != std::string_view::npos;
}

}  // namespace gatehouse::policy
