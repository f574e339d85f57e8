// The request timestamp: ISO-8601 basic UTC form YYYYMMDD'T'HHMMSS'Z' ("Handling dates in
// Signature Version 4"; spec section 3).
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string_view>

namespace gatehouse::sigv4 {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::sys_seconds;

inline constexpr std::size_t kAmzDateSize = 16;
using AmzDate = std::array<char, kAmzDateSize>;

// Exactly 16 characters naming a real calendar time; anything else (an HTTP-date, the
// extended form, fractional seconds, 2024-02-30) is nullopt.
std::optional<Seconds> parse_amz_date(std::string_view text) noexcept;

// Formats a time as YYYYMMDDTHHMMSSZ, dropping sub-seconds.
AmzDate format_amz_date(TimePoint time) noexcept;

inline std::string_view as_view(const AmzDate& date) noexcept { return {date.data(), date.size()}; }

}  // namespace gatehouse::sigv4
