#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace ryax::cli::output {

// A spinner with a label and the elapsed time on stderr while a long call
// runs; does nothing unless `enabled` (a terminal and not --quiet). The line
// is erased on destruction.
class Spinner
{
public:
  Spinner(bool enabled, std::string label);
  ~Spinner();
  Spinner(const Spinner&) = delete;
  Spinner& operator=(const Spinner&) = delete;

private:
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

} // namespace ryax::cli::output
