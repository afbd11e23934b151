#include "core/infrastructure/time/date_tz_zones.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace ryax::infra::time {

namespace {

// The most intervals read for one window (two changes a year at most).
constexpr std::size_t k_max_intervals = 100;

// `seconds` as Unix milliseconds, the far past and future kept far.
std::int64_t
to_ms(date::sys_seconds seconds)
{
  constexpr std::int64_t k_far = std::numeric_limits<std::int64_t>::max() / 4000;
  const auto count = seconds.time_since_epoch().count();
  return std::clamp<std::int64_t>(count, -k_far, k_far) * 1000;
}

} // namespace

Result<domain::ZoneOffsets>
DateTzZones::offsets(const std::string& name,
                     std::int64_t from_ms,
                     std::int64_t to_ms_)
{
  const date::time_zone* zone = nullptr;
  try {
    zone = name.empty() ? date::current_zone() : date::locate_zone(name);
  } catch (const std::exception& e) {
    return fail(ErrorCode::not_found,
                name.empty()
                  ? fmt::format("this machine's time zone cannot be read "
                                "(/etc/localtime): {}",
                                e.what())
                  : fmt::format("time zone \"{}\" is not in the time zone "
                                "database (/usr/share/zoneinfo): write a name "
                                "such as \"Europe/Paris\", or an offset such "
                                "as \"+02:00\"",
                                name));
  }
  domain::ZoneOffsets out;
  out.name = name.empty() ? std::string(zone->name()) : name;
  auto at = date::sys_seconds{ std::chrono::seconds{ from_ms / 1000 } };
  while (out.intervals.size() < k_max_intervals) {
    const auto info = zone->get_info(at);
    out.intervals.push_back(
      { to_ms(info.begin),
        to_ms(info.end),
        static_cast<int>(info.offset.count() / 60) });
    if (out.intervals.back().end_ms >= to_ms_ || info.end <= at) {
      break;
    }
    at = info.end;
  }
  return out;
}

} // namespace ryax::infra::time
