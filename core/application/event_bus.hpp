#pragma once

#include "core/application/ports/clock.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ryax::app {

// One thing that happened in the daemon, for `ryax events`.
struct DaemonEvent
{
  std::uint64_t sequence = 0; // from 1, in publication order
  std::int64_t time_ms = 0;   // Unix milliseconds
  // "run.started", "run.finished", "workflow.deployed",
  // "workflow.undeployed", "build.started", "build.finished",
  // "replica.started", "replica.stopped", "worker.joined", "worker.left".
  std::string kind;
  std::string project; // "" for what belongs to no project (workers)
  std::string subject; // the run, workflow, action, replica or worker
  std::string message; // one line for people
  std::map<std::string, std::string> fields; // state, workflow, ...
};

// The event kinds, in the order above (for completion and validation).
const std::vector<std::string>& event_kinds();

// The daemon's recent events, in memory (not stored: the history of runs
// and builds is): the newest `capacity` are kept. Readers page through
// them by sequence number and may wait for new ones. Thread-safe;
// publishing never blocks on a reader.
class EventBus
{
public:
  explicit EventBus(Clock& clock, std::size_t capacity = 10000);

  // Record an event now; its sequence number.
  std::uint64_t publish(std::string kind,
                        std::string project,
                        std::string subject,
                        std::string message,
                        std::map<std::string, std::string> fields = {});

  // The events numbered after `after`, oldest first, at most `limit`.
  std::vector<DaemonEvent> after(std::uint64_t after, std::size_t limit);

  // The number of the newest event (0 when none).
  std::uint64_t last();

  // Block until an event numbered after `after` exists (true) or
  // `deadline` passed (false).
  bool wait(std::uint64_t after,
            std::chrono::steady_clock::time_point deadline);

private:
  Clock& m_clock;
  std::size_t m_capacity;
  std::mutex m_mutex; // everything below
  std::condition_variable m_published;
  std::deque<DaemonEvent> m_events;
  std::uint64_t m_last = 0;
};

// The process's bus, for the code that publishes (set by the composition
// root; without one, publish() does nothing).
namespace events {

void set_bus(EventBus* bus);

// EventBus::publish on the installed bus, if any.
void publish(std::string kind,
             std::string project,
             std::string subject,
             std::string message,
             std::map<std::string, std::string> fields = {});

} // namespace events

} // namespace ryax::app
