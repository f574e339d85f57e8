#include "policy/values.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

using gatehouse::policy::compare;
using gatehouse::policy::contains;
using gatehouse::policy::decode_base64;
using gatehouse::policy::format_date;
using gatehouse::policy::Instant;
using gatehouse::policy::IpAddress;
using gatehouse::policy::IpRange;
using gatehouse::policy::parse_bool;
using gatehouse::policy::parse_cidr;
using gatehouse::policy::parse_date;
using gatehouse::policy::parse_decimal;
using gatehouse::policy::parse_ip;

namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

std::string hex(const IpAddress& a) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = a.v6 ? 16 : 4;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[a.bytes[i] >> 4]);
    out.push_back(kDigits[a.bytes[i] & 0xf]);
  }
  return out;
}

int sign_of(std::strong_ordering o) { return o < 0 ? -1 : (o > 0 ? 1 : 0); }

}  // namespace

// ---------------------------------------------------------------------------
// Numbers (Appendix B): [+|-] ( digits [ "." *DIGIT ] / "." digits ).

TEST_CASE("parse_decimal normalizes sign, leading and trailing zeros", "[policy][values]") {
  struct Row {
    std::string_view text;
    bool negative;
    std::string_view integer;
    std::string_view fraction;
  };
  const Row rows[] = {
      {"10", false, "10", ""},
      {"10.0", false, "10", ""},
      {"+10", false, "10", ""},
      {"010", false, "10", ""},
      {"-10.50", true, "10", "5"},
      {"0", false, "", ""},
      {"-0", false, "", ""},
      {"-0.000", false, "", ""},
      {"+.0", false, "", ""},
      {".5", false, "", "5"},
      {"-.5", true, "", "5"},
      {"1.", false, "1", ""},
      {"0.0010", false, "", "001"},
      {"00012.34500", false, "12", "345"},
      {"1714564800", false, "1714564800", ""},
      {"123456789012345678901234567890.000000000000000000001", false,
       "123456789012345678901234567890", "000000000000000000001"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto d = parse_decimal(row.text);
      REQUIRE(d.has_value());
      CHECK(d->negative == row.negative);
      CHECK(d->integer == row.integer);
      CHECK(d->fraction == row.fraction);
    }
  }
}

TEST_CASE("parse_decimal rejects everything outside the number grammar", "[policy][values]") {
  const std::string_view rows[] = {
      "",      "+",     "-",     ".",     "+.",     "-.",    "1e1",   "1E1",   " 10",
      "10 ",   "0x0A",  "NaN",   "nan",   "Infinity", "-Infinity", "inf", "abc", "1.2.3",
      "--1",   "+-1",   "++1",   "1,0",   "1_000",  "1..2",  "1-",    "1+",    "\xd9\xa1",
      "5\n",   "\t5",   "1.5e",  "0b1",   std::string_view("1\0", 2),
  };
  for (const auto text : rows) {
    DYNAMIC_SECTION("`" << text << "`") { CHECK_FALSE(parse_decimal(text).has_value()); }
  }
}

TEST_CASE("compare orders decimals exactly", "[policy][values]") {
  struct Row {
    std::string_view a;
    std::string_view b;
    int expected;  // sign of a <=> b
  };
  const Row rows[] = {
      // "10", "10.0", "+10", "010" are equal (Appendix B).
      {"10", "10.0", 0},
      {"10", "+10", 0},
      {"10", "010", 0},
      {"+10", "010.000", 0},
      {"-0", "0", 0},
      {"-0.0", "+0", 0},
      {".5", "0.5", 0},
      {"1.", "1", 0},
      {"-1", "0", -1},
      {"0", "-1", 1},
      {"-1", "1", -1},
      {"0.5", "0.51", -1},
      {"0.6", "0.51", 1},
      {"-0.5", "-0.51", 1},
      {"-0.6", "-0.51", -1},
      {"100", "99", 1},
      {"99.999", "100", -1},
      {"-100", "-99", -1},
      {"0.001", "0", 1},
      {"-0.001", "0", -1},
      // Beyond the precision of a double: still exact.
      {"123456789012345678901234567890", "123456789012345678901234567889", 1},
      {"1.0000000000000000001", "1", 1},
      {"9007199254740993", "9007199254740992", 1},
      {"-9007199254740993", "-9007199254740992", -1},
      // "NumericLessThan {"k":"10"}": a context value 5 matches (context <op> policy).
      {"5", "10", -1},
      {"1714564800", "1714564800.0", 0},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.a << "` vs `" << row.b << "`") {
      const auto a = parse_decimal(row.a);
      const auto b = parse_decimal(row.b);
      REQUIRE(a.has_value());
      REQUIRE(b.has_value());
      CHECK(sign_of(compare(*a, *b)) == row.expected);
      CHECK(sign_of(compare(*b, *a)) == -row.expected);
    }
  }
}

