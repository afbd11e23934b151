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

nlohmann::json
rfc3339_seconds(std::int64_t unix_seconds)
{
  if (unix_seconds == 0) {
    return nullptr;
  }
  return format_unix_time(unix_seconds, TimeZone::utc, TimeLayout::iso) + "Z";
}

nlohmann::json
rfc3339_ms(std::int64_t unix_ms)
{
  if (unix_ms == 0) {
    return nullptr;
  }
  const auto seconds = unix_ms / 1000;
  return format_unix_time(seconds, TimeZone::utc, TimeLayout::iso)
         + "." + std::to_string(1000 + unix_ms % 1000).substr(1) + "Z";
}

void
seconds_to_rfc3339(nlohmann::json& doc, std::initializer_list<const char*> keys)
{
  if (!doc.is_object()) {
    return;
  }
  for (const char* key : keys) {
    const auto found = doc.find(key);
    if (found != doc.end() && found->is_number_integer()) {
      *found = rfc3339_seconds(found->get<std::int64_t>());
    }
  }
}

} // namespace ryax::cli::output
