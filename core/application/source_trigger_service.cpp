#include "core/application/source_trigger_service.hpp"

#include "core/application/log.hpp"
#include "core/application/source_plan.hpp"
#include "core/application/workflow_secrets.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

namespace ryax::app {

namespace {

// How long undeploy waits for a source's runtime to take its cancel.
constexpr auto k_cancel_wait = std::chrono::seconds(2);
constexpr auto k_cancel_retry = std::chrono::milliseconds(50);

} // namespace

SourceTriggerService::SourceTriggerService(SourceTriggerPorts ports,
                                           RunService& runs,
                                           TriggerLogs& logs)
  : m_ports(ports)
  , m_runs(runs)
  , m_logs(logs)
{
}

SourceTriggerService::~SourceTriggerService()
{
  stop();
}

Result<void>
SourceTriggerService::start()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = false;
  }
  RYAX_TRY_ASSIGN(const auto deployed, m_ports.workflows.deployed());
  for (const auto& deployment : deployed) {
    launch(deployment, true);
  }
  return {};
}

void
SourceTriggerService::stop()
{
  std::vector<std::shared_ptr<Source>> sources;
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    for (auto& [key, source] : m_sources) {
      sources.push_back(source);
    }
    m_sources.clear();
  }
  for (auto& source : sources) {
    cancel(*source);
    std::lock_guard lock(m_mutex);
    m_retired.push_back(source);
  }
  reap(true);
}

void
SourceTriggerService::deployed(const WorkflowDeployment& deployment)
{
  launch(deployment, false);
}

void
SourceTriggerService::undeployed(const std::string& project,
                                 const std::string& id)
{
  retire({ project, id }, "the workflow was undeployed");
}

void
SourceTriggerService::retire(const Key& key, const std::string& why)
{
  const auto& [project, id] = key;
  std::shared_ptr<Source> source;
  {
    std::lock_guard lock(m_mutex);
    const auto it = m_sources.find(Key{ project, id });
    if (it == m_sources.end()) {
      return;
    }
    source = it->second;
    m_sources.erase(it);
  }
  cancel(*source);
  log::info("workflow {}: source trigger stopped: {}", id, why);
  note(source->key, "trigger stopped: " + why);
  {
    std::lock_guard lock(m_mutex);
    m_retired.push_back(source);
  }
  reap(false);
}

std::size_t
SourceTriggerService::running()
{
  std::lock_guard lock(m_mutex);
  std::size_t count = 0;
  for (const auto& [key, source] : m_sources) {
    count += source->ended ? 0 : 1;
  }
  for (const auto& source : m_retired) {
    count += source->ended ? 0 : 1;
  }
  return count;
}

void
SourceTriggerService::launch(const WorkflowDeployment& deployment, bool restart)
{
  const Key key{ deployment.project, deployment.id };
  const auto stored = m_ports.workflows.find(
    deployment.project, deployment.id, deployment.deployed_version);
  if (!stored || !*stored) {
    log::error("workflow {}: source trigger not started: version {} cannot be read",
               deployment.id, deployment.deployed_version);
    return;
  }
  auto parsed =
    m_ports.format.parse((*stored)->yaml, deployment.id + ".yaml");
  if (!parsed.workflow
      || domain::builtin_trigger(parsed.workflow->trigger.from)) {
    // A built-in trigger (TriggerService): a source of a previous version
    // stops.
    if (!restart) {
      retire(key, "the deployed version has a built-in trigger");
    }
    return;
  }
  auto state = restart ? deployment.trigger : TriggerState{};
  if (restart && !state.error.empty()) {
    log::warn("workflow {}: source trigger stays stopped: {} (deploy it again)",
              deployment.id, state.error);
    return;
  }
  if (restart && state.once_done) {
    return; // its run returned: it ended until the next deploy
  }
  if (!restart) {
    state.started_ms = m_ports.clock.now_unix_ms();
    save(key, state);
  }
  std::shared_ptr<Source> previous;
  auto source = std::make_shared<Source>();
  source->key = key;
  source->version = deployment.deployed_version;
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      return;
    }
    if (auto it = m_sources.find(key); it != m_sources.end()) {
      previous = it->second;
      m_sources.erase(it);
    }
    source->execution_id = fmt::format("source-{}", ++m_generation);
  }
  if (previous) {
    cancel(*previous);
    std::lock_guard lock(m_mutex);
    m_retired.push_back(previous);
  }
  std::lock_guard lock(m_mutex);
  source->thread = std::thread(
    [this, source, workflow = std::move(*parsed.workflow), state]() mutable {
      run(source, std::move(workflow), state);
    });
  m_sources[key] = source;
}

