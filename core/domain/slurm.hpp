#pragma once

#include "core/domain/error.hpp"
#include "core/domain/hpc_addon.hpp"
#include "core/domain/scheduling.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The rules of running a step as a Slurm batch job: the `hpc` add-on's
// options, the batch script's header, and what Slurm's job states mean for
// the step. Pure: the SSH transport and the polling live in
// infrastructure (core/infrastructure/slurm/).
namespace ryax::domain {

// The site type of a Slurm cluster reached over SSH (Ryax's name).
inline constexpr std::string_view k_slurm_site_type = "SLURM_SSH";

// Check one sbatch option: a long option "--name" or "--name=value", or a
// short one "-X" or "-X value"; a value either plain (no shell
// metacharacter, space or quote) or double-quoted (no '"', '\\', '$' or
// '`' inside); no control character; at most k_max_sbatch_option_bytes.
// Options ryax sets for its own use (output, error, chdir, job-name, wrap,
// parsable, wait, array, hold, test-only) are refused. invalid_argument
// saying what is wrong, without a location (the caller adds it).
Result<void> check_sbatch_option(std::string_view option);

// Check every option and the script (size, no NUL).
Result<void> check_hpc_addon(const HpcAddon& addon);

// What one job asks of Slurm.
struct SlurmJobRequest
{
  std::string job_name;  // the execution id
  std::string partition; // the node pool's name
  int cpus_per_task = 1;
  std::int64_t memory_bytes = 0; // 0: the partition's default
  std::int64_t gpu = 0;
  std::optional<std::int64_t> time_seconds; // unset: the partition's
  std::string output_file; // the job's stdout and stderr (absolute)
  std::vector<std::string> extra_options; // HpcAddon::sbatch_options
  std::string body; // the script after the header (shell, no "#!" line)
};

// The batch script: "#!/bin/sh", one "#SBATCH" line per option (job name,
// partition, --cpus-per-task, --mem in MiB rounded up, --time, --gres=gpu:N,
// --output, --open-mode=append, then the extra options), then the body.
std::string sbatch_script(const SlurmJobRequest& request);

// Slurm's time format for `seconds` (rounded up to whole seconds):
// "D-HH:MM:SS".
std::string slurm_time(std::int64_t seconds);

// What a Slurm job state means for a step (squeue %T / scontrol JobState).
enum class SlurmJobState
{
  pending,       // PENDING, REQUEUED, CONFIGURING, SUSPENDED, RESV_DEL_HOLD...
  running,       // RUNNING, COMPLETING, STAGE_OUT, SIGNALING
  completed,     // COMPLETED
  failed,        // FAILED, BOOT_FAIL, DEADLINE, SPECIAL_EXIT
  cancelled,     // CANCELLED ("CANCELLED by 0"), REVOKED
  timeout,       // TIMEOUT
  out_of_memory, // OUT_OF_MEMORY
  node_fail,     // NODE_FAIL
  preempted,     // PREEMPTED
  unknown,       // a state this version does not know
};

// The state spelled `text` (upper case, with or without " by N").
SlurmJobState parse_slurm_state(std::string_view text);

// Whether the job ended.
bool is_final(SlurmJobState state);

// One job as squeue shows it with -o "%i|%T|%r".
struct SlurmJobLine
{
  std::string job_id;
  std::string state_text; // as Slurm spelled it
  SlurmJobState state = SlurmJobState::unknown;
  std::string reason; // "Resources", "Priority", "None"...
};

// Parse the lines of `squeue -h -t all -o "%i|%T|%r"`; lines that do not
// have three fields are skipped.
std::vector<SlurmJobLine> parse_squeue(std::string_view text);

// How a job that ended without a result document fails its step: the
// error kind (as ExecutionErrorKind spells it) and the message naming
// Slurm's state and reason.
struct SlurmFailure
{
  std::string kind;
  std::string message;
};
SlurmFailure slurm_failure(const std::string& job_id,
                           SlurmJobState state,
                           std::string_view state_text,
                           std::string_view reason);

// Whether a trigger with `constraints` may run: never on a Slurm site (as
// in Ryax: triggers run on the daemon), so a trigger pinned to one, by
// site name or site_type, is refused with a message naming it.
Result<void> check_trigger_site(std::span<const Site> sites,
                                const Constraints& constraints);

// `text` quoted for a POSIX shell: 'text' with each ' written '\''.
std::string shell_quote(std::string_view text);

// The execution id without its attempt ("run.step.branch" of
// "run.step.branch.attempt"); the whole id when it has no numeric suffix.
std::string execution_slot(std::string_view execution_id);

} // namespace ryax::domain
