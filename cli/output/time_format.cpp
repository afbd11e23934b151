#include "cli/output/time_format.hpp"

#include <fmt/chrono.h>

#include <ctime>

namespace ryax::cli::output {

std::string
format_unix_time(std::int64_t unix_seconds, TimeZone zone, TimeLayout layout)
{
  // gmtime_r/localtime_r rather than fmt::gmtime/fmt::localtime, which
  // throw on a time out of range: the zeroed tm is what strftime printed.
  const auto seconds = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (zone == TimeZone::utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  switch (layout) {
  case TimeLayout::minutes:
    return fmt::format("{:%Y-%m-%d %H:%M}", tm);
  case TimeLayout::seconds:
    return fmt::format("{:%Y-%m-%d %H:%M:%S}", tm);
  case TimeLayout::iso:
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}", tm);
  }
  return "";
}

} // namespace ryax::cli::output
