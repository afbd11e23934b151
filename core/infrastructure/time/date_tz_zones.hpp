#pragma once

#include "core/application/ports/time_zones.hpp"

namespace ryax::infra::time {

// The time zones of the system's database (/usr/share/zoneinfo, Debian's
// tzdata), read with Howard Hinnant's date library (libdate-tz: GCC 12's
// <chrono> has no time zone database). "" is the zone of /etc/localtime.
class DateTzZones final : public app::TimeZones
{
public:
  Result<domain::ZoneOffsets> offsets(const std::string& name,
                                      std::int64_t from_ms,
                                      std::int64_t to_ms) override;
};

} // namespace ryax::infra::time
