#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/secret_box.hpp"
#include "core/application/ports/variable_store.hpp"
#include "core/domain/workflow.hpp"

#include <string>

namespace ryax::app {

// What a user source trigger runs: its runtime and its inputs.
struct SourcePlan
{
  RuntimeSpec spec;      // no time limit, one replica
  domain::Values inputs; // the trigger's inputs_values, typed
};

// The plan of the trigger of `workflow` (workflow `workflow_id` of
// `project`, its sealed static values opened): the source action it names
// (its pinned version, else the newest built one) and its inputs_values
// typed by the action's inputs (a project variable read now). not_found
// for an action that is not in the catalogue, or a variable that is not
// defined; failed_precondition when the action is not built or is not a
// source; invalid_argument for a value that does not fit its input, or a
// binding a trigger cannot have (a static file, a reference, an
// interpolation).
Result<SourcePlan> plan_source(const std::string& project,
                               const std::string& workflow_id,
                               const domain::WorkflowDefinition& workflow,
                               ActionCatalogue& catalogue,
                               VariableStore& variables);

} // namespace ryax::app
