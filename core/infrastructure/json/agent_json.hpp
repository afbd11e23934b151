#pragma once

#include "core/application/ports/runtime_pool.hpp"
#include "core/domain/error.hpp"
#include "core/domain/run_progress.hpp"

#include <nlohmann/json.hpp>

// What the main daemon and a worker agent exchange about one execution, as
// JSON inside the agent stream's messages.
namespace ryax::infra::json {

// The runtime spec: the action version (metadata, project, bundle key,
// source identity), the workflow and step, the limits and the scaling.
nlohmann::json runtime_spec_to_json(const app::RuntimeSpec& spec);

// The spec `doc` holds. invalid_argument naming what is wrong.
Result<app::RuntimeSpec> runtime_spec_from_json(const nlohmann::json& doc);

// Named values as they cross the agent stream (TLS): values_to_json, but a
// Secret as {"secret": TEXT}, since the worker needs its text and holds no
// key of the main daemon's.
nlohmann::json values_to_wire(const domain::Values& values);

// The inverse of values_to_wire. invalid_argument naming the value.
Result<domain::Values> values_from_wire(const nlohmann::json& doc);

// {"outputs": VALUES} | {"fan_out": [VALUES...]} | {"error": STEP_ERROR}.
nlohmann::json outcome_to_json(const domain::StepOutcome& outcome);

// The outcome `doc` holds. invalid_argument naming what is wrong.
Result<domain::StepOutcome> outcome_from_json(const nlohmann::json& doc);

} // namespace ryax::infra::json
