#pragma once

#include <cstdint>
#include <string>

namespace gatehouse::policy {

// 1-based line and column in the policy text (columns count code points).
struct Position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  friend bool operator==(const Position&, const Position&) = default;
};

}  // namespace gatehouse::policy
