#include "daemon/services/workflow_convert.hpp"

#include "core/domain/http_trigger.hpp"
#include "core/domain/timer_trigger.hpp"
#include "core/domain/workflow_graph.hpp"
#include "core/infrastructure/json/action_json.hpp"

namespace ryax::daemon {

namespace {

// "static", "reference", "variable", "file" or "interpolation".
const char*
binding_kind(const domain::Binding& binding)
{
  return std::visit(
    [](const auto& b) -> const char* {
      using T = std::decay_t<decltype(b)>;
      if constexpr (std::is_same_v<T, domain::Scalar>) {
        return "static";
      } else if constexpr (std::is_same_v<T, domain::OutputReference>) {
        return "reference";
      } else if constexpr (std::is_same_v<T, domain::VariableReference>) {
        return "variable";
      } else if constexpr (std::is_same_v<T, domain::StaticFile>) {
        return "file";
      } else {
        return "interpolation";
      }
    },
    binding);
}

nlohmann::json
step_json(const domain::WorkflowStep& step,
          const char* role,
          const app::WorkflowView& view)
{
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& output : step.outputs) {
    nlohmann::json item = { { "name", output.name },
                            { "type", domain::to_string(output.type) },
                            { "help", output.help },
                            { "optional", output.optional } };
    if (!output.enum_values.empty()) {
      item["enum_values"] = output.enum_values;
    }
    outputs.push_back(std::move(item));
  }
  const auto resolved = view.resolved_versions.find(step.id);
  return { { "id", step.id },
           { "role", role },
           { "action", step.from },
           { "version", step.version },
           { "resolved_version",
             resolved == view.resolved_versions.end() ? "" : resolved->second },
           { "after", step.after },
           { "outputs", outputs } };
}

} // namespace

app::WorkflowSource
from_proto(const v1::WorkflowSource& source)
{
  app::WorkflowSource out;
  out.text = source.text();
  out.display_path = source.display_path();
  for (const auto& file : source.files()) {
    if (file.directory()) {
      out.directories.insert(file.path());
    } else {
      out.files[file.path()] = file.content();
    }
  }
  return out;
}

void
to_proto(const domain::Diagnostic& d, v1::Diagnostic& out)
{
  out.set_file(d.file);
  out.set_line(d.line);
  out.set_column(d.column);
  out.set_field(d.field);
  out.set_message(d.message);
  out.set_text(domain::format_diagnostic(d));
}

void
to_proto(const app::WorkflowDeployment& d, v1::WorkflowStatus& out)
{
  out.set_id(d.id);
  out.set_latest_version(d.latest_version);
  out.set_deployed_version(d.deployed_version);
  out.set_state(std::string(app::to_string(d.state)));
  out.set_reason(d.reason);
  out.set_updated_at(d.updated_at);
}

void
to_proto(const app::WorkflowView& view, v1::Workflow& out)
{
  to_proto(view.deployment, *out.mutable_status());
  out.set_version(view.stored.version);
  out.set_created_at(view.stored.created_at);
  out.set_yaml(view.stored.yaml);
  out.set_document_json(to_json(view).dump());
}

nlohmann::json
to_json(const app::WorkflowView& view)
{
  const auto& workflow = view.definition;
  nlohmann::json steps = nlohmann::json::array();
  nlohmann::json bindings = nlohmann::json::array();
  const auto add_step = [&](const domain::WorkflowStep& step,
                            const char* role) {
    steps.push_back(step_json(step, role, view));
    for (const auto& [input, binding] : step.inputs_values) {
      const auto* scalar = std::get_if<domain::Scalar>(&binding);
      bindings.push_back(
        { { "step", step.id },
          { "input", input },
          { "kind", binding_kind(binding) },
          { "value",
            scalar ? infra::json::to_json(*scalar)
                   : nlohmann::json(domain::binding_text(binding)) } });
    }
  };
  add_step(workflow.trigger, "trigger");
  for (const auto& action : workflow.actions) {
    add_step(action, "action");
  }
  nlohmann::json edges = nlohmann::json::array();
  for (const auto& edge : domain::workflow_edges(workflow)) {
    edges.push_back({ { "from", edge.from },
                      { "to", edge.to },
                      { "kind", domain::to_string(edge.kind) } });
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto& result : workflow.results) {
    results.push_back({ { "key", result.key },
                        { "value", domain::reference_text(result.value) } });
  }
  nlohmann::json files = nlohmann::json::array();
  for (const auto& file : view.stored.files) {
    files.push_back(
      { { "path", file.path }, { "key", file.key }, { "size", file.size } });
  }
  const auto& d = view.deployment;
  // Where an HTTP trigger serves, under the daemon's http_url.
  std::string endpoint;
  if (workflow.trigger.from == "postgw") {
    endpoint = "GET|POST /portal/" + d.project + "/" + workflow.id;
  } else if (auto api = domain::http_endpoint(workflow.trigger); api) {
    endpoint = api->method + " /user-api/" + d.project + api->path;
  }
  return {
    { "id", workflow.id },
    { "human_name", workflow.human_name },
    { "description", workflow.description },
    { "version", view.stored.version },
    { "created_at", view.stored.created_at },
    { "latest_version", d.latest_version },
    { "deployed_version",
      d.deployed_version == 0 ? nlohmann::json(nullptr)
                              : nlohmann::json(d.deployed_version) },
    { "state", app::to_string(d.state) },
    { "reason", d.reason },
    { "max_concurrent_runs",
      workflow.max_concurrent_runs
        ? nlohmann::json(*workflow.max_concurrent_runs)
        : nlohmann::json(nullptr) },
    { "timer_trigger", domain::is_timer_trigger(workflow.trigger.from) },
    { "source_trigger", !domain::builtin_trigger(workflow.trigger.from) },
    { "skipped_ticks", d.trigger.skipped_ticks },
    { "trigger_error", d.trigger.error },
    { "http_endpoint", endpoint },
    { "steps", steps },
    { "edges", edges },
    { "bindings", bindings },
    { "results", results },
    { "files", files },
  };
}

} // namespace ryax::daemon
