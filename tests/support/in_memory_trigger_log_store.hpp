#pragma once

// TriggerLogStore in memory: every line kept (no bound), for the
// application tests.

#include "core/application/ports/trigger_log_store.hpp"

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ryax::test {

class InMemoryTriggerLogStore final : public app::TriggerLogStore
{
public:
  Result<std::uint64_t> append(const std::string& project,
                               const std::string& id,
                               app::TriggerLogLine line) override
  {
    std::lock_guard lock(m_mutex);
    auto& lines = m_lines[{ project, id }];
    line.sequence = lines.size() + 1;
    lines.push_back(std::move(line));
    return lines.back().sequence;
  }

  Result<std::vector<app::TriggerLogLine>> read(const std::string& project,
                                                const std::string& id,
                                                std::uint64_t after,
                                                std::size_t max) override
  {
    std::lock_guard lock(m_mutex);
    std::vector<app::TriggerLogLine> out;
    for (const auto& line : m_lines[{ project, id }]) {
      if (line.sequence > after && out.size() < max) {
        out.push_back(line);
      }
    }
    return out;
  }

  // The text of every line of `id` (project "default"), in order.
  std::vector<std::string> texts(const std::string& id)
  {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    for (const auto& line : m_lines[{ "default", id }]) {
      out.push_back(line.origin + " " + line.line);
    }
    return out;
  }

private:
  std::mutex m_mutex;
  std::map<std::pair<std::string, std::string>,
           std::vector<app::TriggerLogLine>>
    m_lines;
};

} // namespace ryax::test
