#pragma once

#include "core/application/ports/run_staging.hpp"
#include "core/domain/run.hpp"
#include "core/domain/run_progress.hpp"

#include <string>
#include <variant>
#include <vector>

// Small helpers shared by the code that runs step executions (the runner's
// StepExecutor and RunEngine, a worker agent's AgentExecutor).
namespace ryax::app {

// A step error of `kind` ("runtime_unavailable", ...) saying `message`.
inline domain::StepError
step_error(std::string kind, std::string message)
{
  return domain::StepError{ std::move(kind), std::move(message), 0, {} };
}

// The step error of a file input or output that could not be staged or
// stored: "storage_error" when the store failed (a full disk: unavailable,
// or internal), which is not the user's fault, else `user_kind`
// ("invalid_input", "invalid_output").
inline domain::StepError
file_error(const Error& error, std::string user_kind)
{
  const bool store = error.code == ErrorCode::unavailable
                     || error.code == ErrorCode::internal;
  return step_error(store ? "storage_error" : std::move(user_kind),
                    error.message);
}

// Whether `values` hold a file or directory value.
inline bool
has_files(const domain::Values& values)
{
  for (const auto& [name, value] : values) {
    if (std::holds_alternative<domain::FileRef>(value)) {
      return true;
    }
  }
  return false;
}

// Whether the outputs of `outcome` (one set, or any set of a fan-out) hold
// a file or directory value.
bool has_file_outputs(const domain::StepOutcome& outcome);

// Store the file and directory outputs of `outcome`, collected under
// `outputs_dir`, in the run file store through `staging` (the values then
// name their keys), add each key to `held`, and remove `outputs_dir`. The
// error of RunStaging::ingest_outputs.
Result<void> ingest_file_outputs(RunStaging& staging,
                                 const std::string& outputs_dir,
                                 domain::StepOutcome& outcome,
                                 std::vector<std::string>& held);

} // namespace ryax::app
