#pragma once

#include "core/domain/compiled_workflow.hpp"
#include "core/domain/run.hpp"

#include <map>
#include <string>
#include <vector>

// The data of a run: the inputs a step execution gets, and the workflow
// results a run returns.
namespace ryax::domain {

// What binding inputs needs from outside the run, given by the caller.
struct BindingContext
{
  // Project variables by name ("{{ vars.NAME }}").
  std::map<std::string, Value> variables;
  // The filestore object of each static file of the workflow version, by
  // the path written after '@' ("@data/in.csv" -> "data/in.csv").
  std::map<std::string, FileRef> static_files;
};

// The inputs of execution `key`, one per binding of its step (an unbound
// input is left out: the wrapper gives it its default, or null):
// - a static Scalar as is;
// - "{{ step.output }}" from the execution of that step the execution sees
//   (see run_progress.hpp); when that execution fanned out, the element
//   named by the component of `key.branch` it created;
// - "{{ vars.NAME }}" from `context.variables`;
// - "@path" as the FileRef of `context.static_files`;
// - an Interpolation as a string: text as is, strings as is, numbers in
//   their shortest decimal form, booleans as "true"/"false", null as ""; a
//   Secret when a Secret is part of it.
// Password inputs are not marked here (the step's specs are the action's):
// the caller applies mark_secrets.
// Messages name the step, branch and input. not_found for an unknown
// execution, an undefined variable, an unknown static file or an output
// missing from its set; invalid_argument for a reference to a step that is
// not upstream of the step, or a file or directory inside an
// Interpolation; failed_precondition when the referenced step has no done
// execution visible from the branch.
Result<Inputs> resolve_inputs(const Run& run,
                              const CompiledWorkflow& workflow,
                              const StepKey& key,
                              const BindingContext& context);

// The value a user typed for an input or output declared by `spec`
// ("--input NAME=TEXT"): the text itself for string, longstring, bytes and
// table; a Secret of it for password; one of enum_values for enum; a whole decimal integer for
// integer; a decimal number for float (an integer text gives a float);
// true/false (also yes/no, 1/0) for boolean. invalid_argument naming the
// value and what was expected; for file and directory (they are uploaded,
// not typed).
Result<Value> parse_value_text(const IoSpec& spec, std::string_view text);

// The value of one workflow result.
struct RunResult
{
  std::string key; // the WorkflowResult key
  // One value, when its step ran once at the root and did not fan out.
  // Otherwise one per element across branches, in branch order: a list
  // (maybe empty, when a fan-out above it had no element). An execution
  // that is not done, or whose set lacks the output, gives null.
  std::vector<Value> values;
  bool list = false; // whether `values` is a list across branches

  bool operator==(const RunResult&) const = default;
};

// The workflow results of `run`, in the order `workflow.results` declares
// them, from whatever executions are done so far.
std::vector<RunResult> results(const Run& run,
                               const CompiledWorkflow& workflow);

} // namespace ryax::domain
