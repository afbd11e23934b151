#pragma once

// Small builders of workflows for the tests of the run model
// (run_test.cpp, run_failure_test.cpp, run_fan_out_test.cpp).

#include "core/domain/compiled_workflow.hpp"
#include "core/domain/run.hpp"
#include "core/domain/workflow.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ryax::test {

// The time every test starts its runs at, in milliseconds.
inline constexpr std::int64_t k_now = 1'000;

// An action step `id` of action "echo" with `inputs` and `after` edges.
inline domain::WorkflowStep
action(std::string id,
       std::map<std::string, domain::Binding> inputs = {},
       std::vector<std::string> after = {})
{
  domain::WorkflowStep step;
  step.id = std::move(id);
  step.from = "echo";
  step.inputs_values = std::move(inputs);
  step.after = std::move(after);
  return step;
}

// "{{ step.output }}".
inline domain::Binding
ref(std::string step, std::string output)
{
  return domain::OutputReference{ std::move(step), std::move(output) };
}

inline domain::IoSpec
io(std::string name, domain::IoType type, bool optional = false)
{
  domain::IoSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.optional = optional;
  return spec;
}

// Workflow "wf": a manual trigger "start" with `trigger_outputs` (by
// default one integer n), then `actions`, and `results`.
inline domain::WorkflowDefinition
make_workflow(std::vector<domain::WorkflowStep> actions,
              std::vector<domain::WorkflowResult> results = {},
              std::vector<domain::IoSpec> trigger_outputs = {
                io("n", domain::IoType::integer) })
{
  domain::WorkflowDefinition workflow;
  workflow.id = "wf";
  workflow.trigger.id = "start";
  workflow.trigger.from = "manual";
  workflow.trigger.outputs = std::move(trigger_outputs);
  workflow.actions = std::move(actions);
  workflow.results = std::move(results);
  return workflow;
}

// Workflow "chain": start -> a -> b -> c, each step reading the previous
// one's "out" (a reads start.n); its result "result" is c's out.
inline domain::WorkflowDefinition
chain_workflow()
{
  auto workflow =
    make_workflow({ action("a", { { "x", ref("start", "n") } }),
                    action("b", { { "x", ref("a", "out") } }),
                    action("c", { { "x", ref("b", "out") } }) },
                  { { "result", { "c", "out" } } });
  workflow.id = "chain";
  return workflow;
}

// A compiled workflow, usable wherever the run rules take one.
struct Compiled
{
  std::shared_ptr<const domain::CompiledWorkflow> compiled;

  operator const domain::CompiledWorkflow&() const { return *compiled; }
  const domain::WorkflowDefinition&
  definition() const
  {
    return compiled->definition();
  }
};

// `workflow` compiled; the test fails when it does not compile.
inline Compiled
compile(domain::WorkflowDefinition workflow)
{
  auto compiled = domain::CompiledWorkflow::compile(std::move(workflow));
  REQUIRE_MESSAGE(compiled, compiled.error().message);
  return Compiled{ std::move(*compiled) };
}

} // namespace ryax::test
