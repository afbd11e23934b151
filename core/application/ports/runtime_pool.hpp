#pragma once

#include "core/application/ports/action_runtime.hpp"
#include "core/domain/catalogue.hpp"
#include "core/domain/error.hpp"
#include "core/domain/run_progress.hpp"
#include "core/domain/hpc_addon.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ryax::app {

// What a warm runtime runs and how it is limited.
struct RuntimeSpec
{
  // The deployment: one action of one workflow of one project (action.
  // project: its steps running that action version with the same limits
  // share replicas, and so do fan-out branches); `step_id` is the step
  // asking.
  std::string workflow_id;
  std::string step_id;
  // The built action version (metadata and bundle_key).
  domain::ActionVersion action;
  std::int64_t time_limit_seconds = 0; // 0 = none
  std::int64_t memory_limit_bytes = 0; // 0 = none
  double cpu_quota = 0;                // cores; 0 = none
  // Replicas of this spec that may run at once (>= 1).
  int max_replicas = 1;
  // A replica idle this long is stopped.
  std::chrono::seconds idle_timeout{ 300 };
  // The step's `hpc` add-on (sbatch options, custom script), used by Slurm
  // sites only; not part of the key.
  domain::HpcAddon hpc;
  // The step's request, for sites that reserve resources per execution
  // (Slurm): cores and GPUs (0 = none asked).
  double cpu = 0;
  std::int64_t gpu = 0;
  // The node pool the execution was placed on (a Slurm partition); "" when
  // not placed yet (warm at deploy). Not part of the key.
  std::string node_pool;

  // The pool key: one set of replicas per project, workflow, action
  // version and limits.
  std::string key() const;

  // "WORKFLOW/ACTION" (unique in its project).
  std::string deployment_id() const { return workflow_id + "/" + action.id(); }
};

// One run a source created (create_run) or reported failed
// (create_run_error), its data typed by the source's declared outputs.
struct CreatedRun
{
  bool failed = false;  // create_run_error()
  domain::Outputs data; // the trigger's outputs; file values hold a local path
  std::string invalid;  // why the data could not be read; "" when fine
};

// Receives each run of a running source (on the calling thread); the
// source's create_run returns or raises with its answer.
using CreatedRunCallback = std::function<SourceAck(const CreatedRun&)>;

// One warm runtime lent for executions; destroying it gives it back.
class RuntimeLease
{
public:
  virtual ~RuntimeLease() = default;

  // Run the action once with `inputs`, whose file and directory values are
  // FileRefs holding a local absolute path as key. Returns its outputs (a
  // FanOut when the handler returned a list), whose file and directory
  // values are FileRefs holding the absolute path of the collected output,
  // inside outputs_dir(execution_id); or the StepError of the user's code
  // (kind as in ExecutionErrorKind). `on_log` gets each line. An Error
  // means the runtime could not be reached (unavailable).
  virtual Result<domain::StepOutcome> execute(const std::string& execution_id,
                                              const domain::Values& inputs,
                                              const LogCallback& on_log) = 0;

  // Run the source action of this runtime with `inputs` (as for execute)
  // until its `run` returns (nullopt) or fails (the error; kind cancelled
  // after cancel()). Blocks; `on_run` answers each run it creates, `on_log`
  // gets each line. unavailable when the runtime cannot be reached or dies
  // (then discard() it).
  virtual Result<std::optional<ExecutionError>> run_source(
    const std::string& execution_id,
    const domain::Values& inputs,
    const CreatedRunCallback& on_run,
    const LogCallback& on_log) = 0;

  // End the execution `execution_id` (from another thread); it then ends
  // with a StepError of kind cancelled. not_found when none runs.
  virtual Result<void> cancel(const std::string& execution_id) = 0;

  // The directory the runtime collects outputs of `execution_id` under;
  // the caller removes it once it took the outputs.
  virtual std::string outputs_dir(const std::string& execution_id) = 0;

  // Where to stage the file inputs of `execution_id` so that this runtime
  // can read them (its sandbox shows it that directory and not the
  // daemon's); empty when any local directory will do.
  virtual std::string inputs_dir(const std::string& execution_id)
  {
    (void)execution_id;
    return {};
  }

  // The runtime failed (unreachable): stop it rather than reuse it.
  virtual void discard() = 0;

  // Whether the last execute() failed because the site running it was
  // lost (a worker agent that stopped answering): the execution may have
  // run or not, and runs again where its constraints allow (at least once),
  // rather than failing. Local runtimes are never lost.
  virtual bool site_lost() const { return false; }

  // What the runtime says of the execution it runs now, for `runs show`
  // (a Slurm job "PENDING (Resources)"); "" for nothing to say. Called from
  // other threads while execute() runs.
  virtual std::string status() const { return {}; }
};

// One live replica, for `deployments list`.
struct ReplicaView
{
  std::string key;           // RuntimeSpec::key
  std::string project;       // the deployment's
  std::string deployment_id; // "WORKFLOW/ACTION"
  std::vector<std::string> steps; // the workflow steps it served, sorted
  std::string action;        // "id:version"
  std::string id;            // "r12"
  std::int64_t pid = 0;      // the wrapper process
  int max_replicas = 1;
  std::int64_t idle_timeout_seconds = 0;
  bool draining = false; // stops when given back
  bool busy = false;
  std::int64_t executions = 0;
  std::int64_t idle_ms = 0; // 0 while busy
};

// Warm runtimes, started on first use and kept until idle.
class RuntimePool
{
public:
  virtual ~RuntimePool() = default;

  // A runtime of `spec`: an idle replica, else a new one while fewer than
  // max_replicas live, else wait for one to be given back. The errors of
  // starting a runtime (unavailable, failed_precondition when the code does
  // not load).
  virtual Result<std::unique_ptr<RuntimeLease>> acquire(
    const RuntimeSpec& spec) = 0;

  // Start a replica of `spec` unless one lives (deployments warm at
  // deploy). The errors of starting a runtime.
  virtual Result<void> warm(const RuntimeSpec& spec) = 0;

  // Stop replicas idle for longer than their idle_timeout.
  virtual void reap_idle() = 0;

  // Every live replica.
  virtual std::vector<ReplicaView> replicas() = 0;

  // Stop the replicas of the deployments of `workflow_id` of `project`:
  // idle ones now, busy ones when given back.
  virtual void drain(const std::string& project,
                     const std::string& workflow_id) = 0;

  // Stop every replica (waits for busy ones to be given back).
  virtual void shutdown() = 0;

  // Whether its leases take file and directory inputs, and give file
  // outputs, as run file keys (a remote site that reads and writes the
  // global run file store itself) rather than as local paths.
  virtual bool files_by_key() const { return false; }
};

// --- Inline implementations ---

inline std::string
RuntimeSpec::key() const
{
  return action.project + "/" + deployment_id() + "=" + action.id() + ":" + action.version() + "@"
         + action.bundle_key + "/"
         + std::to_string(time_limit_seconds) + "/"
         + std::to_string(memory_limit_bytes) + "/" + std::to_string(cpu_quota);
}

} // namespace ryax::app
