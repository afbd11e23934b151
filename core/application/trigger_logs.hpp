#pragma once

#include "core/application/ports/clock.hpp"
#include "core/application/ports/trigger_log_store.hpp"
#include "core/application/ports/workflow_store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// What a read of a trigger log gives.
struct TriggerLogRead
{
  std::vector<TriggerLogLine> lines; // oldest first
  bool deployed = false;             // the workflow is deployed now
};

// The trigger logs of workflows (`ryax logs --trigger`): the output of
// their user source and the daemon's lines about their trigger. Writers
// never fail (a line that cannot be written is logged and dropped);
// readers can wait for new lines. Thread-safe.
class TriggerLogs
{
public:
  // Lines longer than this are cut (bytes).
  static constexpr std::size_t k_max_line_bytes = 4096;
  // Lines returned by one read, at most.
  static constexpr std::size_t k_max_read_lines = 1000;

  TriggerLogs(TriggerLogStore& store, WorkflowStore& workflows, Clock& clock);

  // Append `text` (cut at k_max_line_bytes, newlines made spaces) to the
  // log of workflow `id` of `project`, from `origin` ("stdout", "stderr",
  // "ryaxd"), stamped `timestamp_unix_ns` (0: now).
  void append(const std::string& project,
              const std::string& id,
              std::string_view origin,
              std::string_view text,
              std::int64_t timestamp_unix_ns = 0);

  // The lines of workflow `id` of `project` after sequence `after` (at
  // most k_max_read_lines), and whether it is deployed. not_found naming
  // the workflow when `project` has none of that id; internal when the
  // log or the workflow cannot be read.
  Result<TriggerLogRead> read(const std::string& project,
                              const std::string& id,
                              std::uint64_t after);

  // A number that changes at every append.
  std::uint64_t generation();

  // Wait until generation() differs from `seen` or `deadline` passes.
  void wait_change(std::uint64_t seen,
                   std::chrono::steady_clock::time_point deadline);

private:
  TriggerLogStore& m_store;
  WorkflowStore& m_workflows;
  Clock& m_clock;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::uint64_t m_generation = 0;
};

} // namespace ryax::app
