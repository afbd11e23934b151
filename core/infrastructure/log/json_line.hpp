#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The structured view of a log message for `log_format: json`. The log facade
// passes a message only; its conventions ("run ID ...", "housekeeping: ...",
// "StartRun ok in 12 us") give the component and the ids without changing the
// calls.
namespace ryax::infra::log {

// What a message says about itself.
struct MessageFields
{
  // "grpc" for a call's line, the "prefix" of "prefix: ...", the noun of
  // "run ID ..." (run, build, replica, ...), else "ryaxd".
  std::string component;
  // Ids named in the message ("run", "build", "step", "workflow",
  // "execution", "method"), in order of appearance, each key once.
  std::vector<std::pair<std::string, std::string>> fields;
};

// Derive the component and the fields of `message`.
MessageFields describe_message(std::string_view message);

// One JSON object on one line (no newline): {"time", "level", "component",
// "message", then the fields}. `time` is RFC 3339 text, `level` one of
// trace|debug|info|warn|error.
std::string json_line(std::string_view time,
                      std::string_view level,
                      std::string_view message);

// The RFC 3339 UTC time with milliseconds of `unix_ms`:
// "2026-12-01T04:09:37.123Z".
std::string rfc3339_ms(long long unix_ms);

} // namespace ryax::infra::log
