#pragma once

#include "core/domain/action.hpp"
#include "core/domain/hpc_addon.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ryax::domain {

// The largest spec.max_concurrent_runs.
inline constexpr int k_max_concurrent_runs = 10000;

// The apiVersion and kind a workflow file must declare.
inline constexpr std::string_view k_workflow_api_version = "ryax.tech/v2.0";
inline constexpr std::string_view k_workflow_kind = "Workflow";

// The name that introduces a project variable in a reference: "{{ vars.X }}".
inline constexpr std::string_view k_variables_namespace = "vars";

// Words that cannot be step ids because references give them a meaning
// ("vars") or will ("run", "workflow", "secrets").
inline constexpr std::string_view k_reserved_step_ids[] = { "vars",
                                                            "run",
                                                            "workflow",
                                                            "secrets" };

// "{{ step.output }}": the value of an output of an upstream step.
struct OutputReference
{
  std::string step;
  std::string output;

  bool operator==(const OutputReference&) const = default;
};

// "{{ vars.NAME }}": the value of a project variable.
struct VariableReference
{
  std::string name;

  bool operator==(const VariableReference&) const = default;
};

// "@path": a file or directory next to the workflow file, uploaded at push.
struct StaticFile
{
  std::string path; // relative to the workflow file's directory, no ".."

  bool operator==(const StaticFile&) const = default;
};

// One piece of an interpolated string: verbatim text or a reference.
using InterpolationPart =
  std::variant<std::string, OutputReference, VariableReference>;

// "Hello {{ start.who }}!": a string built from text and references, for
// string-typed inputs only. Never a single reference alone (that is an
// OutputReference or a VariableReference).
struct Interpolation
{
  std::vector<InterpolationPart> parts;

  bool operator==(const Interpolation&) const = default;
};

// What feeds one input. A static string written with the literal form
// ({literal: "{{ x }}"}) is a plain Scalar string: the form only escapes it.
using Binding = std::variant<Scalar,
                             OutputReference,
                             VariableReference,
                             StaticFile,
                             Interpolation>;

// Hard placement constraints of a step; empty strings are unset.
struct Constraints
{
  std::string site;      // the site's name
  std::string node_pool; // the pool's name (in whichever site allows)
  std::string site_type; // the site's type ("local")
  std::string arch;      // the pool's architecture ("x86_64", "aarch64")

  // Whether any is set.
  bool empty() const
  {
    return site.empty() && node_pool.empty() && site_type.empty()
           && arch.empty();
  }

  bool operator==(const Constraints&) const = default;
};

// Scheduling weights of a step, each 0 to 100 (percentages).
struct Objectives
{
  std::optional<int> cost;
  std::optional<int> energy;
  std::optional<int> performance;

  bool operator==(const Objectives&) const = default;
};

// How a deployed action scales.
struct Deployment
{
  std::optional<std::int64_t> idle_timeout_seconds; // > 0
  std::optional<std::int64_t> max_replicas;         // >= 1
  // Start a replica when the workflow is deployed (true), or on the first
  // execution (unset or false: the default).
  std::optional<bool> warm;

  bool operator==(const Deployment&) const = default;
};

// One step: the trigger or an action.
struct WorkflowStep
{
  std::string id;      // see is_valid_step_id
  std::string from;    // the action id (or a built-in trigger name)
  std::string version; // "" for the latest built version
  std::map<std::string, Binding> inputs_values; // input name -> binding
  std::vector<std::string> after; // extra ordering edges, in file order
  Resources resources;            // overrides of the action's resources
  Constraints constraints;
  Objectives objectives;
  Deployment deployment;       // actions only
  HpcAddon hpc;                // actions only: `addons.hpc` (Slurm sites)
  std::vector<IoSpec> outputs; // trigger only: its dynamic outputs

  bool operator==(const WorkflowStep& other) const;
};

// A named value returned by a run, picked from a step output.
struct WorkflowResult
{
  std::string key; // an identifier (is_valid_io_name), unique
  OutputReference value;

  bool operator==(const WorkflowResult&) const = default;
};