// ---------------------------------------------------------------------------
// Dates (Appendix B, 3.6).

TEST_CASE("parse_date accepts the ISO 8601 subset and epoch seconds", "[policy][values]") {
  struct Row {
    std::string_view text;
    std::int64_t seconds;
    std::int32_t nanos;
  };
  const Row rows[] = {
      // Appendix B "Valid" list.
      {"2019-07-01T13:20:15Z", 1561987215, 0},
      {"2016-12-13T21:20:37.593194+00:00", 1481664037, 593194000},
      {"2016-12-13t2:00:00.593194+23", 1481511600, 593194000},
      {"01T", -62135596800, 0},
      {"-292275054", -9223372017043200, 0},
      {"1714564800", 1714564800, 0},
      // Accepted forms listed in 3.6.
      {"2020", 2020, 0},  // contains no '-': epoch seconds, not the year
      {"2020-01", 1577836800, 0},
      {"2020-01-31", 1580428800, 0},
      {"2020-01-31T10", 1580464800, 0},
      {"2020-01-31T10:00", 1580464800, 0},
      {"2020-01-31T10:00:00Z", 1580464800, 0},
      {"2020-01-31T10:00:00.123456789+05:30", 1580445000, 123456789},
      {"2020-01-31t10:00:00z", 1580464800, 0},
      {"2020-01-31T10:00:00", 1580464800, 0},
      {"2020-01-31T", 1580428800, 0},
      {"2020-1-5T1:2:3Z", 1578186123, 0},
      {"2020-01-31T10:00:00+05", 1580446800, 0},
      {"2020-01-31T10:00:00.5Z", 1580464800, 500000000},
      {"2020-01-31T10:00:00.000000001Z", 1580464800, 1},
      {"2020-01-31T10:00:00.999999999Z", 1580464800, 999999999},
      {"2020-01-31T10:00:00.1", 1580464800, 100000000},
      {"2020T10", 1577872800, 0},
      // 3.14 C18-C20 context and policy values.
      {"2024-05-01T12:00:00Z", 1714564800, 0},
      {"2024-05-01T17:30:00+05:30", 1714564800, 0},
      {"1714564801", 1714564801, 0},
      // Epoch boundaries.
      {"0", 0, 0},
      {"2019", 2019, 0},
      {"00000000000000000000001", 1, 0},
      {"9223372036854775807", kInt64Max, 0},
      // Year range and years around zero (proleptic Gregorian, astronomical numbering).
      {"292278993-12-31T23:59:59Z", 9223372017129599, 0},
      {"0-01-01", -62167219200, 0},
      {"-1-12-31T23:59:59Z", -62167219201, 0},
      {"-0001-12-31T23:59:59Z", -62167219201, 0},
      {"1969-12-31T23:59:59Z", -1, 0},
      {"1970-01-01T00:00:00Z", 0, 0},
      {"02020-01-31", 1580428800, 0},
      // Day 1..31 in every month; the overflow rolls into the next month.
      {"2021-02-31", 1614729600, 0},
      {"2020-02-31", 1583107200, 0},
      {"2020-02-29", 1582934400, 0},
      {"2020-01-01T23:59:59+23:59", 1577836859, 0},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto t = parse_date(row.text);
      REQUIRE(t.has_value());
      CHECK(t->seconds == row.seconds);
      CHECK(t->nanos == row.nanos);
    }
  }
}

