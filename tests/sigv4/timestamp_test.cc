// The ISO-8601 basic timestamp ("Handling dates in Signature Version 4"; spec section 3.1).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "sigv4/timestamp.h"

namespace gatehouse::sigv4 {

TEST_CASE("timestamps: only YYYYMMDDTHHMMSSZ naming a real time parses", "[sigv4][timestamp]") {
  using namespace std::chrono;
  CHECK(parse_amz_date("20240501T120000Z") == sys_days(year(2024) / May / 1) + hours(12));
  CHECK(parse_amz_date("20240229T235959Z") == sys_days(year(2024) / February / 29) + hours(23) + minutes(59) + seconds(59));
  CHECK(parse_amz_date("19700101T000000Z") == sys_seconds{});
  const std::string_view rejected[] = {
      "2024-05-01T12:00:00Z", "Wed, 01 May 2024 12:00:00 GMT", "20240501T120000",  "20240501T120000z",
      "20240501t120000Z",     "20240501T120000.5Z",            "20230229T120000Z", "20240431T120000Z",
      "20241301T120000Z",     "20240001T120000Z",              "20240500T120000Z", "20240501T240000Z",
      "20240501T126000Z",     "20240501T120060Z",              "2024050 T120000Z", "+2024051T120000Z",
      "20240501T120000Z,20240501T120100Z", "",
  };
  for (const std::string_view text : rejected) {
    INFO("timestamp " << text);
    CHECK_FALSE(parse_amz_date(text).has_value());
  }
}

TEST_CASE("timestamps: formatting drops sub-seconds and round-trips", "[sigv4][timestamp]") {
  using namespace std::chrono;
  const TimePoint time = sys_days(year(2024) / May / 1) + hours(12) + seconds(30) + milliseconds(999);
  CHECK(as_view(format_amz_date(time)) == "20240501T120030Z");
  for (const std::string_view text : {"20240501T000000Z", "19991231T235959Z", "20240229T010203Z"}) {
    CHECK(as_view(format_amz_date(*parse_amz_date(text))) == text);
  }
}

}  // namespace gatehouse::sigv4
