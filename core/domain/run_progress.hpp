#pragma once

#include "core/domain/compiled_workflow.hpp"
#include "core/domain/run.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

// The rules that move a run forward. Pure functions over a Run and the
// CompiledWorkflow of the version it was started from (the same version
// every time): the runner calls them, persists what they report changed,
// and does the I/O. Each costs what it touches (the executions it changes
// and the steps right below them), not the size of the run, except cancel,
// failure and recovery, which visit every execution once.
//
// Fan-out: a step that returns a list of output sets (a FanOut) in branch B
// splits everything downstream of it: each waiting execution of a
// descendant whose branch lies in B (B itself or below) is replaced by one
// execution per element, in branches "<its branch>.i" (child_branch), and
// records the fan-out step as the origin of that new component. A FanOut
// of zero elements leaves those descendants with no execution there: they
// never run. Fan-outs nest ("2.0": element 0 of a list returned in branch
// "2"). Two fan-outs side by side (neither below the other) that meet
// downstream give the cross product: a step below both runs once per pair
// of elements, its branch holding one component per fan-out in the order
// the fan-outs finished ("1.2": element 1 of the first, 2 of the second).
//
// An execution of step S in branch b sees, for each step U above S, the
// execution of U in the branch made of the components of b whose origins
// run before U (its projection); when U fanned out, S gets the element
// named by the component whose origin is U.
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

// What a transition changed, for the caller to persist and act on.
struct RunChanges
{
  // Executions added or modified, each once.
  std::vector<StepKey> changed;
  // Executions removed (replaced by a fan-out's), each once.
  std::vector<StepKey> removed;
  // Executions that became ready to be scheduled (see ready_steps), in
  // workflow step order then branch order.
  std::vector<ReadyStep> ready;
};

// A new run `id` of version `version` of `workflow`, created at `now_ms`,
// started by its trigger with `trigger_values`: the trigger's execution is
// done at the root with those outputs, every action waits at the root, and
// the run is pending (done at once when the workflow has no action).
// Values are checked against the trigger's declared outputs: invalid_argument
// for an unknown name (with the near miss), a value of the wrong type or a
// missing required output (a missing optional output is set to null).
Result<Run> start(std::string id,
                  const CompiledWorkflow& workflow,
                  int version,
                  Outputs trigger_values,
                  std::int64_t now_ms);

// Make a run read from storage consistent with the rules: counts, the
// crossed flag, and the origins of branches written before origins were
// recorded (then fan-outs could only nest: the component at depth k comes
// from the fan-out that ran in the branch of its first k components).
void restore(Run& run, const CompiledWorkflow& workflow);

// Every waiting execution that may be scheduled now: every upstream step
// has a done execution in its projection of the branch (and when that
// execution fanned out, the branch has a component from it). In workflow
// step order, then branch order. Empty once the run failed or reached a
// final state. Visits every execution: for starting and resuming runs;
// apply_result reports what a result made ready.
std::vector<ReadyStep> ready_steps(const Run& run,
                                   const CompiledWorkflow& workflow);

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

// Record how execution `key` ended, at `now_ms`, and what that changed.
// Outputs or a FanOut: the step is done (a FanOut splits its descendants,
// see above); the run is done when every execution is done. A StepError:
// the step is in error (cancelled instead in a cancelled run), the run
// records its first error and cancels what has not started; it goes to
// error when nothing runs any more. A waiting step may only fail (its
// inputs could not be bound). not_found for an unknown execution;
// failed_precondition when the step is not scheduled or running (or
// waiting, for a StepError).
Result<RunChanges> apply_result(Run& run,
                                const CompiledWorkflow& workflow,
                                const StepKey& key,
                                StepOutcome outcome,
                                std::int64_t now_ms);

// What cancel() did.
struct Cancelled
{
  std::vector<StepKey> running; // for the caller to stop
  std::vector<StepKey> changed; // the executions it cancelled
};

// Cancel the run at `now_ms`: it becomes cancelled at once, its waiting and
// scheduled executions too. The running executions are left for the caller
// to stop; their end is reported through apply_result (a StepError then
// makes them cancelled). failed_precondition when the run is already in a
// final state.
Result<Cancelled> cancel(Run& run, std::int64_t now_ms);

// What recover() did.
struct Recovered
{
  std::vector<StepKey> requeued; // sent back to waiting, attempt + 1
  std::vector<StepKey> changed;  // every execution it modified
};

// Put a run loaded after a crash of the daemon back in a consistent state,
// at `now_ms`. In a run still going: scheduled and running executions go
// back to waiting with attempt + 1 (they run again: at-least-once), done
// ones stay done and never run again. In a failed or cancelled run: they
// are cancelled instead (nothing would wait for them). A run with nothing
// left to do reaches its final state. Counts the executions again first.
Recovered recover(Run& run, std::int64_t now_ms);

// What recover() does, for the one execution `key` lost with the site
// that ran it (a worker agent that stopped answering, a runtime that died),
// at `now_ms`, `why` becoming its retried_because: in a
// going run it goes back to waiting with attempt + 1 (it runs again,
// at-least-once); in a failed or cancelled run it is cancelled, and the run
// may reach its final state. not_found; failed_precondition when it is not
// scheduled or running (its result was applied already).
Result<Recovered> requeue_lost(Run& run,
                               const StepKey& key,
                               std::int64_t now_ms,
                               const std::string& why);

} // namespace ryax::domain
