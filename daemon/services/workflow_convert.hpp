#pragma once

#include "core/application/workflow_service.hpp"

#include "ryax/v1/workflow.pb.h"
#include <nlohmann/json.hpp>

namespace ryax::daemon {

// Proto messages to application values and back (proto types never enter
// core/).
app::WorkflowSource from_proto(const v1::WorkflowSource& source);
void to_proto(const domain::Diagnostic& diagnostic, v1::Diagnostic& out);
void to_proto(const app::WorkflowDeployment& deployment,
              v1::WorkflowStatus& out);
void to_proto(const app::WorkflowView& view, v1::Workflow& out);

// The WORKFLOW DOCUMENT of ryax(1) for `workflow show -o json`.
nlohmann::json to_json(const app::WorkflowView& view);

} // namespace ryax::daemon
