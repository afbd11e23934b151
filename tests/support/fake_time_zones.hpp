#pragma once

#include "core/application/ports/time_zones.hpp"

#include <map>
#include <string>

namespace ryax::test {

// Time zones from a table: "" (this machine) is UTC; unknown names are
// not_found, as for the real database.
class FakeTimeZones final : public app::TimeZones
{
public:
  std::map<std::string, domain::ZoneOffsets> zones;

  Result<domain::ZoneOffsets> offsets(const std::string& name,
                                      std::int64_t,
                                      std::int64_t) override
  {
    if (name.empty()) {
      return domain::ZoneOffsets::fixed(0, "Etc/UTC");
    }
    const auto it = zones.find(name);
    if (it == zones.end()) {
      return fail(ErrorCode::not_found,
                  "time zone \"" + name + "\" is not in the time zone database");
    }
    return it->second;
  }
};

} // namespace ryax::test
