// RunEngine: placing steps, their start and end, cancel and recovery.

#include "core/application/log.hpp"
#include "core/application/run_engine.hpp"
#include "core/application/run_engine_state.hpp"
#include "core/application/step_outcomes.hpp"

#include <fmt/format.h>

namespace ryax::app {

namespace {

// Set in worker threads: a worker that places jobs takes one itself.
thread_local bool t_worker = false;

std::string
execution_id(const std::string& run_id, const domain::StepKey& key, int attempt)
{
  return fmt::format("{}.{}.{}.{}",
                     run_id,
                     key.step,
                     key.branch.empty() ? "r" : key.branch,
                     attempt);
}

} // namespace

void
RunEngine::mark_worker_thread()
{
  t_worker = true;
}

bool
RunEngine::wanted(const QueuedStep& step)
{
  const auto* active = find(step.run);
  if (active == nullptr) {
    return false;
  }
  if (!active->run) {
    return true; // dormant: its roots wait
  }
  const auto& run = *active->run;
  if (run.failed() || domain::is_final(run.state)) {
    return false;
  }
  const auto* execution = run.find(
    domain::StepKey{ active->definition->workflow->id(step.step), step.branch });
  return execution != nullptr
         && execution->state == domain::StepState::waiting;
}

void
RunEngine::dispatch()
{
  if (m_stopping) {
    return;
  }
  const auto before = m_jobs.size();
  // Placing may fail steps, which may free nothing but changes nothing of
  // the pools either: one walk places all that fits.
  for (const auto& decision : m_scheduler.dispatch(
         [this](const QueuedStep& step) { return wanted(step); })) {
    place(decision);
  }
  auto added = m_jobs.size() - before;
  if (added > 0 && t_worker) {
    --added; // this worker takes one when it asks next
  }
  for (std::size_t i = 0; i < added; ++i) {
    m_work.notify_one();
  }
}

void
RunEngine::place(const Scheduler::Decision& decision)
{
  auto* active = find(decision.step.run);
  if (active == nullptr) {
    return;
  }
  auto& run = materialize(*active);
  const auto& definition = *active->definition;
  const auto& workflow = *definition.workflow;
  const domain::StepKey key{ workflow.id(decision.step.step),
                             decision.step.branch };
  const auto& plan = definition.plans[decision.step.step];
  const auto& candidate = decision.candidate;
  if (candidate.pool == nullptr) {
    apply(*active,
          key,
          step_error("unschedulable",
                     decision.refusal.empty() ? plan.unavailable
                                              : decision.refusal));
    return;
  }
  const auto& pool = *candidate.pool;
  auto inputs = domain::resolve_inputs(run, workflow, key, binding_of(*active));
  if (!inputs) {
    m_scheduler.release(candidate.site, pool.name, plan.scheduling.request);
    apply(*active, key, step_error("invalid_input", inputs.error().message));
    return;
  }
  if (plan.spec) {
    // Whatever feeds a password input is one from now on: sealed at rest.
    domain::mark_secrets(*inputs, plan.spec->action.metadata.inputs);
  }
  const auto& step = workflow.step(decision.step.step);
  auto note =
    domain::placement_note(candidate, step.constraints, step.objectives);
  StepJob job;
  job.inputs = *inputs;
  if (auto scheduled = domain::mark_scheduled(
        run, key, std::move(*inputs), std::move(note), now_ms());
      !scheduled) {
    log::error("run {}: cannot schedule {}: {}",
               run.id,
               domain::describe(key),
               scheduled.error().message);
    m_scheduler.release(candidate.site, pool.name, plan.scheduling.request);
    return;
  }
  touch(*active, { key }, {});
  job.run = active->handle;
  job.run_id = active->id;
  job.key = key;
  job.attempt = run.find(key)->attempt;
  job.site = candidate.site;
  job.pool = pool.name;
  job.node_pool = pool;
  job.definition = active->definition;
  job.plan = &plan;
  job.running =
    std::make_shared<RunningExecution>(execution_id(run.id, key, job.attempt));
  job.queued_ms = decision.step.queued_ms;
  job.placed_ms = now_ms();
  active->running.emplace_back(key, job.running);
  ++m_in_flight;
  m_jobs.push_back(std::move(job));
}

bool
RunEngine::end_job(ActiveRun* active, const StepJob& job)
{
  if (!job.running->end()) {
    return false;
  }
  --m_in_flight;
  m_scheduler.release(job.site, job.pool, job.plan->scheduling.request);
  if (active != nullptr) {
    std::erase_if(active->running, [&](const auto& entry) {
      return entry.second == job.running;
    });
  }
  return true;
}

bool
RunEngine::begin(StepJob& job)
{
  std::lock_guard lock(m_mutex);
  auto* active = find(job.run);
  if (!m_stopping && active != nullptr && active->run) {
    job.started_ms = now_ms();
    if (domain::mark_running(*active->run, job.key, job.started_ms)) {
      touch(*active, { job.key }, {});
      return true;
    }
  }
  end_job(active, job);
  if (active != nullptr) {
    settle(*active);
  }
  dispatch();
  return false;
}

void
RunEngine::apply(ActiveRun& active,
                 const domain::StepKey& key,
                 domain::StepOutcome outcome)
{
  auto& run = materialize(active);
  refuse_oversized_fan_out(run, *active.definition->workflow, key, outcome);
  auto changes = domain::apply_result(
    run, *active.definition->workflow, key, std::move(outcome), now_ms());
  if (!changes) {
    log::error("run {}: {}: {}",
               run.id,
               domain::describe(key),
               changes.error().message);
    return;
  }
  touch(active, changes->changed, changes->removed);
  gate(active, changes->ready);
  if (domain::is_final(run.state)) {
    log::info("run {} {}", run.id, domain::to_string(run.state));
  }
}

void
RunEngine::refuse_oversized_fan_out(const domain::Run& run,
                                    const domain::CompiledWorkflow& workflow,
                                    const domain::StepKey& key,
                                    domain::StepOutcome& outcome) const
{
  const auto* fan_out = std::get_if<domain::FanOut>(&outcome);
  const auto max = m_settings.max_run_executions;
  if (fan_out == nullptr || max <= 0) {
    return;
  }
  const auto step = workflow.index(key.step);
  const auto below =
    step ? std::max<std::size_t>(workflow.descendants(*step).size(), 1) : 1;
  const auto elements = static_cast<std::int64_t>(fan_out->sets.size());
  const auto projected = static_cast<std::int64_t>(run.steps.size())
                         + elements * static_cast<std::int64_t>(below);
  if (projected > max) {
    outcome = domain::StepError{
      "invalid_output",
      fmt::format("the step returned {} elements: its fan-out would make "
                  "about {} step executions in the run, more than "
                  "max_run_executions ({}, ryaxd.yaml)",
                  elements, projected, max),
      0, {}
    };
  }
}

std::uint64_t
RunEngine::finish(const StepJob& job,
                  domain::StepOutcome outcome,
                  std::int64_t log_lines)
{
  std::lock_guard lock(m_mutex);
  auto* active = find(job.run);
  if (!end_job(active, job)) {
    log::info("run {}: {}: attempt {} ended already: its result is ignored",
              job.run_id, domain::describe(job.key), job.attempt);
    return active == nullptr ? m_sequence : active->last_change;
  }
  if (active == nullptr) {
    return m_sequence;
  }
  if (m_stopping) {
    // Left running in storage: it runs again at the next start.
    return active->last_change;
  }
  auto* step = active->run->find(job.key);
  if (step == nullptr || step->attempt != job.attempt
      || step->state != domain::StepState::running) {
    // Given up already (its site was lost and it runs again): the newer
    // attempt's result counts, not this one.
    log::info("run {}: {}: the result of attempt {} is ignored",
              active->id,
              domain::describe(job.key),
              job.attempt);
    dispatch();
    return active->last_change;
  }
  step->log_lines += log_lines;
  const auto gated = m_gated.size();
  apply(*active, job.key, std::move(outcome));
  if (const auto* ended = active->run->find(job.key)) {
    observe_step(*active, job.key, domain::to_string(ended->state));
  }
  if (m_gated.size() == gated) {
    dispatch();
  }
  // Otherwise the freed resources go to the queue once what this result
  // made ready joined it (after its commit), so that steps of started runs
  // keep their place before new runs.
  return active->last_change;
}

std::uint64_t
RunEngine::interrupted(const StepJob& job,
                       std::int64_t log_lines,
                       const domain::StepError& why)
{
  std::lock_guard lock(m_mutex);
  auto* active = find(job.run);
  if (!end_job(active, job)) {
    return active == nullptr ? m_sequence : active->last_change;
  }
  if (active == nullptr) {
    return m_sequence;
  }
  if (m_stopping) {
    // Left running in storage: it runs again at the next start.
    return active->last_change;
  }
  auto& run = *active->run;
  auto* step = run.find(job.key);
  if (step == nullptr || step->attempt != job.attempt) {
    dispatch();
    return active->last_change;
  }
  step->log_lines += log_lines;
  if (step->attempt >= k_max_lost_attempts) {
    // A step that keeps losing its runtime (or its site) fails instead of
    // running for ever.
    log::warn("run {}: {}: attempt {} lost too: {}",
              run.id, domain::describe(job.key), step->attempt, why.message);
    auto gave_up = why;
    gave_up.message = fmt::format("gave up after {} attempts, each lost: {}",
                                  step->attempt, why.message);
    apply(*active, job.key, std::move(gave_up));
    if (const auto* ended = active->run->find(job.key)) {
      observe_step(*active, job.key, domain::to_string(ended->state));
    }
    dispatch();
    return active->last_change;
  }
  auto recovered = domain::requeue_lost(
    run, job.key, now_ms(),
    fmt::format("attempt {} was lost: {}", job.attempt, why.message));
  if (!recovered) {
    log::error("run {}: {}: {}",
               run.id,
               domain::describe(job.key),
               recovered.error().message);
    dispatch();
    return active->last_change;
  }
  observe_step(*active, job.key, "lost");
  touch(*active, recovered->changed, {});
  if (!recovered->requeued.empty()) {
    log::info("run {}: {} runs again (attempt {}): {}",
              run.id,
              domain::describe(job.key),
              step->attempt,
              why.message);
  }
  // Queued again once its new attempt is durable.
  gate(*active, recovered->requeued);
  if (domain::is_final(run.state)) {
    log::info("run {} {}", run.id, domain::to_string(run.state));
  }
  dispatch();
  return active->last_change;
}

Result<std::uint64_t>
RunEngine::cancel(const std::string& id)
{
  std::vector<std::shared_ptr<RunningExecution>> running;
  std::uint64_t sequence = 0;
  {
    std::lock_guard lock(m_mutex);
    auto* active = find(id);
    if (active == nullptr) {
      return fail(ErrorCode::not_found, fmt::format("run \"{}\" not found", id));
    }
    auto& run = materialize(*active);
    RYAX_TRY_ASSIGN(const auto cancelled, domain::cancel(run, now_ms()));
    touch(*active, cancelled.changed, {});
    for (const auto& [key, execution] : active->running) {
      running.push_back(execution);
    }
    sequence = active->last_change;
  }
  // Runtime calls, outside the lock.
  for (const auto& execution : running) {
    execution->cancel();
  }
  return sequence;
}

std::uint64_t
RunEngine::resume(StoredRun stored,
                  Result<std::shared_ptr<const RunDefinition>> definition)
{
  auto& run = stored.run;
  const auto now = now_ms();
  if (!definition) {
    // Nothing can run any more: end the run rather than leave it pending.
    run.recount();
    run.state = domain::RunState::error;
    run.finished_ms = now;
    run.error = domain::RunError{
      "", "", step_error("workflow_gone", definition.error().message)
    };
    RunWrite write;
    for (auto& [key, step] : run.steps) {
      if (!domain::is_final(step.state)) {
        step.state = domain::StepState::cancelled;
        step.finished_ms = now;
      }
      write.steps.emplace_back(key, step);
    }
    run.recount();
    write.header = header_of(run);
    std::lock_guard lock(m_mutex);
    m_orphans.push_back(std::move(write));
    return ++m_sequence;
  }
  const auto& workflow = *(*definition)->workflow;
  domain::restore(run, workflow);
  const auto recovered = domain::recover(run, now);
  for (const auto& key : recovered.requeued) {
    log::info("run {}: {} runs again (attempt {})",
              run.id,
              domain::describe(key),
              run.find(key)->attempt);
  }
  const auto ready = domain::ready_steps(run, workflow);

  auto active = std::make_unique<ActiveRun>();
  active->id = run.id;
  active->priority = stored.priority;
  active->project = stored.project;
  active->created_ms = run.created_ms;
  active->definition = std::move(*definition);
  active->binding =
    binding_with(*active->definition, std::move(stored.variables));
  active->run = std::make_unique<domain::Run>(std::move(run));
  active->reported = active->run->state; // told before the restart
  std::lock_guard lock(m_mutex);
  active->handle = ++m_next_handle;
  auto& placed = *active;
  m_handles.emplace(placed.handle, &placed);
  m_runs.emplace(placed.id, std::move(active));
  touch(placed, recovered.changed, {});
  gate(placed, ready);
  return placed.last_change;
}

} // namespace ryax::app
