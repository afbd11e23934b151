#include "core/infrastructure/slurm/slurm_lease.hpp"

#include "core/application/log.hpp"
#include "core/domain/slurm.hpp"
#include "core/infrastructure/filestore/archive.hpp"
#include "core/infrastructure/files/write_file.hpp"
#include "core/infrastructure/json/action_json.hpp"
#include "core/infrastructure/wrapper/line_assembler.hpp"
#include "core/infrastructure/wrapper/wire_values.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace ryax::infra::slurm {

namespace {

using domain::shell_quote;

constexpr auto k_submit_timeout = std::chrono::seconds(3600);

// The batch script's body: run the action once in the execution directory
// `dir`, then leave the exit status in dir/exit_code (the end marker).
std::string
job_body(const std::string& dir,
         const std::string& bundle,
         const std::string& interpreter,
         const std::string& runtime,
         bool custom_script)
{
  std::string body;
  body += "cd " + shell_quote(dir) + " || exit 1\n";
  body += "RYAX_BUNDLE=" + shell_quote(bundle) + "\n";
  body += "RYAX_PY=" + shell_quote(interpreter) + "\n";
  body += "[ -x \"$RYAX_PY\" ] || RYAX_PY=python3\n";
  body += "export RYAX_PY PYTHONUNBUFFERED=1\n";
  body += "export PYTHONPATH=" + shell_quote(runtime) + ":\"$RYAX_BUNDLE/action\"\n";
  if (custom_script) {
    // The script's exported variables named like the outputs are the
    // outputs: they are read in the same shell, after it.
    body += "export RYAX_ACTION_IMG=\n";
    body += "bash -c '. ./inputs.env && . ./custom.sh && exec \"$RYAX_PY\" -m "
            "ryax_wrapper.oneshot --collect-env'\n";
  } else {
    body += "\"$RYAX_PY\" -m ryax_wrapper.oneshot --action-dir "
            "\"$RYAX_BUNDLE/action\"\n";
  }
  body += "status=$?\n";
  body += "printf '%s\\n' \"$status\" > exit_code.part && mv exit_code.part "
          "exit_code\n";
  body += "exit $status\n";
  return body;
}

// `value` as an environment variable's text for a custom script.
std::string
env_text(const Json& value)
{
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_null()) {
    return {};
  }
  return value.dump();
}

Result<void>
copy_input(const fs::path& from, const fs::path& to)
{
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (fs::is_directory(from, ec)) {
    fs::copy(from, to,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  } else {
    fs::create_hard_link(from, to, ec);
    if (ec) {
      ec.clear();
      fs::copy_file(from, to, ec);
    }
  }
  if (ec) {
    return fail(ErrorCode::internal,
                fmt::format("cannot stage input \"{}\": {}", from.string(),
                            ec.message()));
  }
  return {};
}

} // namespace

SlurmLease::SlurmLease(SlurmPool& pool, app::RuntimeSpec spec)
  : m_pool(pool), m_spec(std::move(spec))
{
}

std::string
SlurmLease::outputs_dir(const std::string& execution_id)
{
  return m_pool.outputs_dir(execution_id);
}

std::string
SlurmLease::status() const
{
  std::lock_guard lock(m_status_mutex);
  return m_status;
}

Result<std::optional<app::ExecutionError>>
SlurmLease::run_source(const std::string&,
                       const domain::Values&,
                       const app::CreatedRunCallback&,
                       const app::LogCallback&)
{
  return fail(ErrorCode::failed_precondition,
              fmt::format("site {} is a Slurm site: triggers never run there",
                          m_pool.settings().site));
}

Result<void>
SlurmLease::cancel(const std::string& execution_id)
{
  if (m_pool.jobs().stopping()) {
    // The daemon stops: the job goes on, and is followed again at the next
    // start.
    return {};
  }
  const auto job = m_pool.job_of(execution_id);
  if (!job) {
    return fail(ErrorCode::not_found,
                fmt::format("no Slurm job runs execution {}", execution_id));
  }
  return m_pool.jobs().cancel(*job);
}

