#pragma once

#include "core/domain/error.hpp"

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::domain {

// A parsed 5-field cron expression: minute hour day-of-month month
// day-of-week, each a set of the values it matches.
struct CronSchedule
{
  std::bitset<60> minutes; // 0-59
  std::bitset<24> hours;   // 0-23
  std::bitset<32> days;    // 1-31 (bit 0 unused)
  std::bitset<13> months;  // 1-12 (bit 0 unused)
  std::bitset<7> weekdays; // 0-6, Sunday 0 (7 is read as 0)
  // Whether the day-of-month or day-of-week field starts with '*'. When
  // neither does, a day matches when either field matches (cron's rule);
  // otherwise both must match.
  bool days_star = true;
  bool weekdays_star = true;
};

// Parse `expression`: 5 blank-separated fields, each a comma-separated list
// of "*", "N", "N-M", with an optional "/STEP" ("*/7", "1-30/2", "5/15"
// meaning 5-max/15); months also JAN-DEC and weekdays SUN-SAT; or one of
// the macros @yearly @annually @monthly @weekly @daily @midnight @hourly.
// invalid_argument naming the field ("minute", "hour", "day-of-month",
// "month", "day-of-week") and the culprit.
Result<CronSchedule> parse_cron(std::string_view expression);

// The offset from UTC, in minutes, of `timezone`: "UTC", "GMT", "Z",
// "Etc/UTC" or "" for 0; "+02:00", "-0530", "+02", optionally after "UTC"
// or "GMT" ("UTC+02:00"). invalid_argument for anything else (IANA names
// such as "Europe/Paris" are the time zone database's to read).
Result<int> parse_utc_offset(std::string_view timezone);

// A stretch of time with one offset from UTC.
struct ZoneInterval
{
  std::int64_t begin_ms = 0; // Unix milliseconds, inclusive
  std::int64_t end_ms = 0;   // exclusive
  int offset_minutes = 0;
};

// The offsets of a time zone over a window, in order and contiguous; the
// first one holds before the window, the last one after it. One interval:
// a fixed offset.
struct ZoneOffsets
{
  std::string name; // as written ("Europe/Paris", "+02:00", "" for UTC)
  std::vector<ZoneInterval> intervals;

  // A zone at `offset_minutes` from UTC at all times.
  static ZoneOffsets fixed(int offset_minutes, std::string name = {});
};

// Whether `name` could be an IANA time zone name ("Europe/Paris",
// "America/Argentina/Buenos_Aires", "UTC"): 1 to 64 characters of letters,
// digits, "/", "_", "-" and "+", not starting with "/" or holding "..".
// Whether the zone exists is for the time zone database.
bool looks_like_zone_name(std::string_view name);

// The first minute strictly after `after_ms` (Unix milliseconds) that
// `schedule` matches in the local time of `zone`, as Unix milliseconds;
// nullopt when none comes within ten years. A local time skipped when the
// clocks go forward does not fire that day; one repeated when they go back
// fires once, the first time.
std::optional<std::int64_t> next_cron_time(const CronSchedule& schedule,
                                           const ZoneOffsets& zone,
                                           std::int64_t after_ms);

// The first minute strictly after `after_ms` (Unix milliseconds) that
// `schedule` matches, read in local time at `offset_minutes` from UTC, as
// Unix milliseconds; nullopt when none comes within ten years ("0 0 30 2
// *").
std::optional<std::int64_t> next_cron_time(const CronSchedule& schedule,
                                           int offset_minutes,
                                           std::int64_t after_ms);

// `unix_ms` as ISO 8601 UTC with milliseconds: "2026-11-30T16:20:00.000Z".
std::string iso8601_utc(std::int64_t unix_ms);

} // namespace ryax::domain
