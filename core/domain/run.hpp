#pragma once

#include "core/domain/action.hpp"
#include "core/domain/error.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// The workflow run model: states, values, step executions keyed by branch.
// The rules that move a run forward live in core/domain/run_progress.hpp;
// input binding and workflow results in core/domain/run_values.hpp.
namespace ryax::domain {

// The life of a run: pending (accepted, no step started yet) -> running (a
// step has started) -> done | error | cancelled. A run with no action is
// done at once (pending -> done); pending -> error when a step fails before
// any started; pending -> cancelled when cancelled before.
enum class RunState
{
  pending,
  running,
  done,
  error,
  cancelled
};

// The life of one step execution: waiting (for its upstream steps, or for
// the runner) -> scheduled (placed, inputs bound) -> running -> done | error |
// cancelled. A waiting step may fail (its inputs could not be bound) or be
// cancelled; a scheduled step may fail (it could not be started); a
// scheduled or running step goes back to waiting only through recover().
enum class StepState
{
  waiting,
  scheduled,
  running,
  done,
  error,
  cancelled
};

// Every value of each enum, in declaration order, for messages and tests.
inline constexpr RunState k_all_run_states[] = { RunState::pending,
                                                 RunState::running,
                                                 RunState::done,
                                                 RunState::error,
                                                 RunState::cancelled };
inline constexpr StepState k_all_step_states[] = {
  StepState::waiting, StepState::scheduled, StepState::running,
  StepState::done,    StepState::error,     StepState::cancelled
};

// The snake_case spelling of a state ("pending", "scheduled"), stable for
// storage and JSON.
std::string_view to_string(RunState state);
std::string_view to_string(StepState state);

// The state spelled `text` exactly as to_string does, or nullopt.
std::optional<RunState> parse_run_state(std::string_view text);
std::optional<StepState> parse_step_state(std::string_view text);

// Whether a run or a step may go from `from` to `to` (see the enums); never
// from a final state, never to the same state.
bool can_transition(RunState from, RunState to);
bool can_transition(StepState from, StepState to);

// Whether `state` is final: done, error or cancelled.
bool is_final(RunState state);
bool is_final(StepState state);

// A filestore object: a file, or a directory stored as an archive. `key` is
// the filestore's name for it; the runner turns it into a local path.
struct FileRef
{
  std::string key;
  bool directory = false;

  bool operator==(const FileRef&) const = default;
};

// A password: its text, marked so that it is sealed at rest and never shown
// (runs show "********"). The runner makes one of every string given for,
// bound to or returned as a password input or output (mark_secrets); only
// the action's runtime gets the text.
struct Secret
{
  std::string text;

  bool operator==(const Secret&) const = default;
};

// One input or output value, without JSON: null (an optional value left
// unset), a boolean, an integer, a float, a string (also for longstring,
// enum and password values given as text), a file/directory, or a Secret
// (a password value, once marked).
using Value = std::variant<std::monostate,
                           bool,
                           std::int64_t,
                           double,
                           std::string,
                           FileRef,
                           Secret>;

// Named values: the inputs of a step execution, or one set of its outputs.
using Values = std::map<std::string, Value>;
using Inputs = Values;
using Outputs = Values;

// How messages name the type of a value: "null", "boolean", "integer",
// "float", "string", "file", "directory" or "password".
std::string_view value_type_name(const Value& value);

// Whether `value` may be given for an input or output declared by `spec`:
// null only when optional; a string or a Secret for string, longstring,
// password and bytes (one of enum_values, when listed, for enum); an
// integer for integer; a float or an integer for float; a
// boolean for boolean; a FileRef of the matching kind for file and
// directory; anything but null for table.
bool value_fits(const IoSpec& spec, const Value& value);

// Make a Secret of every string in `values` named by a password spec of
// `specs` (the inputs or outputs of an action, or a trigger's outputs);
// other values are left as they are.
void mark_secrets(Values& values, const std::vector<IoSpec>& specs);

// Why a step failed, as the wrapper reports it (ExecutionError in
// proto/ryax/v1/wrapper.proto), or as the run model sets it.
struct StepError
{
  // "user_exception", "ryax_exception", "timeout", "memory_limit_exceeded",
  // "runtime_crashed", "invalid_output", "invalid_input", "cancelled"...
  std::string kind;
  std::string message;     // human readable; names the input or output
  std::int64_t code = 0;   // the code of a RyaxException, 0 otherwise
  std::string traceback{}; // the user's traceback, or empty

