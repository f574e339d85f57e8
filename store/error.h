// Errors are values: what the caller answers on the wire (AWS's error code,
// HTTP status and exact message). Store failures are ServiceFailure (500).
#pragma once

#include <boost/outcome.hpp>

#include <ostream>
#include <string>
#include <string_view>

namespace gatehouse::store {

namespace outcome = BOOST_OUTCOME_V2_NAMESPACE;

struct Error {
  std::string code;     // "NoSuchEntity", "ResourceConflictException", ...
  int http_status = 500;
  std::string message;  // AWS's text

  bool operator==(const Error&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Error& error);

// Reading the value of a failed result is a broken invariant, not bad input: terminate.
template <class T>
using Result = outcome::result<T, Error, outcome::policy::terminate>;

using outcome::failure;
using outcome::success;

// The store could not do its work (I/O, corrupt record): 500 ServiceFailure.
Error service_failure(std::string_view what);

}  // namespace gatehouse::store
