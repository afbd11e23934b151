#pragma once

#include <cstdint>

namespace ryax::app {

// The wall clock.
class Clock
{
public:
  virtual ~Clock() = default;

  // Seconds since the Unix epoch.
  virtual std::int64_t now_unix() = 0;

  // Milliseconds since the Unix epoch.
  virtual std::int64_t now_unix_ms() = 0;
};

} // namespace ryax::app
