#pragma once

#include "core/infrastructure/metrics/prometheus_recorder.hpp"

#include <vector>

namespace ryax::infra::metrics {

// This process's standard families, read from /proc/self now:
// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_threads and process_start_time_seconds. A file that cannot be
// read leaves its families out.
std::vector<SampledFamily> process_families();

} // namespace ryax::infra::metrics
