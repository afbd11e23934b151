#include "core/domain/cron.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace ryax;
using namespace ryax::domain;

namespace {

// Unix milliseconds of a UTC date and time.
std::int64_t
at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0)
{
  using namespace std::chrono;
  const sys_days date{ year{ y } / month{ mo } / day{ d } };
  return (date.time_since_epoch().count() * 1440LL + h * 60 + mi) * 60'000;
}

// The next fire time of `expression` after `after`, as ISO 8601.
std::string
next(const std::string& expression, std::int64_t after, int offset = 0)
{
  const auto cron = parse_cron(expression);
  REQUIRE_MESSAGE(cron, cron.error().message);
  const auto fire = next_cron_time(*cron, offset, after);
  REQUIRE(fire);
  return iso8601_utc(*fire);
}

std::string
error_of(const std::string& expression)
{
  const auto cron = parse_cron(expression);
  REQUIRE_FALSE(cron);
  CHECK(cron.error().code == ErrorCode::invalid_argument);
  return cron.error().message;
}

} // namespace

TEST_SUITE_BEGIN("domain::cron");

TEST_CASE("iso8601_utc writes milliseconds and a Z")
{
  CHECK(iso8601_utc(at(2026, 1, 31, 12, 5) + 1234) ==
        "2026-01-31T12:05:01.234Z");
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("the next fire time is strictly after the given time")
{
  CHECK(next("* * * * *", at(2026, 3, 1, 10, 0)) == "2026-03-01T10:01:00.000Z");
  CHECK(next("* * * * *", at(2026, 3, 1, 10, 0) + 59'999) ==
        "2026-03-01T10:01:00.000Z");
  CHECK(next("30 * * * *", at(2026, 3, 1, 10, 30)) ==
        "2026-03-01T11:30:00.000Z");
}

TEST_CASE("a step of 7 in minutes restarts at each hour")
{
  // 0, 7, ..., 56, then 0 of the next hour.
  CHECK(next("*/7 * * * *", at(2026, 3, 1, 10, 0)) ==
        "2026-03-01T10:07:00.000Z");
  CHECK(next("*/7 * * * *", at(2026, 3, 1, 10, 56)) ==
        "2026-03-01T11:00:00.000Z");
  CHECK(next("*/7 * * * *", at(2026, 3, 1, 10, 50)) ==
        "2026-03-01T10:56:00.000Z");
}

TEST_CASE("a step of 7 in hours restarts at each day")
{
  // 0, 7, 14, 21, then 0 of the next day.
  CHECK(next("0 */7 * * *", at(2026, 3, 1, 14, 0)) ==
        "2026-03-01T21:00:00.000Z");
  CHECK(next("0 */7 * * *", at(2026, 3, 1, 21, 0)) ==
        "2026-03-02T00:00:00.000Z");
}

TEST_CASE("lists, ranges and ranges with steps")
{
  CHECK(next("5,10 * * * *", at(2026, 3, 1, 10, 5)) ==
        "2026-03-01T10:10:00.000Z");
  CHECK(next("0 9-17/4 * * *", at(2026, 3, 1, 13, 0)) ==
        "2026-03-01T17:00:00.000Z");
  CHECK(next("0 9-17/4 * * *", at(2026, 3, 1, 17, 0)) ==
        "2026-03-02T09:00:00.000Z");
  CHECK(next("15/20 * * * *", at(2026, 3, 1, 10, 40)) ==
        "2026-03-01T10:55:00.000Z");
}

TEST_CASE("day-of-month and day-of-week both set, either matches")
{
  // 2026-03-01 is a Sunday. The 13th, or any Friday (the 6th first).
  CHECK(next("0 0 13 * 5", at(2026, 3, 1)) == "2026-03-06T00:00:00.000Z");
  CHECK(next("0 0 13 * 5", at(2026, 3, 12, 1)) == "2026-03-13T00:00:00.000Z");
  CHECK(next("0 0 13 * 5", at(2026, 3, 13, 1)) == "2026-03-20T00:00:00.000Z");
}

TEST_CASE("with one day field a star, the other alone decides")
{
  CHECK(next("0 0 * * 1", at(2026, 3, 1)) == "2026-03-02T00:00:00.000Z");
  CHECK(next("0 0 13 * *", at(2026, 3, 1)) == "2026-03-13T00:00:00.000Z");
  // "*/2" starts with a star: both must match, an odd day and a Wednesday
  // (the 4th is even).
  CHECK(next("0 0 */2 * 3", at(2026, 3, 1)) == "2026-03-11T00:00:00.000Z");
}

TEST_CASE("weekday 7 and names are Sunday, month names are months")
{
  CHECK(next("0 0 * * 7", at(2026, 3, 2)) == "2026-03-08T00:00:00.000Z");
  CHECK(next("0 0 * * SUN", at(2026, 3, 2)) == "2026-03-08T00:00:00.000Z");
  CHECK(next("0 0 1 jun *", at(2026, 3, 2)) == "2026-06-01T00:00:00.000Z");
  CHECK(next("0 0 * * mon-fri", at(2026, 3, 7)) == "2026-03-09T00:00:00.000Z");
}

TEST_CASE("Feb 29 from a non-leap year fires in the next leap year")
{
  CHECK(next("0 0 29 2 *", at(2025, 3, 1)) == "2028-02-29T00:00:00.000Z");
  CHECK(next("0 0 29 2 *", at(2028, 2, 29)) == "2032-02-29T00:00:00.000Z");
}

TEST_CASE("the end of the month")
{
  // The 31st skips the months without one.
  CHECK(next("0 12 31 * *", at(2026, 3, 31, 13)) == "2026-05-31T12:00:00.000Z");
  CHECK(next("59 23 31 12 *", at(2026, 12, 31, 23, 58)) ==
        "2026-12-31T23:59:00.000Z");
  CHECK(next("* * * * *", at(2026, 12, 31, 23, 59)) ==
        "2027-01-01T00:00:00.000Z");
}

TEST_CASE("a day that never comes gives no fire time")
{
  const auto cron = parse_cron("0 0 30 2 *");
  REQUIRE(cron);
  CHECK_FALSE(next_cron_time(*cron, 0, at(2026, 1, 1)));
}

TEST_CASE("the macros")
{
  const auto t = at(2026, 3, 4, 10, 30); // a Wednesday
  CHECK(next("@hourly", t) == "2026-03-04T11:00:00.000Z");
  CHECK(next("@daily", t) == "2026-03-05T00:00:00.000Z");
  CHECK(next("@midnight", t) == "2026-03-05T00:00:00.000Z");
  CHECK(next("@weekly", t) == "2026-03-08T00:00:00.000Z");
  CHECK(next("@monthly", t) == "2026-04-01T00:00:00.000Z");
  CHECK(next("@yearly", t) == "2027-01-01T00:00:00.000Z");
  CHECK(next("@annually", t) == "2027-01-01T00:00:00.000Z");
  CHECK(error_of("@reboot").find("unknown macro \"@reboot\"") !=
        std::string::npos);
}

TEST_CASE("a fixed offset shifts the local time")
{
  // 09:00 at +02:00 is 07:00 UTC.
  CHECK(next("0 9 * * *", at(2026, 3, 1, 6), 120) ==
        "2026-03-01T07:00:00.000Z");
  CHECK(next("0 9 * * *", at(2026, 3, 1, 8), 120) ==
        "2026-03-02T07:00:00.000Z");
  CHECK(next("0 0 * * *", at(2026, 3, 1, 1), -330) ==
        "2026-03-01T05:30:00.000Z");
}

TEST_CASE("time zones: fixed offsets parse, names are left to the database")
{
  CHECK(parse_utc_offset("UTC").value() == 0);
  CHECK(parse_utc_offset("").value() == 0);
  CHECK(parse_utc_offset("+02:00").value() == 120);
  CHECK(parse_utc_offset("-0530").value() == -330);
  CHECK(parse_utc_offset("UTC+01").value() == 60);
  const auto paris = parse_utc_offset("Europe/Paris");
  REQUIRE_FALSE(paris);
  CHECK(paris.error().message.find("\"Europe/Paris\"") != std::string::npos);
  CHECK_FALSE(parse_utc_offset("+25:00"));
  CHECK_FALSE(parse_utc_offset("+2:0"));
  CHECK(looks_like_zone_name("Europe/Paris"));
  CHECK(looks_like_zone_name("America/Argentina/Buenos_Aires"));
  CHECK(looks_like_zone_name("Etc/GMT+5"));
  CHECK_FALSE(looks_like_zone_name("/etc/passwd"));
  CHECK_FALSE(looks_like_zone_name("Europe/../Paris"));
  CHECK_FALSE(looks_like_zone_name("Mars Olympus"));
  CHECK_FALSE(looks_like_zone_name(std::string(65, 'a')));
}

namespace {

// Europe/Paris in 2027: CET (+01:00), CEST (+02:00) from 2027-03-28T01:00Z,
// CET again from 2027-10-31T01:00Z (as the tz database has it).
ZoneOffsets
paris_2027()
{
  ZoneOffsets zone;
  zone.name = "Europe/Paris";
  zone.intervals = { { at(2026, 10, 25, 1), at(2027, 3, 28, 1), 60 },
                     { at(2027, 3, 28, 1), at(2027, 10, 31, 1), 120 },
                     { at(2027, 10, 31, 1), at(2028, 3, 26, 1), 60 } };
  return zone;
}

std::string
next_in(const std::string& expression, std::int64_t after, const ZoneOffsets& zone)
{
  const auto cron = parse_cron(expression);
  REQUIRE_MESSAGE(cron, cron.error().message);
  const auto fire = next_cron_time(*cron, zone, after);
  REQUIRE(fire);
  return iso8601_utc(*fire);
}

} // namespace

TEST_CASE("DST: a local time skipped when clocks go forward does not fire, one repeated fires once")
{
  const auto paris = paris_2027();
  // 09:00 local: 08:00Z in winter, 07:00Z in summer.
  CHECK(next_in("0 9 * * *", at(2027, 3, 27, 12), paris) == "2027-03-28T07:00:00.000Z");
  CHECK(next_in("0 9 * * *", at(2027, 3, 26, 12), paris) == "2027-03-27T08:00:00.000Z");
  // 02:30 does not exist on 2027-03-28 in Paris: the next is the 29th.
  CHECK(next_in("30 2 * * *", at(2027, 3, 27, 12), paris) == "2027-03-29T00:30:00.000Z");
  // Hourly across the change: 01:00 CET (00:00Z), then 03:00 CEST (01:00Z).
  CHECK(next_in("0 * * * *", at(2027, 3, 28, 0), paris) == "2027-03-28T01:00:00.000Z");
  // 02:30 comes twice on 2027-10-31 (CEST, then CET): it fires once.
  const auto first = next_in("30 2 * * *", at(2027, 10, 30, 12), paris);
  CHECK(first == "2027-10-31T00:30:00.000Z");
  CHECK(next_in("30 2 * * *", at(2027, 10, 31, 0, 30), paris) == "2027-11-01T01:30:00.000Z");
  // Every 15 minutes through the repeated hour (02:00-02:59 local, first
  // CEST from 00:00Z, then CET from 01:00Z): no local minute twice, so
  // after 02:45 CEST the next is 03:00 CET.
  CHECK(next_in("*/15 * * * *", at(2027, 10, 31, 0, 45), paris) == "2027-10-31T02:00:00.000Z");
  CHECK(next_in("*/15 * * * *", at(2027, 10, 31, 1, 20), paris) == "2027-10-31T02:00:00.000Z");
  CHECK(next_in("*/15 * * * *", at(2027, 10, 31, 2, 0), paris) == "2027-10-31T02:15:00.000Z");
  // A fixed zone is one interval at all times.
  CHECK(next_in("0 9 * * *", at(2026, 3, 1, 6), ZoneOffsets::fixed(120)) ==
        "2026-03-01T07:00:00.000Z");
}

TEST_CASE("invalid fields are refused naming the field")
{
  CHECK(error_of("61 * * * *") ==
        "field \"minute\": \"61\" is out of range 0-59");
  CHECK(error_of("* 24 * * *").starts_with("field \"hour\":"));
  CHECK(error_of("* * 0 * *").starts_with("field \"day-of-month\":"));
  CHECK(error_of("* * * 13 *").starts_with("field \"month\":"));
  CHECK(error_of("* * * * 8").starts_with("field \"day-of-week\":"));
  CHECK(error_of("*/0 * * * *").starts_with("field \"minute\":"));
  CHECK(error_of("5-1 * * * *").starts_with("field \"minute\":"));
  CHECK(error_of("a * * * *").starts_with("field \"minute\":"));
  CHECK(error_of("1,,2 * * * *").starts_with("field \"minute\":"));
  CHECK(error_of("* * * *").find("has 4 fields: expected 5") !=
        std::string::npos);
}

TEST_SUITE_END();
