#pragma once

#include <chrono>
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

  // Block until request() was called (true) or `timeout` passed (false).
  bool wait_for(std::chrono::milliseconds timeout);

private:
  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_requested = false;
};

} // namespace ryax::daemon
