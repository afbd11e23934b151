#include "daemon/services/run_convert.hpp"

#include "core/infrastructure/json/run_json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace ryax::daemon {

namespace {

void
to_proto(const domain::StepError& error, v1::StepFailure& out)
{
  out.set_kind(error.kind);
  out.set_message(error.message);
  out.set_code(error.code);
  out.set_traceback(error.traceback);
}

std::string
values_json(const domain::Values& values)
{
  return infra::json::values_to_json(values).dump();
}

void
to_proto(const domain::StepKey& key,
         const domain::StepRun& step,
         const app::RunView& view,
         v1::StepExecution& s)
{
  s.set_step(key.step);
  s.set_branch(key.branch);
  if (auto a = view.stored.actions.find(key.step);
      a != view.stored.actions.end()) {
    s.set_action(a->second);
  }
  s.set_state(std::string(domain::to_string(step.state)));
  s.set_attempt(step.attempt);
  s.set_inputs_json(values_json(step.inputs));
  auto sets = nlohmann::json::array();
  for (const auto& set : step.output_sets) {
    sets.push_back(infra::json::values_to_json(set));
  }
  s.set_outputs_json(sets.dump());
  s.set_fan_out(step.fan_out);
  s.set_log_lines(step.log_lines);
  if (step.error) {
    to_proto(*step.error, *s.mutable_error());
  }
  s.set_placement(step.placement);
  s.set_retried_because(step.retried_because);
  if (const auto status = view.statuses.find(key); status != view.statuses.end()) {
    s.set_runtime_status(status->second);
  }
  s.set_created_ms(step.created_ms);
  s.set_scheduled_ms(step.scheduled_ms.value_or(0));
  s.set_started_ms(step.started_ms.value_or(0));
  s.set_finished_ms(step.finished_ms.value_or(0));
}

} // namespace

void
to_proto(const app::RunView& view, v1::Run& out)
{
  const auto& run = view.stored.run;
  out.set_id(run.id);
  out.set_workflow_id(run.workflow_id);
  out.set_workflow_version(run.workflow_version);
  out.set_state(std::string(domain::to_string(run.state)));
  out.set_created_ms(run.created_ms);
  out.set_started_ms(run.started_ms.value_or(0));
  out.set_finished_ms(run.finished_ms.value_or(0));
  if (run.error) {
    out.set_error_step(run.error->step);
    out.set_error_branch(run.error->branch);
    to_proto(run.error->error, *out.mutable_error());
  }
  out.set_trigger_values_json(values_json(run.trigger_values));
  // Workflow order, then branch order (the map's order within a step).
  std::vector<std::string> order = view.step_order;
  for (const auto& [key, step] : run.steps) {
    if (key.step != view.trigger_step
        && std::find(order.begin(), order.end(), key.step) == order.end()) {
      order.push_back(key.step);
    }
  }
  for (const auto& id : order) {
    for (auto it = run.steps.lower_bound(domain::StepKey{ id, "" });
         it != run.steps.end() && it->first.step == id;
         ++it) {
      to_proto(it->first, it->second, view, *out.add_steps());
    }
  }
  for (const auto& result : view.results) {
    auto& r = *out.add_results();
    r.set_key(result.key);
    r.set_list(result.list);
    if (result.list) {
      auto list = nlohmann::json::array();
      for (const auto& value : result.values) {
        list.push_back(infra::json::value_to_json(value));
      }
      r.set_value_json(list.dump());
    } else {
      r.set_value_json(result.values.empty()
                         ? "null"
                         : infra::json::value_to_json(result.values.front())
                             .dump());
    }
  }
}

void
to_proto(const app::RunSummary& summary, v1::RunSummary& r)
{
  r.set_id(summary.id);
  r.set_workflow_id(summary.workflow_id);
  r.set_workflow_version(summary.workflow_version);
  r.set_state(std::string(domain::to_string(summary.state)));
  r.set_created_ms(summary.created_ms);
  r.set_started_ms(summary.started_ms.value_or(0));
  r.set_finished_ms(summary.finished_ms.value_or(0));
  if (summary.error) {
    r.set_error_step(summary.error->step);
    r.set_error_message(summary.error->error.message);
  }
  r.set_steps_total(summary.steps_total);
  r.set_steps_done(summary.steps_done);
}

void
to_proto(const app::RunLogRecord& record, v1::RunLogLine& line)
{
  line.set_timestamp_unix_ns(record.timestamp_unix_ns);
  line.set_step(record.step);
  line.set_branch(record.branch);
  line.set_attempt(record.attempt);
  line.set_stream(record.stream == app::LogStream::err ? "stderr" : "stdout");
  line.set_line(record.line);
}

app::StartRunRequest
from_proto(const v1::StartRunRequest& request)
{
  app::StartRunRequest start;
  start.workflow_id = request.workflow_id();
  start.priority = request.priority();
  for (const auto& value : request.inputs()) {
    start.values.emplace_back(value.name(), value.text());
  }
  for (const auto& file : request.files()) {
    app::Upload upload;
    upload.name = file.name();
    upload.file_name = file.file_name();
    upload.directory = file.directory();
    upload.content = file.content();
    for (const auto& entry : file.entries()) {
      upload.entries.push_back(
        app::Upload::Entry{ entry.path(), entry.directory(), entry.content() });
    }
    start.files.push_back(std::move(upload));
  }
  return start;
}

Result<app::RunFilter>
from_proto(const v1::ListRunsRequest& request)
{
  app::RunFilter filter;
  filter.workflow_id = request.workflow_id();
  if (!request.state().empty()) {
    filter.state = domain::parse_run_state(request.state());
    if (!filter.state) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("unknown run status \"{}\" (one of pending, "
                              "running, done, error, cancelled)",
                              request.state()));
    }
  }
  if (request.since_ms() > 0) {
    filter.since_ms = request.since_ms();
  }
  constexpr int k_max_limit = 10'001; // what ryax asks for (one more)
  if (request.limit() > k_max_limit) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("limit {}: at most {}", request.limit(), k_max_limit));
  }
  if (request.limit() > 0) {
    filter.limit = request.limit();
  }
  return filter;
}

} // namespace ryax::daemon
