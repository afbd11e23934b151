#include "cli/commands/run_render.hpp"

#include "cli/output/json_fields.hpp"
#include "cli/output/time_format.hpp"
#include "core/domain/action.hpp"

#include <fmt/format.h>

namespace ryax::cli {

namespace {

using nlohmann::json;

// Set `name_ms` and `name_at` in `doc`.
void
set_time(json& doc, const std::string& name, std::int64_t unix_ms)
{
  doc[name + "_ms"] = unix_ms;
  doc[name + "_at"] = output::rfc3339_ms(unix_ms);
}

json
failure_json(bool present, const v1::StepFailure& failure)
{
  if (!present) {
    return nullptr;
  }
  return { { "kind", failure.kind() },
           { "message", failure.message() },
           { "code", failure.code() },
           { "traceback", failure.traceback() } };
}

json
step_json(const v1::StepExecution& s)
{
  json doc = { { "step", s.step() },
               { "branch", s.branch() },
               { "action", s.action() },
               { "state", s.state() },
               { "attempt", s.attempt() },
               { "retried_because", s.retried_because() },
               { "inputs", parse_value(s.inputs_json()) },
               { "outputs", parse_value(s.outputs_json()) },
               { "fan_out", s.fan_out() },
               { "log_lines", s.log_lines() },
               { "error", failure_json(s.has_error(), s.error()) },
               { "placement", s.placement() },
               { "runtime_status", s.runtime_status() } };
  set_time(doc, "created", s.created_ms());
  set_time(doc, "scheduled", s.scheduled_ms());
  set_time(doc, "started", s.started_ms());
  set_time(doc, "finished", s.finished_ms());
  return doc;
}

std::string
first_line(const std::string& text)
{
  return text.substr(0, text.find('\n'));
}

} // namespace

json
parse_value(const std::string& text)
{
  if (text.empty()) {
    return nullptr;
  }
  auto value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json(text) : value;
}

json
run_json(const v1::Run& run)
{
  json doc = { { "id", run.id() },
               { "workflow_id", run.workflow_id() },
               { "workflow_version", run.workflow_version() },
               { "state", run.state() } };
  set_time(doc, "created", run.created_ms());
  set_time(doc, "started", run.started_ms());
  set_time(doc, "finished", run.finished_ms());
  doc["error_step"] = run.error_step();
  doc["error_branch"] = run.error_branch();
  doc["error"] = failure_json(run.has_error(), run.error());
  doc["trigger_values"] = parse_value(run.trigger_values_json());
  doc["steps"] = json::array();
  for (const auto& step : run.steps()) {
    doc["steps"].push_back(step_json(step));
  }
  doc["results"] = json::array();
  for (const auto& result : run.results()) {
    doc["results"].push_back({ { "key", result.key() },
                               { "value", parse_value(result.value_json()) },
                               { "list", result.list() } });
  }
  return doc;
}

json
run_summary_json(const v1::RunSummary& s)
{
  json doc = { { "id", s.id() },
               { "workflow_id", s.workflow_id() },
               { "workflow_version", s.workflow_version() },
               { "state", s.state() } };
  set_time(doc, "created", s.created_ms());
  set_time(doc, "started", s.started_ms());
  set_time(doc, "finished", s.finished_ms());
  doc["error_step"] = s.error_step();
  doc["error_message"] = s.error_message();
  doc["steps_total"] = s.steps_total();
  doc["steps_done"] = s.steps_done();
  return doc;
}

json
log_line_json(const v1::RunLogLine& line)
{
  const auto ns = line.timestamp_unix_ns();
  const auto date = output::format_unix_time(
    ns / 1'000'000'000, output::TimeZone::utc, output::TimeLayout::iso);
  return { { "timestamp_unix_ns", ns },
           { "time", fmt::format("{}.{:09}Z", date, ns % 1'000'000'000) },
           { "step", line.step() },
           { "branch", line.branch() },
           { "attempt", line.attempt() },
           { "stream", line.stream() },
           { "line", line.line() } };
}

bool
is_final_state(const std::string& state)
{
  return state == "done" || state == "error" || state == "cancelled";
}

StepCount
count_steps(const v1::Run& run)
{
  StepCount count;
  for (const auto& step : run.steps()) {
    count.done += step.state() == "done" ? 1 : 0;
    ++count.total;
  }
  return count;
}

Result<std::int64_t>
parse_positive_duration(const std::string& flag, const std::string& text)
{
  auto seconds = domain::parse_duration_seconds(text);
  if (!seconds) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: {}", flag, seconds.error().message));
  }
  if (*seconds <= 0) {
    return fail(
      ErrorCode::invalid_argument,
      fmt::format("{} \"{}\": expected a duration greater than 0", flag, text));
  }
  return *seconds;
}

std::string
format_iso_ms(std::int64_t unix_ms)
{
  if (unix_ms == 0) {
    return "";
  }
  return fmt::format("{}.{:03}Z",
                     output::format_unix_time(unix_ms / 1000,
                                              output::TimeZone::utc,
                                              output::TimeLayout::iso),
                     unix_ms % 1000);
}

std::string
format_duration_ms(std::int64_t ms)
{
  if (ms < 0) {
    return "-";
  }
  if (ms < 1000) {
    return fmt::format("{}ms", ms);
  }
  if (ms < 60'000) {
    // Tenths, rounded down, so that 59.99s never shows as "60.0s".
    return fmt::format("{}.{}s", ms / 1000, ms % 1000 / 100);
  }
  const auto s = ms / 1000;
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  if (s < 86400) {
    return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  }
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string
span_text(std::int64_t from_ms, std::int64_t to_ms, std::int64_t now_ms)
{
  if (from_ms == 0) {
    return "-";
  }
  return format_duration_ms((to_ms == 0 ? now_ms : to_ms) - from_ms);
}

std::string
format_since(std::int64_t unix_ms, std::int64_t now_ms)
{
  if (unix_ms == 0) {
    return "-";
  }
  const auto ago = (now_ms - unix_ms) / 1000;
  if (ago < 1) {
    return "just now";
  }
  if (ago < 60) {
    return fmt::format("{}s ago", ago);
  }
  if (ago < 3600) {
    return fmt::format("{}m ago", ago / 60);
  }
  if (ago < 86400) {
    return fmt::format("{}h ago", ago / 3600);
  }
  return output::format_unix_time(
    unix_ms / 1000, output::TimeZone::local, output::TimeLayout::minutes);
}

std::optional<FileValue>
file_value(const json& value)
{
  if (!value.is_object() || !value.contains("key") ||
      !value["key"].is_string()) {
    return std::nullopt;
  }
  for (const bool directory : { false, true }) {
    const char* field = directory ? "directory" : "file";
    if (value.contains(field) && value[field].is_string()) {
      return FileValue{ value[field].get<std::string>(),
                        value["key"].get<std::string>(),
                        directory };
    }
  }
  return std::nullopt;
}

std::string
value_text(const json& value)
{
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (const auto file = file_value(value)) {
    return file->directory ? file->name + "/ (directory)"
                           : file->name + " (file)";
  }
  return output::dump(value);
}

std::vector<std::string>
result_lines(const json& results)
{
  std::vector<std::string> lines;
  if (!results.is_array()) {
    return lines;
  }
  for (const auto& result : results) {
    const auto key = output::text_field(result, "key");
    const auto& value = output::field(result, "value");
    if (output::flag_field(result, "list") && value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        lines.push_back(
          fmt::format("{}[{}] = {}", key, i, value_text(value[i])));
      }
      if (value.empty()) {
        lines.push_back(key + " = [] (no element)");
      }
    } else {
      lines.push_back(key + " = " + value_text(value));
    }
  }
  return lines;
}

std::string
failure_text(const v1::Run& run)
{
  if (run.state() == "cancelled") {
    return fmt::format("run {} was cancelled", run.id());
  }
  std::string text = fmt::format("run {} failed", run.id());
  if (!run.error_step().empty()) {
    text += fmt::format(" at step \"{}\"", run.error_step());
  }
  if (!run.error_branch().empty()) {
    text += fmt::format(" (branch \"{}\")", run.error_branch());
  }
  const auto& error = run.error();
  if (!error.kind().empty()) {
    text += ": " + error.kind();
  }
  if (!error.message().empty()) {
    text += ": " + first_line(error.message());
  }
  return text;
}

std::string
step_label(const std::string& step, const std::string& branch, int attempt)
{
  auto label = branch.empty() ? step : fmt::format("{}[{}]", step, branch);
  if (attempt > 1) {
    label += fmt::format("#{}", attempt);
  }
  return label;
}

std::string
log_line_text(const v1::RunLogLine& line)
{
  const auto ns = line.timestamp_unix_ns();
  const auto date = output::format_unix_time(
    ns / 1'000'000'000, output::TimeZone::local, output::TimeLayout::iso);
  std::string text;
  for (const char c : line.line()) {
    if (c == '\n') {
      text += "\\n";
    } else if (c == '\r') {
      text += "\\r";
    } else {
      text += c;
    }
  }
  return fmt::format("{}.{:03} {} {}{}",
                     date,
                     ns % 1'000'000'000 / 1'000'000,
                     step_label(line.step(), line.branch(), line.attempt()),
                     line.stream() == "stderr" ? "! " : "",
                     text);
}

} // namespace ryax::cli
