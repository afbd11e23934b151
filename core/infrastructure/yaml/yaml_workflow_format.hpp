#pragma once

#include "core/application/ports/workflow_store.hpp"
#include "core/infrastructure/yaml/workflow_parser.hpp"
#include "core/infrastructure/yaml/workflow_writer.hpp"

namespace ryax::infra::yaml {

// The WorkflowFormat port over parse_workflow and write_workflow (yaml-cpp).
class YamlWorkflowFormat : public app::WorkflowFormat
{
public:
  explicit YamlWorkflowFormat(YamlLimits limits = {})
    : m_limits(limits)
  {
  }

  domain::ParsedWorkflow
  parse(std::string_view text, const std::string& display_path) override
  {
    return parse_workflow(text, display_path, m_limits);
  }

  std::string
  write(const domain::WorkflowDefinition& workflow) override
  {
    return write_workflow(workflow);
  }

private:
  YamlLimits m_limits;
};

} // namespace ryax::infra::yaml
