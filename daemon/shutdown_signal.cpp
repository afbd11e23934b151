#include "daemon/shutdown_signal.hpp"

namespace ryax::daemon {

void
ShutdownSignal::request()
{
  {
    std::lock_guard lock(m_mutex);
    m_requested = true;
  }
  m_cv.notify_all();
}

bool
ShutdownSignal::requested() const
{
  std::lock_guard lock(m_mutex);
  return m_requested;
}

void
ShutdownSignal::wait()
{
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [this] { return m_requested; });
}

bool
ShutdownSignal::wait_for(std::chrono::milliseconds timeout)
{
  std::unique_lock lock(m_mutex);
  return m_cv.wait_for(lock, timeout, [this] { return m_requested; });
}

} // namespace ryax::daemon
