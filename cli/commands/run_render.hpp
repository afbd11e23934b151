#pragma once

#include "core/domain/error.hpp"

#include "ryax/v1/run.pb.h"
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The run document (-o json|yaml), the text forms of runs and the values of
// duration flags, for `ryax run`, `ryax runs ...` and `ryax logs`. Pure: no
// I/O, no clock (callers pass "now").
namespace ryax::cli {

// The RUN DOCUMENT of ryax(1): the fields of the proto Run with their proto
// names, every `*_ms` timestamp also as `*_at` (ISO 8601 UTC, null when 0),
// `*_json` strings parsed into `trigger_values`, `inputs`, `outputs` and
// `value`, and `error` null when there is none.
nlohmann::json run_json(const v1::Run& run);

// A row of `runs list -o json`: the proto RunSummary fields, with `*_at`
// beside each `*_ms`.
nlohmann::json run_summary_json(const v1::RunSummary& summary);

// One line of `ryax logs -o json`: every RunLogLine field, plus `time`
// (ISO 8601 UTC with nanoseconds).
nlohmann::json log_line_json(const v1::RunLogLine& line);

// `text` parsed as JSON: null for "", the text itself (a string) when it is
// not valid JSON, so that nothing the daemon sends is lost.
nlohmann::json parse_value(const std::string& text);

// Is `state` one a run never leaves (done, error, cancelled)?
bool is_final_state(const std::string& state);

// The step executions of `run` in state done, and in all.
struct StepCount
{
  int done = 0;
  int total = 0;
};
StepCount count_steps(const v1::Run& run);

// The seconds of a duration flag: "30s", "5m", "1h", "2d" or a number of
// seconds, greater than 0. invalid_argument naming `flag` otherwise.
Result<std::int64_t> parse_positive_duration(const std::string& flag,
                                             const std::string& text);

// "2026-01-02T10:00:01.123Z" for Unix milliseconds; "" for 0.
std::string format_iso_ms(std::int64_t unix_ms);

// "850ms", "4.2s", "3m12s", "2h05m", "3d04h"; "-" for a negative value.
std::string format_duration_ms(std::int64_t ms);

// The duration from `from_ms` to `to_ms`, or to `now_ms` while `to_ms` is
// 0; "-" when `from_ms` is 0.
std::string span_text(std::int64_t from_ms,
                      std::int64_t to_ms,
                      std::int64_t now_ms);

// "12s ago", "5m ago", "3h ago" within a day of `now_ms`, else the local
// date and time "2026-01-02 10:00"; "-" for 0.
std::string format_since(std::int64_t unix_ms, std::int64_t now_ms);

// A file or a directory value of a run: {"file": NAME, "key": KEY} or
// {"directory": NAME, "key": KEY}; KEY is for ReadRunFile.
struct FileValue
{
  std::string name;
  std::string key;
  bool directory = false;
};

// `value` as a file or directory value, or nullopt when it is not one.
std::optional<FileValue> file_value(const nlohmann::json& value);

// A value for people: a string as is, a file or a directory by name
// ("photo.png (file)", "images/ (directory)"), anything else as compact
// JSON.
std::string value_text(const nlohmann::json& value);

// The "KEY = VALUE" lines of the `results` of a run document; a list
// result gives one "KEY[i] = VALUE" line per element.
std::vector<std::string> result_lines(const nlohmann::json& results);

// The one-line reason a final run did not end done:
// `run ID failed at step "STEP" (branch "B"): KIND: MESSAGE` (first line
// of the message) or `run ID was cancelled`.
std::string failure_text(const v1::Run& run);

// "STEP" or "STEP[BRANCH]", with "#ATTEMPT" after a first attempt.
std::string step_label(const std::string& step,
                       const std::string& branch,
                       int attempt);

// A log line for people, greppable: "TIME STEP[BRANCH] LINE", with "! "
// before the line when it came from stderr. TIME is local
// "2026-01-02T10:00:01.123"; newlines inside LINE are escaped so that one
// log line is one output line.
std::string log_line_text(const v1::RunLogLine& line);

} // namespace ryax::cli
