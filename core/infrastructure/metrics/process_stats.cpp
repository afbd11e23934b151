#include "core/infrastructure/metrics/process_stats.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace ryax::infra::metrics {

namespace {

SampledFamily
one(std::string name, std::string help, double value, bool counter = false)
{
  SampledFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.counter = counter;
  family.samples.push_back({ {}, value });
  return family;
}

// Seconds since the Unix epoch at which the system booted (/proc/stat).
double
boot_time()
{
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

} // namespace

std::vector<SampledFamily>
process_families()
{
  std::vector<SampledFamily> families;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

  std::ifstream stat_file("/proc/self/stat");
  std::string stat;
  std::getline(stat_file, stat);
  // Fields after the command name (which may hold spaces), from field 3.
  if (const auto end = stat.rfind(')'); end != std::string::npos && ticks > 0) {
    std::istringstream fields(stat.substr(end + 2));
    std::string field;
    double utime = 0, stime = 0, threads = 0, start = 0, vsize = 0, rss = 0;
    for (int number = 3; fields >> field; ++number) {
      switch (number) {
      case 14: utime = std::stod(field); break;
      case 15: stime = std::stod(field); break;
      case 20: threads = std::stod(field); break;
      case 22: start = std::stod(field); break;
      case 23: vsize = std::stod(field); break;
      case 24: rss = std::stod(field); break;
      default: break;
      }
    }
    families.push_back(one("process_cpu_seconds_total",
                           "User and system CPU time spent in seconds",
                           (utime + stime) / ticks,
                           true));
    families.push_back(one("process_resident_memory_bytes",
                           "Resident memory size in bytes", rss * page));
    families.push_back(one("process_virtual_memory_bytes",
                           "Virtual memory size in bytes", vsize));
    families.push_back(one("process_threads", "Number of OS threads",
                           threads));
    static const double boot = boot_time(); // read once
    if (boot > 0) {
      families.push_back(one("process_start_time_seconds",
                             "Start time of the process since the Unix epoch "
                             "in seconds",
                             boot + start / ticks));
    }
  }

  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end;
       !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) {
    families.push_back(one("process_open_fds",
                           "Number of open file descriptors", fds));
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(one("process_max_fds",
                           "Maximum number of open file descriptors",
                           static_cast<double>(limit.rlim_cur)));
  }
  return families;
}

} // namespace ryax::infra::metrics
