// The fixture server's clock (server/fixture/clock.h): parsing the control call's times and
// durations, standing still, moving, and going back to the start.
#include <catch2/catch.hpp>

#include "server/fixture/clock.h"

using gatehouse::server::fixture::FixtureClock;
using gatehouse::server::fixture::format_time;
using gatehouse::server::fixture::parse_duration;
using gatehouse::server::fixture::parse_time;
using std::chrono::milliseconds;

TEST_CASE("fixture clock: ISO 8601 durations of days to seconds", "[fixture][clock]") {
  CHECK(parse_duration("PT90S") == milliseconds(90'000));
  CHECK(parse_duration("P1DT2H3M4S") == milliseconds(((24 + 2) * 3600 + 3 * 60 + 4) * 1000LL));
  CHECK(parse_duration("P2D") == milliseconds(2 * 86'400'000LL));
  CHECK(parse_duration("PT0.5S") == milliseconds(500));
  CHECK(parse_duration("-PT5M") == milliseconds(-300'000));
  CHECK(parse_duration("PT1H30M") == milliseconds(5'400'000));
  for (const char* bad : {"", "P", "PT", "90", "PT90", "P1M", "P1Y", "PT1D", "P1H", "PT1S1M", "PT1M1M", "PTxS",
                          "P1DT", "pt1s", "PT-1S", "P99999999999D"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad));
  }
}

TEST_CASE("fixture clock: times as aws:CurrentTime takes them", "[fixture][clock]") {
  const auto t = parse_time("2026-01-01T00:00:00Z");
  REQUIRE(t);
  CHECK(format_time(*t) == "2026-01-01T00:00:00Z");
  CHECK(parse_time("1767225600") == t);  // epoch seconds
  CHECK_FALSE(parse_time("yesterday"));
  CHECK_FALSE(parse_time("2026-13-01T00:00:00Z"));
}

TEST_CASE("fixture clock: set stands still, advance moves, reset goes back", "[fixture][clock]") {
  const auto start = *parse_time("2026-01-01T00:00:00Z");
  FixtureClock fixed(start);
  CHECK(fixed.now() == start);
  CHECK(fixed.advance(milliseconds(90'000)));
  CHECK(format_time(fixed.now()) == "2026-01-01T00:01:30Z");
  fixed.set(*parse_time("2030-05-05T05:05:05Z"));
  CHECK(format_time(fixed.now()) == "2030-05-05T05:05:05Z");
  CHECK(fixed.now_millis() == std::chrono::duration_cast<milliseconds>(fixed.now().time_since_epoch()).count());
  fixed.reset();
  CHECK(fixed.now() == start);
  CHECK_FALSE(fixed.advance(std::chrono::hours(24 * 365 * 300)));  // past 2255
  CHECK_FALSE(fixed.advance(-std::chrono::hours(24 * 365 * 60)));  // before 1970
  CHECK(fixed.now() == start);
  CHECK_FALSE(parse_time("2300-01-01T00:00:00Z"));

  FixtureClock system;  // follows the machine's clock until set
  const auto before = std::chrono::system_clock::now();
  CHECK(system.now() >= before);
  CHECK(system.advance(std::chrono::hours(24)));
  CHECK(system.now() >= before + std::chrono::hours(24));
  system.reset();
  CHECK(system.now() < before + std::chrono::hours(1));
}
