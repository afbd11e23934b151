#pragma once

#include <condition_variable>
#include <mutex>

namespace ryax::daemon {

// A one-shot latch: request() wakes every wait(). Thread-safe.
class ShutdownSignal
{
public:
  // Ask for shutdown; later calls do nothing more.
  void request();

  // Has shutdown been requested?
  bool requested() const;

  // Block until request() was called.
  void wait();

private:
  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_requested = false;
};

} // namespace ryax::daemon