TEST_CASE("parse_date rejects what AWS's legacy parser rejects", "[policy][values]") {
  const std::string_view rows[] = {
      // Appendix B "Invalid" list.
      "sdfdsf",
      "234-13",
      "2016-12-13t2:00:00.593194+1",
      "2016-12-13t2:00:00.1999999999+10:59",
      "9223372036854775808",
      "2020-01-31T10:00Z",
      "2020-01-31T10:00:00-05:00",
      "1700000000.5",
      // Further grammar violations.
      "",
      "-",
      "--2020",
      "+2020-01-01",
      "T",
      "t",
      "2020-",
      "2020-01-",
      "2020-00",
      "2020-13",
      "2020-001",
      "2020-01-00",
      "2020-01-32",
      "2020-01-001",
      "2020-01-01TT",
      "2020-01-01T24",
      "2020-01-01T001",
      "2020-01-01T10:",
      "2020-01-01T10:60",
      "2020-01-01T10:00:",
      "2020-01-01T10:00:60",
      "2020-01-01T10:00:00.",
      "2020-01-01T10:00:00.Z",
      "2020-01-01T10:00:00.0000000000",
      "2020-01-01T10:00:00+",
      "2020-01-01T10:00:00+24",
      "2020-01-01T10:00:00+05:60",
      "2020-01-01T10:00:00+5:30",
      "2020-01-01T10:00:00+05:3",
      "2020-01-01T10:00:00+05:",
      "2020-01-01T10:00:00+0530",
      "2020-01-01T10:00:00Zx",
      "2020-01-01T10:00:00ZZ",
      "2020-01-01T10:00:00Z+01",
      "2020-01-01T10Z",
      "2020-01-01Z",
      "2020-01-01 10:00:00",
      " 2020-01-01",
      "2020-01-01 ",
      "2020-01-01T10:00:00z\n",
      "2020/01/01",
      "292278994-01-01",
      "-292275055",
      "99999999999999999999999-01-01",
      "1e9",
      " 1714564800",
      "+1714564800",
      "17145648OO",
      "99999999999999999999",
  };
  for (const auto text : rows) {
    DYNAMIC_SECTION("`" << text << "`") { CHECK_FALSE(parse_date(text).has_value()); }
  }
}

TEST_CASE("parse_date compares instants with nanosecond precision", "[policy][values]") {
  struct Row {
    std::string_view a;
    std::string_view b;
    int expected;
  };
  const Row rows[] = {
      // "DateEquals "2020-01-01"" equals a context of 2020-01-01T00:00:00Z (3.6).
      {"2020-01-01", "2020-01-01T00:00:00Z", 0},
      {"2020-01-01T00:00:00.000000001Z", "2020-01-01T00:00:00Z", 1},
      {"2020-01-01T00:00:00.1Z", "2020-01-01T00:00:00.100000000Z", 0},
      {"2020-01-01T00:00:00.999999999Z", "2020-01-01T00:00:01Z", -1},
      {"2024-05-01T17:30:00+05:30", "2024-05-01T12:00:00Z", 0},
      {"2024-05-01T12:00:00Z", "2024-01-01T00:00:00Z", 1},
      {"2024-05-01T12:00:00Z", "1714564801", -1},
      {"1714564800", "2024-05-01T12:00:00Z", 0},
      {"2019", "2019-01-01", -1},
      {"2021-02-31", "2021-03-03", 0},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.a << "` vs `" << row.b << "`") {
      const auto a = parse_date(row.a);
      const auto b = parse_date(row.b);
      REQUIRE(a.has_value());
      REQUIRE(b.has_value());
      CHECK(sign_of(*a <=> *b) == row.expected);
    }
  }
}

TEST_CASE("format_date prints YYYY-MM-DDThh:mm:ssZ", "[policy][values]") {
  struct Row {
    Instant t;
    std::string_view text;
  };
  const Row rows[] = {
      {{0, 0}, "1970-01-01T00:00:00Z"},
      {{1714564800, 0}, "2024-05-01T12:00:00Z"},
      {{1714564800, 999999999}, "2024-05-01T12:00:00Z"},
      {{-1, 0}, "1969-12-31T23:59:59Z"},
      {{1582934400, 0}, "2020-02-29T00:00:00Z"},
      {{-62135596800, 0}, "0001-01-01T00:00:00Z"},
      {{-62167219200, 0}, "0000-01-01T00:00:00Z"},
      {{-62167219201, 0}, "-0001-12-31T23:59:59Z"},
      {{253402300800, 0}, "10000-01-01T00:00:00Z"},
      {{kInt64Max, 0}, "292277026596-12-04T15:30:07Z"},
      {{kInt64Min, 0}, "-292277022657-01-27T08:29:52Z"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.text) { CHECK(format_date(row.t) == row.text); }
  }
}

