#pragma once

// Private to workflow_parser*.cpp: the parser's state, shared by the files
// that split it by responsibility (document and spec; steps and bindings).

#include "core/domain/workflow.hpp"
#include "core/infrastructure/yaml/yaml_support.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::yaml::detail {

// Reads one workflow file into a WorkflowDefinition, collecting every
// problem and the position of every key.
class WorkflowParser
{
public:
  // `display_path` names the file in diagnostics.
  // At most `max_steps` steps (the trigger and the actions).
  WorkflowParser(const std::string& display_path, std::size_t max_steps);

  // Parse `text`; call once.
  domain::ParsedWorkflow run(std::string_view text);

  // --- workflow_parser.cpp: the document, spec, results and ids ---

  // Read apiVersion, kind and spec of the root node.
  void parse_top(const YAML::Node& root);
  // Read the spec mapping into m_workflow.
  void parse_spec(const Entry& spec);
  // Read spec.results.
  void parse_results(const Entry& entry);
  // Report invalid, reserved and duplicate step ids.
  void check_step_ids();

  // --- workflow_parser_steps.cpp: steps and what they hold ---

  // Read the trigger (`is_trigger`) or an action at `path`; nullopt when
  // `node` is not a mapping.
  std::optional<domain::WorkflowStep> parse_step(const YAML::Node& node,
                                                 const std::string& path,
                                                 bool is_trigger);
  // Read `inputs_values` into `step`.
  void parse_inputs_values(const Entry& entry,
                           const std::string& field,
                           domain::WorkflowStep& step);
  // Read one value of inputs_values.
  domain::Binding parse_binding(const Entry& entry, const std::string& field);
  // Read the dynamic outputs of the trigger.
  std::vector<domain::IoSpec> parse_outputs(const Entry& entry,
                                            const std::string& field);
  // Read `after`.
  std::vector<std::string> parse_after(const Entry& entry,
                                       const std::string& field);
  // Read constraints, objectives and deployment into `step`.
  void parse_constraints(const Entry& entry,
                         const std::string& field,
                         domain::Constraints& constraints);
  void parse_objectives(const Entry& entry,
                        const std::string& field,
                        domain::Objectives& objectives);
  void parse_deployment(const Entry& entry,
                        const std::string& field,
                        domain::Deployment& deployment);
  // --- workflow_parser_addons.cpp: `addons` (hpc) ---
  void parse_addons(const Entry& entry,
                    const std::string& field,
                    domain::HpcAddon& hpc);

  // --- shared helpers ---

  // Remember where `path` was written.
  void record(const std::string& path, const YAML::Mark& mark);
  // entries() of the collector, recording the position of each entry.
  std::map<std::string, Entry> entries(
    const YAML::Node& map,
    const std::string& path,
    std::span<const std::string_view> known,
    const DiagnosticCollector::SpecialKey& special = {});
  // Report a missing required key of the mapping `node` at `path`.
  void require(const std::map<std::string, Entry>& fields,
               const YAML::Node& node,
               const std::string& path,
               std::span<const std::string_view> keys);

  DiagnosticCollector m_out;
  domain::WorkflowDefinition m_workflow;
  bool m_have_spec = false;
  std::size_t m_max_steps;
};

// The entry named `key` of `fields`, or nullptr.
const Entry* find_entry(const std::map<std::string, Entry>& fields,
                        std::string_view key);

} // namespace ryax::infra::yaml::detail
