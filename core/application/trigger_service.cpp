#include "core/application/trigger_service.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

namespace ryax::app {

namespace {

// The longest wait before reading the clock again (it may jump).
constexpr std::chrono::milliseconds k_max_wait{ 1000 };
constexpr std::int64_t k_day_ms = 24 * 3600 * 1000;

} // namespace

TriggerService::TriggerService(WorkflowStore& workflows,
                               WorkflowFormat& format,
                               RunService& runs,
                               Clock& clock,
                               TimeZones& zones)
  : m_workflows(workflows)
  , m_format(format)
  , m_runs(runs)
  , m_clock(clock)
  , m_zones(zones)
{
}

TriggerService::~TriggerService()
{
  stop();
}

Result<void>
TriggerService::start()
{
  {
    std::lock_guard lock(m_mutex);
    if (!m_stopping) {
      return {};
    }
  }
  RYAX_TRY_ASSIGN(const auto deployed, m_workflows.deployed());
  for (const auto& deployment : deployed) {
    schedule(deployment, deployment.trigger, true);
  }
  std::lock_guard lock(m_mutex);
  m_stopping = false;
  m_thread = std::thread([this] { loop(); });
  return {};
}

void
TriggerService::stop()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void
TriggerService::deployed(const WorkflowDeployment& deployment)
{
  TriggerState fresh;
  fresh.started_ms = m_clock.now_unix_ms();
  schedule(deployment, fresh, false);
}

void
TriggerService::undeployed(const std::string& project, const std::string& id)
{
  const Key key{ project, id };
  std::unique_lock lock(m_mutex);
  if (m_timers.erase(key) > 0) {
    log::info("workflow {}: trigger stopped", id);
    note(key, "trigger stopped: the workflow was undeployed");
  }
  m_fired.wait(lock, [&] { return m_firing != key; });
}

void
TriggerService::poke()
{
  {
    std::lock_guard lock(m_mutex);
    m_poked = true;
  }
  m_wake.notify_all();
}

std::size_t
TriggerService::scheduled()
{
  std::lock_guard lock(m_mutex);
  return m_timers.size();
}

void
TriggerService::schedule(const WorkflowDeployment& deployment,
                         TriggerState state,
                         bool restart)
{
  const Key key{ deployment.project, deployment.id };
  const auto stored = m_workflows.find(
    deployment.project, deployment.id, deployment.deployed_version);
  if (!stored || !*stored) {
    log::error("workflow {}: trigger not started: version {} cannot be read{}",
               deployment.id,
               deployment.deployed_version,
               stored ? "" : ": " + stored.error().message);
    return;
  }
  const auto parsed = m_format.parse((*stored)->yaml, deployment.id + ".yaml");
  if (!parsed.workflow) {
    log::error("workflow {}: trigger not started: its file does not parse",
               deployment.id);
    return;
  }
  const auto& workflow = *parsed.workflow;
  if (!domain::is_timer_trigger(workflow.trigger.from)) {
    std::lock_guard lock(m_mutex);
    m_timers.erase(key);
    return;
  }
  const auto now = m_clock.now_unix_ms();
  if (restart && !state.error.empty()) {
    log::warn("workflow {}: trigger stays stopped: {} (deploy it again)",
              deployment.id,
              state.error);
    return;
  }
  Timer timer;
  timer.max_concurrent_runs = workflow.max_concurrent_runs.value_or(0);
  if (auto parsed_timer = domain::timer_trigger(workflow.trigger);
      parsed_timer) {
    timer.timer = *parsed_timer;
  } else {
    state.error = parsed_timer.error().message;
  }
  auto& zone = timer.timer.zone;
  if (state.error.empty() && timer.timer.kind == domain::TimerKind::cron &&
      zone.intervals.empty()) {
    // The zone's offsets for the next ten years (a restart reads them
    // again).
    if (auto offsets = m_zones.offsets(
          zone.name, now - k_day_ms, now + 3660 * k_day_ms);
        offsets) {
      zone = std::move(*offsets);
    } else {
      state.error = "input \"timezone\": " + offsets.error().message;
    }
  }
  if (state.started_ms == 0) {
    state.started_ms = now;
  }
  save(key, state);
  if (!state.error.empty()) {
    log::error(
      "workflow {}: trigger not started: {}", deployment.id, state.error);
    note(key, "trigger not started: " + state.error);
    return;
  }
  std::optional<std::int64_t> first;
  if (timer.timer.kind == domain::TimerKind::once) {
    // Its run at deploy, or now when a restart came before it was made.
    if (!state.once_done) {
      first = std::max(state.started_ms, restart ? now : state.started_ms);
    }
  } else {
    first = domain::next_fire(timer.timer, state.started_ms, now);
  }
  std::lock_guard lock(m_mutex);
  if (!first) {
    m_timers.erase(key);
    return;
  }
  timer.state = state;
  timer.generation = ++m_generation;
  m_queue.push(Due{ *first, timer.generation, key });
  m_timers[key] = std::move(timer);
  log::info("workflow {}: trigger {} first fires at {}",
            deployment.id,
            workflow.trigger.from,
            domain::iso8601_utc(*first));
  note(key,
       fmt::format("trigger {} started: first fires at {}",
                   workflow.trigger.from,
                   domain::iso8601_utc(*first)));
  m_wake.notify_all();
}

void
TriggerService::loop()
{
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    m_poked = false;
    if (m_queue.empty()) {
      m_wake.wait_for(lock, k_max_wait, [&] {
        return m_stopping || m_poked || !m_queue.empty();
      });
      continue;
    }
    const auto due = m_queue.top();
    const auto it = m_timers.find(due.key);
    if (it == m_timers.end() || it->second.generation != due.generation) {
      m_queue.pop(); // undeployed or deployed again since
      continue;
    }
    const auto now = m_clock.now_unix_ms();
    if (due.at_ms > now) {
      const auto wait = std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(due.at_ms - now), k_max_wait);
      m_wake.wait_for(lock, wait, [&] { return m_stopping || m_poked; });
      continue;
    }
    m_queue.pop();
    const auto timer = it->second;
    m_firing = due.key;
    lock.unlock();
    const auto state = fire(due.key, timer, due.at_ms);
    const auto after = m_clock.now_unix_ms();
    lock.lock();
    m_firing.reset();
    m_fired.notify_all();
    const auto current = m_timers.find(due.key);
    if (current == m_timers.end() ||
        current->second.generation != due.generation) {
      continue;
    }
    current->second.state = state;
    // The next tick on the grid after this one and after now: ticks that
    // passed while this one fired are not made up.
    const auto next = state.error.empty()
                        ? domain::next_fire(timer.timer,
                                            state.started_ms,
                                            std::max(due.at_ms + 1, after))
                        : std::nullopt;
    if (next) {
      m_queue.push(Due{ *next, due.generation, due.key });
    } else {
      m_timers.erase(current);
    }
  }
}

