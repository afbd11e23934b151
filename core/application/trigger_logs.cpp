#include "core/application/trigger_logs.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>

#include <exception>

namespace ryax::app {

TriggerLogs::TriggerLogs(TriggerLogStore& store,
                         WorkflowStore& workflows,
                         Clock& clock)
  : m_store(store)
  , m_workflows(workflows)
  , m_clock(clock)
{
}

void
TriggerLogs::append(const std::string& project,
                    const std::string& id,
                    std::string_view origin,
                    std::string_view text,
                    std::int64_t timestamp_unix_ns)
{
  TriggerLogLine line;
  line.timestamp_unix_ns = timestamp_unix_ns != 0
                             ? timestamp_unix_ns
                             : m_clock.now_unix_ms() * 1'000'000;
  line.origin = std::string(origin);
  line.line = std::string(text.substr(0, k_max_line_bytes));
  for (auto& c : line.line) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  try {
    if (auto appended = m_store.append(project, id, std::move(line));
        !appended) {
      log::warn("workflow {}: trigger log line dropped: {}",
                id,
                appended.error().message);
      return;
    }
  } catch (const std::exception& e) {
    log::warn("workflow {}: trigger log line dropped: {}", id, e.what());
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    ++m_generation;
  }
  m_changed.notify_all();
}

Result<TriggerLogRead>
TriggerLogs::read(const std::string& project,
                  const std::string& id,
                  std::uint64_t after)
{
  RYAX_TRY_ASSIGN(const auto deployment, m_workflows.deployment(project, id));
  if (!deployment) {
    return fail(ErrorCode::not_found,
                fmt::format("workflow \"{}\" not found", id));
  }
  TriggerLogRead read;
  read.deployed = deployment->state == DeploymentState::deployed;
  RYAX_TRY_ASSIGN(read.lines,
                  m_store.read(project, id, after, k_max_read_lines));
  return read;
}

std::uint64_t
TriggerLogs::generation()
{
  std::lock_guard lock(m_mutex);
  return m_generation;
}

void
TriggerLogs::wait_change(std::uint64_t seen,
                         std::chrono::steady_clock::time_point deadline)
{
  std::unique_lock lock(m_mutex);
  m_changed.wait_until(lock, deadline, [&] { return m_generation != seen; });
}

} // namespace ryax::app
