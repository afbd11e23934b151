#include "cli/commands/run_show.hpp"

#include "cli/commands/run_render.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"
#include "cli/output/time_format.hpp"

#include <fmt/format.h>

#include <ostream>

namespace ryax::cli {

namespace {

using nlohmann::json;

std::string
when(std::int64_t unix_ms, std::int64_t now_ms)
{
  if (unix_ms == 0) {
    return "-";
  }
  const auto local = output::format_unix_time(
    unix_ms / 1000, output::TimeZone::local, output::TimeLayout::seconds);
  const auto since = format_since(unix_ms, now_ms);
  return since.ends_with(" ago") || since == "just now"
           ? fmt::format("{} ({})", local, since)
           : local;
}

std::string
or_dash(const std::string& text)
{
  return text.empty() ? "-" : text;
}

std::string
failure_line(const v1::StepFailure& e)
{
  auto text = e.kind().empty() ? std::string("error") : e.kind();
  if (!e.message().empty()) {
    text += ": " + e.message().substr(0, e.message().find('\n'));
  }
  if (e.code() != 0) {
    text += fmt::format(" (code {})", e.code());
  }
  return text;
}

// "name = value" lines of a JSON object, indented.
void
print_object(std::ostream& out,
             const json& object,
             const std::string& indent,
             const std::string& prefix = "")
{
  if (!object.is_object()) {
    out << indent << prefix << output::dump(object) << "\n";
    return;
  }
  if (object.empty()) {
    out << indent << prefix << "(none)\n";
  }
  for (const auto& [name, value] : object.items()) {
    out << indent << prefix << name << " = " << value_text(value) << "\n";
  }
}

// A step that never finished counts until the run did; "-" when final.
std::string
step_duration(const v1::Run& run,
              const v1::StepExecution& s,
              std::int64_t now_ms)
{
  auto end = s.finished_ms() != 0 ? s.finished_ms() : run.finished_ms();
  if (end == 0 && is_final_state(s.state())) {
    return "-";
  }
  return span_text(s.started_ms(), end, now_ms);
}

bool
reached(const json& step)
{
  const auto& outputs = output::field(step, "outputs");
  return !output::field(step, "inputs").is_null() ||
         !(outputs.is_null() || (outputs.is_array() && outputs.empty())) ||
         !output::field(step, "error").is_null();
}

void
print_execution(std::ostream& out, const v1::StepExecution& s, const json& step)
{
  out << fmt::format(
    "{} ({}):\n", step_label(s.step(), s.branch(), s.attempt()), s.state());
  if (!s.retried_because().empty()) {
    out << "  retried: " << s.retried_because() << "\n";
  }
  out << "  inputs:\n";
  const auto& inputs = output::field(step, "inputs");
  print_object(out, inputs.is_null() ? json::object() : inputs, "    ");
  const auto& outputs = output::field(step, "outputs");
  if (outputs.is_array() && !outputs.empty()) {
    out << "  outputs:\n";
    if (outputs.size() == 1 && !s.fan_out()) {
      print_object(out, outputs[0], "    ");
    } else {
      for (std::size_t i = 0; i < outputs.size(); ++i) {
        print_object(out, outputs[i], "    ", fmt::format("[{}] ", i));
      }
    }
  } else if (!outputs.is_null() && !outputs.is_array()) {
    out << "  outputs: " << output::dump(outputs) << "\n";
  }
  if (s.has_error()) {
    out << "  error: " << failure_line(s.error()) << "\n";
  }
}

} // namespace

void
print_run(std::ostream& out,
          const v1::Run& run,
          const json& doc,
          std::int64_t now_ms,
          bool color)
{
  const auto steps = count_steps(run);
  std::vector<std::pair<std::string, std::string>> fields = {
    { "id", run.id() },
    { "workflow",
      fmt::format(
        "{} (version {})", run.workflow_id(), run.workflow_version()) },
    { "state", run.state() },
    { "created", when(run.created_ms(), now_ms) },
    { "started", when(run.started_ms(), now_ms) },
    { "finished", when(run.finished_ms(), now_ms) },
    { "duration", span_text(run.created_ms(), run.finished_ms(), now_ms) },
    { "steps", fmt::format("{}/{} done", steps.done, steps.total) },
  };
  if (run.state() == "error" || run.state() == "cancelled") {
    fields.emplace_back("error", failure_text(run));
  }
  output::print_fields(out, fields);

  out << "\ntrigger:\n";
  const auto& trigger_values = output::field(doc, "trigger_values");
  print_object(
    out, trigger_values.is_null() ? json::object() : trigger_values, "  ");

  out << "\nsteps:\n";
  output::Table table{ { "  STEP",
                         "BRANCH",
                         "ACTION",
                         "STATE",
                         "ATTEMPT",
                         "DURATION",
                         "PLACEMENT" },
                       {} };
  for (const auto& s : run.steps()) {
    table.rows.push_back({ "  " + s.step(),
                           or_dash(s.branch()),
                           s.action(),
                           s.state(),
                           std::to_string(s.attempt()),
                           step_duration(run, s, now_ms),
                           s.runtime_status().empty()
                             ? or_dash(s.placement())
                             : s.placement() + "; " + s.runtime_status() });
  }
  if (table.rows.empty()) {
    out << "  (none yet)\n";
  } else {
    output::print_table(out, table, color);
  }

  bool first = true;
  for (int i = 0; i < run.steps_size(); ++i) {
    const auto& step =
      output::element(output::field(doc, "steps"), static_cast<std::size_t>(i));
    if (reached(step)) {
      out << (first ? "\n" : "");
      first = false;
      print_execution(out, run.steps(i), step);
    }
  }

  if (run.has_error() && run.state() != "cancelled") {
    out << "\nerror: ";
    if (!run.error_step().empty()) {
      out << fmt::format("step \"{}\"", run.error_step());
      if (!run.error_branch().empty()) {
        out << fmt::format(" (branch \"{}\")", run.error_branch());
      }
      out << ": ";
    }
    out << failure_line(run.error()) << "\n";
    const auto& message = run.error().message();
    if (message.find('\n') != std::string::npos) {
      out << message << (message.ends_with('\n') ? "" : "\n");
    }
    if (!run.error().traceback().empty()) {
      out << run.error().traceback()
          << (run.error().traceback().ends_with('\n') ? "" : "\n");
    }
  }

  out << "\nresults:\n";
  const auto lines = result_lines(output::field(doc, "results"));
  if (lines.empty()) {
    out << "  (none)\n";
  }
  for (const auto& line : lines) {
    out << "  " << line << "\n";
  }
}

} // namespace ryax::cli