void
SourceTriggerService::run(const std::shared_ptr<Source>& source,
                          domain::WorkflowDefinition workflow,
                          TriggerState state)
{
  const auto& [project, id] = source->key;
  std::string reason;
  bool returned = false;
  try {
    auto plan = [&]() -> Result<SourcePlan> {
      RYAX_TRY(open_static_passwords(workflow, m_ports.secrets));
      return plan_source(project, id, workflow, m_ports.catalogue,
                         m_ports.variables);
    }();
    if (!plan) {
      reason = plan.error().message;
    } else {
      note(source->key,
           fmt::format("trigger started: source {}:{}",
                       plan->spec.action.id(), plan->spec.action.version()));
      log::info("workflow {}: source trigger {}:{} starting", id,
                plan->spec.action.id(), plan->spec.action.version());
      auto lease = m_ports.runtimes.acquire(plan->spec);
      if (!lease) {
        reason = "the source's runtime did not start: " + lease.error().message;
      } else {
        {
          std::lock_guard lock(source->lease_mutex);
          source->lease = lease->get();
        }
        if (!source->stopping) {
          reason = run_through(*source, **lease, plan->inputs,
                               workflow.max_concurrent_runs.value_or(0),
                               returned);
        }
        std::lock_guard lock(source->lease_mutex);
        source->lease = nullptr;
        lease->reset(); // given back: stopped when its workflow was drained
      }
    }
  } catch (const std::exception& e) {
    reason = fmt::format("the source trigger failed: {}", e.what());
  } catch (...) {
    reason = "the source trigger failed";
  }
  if (!reason.empty() && !source->stopping) {
    fail_trigger(*source, state, reason);
  } else if (returned && !source->stopping) {
    state.once_done = true;
    save(source->key, state);
    log::info("workflow {}: source trigger ended: its run returned", id);
    note(source->key, "trigger ended: the source's run returned");
  }
  source->ended = true;
}

std::string
SourceTriggerService::run_through(Source& source,
                                  RuntimeLease& lease,
                                  const domain::Values& inputs,
                                  int max_concurrent_runs,
                                  bool& returned)
{
  const auto& [project, id] = source.key;
  const auto outcome = lease.run_source(
    source.execution_id,
    inputs,
    [&](const CreatedRun& run) {
      return on_run(source, run, max_concurrent_runs);
    },
    [&](const LogLine& line) {
      m_logs.append(project, id,
                    line.stream == LogStream::out ? "stdout" : "stderr",
                    line.line, line.timestamp_unix_ns);
    });
  if (!outcome) {
    lease.discard();
    return "the source's runtime failed: " + outcome.error().message;
  }
  if (!*outcome) {
    returned = true;
    return {};
  }
  const auto& error = **outcome;
  if (source.stopping && error.kind == ExecutionErrorKind::cancelled) {
    return {};
  }
  for (std::size_t start = 0; start < error.traceback.size();) {
    auto end = error.traceback.find('\n', start);
    if (end == std::string::npos) {
      end = error.traceback.size();
    }
    if (end > start) {
      m_logs.append(project, id, "stderr",
                    std::string_view(error.traceback).substr(start, end - start));
    }
    start = end + 1;
  }
  return fmt::format("the source failed: {}: {}", to_string(error.kind),
                     error.message);
}

