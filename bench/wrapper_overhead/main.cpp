// Per-execution overhead of ryax-wrapper: many executions of a trivial
// python handler through a warm wrapper (WrapperClient -> gRPC over a UNIX
// socket -> ryax-wrapper -> frames -> python runtime and back). Overhead is
// the round trip seen by the client minus the handler time measured inside
// the runtime. Target: p50 <= 300 us, p99 <= 2 ms.
//
// Usage: ryax_bench_wrapper_overhead [EXECUTIONS] [PYTHON]
//   EXECUTIONS defaults to 2000; PYTHON to the python3 found on PATH.

#include "core/infrastructure/wrapper/wrapper_client.hpp"

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
  const std::string python = argc > 2 ? argv[2] : find_on_path("python3");
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
  metadata.inputs.push_back({"x", "X", "", domain::IoType::integer, false, {}, {}});
  metadata.outputs.push_back({"y", "Y", "", domain::IoType::integer, false, {}, {}});

  infra::wrapper::WrapperSettings settings;
  settings.run_dir = root.string();
  settings.action_dir = (root / "action").string();
  settings.interpreter = python;
  settings.metadata = metadata;
  settings.work_root = (root / "work").string();
  auto client = infra::wrapper::WrapperClient::start(settings);
  if (!client) {
    std::fprintf(stderr, "bench: %s\n", client.error().message.c_str());
    return 1;
  }

  std::vector<double> overhead_us;
  std::vector<double> round_trip_us;
  const int warmup = 200;
  for (int i = 0; i < warmup + executions; ++i) {
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
  client->reset();
  fs::remove_all(root);

  std::printf("executions: %d (after %d warm-up), python %s\n", executions, warmup, python.c_str());
  std::printf("round trip us: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
              percentile(round_trip_us, 0.5), percentile(round_trip_us, 0.9),
              percentile(round_trip_us, 0.99), percentile(round_trip_us, 1.0));
  std::printf("overhead   us: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
              percentile(overhead_us, 0.5), percentile(overhead_us, 0.9),
              percentile(overhead_us, 0.99), percentile(overhead_us, 1.0));
  const bool ok = percentile(overhead_us, 0.5) <= 300 && percentile(overhead_us, 0.99) <= 2000;
  std::printf("target (p50 <= 300 us, p99 <= 2000 us): %s\n", ok ? "met" : "missed");
  return 0;
}
