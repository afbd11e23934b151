#pragma once

#include "core/domain/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ryax::app {

// One line of a workflow's trigger log.
struct TriggerLogLine
{
  // 1, 2, ... per workflow, kept across daemon restarts; set by append.
  std::uint64_t sequence = 0;
  std::int64_t timestamp_unix_ns = 0;
  // "stdout" or "stderr" (the source's own output), or "ryaxd" (the
  // daemon's lines about the trigger: started, stopped, error).
  std::string origin;
  std::string line; // one line: no newline

  bool operator==(const TriggerLogLine&) const = default;
};

// The trigger logs of workflows, bounded: only the newest lines of each
// workflow are kept (about max_bytes() of them). Thread-safe.
class TriggerLogStore
{
public:
  virtual ~TriggerLogStore() = default;

  // Append `line` to the log of workflow `id` of `project`, with the next
  // sequence number (returned); older lines may be dropped to stay within
  // the bound. invalid_argument for a project or id that cannot name a
  // log; internal when it cannot be written.
  virtual Result<std::uint64_t> append(const std::string& project,
                                       const std::string& id,
                                       TriggerLogLine line) = 0;

  // The kept lines of workflow `id` of `project` whose sequence is above
  // `after`, oldest first, at most `max`. None for a workflow without a
  // log. invalid_argument as for append; internal when it cannot be read.
  virtual Result<std::vector<TriggerLogLine>> read(const std::string& project,
                                                   const std::string& id,
                                                   std::uint64_t after,
                                                   std::size_t max) = 0;
};

} // namespace ryax::app
