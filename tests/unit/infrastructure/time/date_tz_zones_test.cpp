// DateTzZones on this machine's time zone database (Debian's tzdata).

#include "core/infrastructure/time/date_tz_zones.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace ryax;

namespace {

std::int64_t
at(int y, unsigned mo, unsigned d, int h = 0)
{
  using namespace std::chrono;
  const sys_days date{ year{ y } / month{ mo } / day{ d } };
  return (date.time_since_epoch().count() * 24LL + h) * 3'600'000;
}

} // namespace

TEST_SUITE_BEGIN("infra::time::DateTzZones");

TEST_CASE("Europe/Paris changes offset at the 2027 DST dates, an unknown zone is not_found")
{
  infra::time::DateTzZones zones;
  const auto paris = zones.offsets("Europe/Paris", at(2027, 1, 1), at(2027, 12, 31));
  REQUIRE_MESSAGE(paris, paris.error().message);
  REQUIRE(paris->intervals.size() == 3);
  CHECK(paris->intervals[0].offset_minutes == 60);
  CHECK(paris->intervals[1].begin_ms == at(2027, 3, 28, 1));
  CHECK(paris->intervals[1].offset_minutes == 120);
  CHECK(paris->intervals[2].begin_ms == at(2027, 10, 31, 1));
  CHECK(paris->intervals[2].offset_minutes == 60);
  CHECK(paris->intervals[0].end_ms == paris->intervals[1].begin_ms);

  const auto tokyo = zones.offsets("Asia/Tokyo", at(2027, 1, 1), at(2027, 12, 31));
  REQUIRE(tokyo);
  CHECK(tokyo->intervals.back().offset_minutes == 540);

  const auto mars = zones.offsets("Mars/Base", 0, 1);
  REQUIRE_FALSE(mars);
  CHECK(mars.error().code == ErrorCode::not_found);
  CHECK(mars.error().message.find("\"Mars/Base\"") != std::string::npos);

  // "" is this machine's zone, whatever it is.
  const auto local = zones.offsets("", at(2027, 1, 1), at(2027, 1, 2));
  REQUIRE_MESSAGE(local, local.error().message);
  CHECK_FALSE(local->name.empty());
  CHECK_FALSE(local->intervals.empty());
}

TEST_SUITE_END();
