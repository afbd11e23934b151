#pragma once

#include "core/domain/action.hpp"
#include "core/domain/run_progress.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

// Values as the language runtimes (ryax_wrapper.runtime, oneshot) read and
// write them: inputs as a JSON object, outputs as a JSON array of sets.
namespace ryax::infra::wrapper {

// An input value for the runtime: a FileRef as its key (a local path), a
// Secret as its text (only the action's runtime gets it), others as is.
nlohmann::json runtime_input(const domain::Value& value);

// An output value written by the runtime, typed by `spec` (nullptr for an
// undeclared output): file and directory paths become FileRefs.
domain::Value runtime_output(const nlohmann::json& value,
                             const domain::IoSpec* spec);

// The outcome of an execution whose runtime returned the array `sets` (a
// FanOut when `fan_out`); invalid_output when `sets` is not an array.
domain::StepOutcome runtime_outcome(const nlohmann::json& sets,
                                    bool fan_out,
                                    const std::vector<domain::IoSpec>& outputs);

} // namespace ryax::infra::wrapper
