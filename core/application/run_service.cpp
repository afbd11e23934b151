#include "core/application/run_service.hpp"

#include "core/application/run_selector.hpp"

#include "core/application/log.hpp"
#include "core/domain/identity.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ryax::app {

RunService::RunService(RunPorts ports, RunSettings settings)
  : m_ports(ports)
  , m_settings(std::move(settings))
  , m_engine(ports.clock,
             m_settings.site,
             EngineSettings{ m_settings.max_unfinished_runs,
                             m_settings.max_run_executions })
  , m_journal(ports.runs, m_engine)
  , m_definitions(ports.workflows,
                  ports.format,
                  ports.catalogue,
                  ports.files,
                  ports.staging,
                  ports.secrets,
                  m_settings.arch)
  , m_executor(ports.sites, ports.staging, ports.logs)
  , m_queries(m_engine,
              m_journal,
              m_definitions,
              ports.runs,
              ports.logs,
              ports.files,
              ports.catalogue)
  , m_starter(m_definitions,
              m_engine,
              m_journal,
              m_queries,
              ports.staging,
              ports.files,
              ports.ids,
              ports.clock,
              ports.variables)
  , m_housekeeper(m_engine,
                  ports.runs,
                  ports.logs,
                  ports.files,
                  ports.runtimes,
                  ports.clock,
                  m_settings.retention,
                  m_settings.housekeeping_interval)
{
  m_settings.concurrency = std::max(1, m_settings.concurrency);
  m_engine.set_journal(m_journal);
}

RunService::~RunService()
{
  stop();
}

Result<void>
RunService::start()
{
  RYAX_TRY_ASSIGN(const auto ids, m_ports.runs.unfinished());
  for (const auto& id : ids) {
    auto stored = m_ports.runs.load(id);
    if (!stored) {
      // One damaged run (a value that does not parse or decrypt) does not
      // keep the daemon from serving the others.
      log::error("run {}: cannot be resumed: {}", id, stored.error().message);
      continue;
    }
    if (!*stored) {
      continue;
    }
    auto definition = m_definitions.of_run((*stored)->project,
                                           (*stored)->run.workflow_id,
                                           (*stored)->run.workflow_version,
                                           (*stored)->actions);
    (void)m_engine.resume(std::move(**stored), std::move(definition));
  }
  RYAX_TRY(m_journal.flush());
  if (!ids.empty()) {
    log::info("resumed {} unfinished run(s)", ids.size());
  }
  m_journal.start();
  if (m_accounting != nullptr) {
    m_accounting->start();
  }
  for (int i = 0; i < m_settings.concurrency; ++i) {
    m_workers.emplace_back([this] { worker_loop(); });
  }
  m_housekeeper.start();
  return {};
}

void
RunService::stop()
{
  m_engine.stop();
  for (auto& worker : m_workers) {
    worker.join();
  }
  m_workers.clear();
  m_housekeeper.stop();
  if (m_accounting != nullptr) {
    m_accounting->stop(); // writes what is pending; a failure is logged
  }
  m_journal.stop();
  if (auto flushed = m_journal.flush(); !flushed) {
    log::error("run history: what was pending at stop is lost: {}",
               flushed.error().message);
  }
}

void
RunService::worker_loop()
{
  RunEngine::mark_worker_thread();
  StepJob job;
  while (m_engine.take_job(job)) {
    // One bad execution fails alone: the worker and the daemon go on.
    try {
      run_job(job);
    } catch (const std::exception& e) {
      log::error("run {}: {}: {}", job.run_id, domain::describe(job.key),
                 e.what());
      try {
        const auto sequence = m_engine.finish(
          job,
          domain::StepError{ "internal", e.what(), 0, {} },
          0);
        (void)m_journal.sync(sequence); // a failure is retried by the journal
      } catch (const std::exception& again) {
        log::error("run {}: cannot record the failure: {}", job.run_id,
                   again.what());
      }
    }
  }
}

