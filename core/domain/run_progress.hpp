#pragma once

#include "core/domain/run.hpp"
#include "core/domain/workflow.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

// The rules that move a run forward. Pure functions over a Run and the
// WorkflowDefinition it was started from (the same version every time):
// the runner calls them, persists the Run after each, and does the I/O.
//
// Fan-out: a step that returns a list of output sets (a FanOut) in branch B
// splits everything downstream of it: each waiting execution of a
// descendant in B is replaced by one execution per element, in branches
// child_branch(B, i). A FanOut of zero elements leaves its descendants with
// no execution in B: they never run there. Fan-outs nest ("2.0"). Two
// fan-outs side by side that meet downstream (a step below two steps that
// both return lists, neither below the other) are not supported: the
// second one to finish fails with kind "invalid_output".
//
// Failure: the first failing step execution is recorded as the run's
// error; waiting and scheduled executions everywhere are cancelled (nothing
// new starts); executions already running finish and are recorded; the run
// goes to error when none is running any more.
//
// Crash safety: recover() sends scheduled and running executions back to
// waiting with attempt + 1, so a step may run more than once
// (at-least-once); a done execution is never run again.
namespace ryax::domain {

// A step returned a list: one set of outputs per element, in order.
struct FanOut
{
  std::vector<Outputs> sets;
};

// What a step execution ended with.
using StepOutcome = std::variant<Outputs, FanOut, StepError>;

// A new run `id` of version `version` of `workflow`, created at `now_ms`,
// started by its trigger with `trigger_values`: the trigger's execution is
// done at the root with those outputs, every action waits at the root, and
// the run is pending (done at once when the workflow has no action).
// Values are checked against the trigger's declared outputs: invalid_argument
// for an unknown name (with the near miss), a value of the wrong type or a
// missing required output (a missing optional output is set to null);
// failed_precondition for a workflow whose steps form a cycle.
Result<Run> start(std::string id,
                  const WorkflowDefinition& workflow,
                  int version,
                  Outputs trigger_values,
                  std::int64_t now_ms);

// The waiting executions that may be scheduled now: every upstream step
// (data references and `after` edges, workflow_edges) has a done execution
// in the same branch or an ancestor branch. In workflow step order, then
// branch order. Empty once the run failed or reached a final state.
std::vector<ReadyStep> ready_steps(const Run& run,
                                   const WorkflowDefinition& workflow);

// Mark execution `key` scheduled at `now_ms`, with its bound inputs and the
// scheduler's placement note; the run stays pending until a step runs.
// not_found for an unknown execution; failed_precondition unless it is
// waiting in a run that has not failed or finished.
Result<void> mark_scheduled(Run& run,
                            const StepKey& key,
                            Inputs inputs,
                            std::string placement,
                            std::int64_t now_ms);

// Mark execution `key` running at `now_ms`; the run becomes running (and
// started) with its first running step. not_found for an unknown execution;
// failed_precondition unless it is scheduled (a step cancelled meanwhile
// must not be started).
Result<void> mark_running(Run& run, const StepKey& key, std::int64_t now_ms);

// Record how execution `key` ended, at `now_ms`. Outputs or a FanOut: the
// step is done (a FanOut splits its descendants, see above); the run is
// done when every execution is done. A StepError: the step is in error
// (cancelled instead in a cancelled run), the run records its first error
// and cancels what has not started; it goes to error when nothing runs any
// more. A waiting step may only fail (its inputs could not be bound).
// not_found for an unknown execution; failed_precondition when the step is
// not scheduled or running (or waiting, for a StepError).
Result<void> apply_result(Run& run,
                          const WorkflowDefinition& workflow,
                          const StepKey& key,
                          StepOutcome outcome,
                          std::int64_t now_ms);

// Cancel the run at `now_ms`: it becomes cancelled at once, its waiting and
// scheduled executions too. Returns the running executions, for the caller
// to stop; their end is reported through apply_result (a StepError then
// makes them cancelled). failed_precondition when the run is already in a
// final state.
Result<std::vector<StepKey>> cancel(Run& run, std::int64_t now_ms);

// Put a run loaded after a crash of the daemon back in a consistent state,
// at `now_ms`. In a run still going: scheduled and running executions go
// back to waiting with attempt + 1 (they run again: at-least-once), done
// ones stay done and never run again; returns the executions sent back. In
// a failed or cancelled run: they are cancelled instead (nothing would wait
// for them). A run with nothing left to do reaches its final state.
std::vector<StepKey> recover(Run& run, std::int64_t now_ms);

} // namespace ryax::domain
