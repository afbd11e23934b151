#include "core/infrastructure/json/agent_json.hpp"

#include "core/domain/slurm.hpp"
#include "core/infrastructure/json/action_json.hpp"
#include "core/infrastructure/json/run_json.hpp"

namespace ryax::infra::json {

nlohmann::json
values_to_wire(const domain::Values& values)
{
  auto doc = nlohmann::json::object();
  for (const auto& [name, value] : values) {
    if (const auto* secret = std::get_if<domain::Secret>(&value)) {
      doc[name] = { { "secret", secret->text } };
    } else {
      doc[name] = value_to_json(value);
    }
  }
  return doc;
}

Result<domain::Values>
values_from_wire(const nlohmann::json& doc)
{
  if (!doc.is_object()) {
    return fail(ErrorCode::invalid_argument, "values are not a JSON object");
  }
  domain::Values values;
  for (const auto& [name, item] : doc.items()) {
    if (item.is_object() && item.size() == 1 && item.contains("secret")
        && item.at("secret").is_string()) {
      values[name] = domain::Secret{ item.at("secret").get<std::string>() };
      continue;
    }
    auto value = value_from_json(item);
    if (!value) {
      return fail(ErrorCode::invalid_argument,
                  "value \"" + name + "\": " + value.error().message);
    }
    values[name] = std::move(*value);
  }
  return values;
}

nlohmann::json
runtime_spec_to_json(const app::RuntimeSpec& spec)
{
  const auto& action = spec.action;
  return { { "workflow_id", spec.workflow_id },
           { "step_id", spec.step_id },
           { "metadata", to_json(action.metadata) },
           { "project", action.project },
           { "repository", action.repository },
           { "commit", action.commit },
           { "directory", action.directory },
           { "tree_id", action.tree_id },
           { "bundle_key", action.bundle_key },
           { "time_limit_seconds", spec.time_limit_seconds },
           { "memory_limit_bytes", spec.memory_limit_bytes },
           { "cpu_quota", spec.cpu_quota },
           { "max_replicas", spec.max_replicas },
           { "idle_timeout_seconds", spec.idle_timeout.count() },
           { "cpu", spec.cpu },
           { "gpu", spec.gpu },
           { "hpc",
             { { "sbatch_options", spec.hpc.sbatch_options },
               { "custom_script", spec.hpc.custom_script } } } };
}

Result<app::RuntimeSpec>
runtime_spec_from_json(const nlohmann::json& doc)
{
  try {
    app::RuntimeSpec spec;
    spec.workflow_id = doc.at("workflow_id").get<std::string>();
    spec.step_id = doc.at("step_id").get<std::string>();
    RYAX_TRY_ASSIGN(spec.action.metadata,
                    metadata_from_json(doc.at("metadata")));
    spec.action.project = doc.at("project").get<std::string>();
    spec.action.repository = doc.at("repository").get<std::string>();
    spec.action.commit = doc.at("commit").get<std::string>();
    spec.action.directory = doc.at("directory").get<std::string>();
    spec.action.tree_id = doc.at("tree_id").get<std::string>();
    spec.action.bundle_key = doc.at("bundle_key").get<std::string>();
    spec.action.build_state = domain::BuildState::built;
    spec.time_limit_seconds = doc.at("time_limit_seconds").get<std::int64_t>();
    spec.memory_limit_bytes = doc.at("memory_limit_bytes").get<std::int64_t>();
    spec.cpu_quota = doc.at("cpu_quota").get<double>();
    spec.max_replicas = doc.at("max_replicas").get<int>();
    spec.idle_timeout =
      std::chrono::seconds(doc.at("idle_timeout_seconds").get<std::int64_t>());
    // Absent in messages of daemons older than the Slurm site.
    spec.cpu = doc.value("cpu", 0.0);
    spec.gpu = doc.value("gpu", std::int64_t{ 0 });
    if (const auto hpc = doc.find("hpc"); hpc != doc.end()) {
      spec.hpc.sbatch_options =
        hpc->at("sbatch_options").get<std::vector<std::string>>();
      spec.hpc.custom_script = hpc->at("custom_script").get<std::string>();
      RYAX_TRY(domain::check_hpc_addon(spec.hpc));
    }
    return spec;
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::invalid_argument,
                std::string("not a runtime spec: ") + e.what());
  }
}

nlohmann::json
outcome_to_json(const domain::StepOutcome& outcome)
{
  if (const auto* outputs = std::get_if<domain::Outputs>(&outcome)) {
    return { { "outputs", values_to_wire(*outputs) } };
  }
  if (const auto* fan_out = std::get_if<domain::FanOut>(&outcome)) {
    auto sets = nlohmann::json::array();
    for (const auto& set : fan_out->sets) {
      sets.push_back(values_to_wire(set));
    }
    return { { "fan_out", sets } };
  }
  return { { "error", step_error_to_json(std::get<domain::StepError>(outcome)) } };
}

Result<domain::StepOutcome>
outcome_from_json(const nlohmann::json& doc)
{
  if (!doc.is_object()) {
    return fail(ErrorCode::invalid_argument, "a step outcome is not an object");
  }
  if (doc.contains("outputs")) {
    auto outputs = values_from_wire(doc.at("outputs"));
    if (!outputs) {
      return std::unexpected(outputs.error());
    }
    domain::StepOutcome outcome;
    outcome.emplace<domain::Outputs>(std::move(*outputs));
    return outcome;
  }
  if (doc.contains("fan_out") && doc.at("fan_out").is_array()) {
    domain::FanOut fan_out;
    for (const auto& set : doc.at("fan_out")) {
      RYAX_TRY_ASSIGN(auto values, values_from_wire(set));
      fan_out.sets.push_back(std::move(values));
    }
    domain::StepOutcome outcome;
    outcome.emplace<domain::FanOut>(std::move(fan_out));
    return outcome;
  }
  if (doc.contains("error") && doc.at("error").is_object()) {
    return domain::StepOutcome{ step_error_from_json(doc.at("error")) };
  }
  return fail(ErrorCode::invalid_argument,
              "a step outcome has no outputs, fan_out or error");
}

} // namespace ryax::infra::json
