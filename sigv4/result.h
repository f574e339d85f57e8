// Result<T, E>: verification outcomes are values, never exceptions (Boost.Outcome, header-only).
#pragma once

#include <boost/outcome.hpp>

namespace gatehouse::sigv4 {

namespace outcome = BOOST_OUTCOME_V2_NAMESPACE;

// Reading the value of a failed result is a broken invariant, not bad input: terminate.
template <class T, class E>
using Result = outcome::result<T, E, outcome::policy::terminate>;

using outcome::failure;
using outcome::success;

}  // namespace gatehouse::sigv4