TEST_CASE("format_date output parses back to the same instant", "[policy][values]") {
  const std::int64_t rows[] = {0,           1,           -1,          86399,
                               86400,       951782400,   1714564800,  -62135596800,
                               -62167219201, 4102444800, 9223372017129599, -9223372017043200};
  for (const auto seconds : rows) {
    DYNAMIC_SECTION(seconds) {
      const auto t = parse_date(format_date({seconds, 0}));
      REQUIRE(t.has_value());
      CHECK(t->seconds == seconds);
      CHECK(t->nanos == 0);
    }
  }
}

// ---------------------------------------------------------------------------
// Bool (3.7) and the coercion examples of 3.3.

TEST_CASE("parse_bool accepts true and false in any case", "[policy][values]") {
  struct Row {
    std::string_view text;
    std::optional<bool> expected;
  };
  const Row rows[] = {
      {"true", true},   {"TRUE", true},   {"True", true},    {"tRuE", true},
      {"false", false}, {"FALSE", false}, {"False", false},  {"fAlSe", false},
      {"yes", {}},      {"no", {}},       {"1", {}},         {"0", {}},
      {"", {}},         {" true", {}},    {"true ", {}},     {"truee", {}},
      {"t", {}},        {"f", {}},        {"tru", {}},       {"\xc5\xa7rue", {}},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") { CHECK(parse_bool(row.text) == row.expected); }
  }
}

TEST_CASE("unparsable values of 3.3 do not parse, so the comparison is false",
          "[policy][values]") {
  // NumericEquals / NumericNotEquals {"k":"abc"} with k=5; NumericLessThan {"k":"10"} with k=abc.
  CHECK_FALSE(parse_decimal("abc").has_value());
  CHECK(parse_decimal("5").has_value());
  CHECK(parse_decimal("10").has_value());
  // Bool {"k":"yes"} with k=true.
  CHECK_FALSE(parse_bool("yes").has_value());
  CHECK(parse_bool("true") == true);
  // DateLessThan {"aws:CurrentTime":"2030-01-01"} with aws:CurrentTime=garbage.
  CHECK(parse_date("2030-01-01").has_value());
  CHECK_FALSE(parse_date("garbage").has_value());
}

// ---------------------------------------------------------------------------
// IP addresses and CIDRs (3.8).

TEST_CASE("parse_ip reads IPv4 dotted quads and RFC 4291 IPv6 text", "[policy][values]") {
  struct Row {
    std::string_view text;
    bool v6;
    std::string_view hex;
  };
  const Row rows[] = {
      {"0.0.0.0", false, "00000000"},
      {"255.255.255.255", false, "ffffffff"},
      {"203.0.113.7", false, "cb007107"},
      {"10.0.0.1", false, "0a000001"},
      {"::", true, "00000000000000000000000000000000"},
      {"::1", true, "00000000000000000000000000000001"},
      {"1::", true, "00010000000000000000000000000000"},
      {"2001:db8::1", true, "20010db8000000000000000000000001"},
      {"2001:DB8::1", true, "20010db8000000000000000000000001"},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", true, "20010db8000000000000000000000001"},
      {"2001:db8:0:0:0:0:0:1", true, "20010db8000000000000000000000001"},
      {"aBcD::EfAb", true, "abcd000000000000000000000000efab"},
      {"1:2:3:4:5:6:7:8", true, "00010002000300040005000600070008"},
      {"1::2:3:4:5:6:7", true, "00010000000200030004000500060007"},
      {"1:2:3:4:5:6:7::", true, "00010002000300040005000600070000"},
      {"::2:3:4:5:6:7:8", true, "00000002000300040005000600070008"},
      {"fe80::1:2", true, "fe800000000000000000000000010002"},
      {"2001:DB8:1234:5678::", true, "20010db8123456780000000000000000"},
      {"::ffff:10.0.0.1", true, "00000000000000000000ffff0a000001"},
      {"::FFFF:203.0.113.7", true, "00000000000000000000ffffcb007107"},
      {"::1.2.3.4", true, "00000000000000000000000001020304"},
      {"1:2:3:4:5:6:1.2.3.4", true, "00010002000300040005000601020304"},
      {"1::5:6:255.255.255.255", true, "000100000000000000050006ffffffff"},
      {"64:ff9b::192.0.2.33", true, "0064ff9b0000000000000000c0000221"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto ip = parse_ip(row.text);
      REQUIRE(ip.has_value());
      CHECK(ip->v6 == row.v6);
      CHECK(hex(*ip) == row.hex);
    }
  }
}

