// Shared pieces of the module's small Spirit X3 grammars (ARNs, policy variables).
#pragma once

#include <boost/fusion/include/std_tuple.hpp>
#include <boost/range/iterator_range.hpp>
#include <boost/spirit/home/x3.hpp>

#include <string_view>

namespace gatehouse::policy::x3_support {

namespace x3 = boost::spirit::x3;

// x3::raw[] yields a range over the input; the grammars hand out views of it.
using Range = boost::iterator_range<const char*>;

inline std::string_view view_of(const Range& r) noexcept {
  return {r.begin(), static_cast<std::size_t>(r.end() - r.begin())};
}

}  // namespace gatehouse::policy::x3_support
