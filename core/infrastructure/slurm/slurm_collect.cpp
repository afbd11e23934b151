// SlurmLease: the end of a job, its result document and its output files.

#include "core/application/log.hpp"
#include "core/domain/slurm.hpp"
#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/filestore/archive.hpp"
#include "core/infrastructure/slurm/slurm_lease.hpp"
#include "core/infrastructure/wrapper/wire_values.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace ryax::infra::slurm {

namespace {

using domain::shell_quote;

constexpr auto k_download_timeout = std::chrono::seconds(3600);
constexpr std::uint64_t k_max_result_bytes = 64ULL << 20;

domain::StepOutcome
step_error(std::string kind, std::string message)
{
  return domain::StepOutcome{ domain::StepError{ std::move(kind),
                                                 std::move(message), 0, {} } };
}

// File values under `remote` (the job's out/) moved under `local`.
Result<void>
relocate(domain::Values& values, const std::string& remote, const std::string& local)
{
  for (auto& [name, value] : values) {
    auto* file = std::get_if<domain::FileRef>(&value);
    if (file == nullptr) {
      continue;
    }
    if (!file->key.starts_with(remote + "/")) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("output \"{}\" is not under the job's out/ "
                              "directory: {}",
                              name, file->key));
    }
    file->key = local + file->key.substr(remote.size());
  }
  return {};
}

} // namespace

Result<domain::StepOutcome>
SlurmLease::collect(const std::string& execution_id,
                    const SlurmPool::Submitted& job,
                    const JobEnd& end)
{
  const auto& settings = m_pool.settings();
  const auto kept = [&](std::string message) {
    if (settings.keep_failed_seconds > 0) {
      message += fmt::format(" (the job's files stay on site {} in {} for {}h)",
                             settings.site, job.dir,
                             (settings.keep_failed_seconds + 3599) / 3600);
    } else {
      auto removed = m_pool.shell().run("rm -rf " + shell_quote(job.dir), {},
                                        std::chrono::seconds(60));
      (void)removed;
    }
    return message;
  };
  if (end.cancelled) {
    return step_error("cancelled", fmt::format("Slurm job {} was cancelled",
                                               job.job_id));
  }
  if (!end.script_ended) {
    const auto failure =
      domain::slurm_failure(job.job_id, end.state, end.state_text, end.reason);
    return step_error(failure.kind, kept(failure.message));
  }
  // The result document and out/, as one archive.
  const auto local_root = m_pool.outputs_dir(execution_id);
  std::error_code ec;
  fs::remove_all(local_root, ec);
  fs::create_directories(local_root, ec);
  const auto archive = local_root + ".tar";
  RYAX_TRY_ASSIGN(
    const auto fetched,
    m_pool.shell().run_to_file(
      fmt::format("cd {} && if [ -f result.json ]; then tar -cf - result.json "
                  "out; else exit 3; fi",
                  shell_quote(job.dir)),
      archive, k_download_timeout));
  if (fetched.exit_code == 3) {
    fs::remove(archive, ec);
    return step_error(
      "runtime_crashed",
      kept(fmt::format("Slurm job {}: the action ended with status {} "
                       "without a result (see the log)",
                       job.job_id, end.exit_code)));
  }
  if (fetched.exit_code != 0) {
    fs::remove(archive, ec);
    return fail(ErrorCode::unavailable,
                fmt::format("Slurm job {}: cannot fetch the outputs: {}",
                            job.job_id, fetched.err));
  }
  auto extracted = filestore::extract_archive(archive, local_root);
  fs::remove(archive, ec);
  if (!extracted) {
    return step_error("invalid_output",
                      kept(fmt::format("Slurm job {}: {}", job.job_id,
                                       extracted.error().message)));
  }
  RYAX_TRY_ASSIGN(const auto text,
                  files::read_file(local_root + "/result.json",
                                   k_max_result_bytes));
  const auto result = Json::parse(text, nullptr, false);
  if (!result.is_object()) {
    return step_error("invalid_output",
                      kept(fmt::format("Slurm job {}: result.json is not a "
                                       "JSON object",
                                       job.job_id)));
  }
  if (result.value("ev", "") == "error") {
    domain::StepError error;
    error.kind = result.value("kind", "user_exception");
    error.message = result.value("message", "");
    error.code = result.value("code", std::int64_t{ 0 });
    error.traceback = result.value("traceback", "");
    error.message = kept(std::move(error.message));
    return domain::StepOutcome{ std::move(error) };
  }
  auto outcome = wrapper::runtime_outcome(result.value("outputs", Json()),
                                          result.value("list", false),
                                          m_spec.action.metadata.outputs);
  const auto remote_out = job.dir + "/out";
  const auto local_out = local_root + "/out";
  Result<void> moved;
  if (auto* outputs = std::get_if<domain::Outputs>(&outcome)) {
    moved = relocate(*outputs, remote_out, local_out);
  } else if (auto* fan_out = std::get_if<domain::FanOut>(&outcome)) {
    for (auto& set : fan_out->sets) {
      if (moved) {
        moved = relocate(set, remote_out, local_out);
      }
    }
  }
  if (!moved) {
    return step_error("invalid_output", kept(moved.error().message));
  }
  fs::remove(local_root + "/result.json", ec);
  if (!std::holds_alternative<domain::StepError>(outcome)) {
    auto removed = m_pool.shell().run("rm -rf " + shell_quote(job.dir), {},
                                      std::chrono::seconds(60));
    if (!removed || removed->exit_code != 0) {
      app::log::warn("site {}: cannot remove {}", settings.site, job.dir);
    }
  }
  return outcome;
}

} // namespace ryax::infra::slurm
