#include "core/application/run_engine.hpp"

#include "core/application/log.hpp"
#include "core/application/run_engine_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace ryax::app {

void
RunningExecution::cancel()
{
  std::lock_guard lock(m_mutex);
  m_cancelled = true;
  if (m_lease != nullptr) {
    (void)m_lease->cancel(m_execution_id); // not_found: it just ended
  }
}

std::string
RunningExecution::status()
{
  std::lock_guard lock(m_mutex);
  return m_lease != nullptr ? m_lease->status() : std::string();
}

bool
RunningExecution::attach(RuntimeLease* lease)
{
  std::lock_guard lock(m_mutex);
  if (m_cancelled) {
    return false;
  }
  m_lease = lease;
  return true;
}

bool
RunningExecution::detach()
{
  std::lock_guard lock(m_mutex);
  m_lease = nullptr;
  return m_cancelled;
}

bool
RunningExecution::end()
{
  std::lock_guard lock(m_mutex);
  return !std::exchange(m_ended, true);
}

RunEngine::RunEngine(Clock& clock,
                     domain::Site local,
                     EngineSettings settings)
  : m_clock(clock)
  , m_settings(settings)
  , m_scheduler(std::move(local))
{
}

RunEngine::~RunEngine() = default;

RunEngine::ActiveRun*
RunEngine::find(std::string_view id)
{
  const auto it = m_runs.find(id);
  return it == m_runs.end() ? nullptr : it->second.get();
}

RunEngine::ActiveRun*
RunEngine::find(std::uint64_t handle)
{
  const auto it = m_handles.find(handle);
  return it == m_handles.end() ? nullptr : it->second;
}

domain::Run&
RunEngine::materialize(ActiveRun& active)
{
  if (active.run) {
    return *active.run;
  }
  const auto& definition = *active.definition;
  auto run = domain::start(active.id,
                           *definition.workflow,
                           definition.version,
                           std::move(active.trigger_values),
                           active.created_ms);
  if (run) {
    active.run = std::make_unique<domain::Run>(std::move(*run));
  } else {
    // start() accepted the same values at admission: this is a bug. End the
    // run rather than leave it hanging.
    log::error("run {}: cannot rebuild: {}", active.id, run.error().message);
    active.run = std::make_unique<domain::Run>();
    active.run->id = active.id;
    active.run->workflow_id = definition.workflow_id;
    active.run->workflow_version = definition.version;
    active.run->created_ms = active.created_ms;
    active.run->state = domain::RunState::error;
    active.run->finished_ms = now_ms();
    active.run->error = domain::RunError{
      "", "", domain::StepError{ "internal", run.error().message, 0, {} }
    };
  }
  active.trigger_values = {};
  return *active.run;
}

void
RunEngine::touch(ActiveRun& active,
                 const std::vector<domain::StepKey>& changed,
                 const std::vector<domain::StepKey>& removed)
{
  active.last_change = ++m_sequence;
  ++active.generation;
  active.dirty_steps.insert(
    active.dirty_steps.end(), changed.begin(), changed.end());
  active.removed_steps.insert(
    active.removed_steps.end(), removed.begin(), removed.end());
  if (!active.queued_dirty) {
    active.queued_dirty = true;
    m_dirty.push_back(active.handle);
  }
  observe(active);
}

void
RunEngine::gate(ActiveRun& active, const std::vector<domain::StepKey>& ready)
{
  for (const auto& key : ready) {
    m_gated.push_back(Gated{ active.last_change, active.handle, key });
  }
}

