#pragma once

#include "core/application/ports/runtime_pool.hpp"
#include "core/domain/workflow.hpp"

#include <string>

namespace ryax::app {

// The warm runtime of step `step` of workflow `workflow_id` running the
// built `action`: the step's resources over the action's for the limits,
// its deployment settings (max_replicas 1 and idle_timeout 300 s by
// default).
RuntimeSpec runtime_spec(const std::string& workflow_id,
                         const domain::WorkflowStep& step,
                         domain::ActionVersion action);

} // namespace ryax::app