  bool operator==(const StepError&) const = default;
};

// The first failure of a run: which step execution, and why.
struct RunError
{
  std::string step;
  std::string branch;
  StepError error;

  bool operator==(const RunError&) const = default;
};

// A branch path: "" for the root, "2" for the third element of a fan-out
// of the root, "2.0" for the first element of a fan-out nested in it.
// Components are decimal indices joined by '.'.

// The branch of element `index` of a fan-out in branch `parent`
// (child_branch("", 2) == "2", child_branch("2", 0) == "2.0").
std::string child_branch(std::string_view parent, std::size_t index);

// The branch `branch` was created in ("2.0" -> "2", "2" -> ""), or nullopt
// for the root.
std::optional<std::string> parent_branch(std::string_view branch);

// The number of components of `branch`: 0 for the root, 2 for "2.0".
std::size_t branch_depth(std::string_view branch);

// Whether `prefix` is `branch` or one of its ancestors ("" and "2" are
// prefixes of "2.0"; "2" is not a prefix of "20").
bool is_branch_prefix(std::string_view prefix, std::string_view branch);

// Total order of branches: component by component, numerically ("" < "0" <
// "0.0" < "1" < "10").
bool branch_less(std::string_view a, std::string_view b);

// Identifies one step execution of a run: a step id and a branch path.
struct StepKey
{
  std::string step;
  std::string branch;

  bool operator==(const StepKey&) const = default;
  // By step id, then branch_less.
  std::strong_ordering operator<=>(const StepKey& other) const;
};

// A step execution the runner may start now (see ready_steps).
using ReadyStep = StepKey;

// "step \"s\"" for the root branch, "step \"s\" (branch \"2.0\")" otherwise:
// how messages name a step execution.
std::string describe(const StepKey& key);

// One execution of a step in one branch.
struct StepRun
{
  StepState state = StepState::waiting;
  // The number of the current (or next) execution, from 1; recover() adds 1
  // to a step it sends back to waiting.
  int attempt = 1;
  // Why the previous attempt ended without a result (it runs again): "the
  // daemon stopped while the step was running", "the site running the step
  // was lost: ..."; empty for a first attempt.
  std::string retried_because;
  Inputs inputs; // the bound inputs, set when scheduled
  // One set for a normal step; one per element for a fan-out (maybe none).
  std::vector<Outputs> output_sets;
  bool fan_out = false;       // the step returned a list of output sets
  // The fan-out steps that created each component of the branch, in
  // component order ({"split"} for branch "2" below step "split"); empty at
  // the root.
  std::vector<std::string> origins;
  std::int64_t log_lines = 0; // lines of output stored so far (the runner's)
  std::optional<StepError> error; // set in state error (or cancelled)
  std::string placement;          // where the scheduler put it, free-form
  // Milliseconds since the UNIX epoch, as given by the caller.
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> scheduled_ms;
  std::optional<std::int64_t> started_ms;
  std::optional<std::int64_t> finished_ms;

  bool operator==(const StepRun&) const = default;
};

// One run of a workflow version: its trigger's values and every step
// execution. The trigger is a step execution too (done at the root).
struct Run
{
  std::string id; // chosen by the caller
  std::string workflow_id;
  int workflow_version = 0;
  Outputs trigger_values; // the outputs of the trigger that started the run
  RunState state = RunState::pending;
  // Milliseconds since the UNIX epoch, as given by the caller.
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> started_ms;  // the first step started
  std::optional<std::int64_t> finished_ms; // the run reached a final state
  std::optional<RunError> error;           // the first failure, if any
  // Every step execution, ordered by step id then branch. Changed through
  // the functions of run_progress.hpp; code that fills it by hand calls
  // recount() (and domain::restore for a run loaded from storage).
  std::map<StepKey, StepRun> steps;
  // How many executions are in each state, indexed by StepState.
  std::array<int, 6> counts{};
  // Whether two side-by-side fan-outs crossed (a branch's components do not
  // come from nested fan-outs): lookups then scan instead of using prefixes.
  bool crossed = false;

  bool operator==(const Run&) const = default;

  // The execution `key`, or nullptr.
  const StepRun* find(const StepKey& key) const;
  StepRun* find(const StepKey& key);

  // The number of executions in `state`.
  int
  count(StepState state) const
  {
    return counts[static_cast<std::size_t>(state)];
  }

  // Compute `counts` again from `steps`.
  void recount();

  // Whether a step failure was recorded: nothing new starts any more.
  bool
  failed() const
  {
    return error.has_value();
  }
};

} // namespace ryax::domain
