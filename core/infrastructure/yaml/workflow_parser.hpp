#pragma once

#include "core/domain/workflow.hpp"
#include "core/domain/workflow_graph.hpp"
#include "core/domain/workflow_validation.hpp"
#include "core/infrastructure/yaml/yaml_limits.hpp"

#include <string>
#include <string_view>

namespace ryax::infra::yaml {

// The outcome type and the catalogue checks live in the domain
// (core/domain/workflow.hpp, core/domain/workflow_validation.hpp).
using domain::ParsedWorkflow;
using domain::validate_workflow;

// Parse `text`, the content of the workflow file shown as `display_path` in
// messages (kind Workflow, apiVersion ryax.tech/v2.0; man ryax-workflow(5)):
// YAML syntax, keys (unknown ones with a near miss), types, ids, reference
// syntax, resources units, objectives, deployment, outputs, results, and
// the graph rules that need no catalogue (check_workflow_graph: unknown
// steps, cycles). Never throws for bad input: every problem becomes a
// Diagnostic with its 1-based line and column and its key path
// ("spec.actions[0].inputs_values.text"). The definition's SourceMap records
// the position of every key, for validate_workflow.
// A file past `limits` (check_yaml_limits, or more steps than
// limits.max_workflow_steps) gets one diagnostic naming the limit.
ParsedWorkflow parse_workflow(std::string_view text,
                              const std::string& display_path,
                              const YamlLimits& limits = {});

} // namespace ryax::infra::yaml
