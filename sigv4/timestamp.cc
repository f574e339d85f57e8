#include "sigv4/timestamp.h"

#include <boost/spirit/home/x3.hpp>

namespace gatehouse::sigv4 {
namespace {

namespace x3 = boost::spirit::x3;

template <int Digits>
const x3::uint_parser<unsigned, 10, Digits, Digits> kDigits{};

void write_digits(char* out, unsigned value, int digits) noexcept {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::optional<Seconds> parse_amz_date(std::string_view text) noexcept {
  if (text.size() != kAmzDateSize) return std::nullopt;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const auto set = [](unsigned& field) { return [&field](auto& ctx) { field = x3::_attr(ctx); }; };
  const auto grammar = kDigits<4>[set(year)] >> kDigits<2>[set(month)] >> kDigits<2>[set(day)] >> 'T' >>
                       kDigits<2>[set(hour)] >> kDigits<2>[set(minute)] >> kDigits<2>[set(second)] >> 'Z';
  const char* first = text.data();
  const char* const last = text.data() + text.size();
  if (!x3::parse(first, last, grammar) || first != last) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(year)),
                                         std::chrono::month(month), std::chrono::day(day)};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

AmzDate format_amz_date(TimePoint time) noexcept {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{seconds - days};
  AmzDate out;
  write_digits(&out[0], static_cast<unsigned>(static_cast<int>(date.year())), 4);
  write_digits(&out[4], static_cast<unsigned>(date.month()), 2);
  write_digits(&out[6], static_cast<unsigned>(date.day()), 2);
  out[8] = 'T';
  write_digits(&out[9], static_cast<unsigned>(clock.hours().count()), 2);
  write_digits(&out[11], static_cast<unsigned>(clock.minutes().count()), 2);
  write_digits(&out[13], static_cast<unsigned>(clock.seconds().count()), 2);
  out[15] = 'Z';
  return out;
}

}  // namespace gatehouse::sigv4
