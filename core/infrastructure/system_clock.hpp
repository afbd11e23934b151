#pragma once

#include "core/application/ports/clock.hpp"

#include <chrono>

namespace ryax::infra {

// The Clock port over std::chrono::system_clock.
class SystemClock : public app::Clock
{
public:
  std::int64_t now_unix() override
  {
    return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  }

  std::int64_t now_unix_ms() override
  {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  }
};

} // namespace ryax::infra
