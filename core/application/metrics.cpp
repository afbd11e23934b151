#include "core/application/metrics.hpp"

#include <atomic>

namespace ryax::app::metrics {

namespace {
std::atomic<Recorder*> g_recorder{ nullptr };
} // namespace

void
set_recorder(Recorder* recorder)
{
  g_recorder.store(recorder);
}

Recorder*
recorder()
{
  return g_recorder.load(std::memory_order_acquire);
}

} // namespace ryax::app::metrics
