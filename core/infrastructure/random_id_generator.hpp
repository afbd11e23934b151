#pragma once

#include "core/application/ports/run_staging.hpp"

#include <fmt/format.h>

#include <mutex>
#include <random>

namespace ryax::infra {

// Run ids from a random 48-bit number ("run-" and 12 hex digits), seeded
// from std::random_device.
class RandomIdGenerator final : public app::IdGenerator
{
public:
  std::string new_run_id() override
  {
    std::lock_guard lock(m_mutex);
    return fmt::format("run-{:012x}", m_generator() & 0xffffffffffffULL);
  }

private:
  std::mutex m_mutex;
  std::mt19937_64 m_generator{ std::random_device{}() };
};

} // namespace ryax::infra
