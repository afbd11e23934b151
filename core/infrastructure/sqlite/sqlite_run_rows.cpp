// The rows of runs and their step executions, to and from SQLite columns.
#include "core/infrastructure/sqlite/sqlite_run_rows.hpp"

#include "core/infrastructure/json/run_json.hpp"

#include <SQLiteCpp/Column.h>
#include <fmt/format.h>

namespace ryax::infra::sqlite::rows {

const char* const k_summary_columns =
  "id, workflow_id, workflow_version, state, created_ms, started_ms, "
  "finished_ms, error, steps_total, steps_done";

const char* const k_step_columns =
  "step, branch, state, attempt, inputs, output_sets, fan_out, log_lines, "
  "error, placement, created_ms, scheduled_ms, started_ms, finished_ms, "
  "origins, retried_because";

// `doc` as compact text. Invalid UTF-8 in a string (which JSON cannot hold)
// is replaced rather than failing the write.
std::string
dump(const nlohmann::json& doc)
{
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void
bind_optional(SQLite::Statement& q,
              int index,
              const std::optional<std::int64_t>& value)
{
  if (value) {
    q.bind(index, static_cast<int64_t>(*value));
  } else {
    q.bind(index);
  }
}

std::optional<std::int64_t>
optional_column(SQLite::Statement& q, int index)
{
  const auto column = q.getColumn(index);
  if (column.isNull()) {
    return std::nullopt;
  }
  return column.getInt64();
}

std::string
run_error_text(const std::optional<domain::RunError>& error)
{
  if (!error) {
    return "";
  }
  return dump({ { "step", error->step },
                { "branch", error->branch },
                { "error", json::step_error_to_json(error->error) } });
}

// A JSON column of run `run_id`; internal when it does not parse (the
// database was damaged or written by something else).
Result<nlohmann::json>
parse_column(const std::string& text,
             const std::string& run_id,
             std::string_view what)
{
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return fail(ErrorCode::internal,
                fmt::format("run \"{}\": {}: invalid JSON", run_id, what));
  }
  return doc;
}

Result<std::optional<domain::RunError>>
parse_run_error(const std::string& text, const std::string& run_id)
{
  if (text.empty()) {
    return std::optional<domain::RunError>{};
  }
  RYAX_TRY_ASSIGN(const auto doc, parse_column(text, run_id, "error"));
  domain::RunError error;
  if (doc.is_object()) {
    const auto text_member = [&](const char* name) {
      const auto it = doc.find(name);
      return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
    };
    error.step = text_member("step");
    error.branch = text_member("branch");
    if (const auto it = doc.find("error"); it != doc.end()) {
      error.error = json::step_error_from_json(*it);
    }
  }
  return std::optional{ std::move(error) };
}

Result<domain::Values>
parse_values(const std::string& text,
             const std::string& run_id,
             const std::string& what,
             app::SecretBox& box)
{
  RYAX_TRY_ASSIGN(const auto doc, parse_column(text, run_id, what));
  auto values = json::values_from_json(doc, &box);
  if (!values) {
    return fail(
      ErrorCode::internal,
      fmt::format("run \"{}\": {}: {}", run_id, what, values.error().message));
  }
  return values;
}

Result<std::pair<domain::StepKey, domain::StepRun>>
read_step(SQLite::Statement& q, const std::string& run_id, app::SecretBox& box)
{
  domain::StepKey key{ q.getColumn(0).getString(), q.getColumn(1).getString() };
  const auto where = domain::describe(key);
  domain::StepRun step;
  step.state = domain::parse_step_state(q.getColumn(2).getString())
                 .value_or(domain::StepState::error);
  step.attempt = q.getColumn(3).getInt();
  RYAX_TRY_ASSIGN(
    step.inputs,
    parse_values(q.getColumn(4).getString(), run_id, where + ": inputs", box));
  RYAX_TRY_ASSIGN(
    const auto sets,
    parse_column(q.getColumn(5).getString(), run_id, where + ": outputs"));
  if (!sets.is_array()) {
    return fail(
      ErrorCode::internal,
      fmt::format("run \"{}\": {}: outputs: not an array", run_id, where));
  }
  for (const auto& set : sets) {
    auto outputs = json::values_from_json(set, &box);
    if (!outputs) {
      return fail(ErrorCode::internal,
                  fmt::format("run \"{}\": {}: outputs: {}",
                              run_id,
                              where,
                              outputs.error().message));
    }
    step.output_sets.push_back(std::move(*outputs));
  }
  step.fan_out = q.getColumn(6).getInt() != 0;
  step.log_lines = q.getColumn(7).getInt64();
  const auto error = q.getColumn(8).getString();
  if (!error.empty()) {
    RYAX_TRY_ASSIGN(const auto doc,
                    parse_column(error, run_id, where + ": error"));
    step.error = json::step_error_from_json(doc);
  }
  step.placement = q.getColumn(9).getString();
  step.created_ms = q.getColumn(10).getInt64();
  step.scheduled_ms = optional_column(q, 11);
  step.started_ms = optional_column(q, 12);
  step.finished_ms = optional_column(q, 13);
  std::string_view origins = q.getColumn(14).getText();
  while (!origins.empty()) {
    const auto comma = origins.find(',');
    step.origins.emplace_back(origins.substr(0, comma));
    origins.remove_prefix(comma == std::string_view::npos ? origins.size()
                                                          : comma + 1);
  }
  step.retried_because = q.getColumn(15).getString();
  return std::pair{ std::move(key), std::move(step) };
}

Result<app::RunSummary>
read_summary(SQLite::Statement& q)
{
  app::RunSummary s;
  s.id = q.getColumn(0).getString();
  s.workflow_id = q.getColumn(1).getString();
  s.workflow_version = q.getColumn(2).getInt();
  s.state = domain::parse_run_state(q.getColumn(3).getString())
              .value_or(domain::RunState::error);
  s.created_ms = q.getColumn(4).getInt64();
  s.started_ms = optional_column(q, 5);
  s.finished_ms = optional_column(q, 6);
  RYAX_TRY_ASSIGN(s.error, parse_run_error(q.getColumn(7).getString(), s.id));
  s.steps_total = q.getColumn(8).getInt();
  s.steps_done = q.getColumn(9).getInt();
  return s;
}

} // namespace ryax::infra::sqlite::rows
