#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include <initializer_list>
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

// The one time format of ryax's JSON and YAML: an RFC 3339 UTC string,
// "2026-01-02T10:00:01Z" for Unix seconds, "2026-01-02T10:00:01.123Z" for
// Unix milliseconds; null for 0 (not reached, never).
nlohmann::json rfc3339_seconds(std::int64_t unix_seconds);
nlohmann::json rfc3339_ms(std::int64_t unix_ms);

// Replace each member of `doc` named in `keys` that holds Unix seconds (a
// number) by rfc3339_seconds of it (for documents ryaxd sends whole).
void seconds_to_rfc3339(nlohmann::json& doc, std::initializer_list<const char*> keys);

} // namespace ryax::cli::output