Result<SlurmPool::Submitted>
SlurmLease::submit(const std::string& execution_id, const domain::Values& inputs)
{
  const auto& settings = m_pool.settings();
  RYAX_TRY_ASSIGN(const auto root, m_pool.remote_root());
  RYAX_TRY_ASSIGN(const auto runtime, m_pool.ensure_runtime());
  RYAX_TRY_ASSIGN(const auto bundle, m_pool.ensure_bundle(m_spec.action));
  const auto& metadata = m_spec.action.metadata;
  if (metadata.type != domain::ActionType::python3
      && metadata.type != domain::ActionType::python3_cuda) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("site {} runs python actions only; {} is not one",
                            settings.site, m_spec.action.id()));
  }
  std::string interpreter = bundle + "/env/bin/python3";
  if (auto build = m_pool.bundles().read(m_spec.action.bundle_key, "build.json")) {
    const auto info = Json::parse(*build, nullptr, false);
    const auto named = info.is_object() ? info.value("interpreter", "") : "";
    if (!named.empty()) {
      interpreter = named.starts_with('/') ? named : bundle + "/" + named;
    }
  }
  const auto dir = root + "/executions/" + execution_id;

  // The execution's directory, staged here then sent as one archive.
  const auto stage = fs::path(settings.state_dir) / "stage" / execution_id;
  std::error_code ec;
  fs::remove_all(stage, ec);
  fs::create_directories(stage, ec);
  Json values = Json::object();
  std::string env;
  for (const auto& [name, value] : inputs) {
    auto wire = wrapper::runtime_input(value);
    if (const auto* file = std::get_if<domain::FileRef>(&value)) {
      const auto base = fs::path(file->key).filename().string();
      RYAX_TRY(copy_input(file->key, stage / "in" / name / base));
      wire = dir + "/in/" + name + "/" + base;
    }
    if (const auto* secret = std::get_if<domain::Secret>(&value)) {
      m_secrets.push_back(secret->text);
    }
    env += "export " + name + "=" + shell_quote(env_text(wire)) + "\n";
    values[name] = std::move(wire);
  }
  const Json request = { { "action", infra::json::to_json(metadata) },
                         { "inputs", values } };
  const bool custom = !m_spec.hpc.custom_script.empty();
  domain::SlurmJobRequest job;
  job.job_name = execution_id;
  job.partition = m_spec.node_pool;
  job.cpus_per_task = std::max(1, static_cast<int>(std::ceil(m_spec.cpu)));
  job.memory_bytes = m_spec.memory_limit_bytes;
  job.gpu = m_spec.gpu;
  if (m_spec.time_limit_seconds > 0) {
    job.time_seconds = m_spec.time_limit_seconds;
  }
  job.output_file = dir + "/job.log";
  job.extra_options = m_spec.hpc.sbatch_options;
  job.body = job_body(dir, bundle, interpreter, runtime, custom);
  RYAX_TRY(files::write_file_atomically(stage / "request.json", request.dump(), 0600));
  RYAX_TRY(files::write_file_atomically(stage / "job.sh", domain::sbatch_script(job), 0700));
  if (custom) {
    RYAX_TRY(files::write_file_atomically(stage / "inputs.env", env, 0600));
    RYAX_TRY(files::write_file_atomically(stage / "custom.sh",
                                          m_spec.hpc.custom_script, 0700));
  }
  const auto archive = stage.string() + ".tar";
  RYAX_TRY(filestore::create_archive(stage.string(), archive));
  fs::remove_all(stage, ec);

  // Recorded before sbatch: a daemon that stops now finds the directory
  // (and its job_id file, if sbatch answered) on its next attempt.
  SlurmPool::Submitted submitted{ execution_id, "", dir };
  const auto slot = domain::execution_slot(execution_id);
  RYAX_TRY(m_pool.record(slot, submitted));
  const auto quoted = shell_quote(dir);
  auto sent = m_pool.shell().run_with_input_file(
    fmt::format("umask 077 && mkdir -p {0} && tar -xf - -C {0} && cd {0} && "
                "sbatch --parsable job.sh > job_id.part && mv job_id.part "
                "job_id && cat job_id",
                quoted),
    archive, k_submit_timeout);
  fs::remove(archive, ec);
  if (!sent) {
    m_pool.forget(slot);
    return std::unexpected(sent.error());
  }
  if (sent->exit_code != 0) {
    m_pool.forget(slot);
    auto err = sent->err;
    while (!err.empty() && err.back() == '\n') {
      err.pop_back();
    }
    return fail(ErrorCode::failed_precondition,
                fmt::format("sbatch refused the job on site {}: {}",
                            settings.site, err));
  }
  submitted.job_id = sent->out.substr(0, sent->out.find_first_of(";\n"));
  RYAX_TRY(m_pool.record(slot, submitted));
  app::log::info("site {}: execution {} is Slurm job {}", settings.site,
                 execution_id, submitted.job_id);
  return submitted;
}

