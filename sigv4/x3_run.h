// A Spirit X3 primitive for the grammars of this module: the longest run of bytes outside a
// stop set. One table-driven scan per token instead of one parser call per byte keeps the
// Authorization and query grammars cheap on the verification hot path.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include <boost/range/iterator_range.hpp>
#include <boost/spirit/home/x3.hpp>

namespace gatehouse::sigv4::x3_run {

namespace x3 = boost::spirit::x3;

using Range = boost::iterator_range<const char*>;

// The stop set is a compile-time table, so a parser object is empty and free to copy. The
// attribute is the matched run itself.
template <bool NonEmpty, char... Stop>
class RunParser : public x3::parser<RunParser<NonEmpty, Stop...>> {
 public:
  using attribute_type = Range;
  static constexpr bool has_attribute = true;

  template <class Context, class RContext, class Attribute>
  bool parse(const char*& first, const char* const& last, const Context&, RContext&, Attribute& attribute) const {
    const char* it = skip_words(first, last);
    while (it != last && !kStops[static_cast<unsigned char>(*it)]) ++it;
    if (NonEmpty && it == first) return false;
    x3::traits::move_to(Range(first, it), attribute);
    first = it;
    return true;
  }

 private:
  static constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  static constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

  // Skips whole 8-byte words that hold no stop byte (SWAR: a byte of `word ^ stop` is zero
  // exactly where the byte is a stop byte); the byte loop finishes the run.
  static const char* skip_words(const char* it, const char* last) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
      while (last - it >= 8) {
        std::uint64_t word;
        std::memcpy(&word, it, sizeof word);
        std::uint64_t stops = 0;
        for (const char c : {Stop...}) {
          const std::uint64_t x = word ^ (kOnes * static_cast<unsigned char>(c));
          stops |= (x - kOnes) & ~x & kHighs;
        }
        if (stops != 0) return it;
        it += 8;
      }
    }
    return it;
  }

  static constexpr std::array<bool, 256> kStops = [] {
    std::array<bool, 256> stops{};
    for (const char c : {Stop...}) stops[static_cast<unsigned char>(c)] = true;
    return stops;
  }();
};

// Zero or more bytes up to one of Stop (or the end).
template <char... Stop>
inline constexpr RunParser<false, Stop...> until{};
// One or more bytes up to one of Stop (or the end).
template <char... Stop>
inline constexpr RunParser<true, Stop...> until1{};

}  // namespace gatehouse::sigv4::x3_run
