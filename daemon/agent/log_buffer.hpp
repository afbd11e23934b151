#pragma once

#include "ryax/v1/agent.pb.h"

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace ryax::daemon::agent {

// The log lines a worker could not send while its link was down: kept on
// disk, one file per execution (4-byte length, then the AgentLog), at most
// `max_bytes` in all (later lines are dropped, and counted), until the link
// is back. Thread-safe.
class LogBuffer
{
public:
  LogBuffer(std::string dir, std::uint64_t max_bytes);

  // Keep `line`.
  void add(const v1::AgentLog& line);

  // Hand every kept line to `send`, oldest first within an execution, and
  // forget them; stops at the first false (the rest stays kept). How many
  // were sent.
  std::uint64_t flush(const std::function<bool(const v1::AgentLog&)>& send);

  // Lines dropped because the buffer was full.
  std::uint64_t dropped() const;

private:
  std::string m_dir;
  std::uint64_t m_max_bytes;
  mutable std::mutex m_mutex;
  std::uint64_t m_bytes = 0;
  std::uint64_t m_dropped = 0;
};

} // namespace ryax::daemon::agent