Result<std::string>
SlurmLease::resubmit(const std::string& dir)
{
  RYAX_TRY_ASSIGN(
    const auto sent,
    m_pool.shell().run(fmt::format("cd {} && rm -f exit_code result.json && "
                                   "sbatch --parsable job.sh > job_id.part && "
                                   "mv job_id.part job_id && cat job_id",
                                   shell_quote(dir)),
                       {}, k_submit_timeout));
  if (sent.exit_code != 0) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("sbatch refused the job again: {}", sent.err));
  }
  return sent.out.substr(0, sent.out.find_first_of(";\n"));
}

Result<domain::StepOutcome>
SlurmLease::execute(const std::string& execution_id,
                    const domain::Values& inputs,
                    const app::LogCallback& on_log)
{
  const auto& settings = m_pool.settings();
  if (m_pool.jobs().stopping()) {
    m_lost = true;
    return fail(ErrorCode::unavailable, "the daemon is stopping");
  }
  const auto slot = domain::execution_slot(execution_id);
  std::optional<SlurmPool::Submitted> job = m_pool.recorded(slot);
  if (job) {
    // This step (this attempt or an earlier one) was submitted by a daemon
    // that stopped: follow that job rather than submit another.
    if (job->job_id.empty()) {
      auto found = m_pool.shell().run(
        fmt::format("cat {}/job_id", shell_quote(job->dir)), {},
        std::chrono::seconds(60));
      if (found && found->exit_code == 0) {
        job->job_id = found->out.substr(0, found->out.find_first_of(";\n"));
      }
    }
    if (job->job_id.empty()) {
      job.reset(); // never submitted: submit now
    } else {
      app::log::info("site {}: execution {} follows Slurm job {} of {}",
                     settings.site, execution_id, job->job_id,
                     job->execution_id);
    }
  }
  if (!job) {
    auto submitted = submit(execution_id, inputs);
    if (!submitted) {
      if (submitted.error().code == ErrorCode::failed_precondition) {
        return domain::StepOutcome{ domain::StepError{
          "runtime_unavailable", submitted.error().message, 0, {} } };
      }
      return std::unexpected(submitted.error());
    }
    job = std::move(*submitted);
  }
  const auto masked = [&](const app::LogLine& line) {
    if (!on_log) {
      return;
    }
    auto copy = line;
    if (!m_secrets.empty()) {
      copy.line = wrapper::mask_secrets(std::move(copy.line), m_secrets);
    }
    on_log(copy);
  };
  JobEvents events;
  events.on_log = masked;
  events.on_state = [&](const domain::SlurmJobLine& state) {
    std::string status = fmt::format("Slurm job {} {}", state.job_id,
                                     state.state_text);
    if (!state.reason.empty() && state.reason != "None") {
      status += " (" + state.reason + ")";
    }
    {
      std::lock_guard lock(m_status_mutex);
      m_status = status;
    }
    masked({ app::LogStream::err, "slurm: " + status, 0 });
  };
  bool retried = false;
  for (;;) {
    {
      std::lock_guard lock(m_status_mutex);
      m_status = fmt::format("Slurm job {} submitted", job->job_id);
    }
    m_pool.running(execution_id, job->job_id);
    auto end = m_pool.jobs().follow(job->job_id, job->dir, events,
                                    settings.give_up);
    m_pool.ended(execution_id);
    if (!end) {
      // The site stayed unreachable: the execution may run again elsewhere.
      m_lost = true;
      return std::unexpected(end.error());
    }
    if (!end->script_ended && end->state == domain::SlurmJobState::node_fail
        && !retried) {
      retried = true;
      masked({ app::LogStream::err,
               fmt::format("slurm: job {} ended NODE_FAIL: submitted once more",
                           job->job_id),
               0 });
      RYAX_TRY_ASSIGN(job->job_id, resubmit(job->dir));
      RYAX_TRY(m_pool.record(slot, *job));
      continue;
    }
    auto outcome = collect(execution_id, *job, *end);
    m_pool.forget(slot);
    return outcome;
  }
}

} // namespace ryax::infra::slurm