void
RunService::run_job(StepJob& job)
{
  if (!m_engine.begin(job)) {
    return;
  }
  auto execution = m_executor.execute(job);
  const auto ended_ms = m_ports.clock.now_unix_ms();
  if (execution.interrupted) {
    // Lost with its site or its runtime: it runs again, nothing of it is a
    // result.
    const auto* why = std::get_if<domain::StepError>(&execution.outcome);
    m_journal.submit(m_engine.interrupted(
      job, execution.log_lines,
      why != nullptr ? *why : domain::StepError{ "lost", "lost", 0, {} }));
    account(job, "lost", ended_ms);
    return;
  }
  const auto state = accounting_state(execution.outcome);
  const auto sequence =
    m_engine.finish(job, std::move(execution.outcome), execution.log_lines);
  // The result is durable before anything downstream starts: the engine
  // queues what it made ready only then, so the worker need not wait (a
  // write under way takes it next), unless it holds output files until
  // their record is durable (a failed write keeps them held; the journal
  // retries it).
  if (execution.held.empty()) {
    m_journal.submit(sequence);
  } else if (m_journal.sync(sequence)) {
    m_ports.files.release(execution.held);
  }
  account(job, state, ended_ms);
}

void
RunService::account(const StepJob& job,
                    std::string state,
                    std::int64_t ended_ms)
{
  if (m_accounting == nullptr) {
    return;
  }
  auto node = job.site == m_settings.site.name ? m_settings.node_name
                                               : std::string();
  m_accounting->record(
    accounting_record(job, std::move(state), ended_ms, std::move(node)));
}

Result<RunView>
RunService::get(const std::string& project, const std::string& id)
{
  auto view = m_queries.get(id);
  if (view && view->stored.project != project) {
    return fail(ErrorCode::not_found,
                fmt::format("run \"{}\" not found{}", id,
                            domain::in_project(project)));
  }
  return view;
}

Result<std::string>
RunService::resolve(const std::string& project,
                    const std::string& selector,
                    const std::string& workflow_id)
{
  return resolve_run(m_ports.runs, project, selector, workflow_id);
}

Result<RunView>
RunService::cancel(const std::string& project, const std::string& id)
{
  RYAX_TRY(get(project, id));
  auto sequence = m_engine.cancel(id);
  if (!sequence && sequence.error().code == ErrorCode::not_found) {
    RYAX_TRY_ASSIGN(const auto stored, m_ports.runs.load(id));
    if (!stored) {
      return fail(ErrorCode::not_found,
                  fmt::format("run \"{}\" not found", id));
    }
    return fail(ErrorCode::failed_precondition,
                fmt::format("run \"{}\" is already {}",
                            id,
                            domain::to_string(stored->run.state)));
  }
  RYAX_TRY(sequence);
  RYAX_TRY(m_journal.sync(*sequence));
  log::info("run {} cancelled", id);
  return m_queries.get(id);
}

Result<SiteView>
RunService::site(const std::string& name)
{
  auto all = sites();
  std::vector<std::string> names;
  for (auto& view : all) {
    if (view.site.name == name) {
      return std::move(view);
    }
    names.push_back(view.site.name);
  }
  return unknown("site", name, names);
}

std::vector<DeploymentView>
RunService::deployments(const std::string& project,
                        const std::string& workflow_id)
{
  auto all = deployments_of(m_ports.runtimes.replicas());
  std::erase_if(all, [&](const DeploymentView& deployment) {
    return deployment.project != project
           || (!workflow_id.empty() && deployment.workflow_id != workflow_id);
  });
  return all;
}

Result<DeploymentView>
RunService::deployment(const std::string& project, const std::string& id)
{
  auto all = deployments(project, "");
  std::vector<std::string> ids;
  for (auto& deployment : all) {
    if (deployment.id == id) {
      return std::move(deployment);
    }
    ids.push_back(deployment.id);
  }
  return unknown("deployment", id, ids);
}

} // namespace ryax::app
