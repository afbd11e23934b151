// Per-execution overhead of ryax-wrapper: many executions of a trivial
// python handler through a warm wrapper (WrapperClient -> protobuf frames
// on a UNIX socket -> ryax-wrapper -> JSON frames on fd 3 -> python runtime
// and back). Overhead is the round trip seen by the client minus the
// handler time measured inside the runtime. Target: p50 <= 250 us, p99 <=
// 2 ms. Also reports the CPU
// time spent per execution by the client (this process), the wrapper and
// the python runtime, from getrusage and /proc/PID/stat (clock ticks, so
// run a few thousand executions for a stable figure).
//
// Usage: ryax_bench_wrapper_overhead [EXECUTIONS] [PYTHON] [MEMORY_LIMIT]
//   EXECUTIONS defaults to 2000; PYTHON to the python3 found on PATH (or
//   "-"); MEMORY_LIMIT, in bytes, to none (a limit puts the runtime in a
//   memory cgroup when the machine allows, as in ryaxd).

#include "core/infrastructure/wrapper/wrapper_client.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ryax;

namespace {

std::string
find_on_path(const std::string& name)
{
  std::stringstream dirs(std::getenv("PATH") ? std::getenv("PATH") : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = fs::path(dir) / name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return {};
}

// CPU time (user + system) of process `pid` so far, in microseconds; all
// its threads, living or gone. 0 when it cannot be read.
double
process_cpu_us(long pid)
{
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) {
    return 0;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  // After "pid (comm) ": state is field 3; utime and stime are 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index >= 14) {
      ticks += std::stod(field);
    }
  }
  return ticks * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double
self_cpu_us()
{
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto us = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e6 + static_cast<double>(tv.tv_usec); };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

double
percentile(std::vector<double> values, double p)
{
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

} // namespace

int
main(int argc, char** argv)
{
  const int executions = argc > 1 ? std::atoi(argv[1]) : 2000;
  const std::string python = argc > 2 && std::string(argv[2]) != "-" ? argv[2] : find_on_path("python3");
  const std::int64_t memory_limit = argc > 3 ? std::atoll(argv[3]) : 0;
  char root_template[] = "/tmp/rx-bench.XXXXXX";
  const fs::path root = ::mkdtemp(root_template);
  fs::create_directories(root / "action");
  std::ofstream(root / "action" / "ryax_handler.py") << "def handle(request):\n"
                                                         "    return {\"y\": request[\"x\"] + 1}\n";

  domain::ActionMetadata metadata;
  metadata.id = "bench-add";
  metadata.version = "1.0";
  metadata.kind = domain::ActionKind::processor;
  metadata.type = domain::ActionType::python3;
  metadata.inputs.push_back({"x", "X", "", domain::IoType::integer, false, {}, {}, {}});
  metadata.outputs.push_back({"y", "Y", "", domain::IoType::integer, false, {}, {}, {}});

  infra::wrapper::WrapperSettings settings;
  settings.run_dir = root.string();
  settings.action_dir = (root / "action").string();
  settings.interpreter = python;
  settings.metadata = metadata;
  settings.work_root = (root / "work").string();
  settings.memory_limit_bytes = memory_limit;
  auto client = infra::wrapper::WrapperClient::start(settings);
  if (!client) {
    std::fprintf(stderr, "bench: %s\n", client.error().message.c_str());
    return 1;
  }

  std::vector<double> overhead_us;
  std::vector<double> round_trip_us;
  const int warmup = 200;
  const long wrapper_pid = (*client)->info().wrapper_pid;
  const long runtime_pid = (*client)->info().runtime_pid;
  double cpu_start[3] = {};
  for (int i = 0; i < warmup + executions; ++i) {
    if (i == warmup) {
      cpu_start[0] = self_cpu_us();
      cpu_start[1] = process_cpu_us(wrapper_pid);
      cpu_start[2] = process_cpu_us(runtime_pid);
    }
    const auto id = "e" + std::to_string(i);
    const auto start = std::chrono::steady_clock::now();
    auto result = (*client)->execute(id, "{\"x\": " + std::to_string(i) + "}", nullptr);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (!result || !result->ok()) {
      std::fprintf(stderr, "bench: execution %d failed\n", i);
      return 1;
    }
    if (i < warmup) {
      continue;
    }
    const double rt = std::chrono::duration<double, std::micro>(elapsed).count();
    round_trip_us.push_back(rt);
    overhead_us.push_back(rt - static_cast<double>(result->handler_duration_ns) / 1000.0);
  }
  const auto limits = (*client)->info().limit_mechanism;
  const double cpu_client = (self_cpu_us() - cpu_start[0]) / executions;
  const double cpu_wrapper = (process_cpu_us(wrapper_pid) - cpu_start[1]) / executions;
  const double cpu_runtime = (process_cpu_us(runtime_pid) - cpu_start[2]) / executions;
  client->reset();
  fs::remove_all(root);

  std::printf("executions: %d (after %d warm-up), python %s, limits: %s\n", executions, warmup,
              python.c_str(), limits.c_str());
  std::printf("round trip us: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
              percentile(round_trip_us, 0.5), percentile(round_trip_us, 0.9),
              percentile(round_trip_us, 0.99), percentile(round_trip_us, 1.0));
  std::printf("overhead   us: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
              percentile(overhead_us, 0.5), percentile(overhead_us, 0.9),
              percentile(overhead_us, 0.99), percentile(overhead_us, 1.0));
  std::printf("cpu/exec   us: client %.1f  wrapper %.1f  runtime %.1f  total %.1f\n", cpu_client,
              cpu_wrapper, cpu_runtime, cpu_client + cpu_wrapper + cpu_runtime);
  const bool ok = percentile(overhead_us, 0.5) <= 250 && percentile(overhead_us, 0.99) <= 2000;
  std::printf("target (p50 <= 250 us, p99 <= 2000 us): %s\n", ok ? "met" : "missed");
  return 0;
}