TEST_CASE("parse_ip rejects malformed addresses", "[policy][values]") {
  const std::string_view rows[] = {
      "",
      "256.0.0.1",
      "1.2.3",
      "1.2.3.4.5",
      "01.2.3.4",
      "1.2.3.04",
      "1.2.3.000",
      "1..3.4",
      "1.2.3.4.",
      ".1.2.3.4",
      " 1.2.3.4",
      "1.2.3.4 ",
      "1.2.3.-4",
      "+1.2.3.4",
      "a.b.c.d",
      "1234.1.1.1",
      "0x1.2.3.4",
      "1.2.3.4/32",
      "localhost",
      ":",
      ":::",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8::",
      "::1:2:3:4:5:6:7:8",
      "1:2:3:4::5:6:7:8",
      "g::1",
      "1:",
      ":1",
      "1:2:3:4:5:6:7:8:",
      ":1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:1.2.3.4",
      "::1.2.3",
      "::1.2.3.4:5",
      "::1.2.3.4.5",
      "::256.0.0.1",
      "::ffff:010.0.0.1",
      "::ffff:1.2.3.4::",
      "1.2.3.4::",
      "fe80::1%eth0",
      "[::1]",
      " ::1",
      "::1 ",
      "2001:db8::/32",
      "::-1",
      "::+1",
  };
  for (const auto text : rows) {
    DYNAMIC_SECTION("`" << text << "`") { CHECK_FALSE(parse_ip(text).has_value()); }
  }
}

TEST_CASE("parse_cidr reads a prefix or a bare address and masks host bits",
          "[policy][values]") {
  struct Row {
    std::string_view text;
    bool v6;
    std::string_view hex;
    int prefix;
  };
  const Row rows[] = {
      {"203.0.113.0/24", false, "cb007100", 24},
      {"10.1.2.3/8", false, "0a000000", 8},
      {"10.0.0.1", false, "0a000001", 32},
      {"0.0.0.0/0", false, "00000000", 0},
      {"255.255.255.255/0", false, "00000000", 0},
      {"10.255.255.255/31", false, "0afffffe", 31},
      {"10.255.255.255/9", false, "0a800000", 9},
      {"1.2.3.4/32", false, "01020304", 32},
      {"2001:db8::1", true, "20010db8000000000000000000000001", 128},
      {"2001:DB8:1234:5678::/64", true, "20010db8123456780000000000000000", 64},
      {"2001:DB8:1234:5678:9abc::1/64", true, "20010db8123456780000000000000000", 64},
      {"::/0", true, "00000000000000000000000000000000", 0},
      {"ffff::ffff/1", true, "80000000000000000000000000000000", 1},
      {"2001:db8::ffff/127", true, "20010db800000000000000000000fffe", 127},
      {"::1/128", true, "00000000000000000000000000000001", 128},
      {"::ffff:10.1.2.3/104", true, "00000000000000000000ffff0a000000", 104},
      {"10.0.0.0/08", false, "0a000000", 8},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto range = parse_cidr(row.text);
      REQUIRE(range.has_value());
      CHECK(range->base.v6 == row.v6);
      CHECK(hex(range->base) == row.hex);
      CHECK(range->prefix == row.prefix);
    }
  }
}

TEST_CASE("parse_cidr rejects malformed ranges", "[policy][values]") {
  const std::string_view rows[] = {
      "",          "/8",           "10.0.0.0/",     "10.0.0.0/33",  "::/129",
      "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8",  "10.0.0.0/8 ",
      "10.0.0.0/a", "10.0.0.0/1000", "10.0.0.0/0x8", "256.0.0.0/8", "2001:db8::/64x",
      "10.0.0/8",  "::1/",         "::1//64",
  };
  for (const auto text : rows) {
    DYNAMIC_SECTION("`" << text << "`") { CHECK_FALSE(parse_cidr(text).has_value()); }
  }
}

