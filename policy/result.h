// Result<T, E>: errors are values on hot paths (Boost.Outcome, header-only).
#pragma once

#include <boost/outcome.hpp>

namespace gatehouse::policy {

namespace outcome = BOOST_OUTCOME_V2_NAMESPACE;

// Reading the value of a failed result is a broken invariant, not bad input: terminate.
template <class T, class E>
using Result = outcome::result<T, E, outcome::policy::terminate>;

using outcome::failure;
using outcome::success;

}  // namespace gatehouse::policy
