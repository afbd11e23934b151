#pragma once

#include "core/application/ports/workflow_store.hpp"
#include "core/infrastructure/yaml/workflow_parser.hpp"
#include "core/infrastructure/yaml/workflow_writer.hpp"

namespace ryax::infra::yaml {

// The WorkflowFormat port over parse_workflow and write_workflow (yaml-cpp).
class YamlWorkflowFormat : public app::WorkflowFormat
{
public:
  domain::ParsedWorkflow
  parse(std::string_view text, const std::string& display_path) override
  {
    return parse_workflow(text, display_path);
  }

  std::string
  write(const domain::WorkflowDefinition& workflow) override
  {
    return write_workflow(workflow);
  }
};

} // namespace ryax::infra::yaml