TriggerState
TriggerService::fire(const Key& key, const Timer& timer, std::int64_t tick_ms)
{
  auto state = timer.state;
  const auto& [project, id] = key;
  const auto tick = domain::iso8601_utc(tick_ms);
  try {
    if (timer.max_concurrent_runs > 0) {
      const auto going = m_runs.unfinished_runs(project, id);
      if (going >= timer.max_concurrent_runs) {
        ++state.skipped_ticks;
        log::info("workflow {}: tick {} skipped: {} runs unfinished "
                  "(max_concurrent_runs {})",
                  id,
                  tick,
                  going,
                  timer.max_concurrent_runs);
        note(key,
             fmt::format("tick {} skipped: {} runs unfinished "
                         "(max_concurrent_runs {})",
                         tick,
                         going,
                         timer.max_concurrent_runs));
        save(key, state);
        return state;
      }
    }
    StartRunRequest request;
    request.workflow_id = id;
    request.project = project;
    request.values = { { "time", tick } };
    request.by_trigger = true;
    if (auto run = m_runs.start_run(request); !run) {
      log::warn(
        "workflow {}: tick {}: no run: {}", id, tick, run.error().message);
      note(key, fmt::format("tick {}: no run: {}", tick, run.error().message));
    } else if (timer.timer.kind == domain::TimerKind::once) {
      state.once_done = true;
      save(key, state);
    }
  } catch (const std::exception& e) {
    state.error = fmt::format("trigger failed at {}: {}", tick, e.what());
    log::error("workflow {}: {}", id, state.error);
    note(key, state.error);
    save(key, state);
  } catch (...) {
    state.error = fmt::format("trigger failed at {}", tick);
    log::error("workflow {}: {}", id, state.error);
    save(key, state);
  }
  return state;
}

void
TriggerService::save(const Key& key, const TriggerState& state)
{
  try {
    if (auto saved =
          m_workflows.set_trigger_state(key.first, key.second, state);
        !saved) {
      log::warn("workflow {}: trigger state not saved: {}",
                key.second,
                saved.error().message);
    }
  } catch (const std::exception& e) {
    log::warn("workflow {}: trigger state not saved: {}", key.second, e.what());
  }
}

void
TriggerService::note(const Key& key, const std::string& text)
{
  if (m_logs != nullptr) {
    m_logs->append(key.first, key.second, "ryaxd", text);
  }
}

} // namespace ryax::app