Result<std::uint64_t>
RunEngine::admit(domain::Run run,
                 std::shared_ptr<const RunDefinition> definition,
                 int priority,
                 domain::Values variables)
{
  auto active = std::make_unique<ActiveRun>();
  active->id = run.id;
  active->priority = priority;
  active->project = definition->project;
  active->created_ms = run.created_ms;
  auto creation = std::make_unique<RunWrite>();
  creation->header = header_of(run);
  creation->creation = RunCreation{ definition->project,
                                    definition->workflow->id(0),
                                    run.trigger_values,
                                    definition->actions,
                                    priority,
                                    variables };
  active->binding = binding_with(*definition, std::move(variables));
  creation->steps.reserve(run.steps.size());
  for (const auto& [key, step] : run.steps) {
    creation->steps.emplace_back(key, step);
  }
  const bool fresh = run.state == domain::RunState::pending;
  if (fresh) {
    // Dormant until a step is placed: a queued run costs its values only.
    active->trigger_values = std::move(run.trigger_values);
  } else {
    active->run = std::make_unique<domain::Run>(std::move(run));
  }
  active->creation = std::move(creation);
  const auto roots = definition->workflow->roots();
  active->definition = std::move(definition);

  std::lock_guard lock(m_mutex);
  if (m_settings.max_unfinished_runs > 0
      && static_cast<int>(m_runs.size()) >= m_settings.max_unfinished_runs) {
    return fail(ErrorCode::unavailable,
                fmt::format("{} runs are unfinished, the most this daemon "
                            "accepts (max_unfinished_runs in ryaxd.yaml): try "
                            "again when some have ended",
                            m_runs.size()));
  }
  if (m_runs.contains(active->id)) {
    return fail(ErrorCode::already_exists,
                fmt::format("run \"{}\" already exists", active->id));
  }
  active->handle = ++m_next_handle;
  auto& placed = *active;
  m_handles.emplace(placed.handle, &placed);
  m_runs.emplace(placed.id, std::move(active));
  announce(placed);
  touch(placed, {}, {});
  if (fresh) {
    const auto& workflow = *placed.definition->workflow;
    for (const auto root : roots) {
      m_gated.push_back(
        Gated{ placed.last_change, placed.handle, { workflow.id(root), "" } });
    }
  }
  return placed.last_change;
}

Result<void>
RunEngine::creation_outcome(const std::string& id)
{
  std::lock_guard lock(m_mutex);
  if (auto it = m_lost.find(id); it != m_lost.end()) {
    auto error = std::move(it->second);
    m_lost.erase(it);
    return std::unexpected(std::move(error));
  }
  return {};
}

std::uint64_t
RunEngine::collect(std::vector<RunWrite>& writes)
{
  std::lock_guard lock(m_mutex);
  for (auto& orphan : m_orphans) {
    writes.push_back(std::move(orphan));
  }
  m_orphans.clear();
  for (const auto handle : m_dirty) {
    auto* active = find(handle);
    if (active == nullptr) {
      continue;
    }
    active->queued_dirty = false;
    auto write = write_of(*active);
    if (!write.header.id.empty()) {
      writes.push_back(std::move(write));
    }
    if (active->run && domain::is_final(active->run->state)) {
      m_settling.push_back(handle);
    }
  }
  m_dirty.clear();
  return m_sequence;
}

void
RunEngine::committed(std::uint64_t sequence)
{
  std::lock_guard lock(m_mutex);
  m_durable = std::max(m_durable, sequence);
  while (!m_gated.empty() && m_gated.front().sequence <= sequence) {
    auto gated = std::move(m_gated.front());
    m_gated.pop_front();
    auto* active = find(gated.run);
    if (active == nullptr) {
      continue;
    }
    const auto& workflow = *active->definition->workflow;
    const auto step = workflow.index(gated.key.step);
    if (!step) {
      continue;
    }
    const bool started =
      active->run && active->run->state == domain::RunState::running;
    m_scheduler.enqueue(
      QueuedStep{ gated.run,
                  *step,
                  std::move(gated.key.branch),
                  &active->definition->plans[*step].scheduling,
                  now_ms() },
      active->priority,
      started);
  }
  auto settling = std::move(m_settling);
  m_settling.clear();
  for (const auto handle : settling) {
    if (auto* active = find(handle)) {
      settle(*active);
    }
  }
  dispatch();
  m_changed.notify_all();
}

void
RunEngine::failed(std::vector<RunWrite>& writes, const Error& error)
{
  std::lock_guard lock(m_mutex);
  m_settling.clear();
  for (auto& write : writes) {
    auto* active = find(write.header.id);
    if (active == nullptr) {
      if (write.creation) {
        continue;
      }
      // An orphan (ended without its definition): write it again.
      m_orphans.push_back(std::move(write));
      continue;
    }
    if (write.creation) {
      // Nothing of the run landed: it never existed.
      log::warn("run {}: not created: {}", active->id, error.message);
      m_lost.emplace(active->id, error);
      erase(*active);
      continue;
    }
    for (auto& [key, step] : write.steps) {
      active->dirty_steps.push_back(key);
    }
    active->removed_steps.insert(active->removed_steps.end(),
                                 write.removed.begin(),
                                 write.removed.end());
    if (!active->queued_dirty) {
      active->queued_dirty = true;
      m_dirty.push_back(active->handle);
    }
  }
}

void
RunEngine::settle(ActiveRun& active)
{
  if (active.run && domain::is_final(active.run->state)
      && active.running.empty() && active.last_change <= m_durable
      && !active.queued_dirty) {
    erase(active);
  }
}

