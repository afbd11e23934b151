#include "core/application/event_bus.hpp"

#include <algorithm>
#include <atomic>

namespace ryax::app {

const std::vector<std::string>&
event_kinds()
{
  static const std::vector<std::string> kinds = {
    "run.started",      "run.finished",      "workflow.deployed",
    "workflow.undeployed", "build.started",  "build.finished",
    "replica.started",  "replica.stopped",   "worker.joined",
    "worker.left",
  };
  return kinds;
}

EventBus::EventBus(Clock& clock, std::size_t capacity)
  : m_clock(clock),
    m_capacity(std::max<std::size_t>(capacity, 1))
{
}

std::uint64_t
EventBus::publish(std::string kind,
                  std::string project,
                  std::string subject,
                  std::string message,
                  std::map<std::string, std::string> fields)
{
  DaemonEvent event;
  event.time_ms = m_clock.now_unix_ms();
  event.kind = std::move(kind);
  event.project = std::move(project);
  event.subject = std::move(subject);
  event.message = std::move(message);
  event.fields = std::move(fields);
  std::uint64_t sequence = 0;
  {
    std::lock_guard lock(m_mutex);
    sequence = event.sequence = ++m_last;
    m_events.push_back(std::move(event));
    if (m_events.size() > m_capacity) {
      m_events.pop_front();
    }
  }
  m_published.notify_all();
  return sequence;
}

std::vector<DaemonEvent>
EventBus::after(std::uint64_t after, std::size_t limit)
{
  std::lock_guard lock(m_mutex);
  std::vector<DaemonEvent> events;
  if (m_events.empty() || after >= m_last) {
    return events;
  }
  // Sequence numbers are consecutive: index arithmetic finds the first.
  const auto oldest = m_events.front().sequence;
  const auto first = after < oldest ? 0 : after - oldest + 1;
  for (auto i = first; i < m_events.size() && events.size() < limit; ++i) {
    events.push_back(m_events[i]);
  }
  return events;
}

std::uint64_t
EventBus::last()
{
  std::lock_guard lock(m_mutex);
  return m_last;
}

bool
EventBus::wait(std::uint64_t after,
               std::chrono::steady_clock::time_point deadline)
{
  std::unique_lock lock(m_mutex);
  return m_published.wait_until(
    lock, deadline, [&] { return m_last > after; });
}

namespace events {

namespace {
std::atomic<EventBus*> g_bus{ nullptr };
} // namespace

void
set_bus(EventBus* bus)
{
  g_bus.store(bus);
}

void
publish(std::string kind,
        std::string project,
        std::string subject,
        std::string message,
        std::map<std::string, std::string> fields)
{
  if (auto* bus = g_bus.load(std::memory_order_acquire)) {
    bus->publish(std::move(kind),
                 std::move(project),
                 std::move(subject),
                 std::move(message),
                 std::move(fields));
  }
}

} // namespace events

} // namespace ryax::app