// A 1-based position in the workflow file; 0 when unknown.
struct SourcePosition
{
  int line = 0;
  int column = 0;
};

// Where each key of a parsed workflow was written, so that checks run after
// parsing (catalogue, graph) can report a line. Not part of a workflow's
// identity: two definitions from different files compare equal.
struct SourceMap
{
  std::string file; // the display path given to the parser
  // "spec.actions[1].inputs_values.text" -> position of its value.
  std::map<std::string, SourcePosition> positions;

  // The position of `path`, or of its closest recorded parent
  // ("spec.actions[1]", then "spec"...), or {0, 0}.
  SourcePosition at(const std::string& path) const;
};

// A workflow file (kind Workflow, apiVersion ryax.tech/v2.0).
struct WorkflowDefinition
{
  std::string id; // see is_valid_step_id: unique in its project
  std::string human_name;
  std::string description;
  WorkflowStep trigger;
  std::vector<WorkflowStep> actions; // in file order
  std::vector<WorkflowResult> results;
  // Runs not finished at once, at most, for the runs its trigger starts by
  // itself (a timer skips a tick at the limit); unset: no limit. 1 to
  // k_max_concurrent_runs.
  std::optional<int> max_concurrent_runs;
  SourceMap source; // positions; ignored by ==

  // Equal content, whatever the file positions.
  bool operator==(const WorkflowDefinition& other) const;

  // The step named `id` (the trigger or an action), or nullptr.
  const WorkflowStep* find_step(std::string_view id) const;

  // The key path of step `id`: "spec.trigger" or "spec.actions[N]"; "spec"
  // for an unknown id.
  std::string step_path(std::string_view id) const;
};

// The outcome of reading a workflow file.
struct ParsedWorkflow
{
  // Filled, best effort, whenever the file's spec is a mapping, even when
  // `diagnostics` is not empty, so that callers can name the workflow and
  // run validate_workflow to report every problem at once. A binding that
  // could not be read is kept as a string (its raw text when it has one).
  std::optional<WorkflowDefinition> workflow;
  // Every problem found, sorted by position; empty for a valid file.
  std::vector<Diagnostic> diagnostics;

  // Whether the file is valid (before catalogue checks).
  bool
  ok() const
  {
    return workflow.has_value() && diagnostics.empty();
  }
};

// Whether `id` may name a workflow or a step: 1 to 64 ASCII letters, digits,
// '_' or '-', starting with a letter or '_'.
bool is_valid_step_id(std::string_view id);

// Whether `id` is one of k_reserved_step_ids.
bool is_reserved_step_id(std::string_view id);

// Turn the text of a string value into a binding: "{{ a.b }}" is an
// OutputReference, "{{ vars.X }}" a VariableReference, "@path" a StaticFile,
// text mixing "{{ ... }}" with other text an Interpolation, anything else a
// Scalar string. invalid_argument for an unclosed "{{", anything inside
// "{{ }}" that is not "step.output" or "vars.NAME", and an absolute or
// escaping ("..") static file path; the message quotes the culprit.
Result<Binding> parse_binding_text(std::string_view text);

// The text parse_binding_text reads back as `binding`, when `binding` is not
// a Scalar ("{{ a.b }}", "@path", "Hello {{ a.b }}").
std::string binding_text(const Binding& binding);

// "{{ step.output }}" / "{{ vars.NAME }}".
std::string reference_text(const OutputReference& reference);
std::string reference_text(const VariableReference& reference);

// Whether a string Scalar would be read back as something else than itself
// (it holds "{{" or starts with '@'), and so needs the literal form.
bool needs_literal(std::string_view text);

// The output references a binding reads, in order (none for a Scalar, a
// variable or a file).
std::vector<OutputReference> output_references(const Binding& binding);

// The built-in trigger named `name` ("manual", "emitevery", "one-run",
// "crongw", "postgw", "httpapijson"), as the metadata of an internal Source, or nullopt. Built-in
// triggers are always built.
std::optional<ActionMetadata> builtin_trigger(std::string_view name);

// The names of every built-in trigger, sorted.
std::vector<std::string_view> builtin_trigger_names();

} // namespace ryax::domain
