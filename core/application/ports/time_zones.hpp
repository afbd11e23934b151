#pragma once

#include "core/domain/cron.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <string>

namespace ryax::app {

// The time zone database: the offsets of a named zone over a window, for
// cron triggers read in local time.
class TimeZones
{
public:
  virtual ~TimeZones() = default;

  // The offsets of zone `name` ("Europe/Paris"; "" for this machine's
  // zone) from `from_ms` to at least `to_ms`, Unix milliseconds. not_found
  // naming the zone when the database does not know it.
  virtual Result<domain::ZoneOffsets> offsets(const std::string& name,
                                              std::int64_t from_ms,
                                              std::int64_t to_ms) = 0;
};

} // namespace ryax::app