void
RunEngine::erase(ActiveRun& active)
{
  if (active.queued_dirty) {
    std::erase(m_dirty, active.handle);
  }
  m_handles.erase(active.handle);
  m_runs.erase(m_runs.find(active.id));
}

std::optional<RunSnapshot>
RunEngine::snapshot(const std::string& id)
{
  std::lock_guard lock(m_mutex);
  auto* active = find(id);
  if (active == nullptr) {
    return std::nullopt;
  }
  RunSnapshot snapshot;
  if (active->run) {
    snapshot.stored.run = *active->run;
  } else {
    const auto& definition = *active->definition;
    auto run = domain::start(active->id,
                             *definition.workflow,
                             definition.version,
                             active->trigger_values,
                             active->created_ms);
    if (!run) {
      return std::nullopt;
    }
    snapshot.stored.run = std::move(*run);
  }
  for (const auto& [key, execution] : active->running) {
    if (auto status = execution->status(); !status.empty()) {
      snapshot.statuses[key] = std::move(status);
    }
  }
  snapshot.stored.actions = active->definition->actions;
  snapshot.stored.priority = active->priority;
  snapshot.stored.project = active->project;
  if (active->binding) {
    snapshot.stored.variables = active->binding->variables;
  }
  snapshot.definition = active->definition;
  snapshot.generation = active->generation;
  snapshot.last_change = active->last_change;
  return snapshot;
}

void
RunEngine::wait_change(const std::string& id,
                       std::uint64_t generation,
                       bool final_only,
                       std::chrono::steady_clock::time_point deadline)
{
  std::unique_lock lock(m_mutex);
  for (;;) {
    auto* active = find(id);
    if (active == nullptr || m_stopping) {
      return;
    }
    const bool final =
      active->run && domain::is_final(active->run->state)
      && active->last_change <= m_durable;
    if (final || (!final_only && active->generation != generation
                  && active->last_change <= m_durable)) {
      return;
    }
    if (m_changed.wait_until(lock, deadline) == std::cv_status::timeout) {
      return;
    }
  }
}

int
RunEngine::unfinished_runs(const std::string& project,
                           const std::string& workflow_id)
{
  std::lock_guard lock(m_mutex);
  int count = 0;
  for (const auto& [id, active] : m_runs) {
    if (active->project == project &&
        active->definition && active->definition->workflow_id == workflow_id &&
        !(active->run && domain::is_final(active->run->state))) {
      ++count;
    }
  }
  return count;
}

bool
RunEngine::contains(const std::string& id)
{
  std::lock_guard lock(m_mutex);
  return find(id) != nullptr;
}

std::vector<SiteView>
RunEngine::sites()
{
  std::lock_guard lock(m_mutex);
  return m_scheduler.views([this](const QueuedStep& step) { return wanted(step); });
}

std::vector<domain::Site>
RunEngine::fleet()
{
  std::lock_guard lock(m_mutex);
  const auto sites = m_scheduler.sites();
  return { sites.begin(), sites.end() };
}

void
RunEngine::upsert_site(domain::Site site)
{
  std::lock_guard lock(m_mutex);
  log::info("site {} ({}): {} node pool(s)", site.name, site.type,
            site.pools.size());
  m_scheduler.upsert_site(std::move(site));
  dispatch();
}

void
RunEngine::set_site_healthy(const std::string& name, bool healthy)
{
  std::lock_guard lock(m_mutex);
  if (m_scheduler.set_site_healthy(name, healthy)) {
    log::info("site {} is {}", name, healthy ? "healthy" : "unhealthy");
    dispatch();
  }
}

void
RunEngine::remove_site(const std::string& name)
{
  std::lock_guard lock(m_mutex);
  if (m_scheduler.remove_site(name)) {
    log::info("site {} removed", name);
    dispatch();
  }
}

bool
RunEngine::take_job(StepJob& job)
{
  std::unique_lock lock(m_mutex);
  m_work.wait(lock, [&] { return m_stopping || !m_jobs.empty(); });
  if (m_stopping) {
    return false;
  }
  job = std::move(m_jobs.front());
  m_jobs.pop_front();
  return true;
}

void
RunEngine::stop()
{
  std::vector<std::shared_ptr<RunningExecution>> running;
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    for (const auto& [id, active] : m_runs) {
      for (const auto& [key, execution] : active->running) {
        running.push_back(execution);
      }
    }
    m_in_flight -= static_cast<int>(m_jobs.size());
    m_jobs.clear();
  }
  m_work.notify_all();
  m_changed.notify_all();
  for (const auto& execution : running) {
    execution->cancel();
  }
}

} // namespace ryax::app
