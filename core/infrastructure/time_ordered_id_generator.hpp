#pragma once

#include "core/application/ports/run_staging.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace ryax::infra {

// Run ids in creation order: "run-" and 12 hex digits holding the
// milliseconds since 2024-01-01 (40 bits, until 2058) then an 8-bit
// counter; never the same twice in a process (a burst borrows from the
// next milliseconds), and later than any id of a previous daemon on the
// same clock. Storage indexes runs by id: ids that grow keep the pages a
// write touches few.
class TimeOrderedIdGenerator final : public app::IdGenerator
{
public:
  std::string new_run_id() override
  {
    constexpr std::int64_t k_epoch_ms = 1'704'067'200'000; // 2024-01-01
    const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
    const auto since =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ms - k_epoch_ms));
    std::lock_guard lock(m_mutex);
    m_last = std::max<std::uint64_t>(m_last + 1, (since & 0xffffffffffULL) << 8);
    return fmt::format("run-{:012x}", m_last & 0xffffffffffffULL);
  }

private:
  std::mutex m_mutex;
  std::uint64_t m_last = 0;
};

} // namespace ryax::infra
