#include "cli/output/progress.hpp"

#include <chrono>
#include <cstdio>

namespace ryax::cli::output {

Spinner::Spinner(bool enabled, std::string label)
{
  if (!enabled) {
    return;
  }
  m_thread = std::thread([this, label = std::move(label)] {
    static constexpr const char* k_frames[] = {"|", "/", "-", "\\"};
    const auto start = std::chrono::steady_clock::now();
    // Show nothing for quick calls.
    for (int i = 0; i < 3 && !m_stop.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (unsigned frame = 0; !m_stop.load(); ++frame) {
      const std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
      std::fprintf(stderr, "\r%s %s (%.1fs)", k_frames[frame % 4], label.c_str(),
                   elapsed.count());
      std::fflush(stderr);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  });
}

Spinner::~Spinner()
{
  m_stop.store(true);
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

} // namespace ryax::cli::output