TEST_CASE("contains tests membership and never crosses address families",
          "[policy][values]") {
  struct Row {
    std::string_view range;
    std::string_view address;
    bool inside;
  };
  const Row rows[] = {
      // 3.14 C14-C17 with aws:SourceIp=203.0.113.7.
      {"203.0.113.0/24", "203.0.113.7", true},
      {"203.0.113.7", "203.0.113.7", true},
      {"10.0.0.0/8", "203.0.113.7", false},
      {"2001:db8::/32", "203.0.113.7", false},
      {"203.0.113.7", "203.0.113.8", false},
      {"203.0.113.0/24", "203.0.114.0", false},
      // 3.8: an IPv4 context never falls in an IPv6 range, and vice versa.
      {"10.0.0.0/8", "2001:db8::1", false},
      {"10.0.0.0/8", "::ffff:10.0.0.1", false},
      {"::ffff:0:0/96", "10.0.0.1", false},
      {"::ffff:0:0/96", "::ffff:10.0.0.1", true},
      {"0.0.0.0/0", "255.1.2.3", true},
      {"0.0.0.0/0", "::", false},
      {"::/0", "2001:db8::1", true},
      {"::/0", "10.0.0.1", false},
      {"10.1.2.3/8", "10.200.0.1", true},
      {"10.0.0.0/31", "10.0.0.1", true},
      {"10.0.0.0/31", "10.0.0.2", false},
      {"128.0.0.0/1", "200.0.0.1", true},
      {"128.0.0.0/1", "127.255.255.255", false},
      {"2001:db8::/127", "2001:db8::1", true},
      {"2001:db8::/127", "2001:db8::2", false},
      {"2001:DB8:1234:5678::/64", "2001:db8:1234:5678:ffff:ffff:ffff:ffff", true},
      {"2001:DB8:1234:5678::/64", "2001:db8:1234:5679::", false},
      {"2001:db8::/32", "2001:db9::", false},
      {"::1", "::1", true},
      {"::1", "::2", false},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.address << "` in `" << row.range << "`") {
      const auto range = parse_cidr(row.range);
      const auto address = parse_ip(row.address);
      REQUIRE(range.has_value());
      REQUIRE(address.has_value());
      CHECK(contains(*range, *address) == row.inside);
    }
  }
}

TEST_CASE("contains tolerates out-of-range prefixes in hand-built ranges", "[policy][values]") {
  const auto address = parse_ip("10.1.2.3");
  REQUIRE(address.has_value());
  IpRange range{*address, -5};
  CHECK(contains(range, *address));
  range.prefix = 500;
  CHECK(contains(range, *address));
  const auto other = parse_ip("10.1.2.4");
  REQUIRE(other.has_value());
  CHECK_FALSE(contains(range, *other));
}

// ---------------------------------------------------------------------------
// BinaryEquals (3.7): standard base64 with padding.

TEST_CASE("decode_base64 decodes the standard alphabet with padding", "[policy][values]") {
  struct Row {
    std::string_view text;
    std::string_view bytes;
  };
  const Row rows[] = {
      {"", ""},
      {"QQ==", "A"},
      {"QUI=", "AB"},
      {"QUJD", "ABC"},
      {"SGVsbG8sIHdvcmxkIQ==", "Hello, world!"},
      {"+/+/", "\xfb\xff\xbf"},
      {"AAE=", std::string_view("\0\1", 2)},
      {"AAAA", std::string_view("\0\0\0", 3)},
      {"Zm9vYmFy", "foobar"},
      {"QR==", "A"},  // non-zero pad bits are ignored
      {"QUJ=", "AB"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto bytes = decode_base64(row.text);
      REQUIRE(bytes.has_value());
      CHECK(*bytes == row.bytes);
    }
  }
}

TEST_CASE("decode_base64 rejects invalid text", "[policy][values]") {
  const std::string_view rows[] = {
      "QQ",   "QQ=",      "Q===",     "====",  "=QQQ",  "QQ==QQ==", "QQ=A", "-_-_",
      "QUJD\n", " QUJD",  "QU JD",    "QQ===", "QUJ",   "QUJD=",    "Q",    "\xc3\x84QQQ",
  };
  for (const auto text : rows) {
    DYNAMIC_SECTION("`" << text << "`") { CHECK_FALSE(decode_base64(text).has_value()); }
  }
}
