#pragma once

#include <cstdint>
#include <string>

namespace ryax::cli::output {

// Where a calendar time is shown.
enum class TimeZone { utc, local };

// How a calendar time is laid out.
enum class TimeLayout {
  minutes, // "2026-01-02 10:00"
  seconds, // "2026-01-02 10:00:01"
  iso,     // "2026-01-02T10:00:01" (add ".123Z" or ".123" after it)
};

// `unix_seconds` as a calendar time in `zone`, laid out as `layout`.
// Never throws: a time the C library cannot convert comes out as
// "1900-01-00 00:00".
std::string format_unix_time(std::int64_t unix_seconds,
                             TimeZone zone,
                             TimeLayout layout);

} // namespace ryax::cli::output