SourceAck
SourceTriggerService::on_run(Source& source,
                             const CreatedRun& run,
                             int max_concurrent_runs)
{
  const auto& [project, id] = source.key;
  if (source.stopping) {
    return { "", "the workflow is undeployed: no run created" };
  }
  if (run.failed) {
    ++m_failed_runs;
    note(source.key, "create_run_error: a failed trigger run (no run created)");
    return {};
  }
  if (!run.invalid.empty()) {
    note(source.key, "run not created: " + run.invalid);
    return { "", run.invalid };
  }
  try {
    if (max_concurrent_runs > 0) {
      if (const auto going = m_runs.unfinished_runs(project, id);
          going >= max_concurrent_runs) {
        const auto reason = fmt::format(
          "{} runs unfinished (max_concurrent_runs {}): no run created",
          going, max_concurrent_runs);
        note(source.key, reason);
        return { "", reason };
      }
    }
    StartRunRequest request;
    request.workflow_id = id;
    request.project = project;
    request.outputs = run.data;
    request.by_trigger = true;
    // start_run returns once the run is durable: the ack says so.
    auto started = m_runs.start_run(request);
    if (!started) {
      note(source.key, "run not created: " + started.error().message);
      return { "", started.error().message };
    }
    note(source.key, fmt::format("run {} started", started->stored.run.id));
    return { started->stored.run.id, "" };
  } catch (const std::exception& e) {
    note(source.key, fmt::format("run not created: {}", e.what()));
    return { "", fmt::format("internal error: {}", e.what()) };
  }
}

void
SourceTriggerService::cancel(Source& source)
{
  source.stopping = true;
  const auto deadline = std::chrono::steady_clock::now() + k_cancel_wait;
  // The runtime may not run the source yet (not_found): try again a while.
  while (!source.ended && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(source.lease_mutex);
      if (source.lease == nullptr) {
        return; // not acquired yet, or given back: the thread sees stopping
      }
      const auto cancelled = source.lease->cancel(source.execution_id);
      if (cancelled || cancelled.error().code != ErrorCode::not_found) {
        return;
      }
    }
    std::this_thread::sleep_for(k_cancel_retry);
  }
}

void
SourceTriggerService::reap(bool all)
{
  std::vector<std::shared_ptr<Source>> done;
  {
    std::lock_guard lock(m_mutex);
    for (auto it = m_retired.begin(); it != m_retired.end();) {
      if (all || (*it)->ended) {
        done.push_back(*it);
        it = m_retired.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& source : done) {
    if (source->thread.joinable()) {
      source->thread.join();
    }
  }
}

void
SourceTriggerService::fail_trigger(const Source& source,
                                   TriggerState state,
                                   const std::string& reason)
{
  const auto& [project, id] = source.key;
  state.error = reason;
  save(source.key, state);
  log::error("workflow {}: source trigger stopped: {}", id, reason);
  note(source.key, "trigger stopped in error: " + reason);
  try {
    if (auto added = m_ports.workflows.add_error(
          project, id, { m_ports.clock.now_unix(), source.version, reason });
        !added) {
      log::warn("workflow {}: trigger error not recorded: {}", id,
                added.error().message);
    }
  } catch (const std::exception& e) {
    log::warn("workflow {}: trigger error not recorded: {}", id, e.what());
  }
}

void
SourceTriggerService::save(const Key& key, const TriggerState& state)
{
  try {
    if (auto saved =
          m_ports.workflows.set_trigger_state(key.first, key.second, state);
        !saved) {
      log::warn("workflow {}: trigger state not saved: {}", key.second,
                saved.error().message);
    }
  } catch (const std::exception& e) {
    log::warn("workflow {}: trigger state not saved: {}", key.second, e.what());
  }
}

void
SourceTriggerService::note(const Key& key, const std::string& text)
{
  m_logs.append(key.first, key.second, "ryaxd", text);
}

} // namespace ryax::app
