#include "core/application/run_service.hpp"

#include "core/application/log.hpp"
#include "core/application/runtime_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

namespace fs = std::filesystem;

namespace ryax::app {

using domain::StepKey;
using domain::StepState;

// A run being executed: its stored form and what executing it needs.
struct RunService::Active
{
  StoredRun stored;
  std::shared_ptr<const domain::WorkflowDefinition> workflow;
  domain::BindingContext binding;
  // Step id -> what its executions run on; absent when the action version
  // is gone or not built (its executions then fail).
  std::map<std::string, RuntimeSpec> specs;
  std::map<std::string, std::string> spec_errors; // step id -> why absent
  // Step id -> what one execution asks for and where it may run.
  struct Plan
  {
    domain::ResourceRequest request;
    std::vector<domain::Candidate> candidates; // best first
    const domain::WorkflowStep* step = nullptr;
    std::string error; // why it can run nowhere
  };
  std::map<std::string, Plan> plans;
  // Executions in the scheduler queue.
  std::set<StepKey> queued;
  // Executions running now: the lease to cancel them through.
  std::map<StepKey, std::pair<std::string, RuntimeLease*>> running;
  std::uint64_t generation = 1;
};

namespace {

constexpr std::string_view k_redacted = "********";

// The state of every execution, in key order, to see what a transition
// changed.
using Snapshot = std::vector<std::pair<StepKey, StepState>>;

Snapshot
snapshot(const domain::Run& run)
{
  Snapshot result;
  result.reserve(run.steps.size());
  for (const auto& [key, step] : run.steps) {
    result.emplace_back(key, step.state);
  }
  return result;
}

// The executions added or changed since `before`, and those removed.
void
diff(const Snapshot& before,
     const domain::Run& after,
     std::vector<StepKey>& changed,
     std::vector<StepKey>& removed)
{
  auto old = before.begin();
  auto now = after.steps.begin();
  while (old != before.end() || now != after.steps.end()) {
    if (now == after.steps.end()
        || (old != before.end() && old->first < now->first)) {
      removed.push_back(old->first);
      ++old;
    } else if (old == before.end() || now->first < old->first) {
      changed.push_back(now->first);
      ++now;
    } else {
      if (old->second != now->second.state) {
        changed.push_back(now->first);
      }
      ++old;
      ++now;
    }
  }
}

void
add_unique(std::vector<StepKey>& keys, const StepKey& key)
{
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
    keys.push_back(key);
  }
}

std::string
new_run_id()
{
  static std::mutex mutex;
  static std::mt19937_64 generator{ std::random_device{}() };
  std::lock_guard lock(mutex);
  return fmt::format("run-{:012x}", generator() & 0xffffffffffffULL);
}

std::string
execution_id(const std::string& run_id, const StepKey& key, int attempt)
{
  return fmt::format("{}.{}.{}.{}",
                     run_id,
                     key.step,
                     key.branch.empty() ? "r" : key.branch,
                     attempt);
}

// Whether `path` lies inside `root` once both are resolved.
bool
inside(const std::string& path, const std::string& root)
{
  std::error_code ec;
  const auto real_root = fs::weakly_canonical(root, ec);
  if (ec) {
    return false;
  }
  const auto real = fs::weakly_canonical(path, ec);
  if (ec) {
    return false;
  }
  const auto relative = real.lexically_relative(real_root);
  return !relative.empty() && *relative.begin() != ".."
         && relative.native() != ".";
}

domain::StepError
step_error(std::string kind, std::string message)
{
  return domain::StepError{ std::move(kind), std::move(message), 0, {} };
}

void
redact(domain::Values& values, const std::vector<domain::IoSpec>& specs)
{
  for (const auto& spec : specs) {
    if (spec.type != domain::IoType::password) {
      continue;
    }
    if (auto it = values.find(spec.name);
        it != values.end()
        && std::holds_alternative<std::string>(it->second)) {
      it->second = std::string(k_redacted);
    }
  }
}

} // namespace

RunService::RunService(RunPorts ports, RunSettings settings)
  : m_ports(ports), m_settings(std::move(settings))
{
  m_settings.concurrency = std::max(1, m_settings.concurrency);
}

RunService::~RunService()
{
  stop();
}

Result<void>
RunService::start()
{
  std::error_code ec;
  fs::remove_all(m_settings.work_dir, ec);
  fs::create_directories(m_settings.work_dir, ec);
  if (ec) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create \"{}\": {}",
                            m_settings.work_dir,
                            ec.message()));
  }
  RYAX_TRY_ASSIGN(const auto ids, m_ports.runs.unfinished());
  for (const auto& id : ids) {
    RYAX_TRY_ASSIGN(auto stored, m_ports.runs.load(id));
    if (!stored) {
      continue;
    }
    if (auto activated = activate(std::move(*stored), true); !activated) {
      log::error("run {}: cannot resume: {}", id, activated.error().message);
    }
  }
  if (!ids.empty()) {
    log::info("resumed {} unfinished run(s)", ids.size());
  }
  std::lock_guard lock(m_mutex);
  m_stopping = false;
  {
    std::lock_guard housekeeping(m_housekeeping_mutex);
    m_housekeeping_stop = false;
  }
  for (int i = 0; i < m_settings.concurrency; ++i) {
    m_workers.emplace_back([this] { worker_loop(); });
  }
  m_housekeeper = std::thread([this] { housekeeping_loop(); });
  return {};
}

void
RunService::stop()
{
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping && m_workers.empty()) {
      return;
    }
    m_stopping = true;
    // Running executions stop; their runs stay unfinished in the database
    // and resume at the next start.
    for (auto& [id, active] : m_active) {
      for (auto& [key, running] : active->running) {
        (void)running.second->cancel(running.first);
      }
    }
  }
  m_work.notify_all();
  m_changed.notify_all();
  {
    std::lock_guard lock(m_housekeeping_mutex);
    m_housekeeping_stop = true;
  }
  m_housekeeping_wake.notify_all();
  for (auto& worker : m_workers) {
    worker.join();
  }
  m_workers.clear();
  if (m_housekeeper.joinable()) {
    m_housekeeper.join();
  }
}

Result<std::shared_ptr<const domain::WorkflowDefinition>>
RunService::definition(const std::string& workflow_id, int version)
{
  const auto cache_key = fmt::format("{}:{}", workflow_id, version);
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_definitions.find(cache_key); it != m_definitions.end()) {
      return it->second;
    }
  }
  RYAX_TRY_ASSIGN(const auto stored,
                  m_ports.workflows.find(workflow_id, version));
  if (!stored) {
    return fail(ErrorCode::not_found,
                fmt::format("version {} of workflow \"{}\" is gone",
                            version,
                            workflow_id));
  }
  auto parsed = m_ports.format.parse(stored->yaml, workflow_id);
  if (!parsed.ok()) {
    return fail(ErrorCode::internal,
                fmt::format("version {} of workflow \"{}\" no longer parses",
                            version,
                            workflow_id));
  }
  auto definition = std::make_shared<const domain::WorkflowDefinition>(
    std::move(*parsed.workflow));
  std::lock_guard lock(m_mutex);
  m_definitions[cache_key] = definition;
  return definition;
}

// Load what executing `stored` needs and queue what is ready. A recovered
// run first goes through domain::recover.
Result<void>
RunService::activate(StoredRun stored, bool recovered)
{
  auto active = std::make_unique<Active>();
  const auto& run = stored.run;
  auto workflow = definition(run.workflow_id, run.workflow_version);
  if (!workflow) {
    // Nothing can run any more: end the run rather than leave it pending.
    stored.run.state = domain::RunState::error;
    stored.run.finished_ms = now_ms();
    stored.run.error = domain::RunError{
      "", "", step_error("workflow_gone", workflow.error().message)
    };
    for (auto& [key, step] : stored.run.steps) {
      if (!domain::is_final(step.state)) {
        step.state = StepState::cancelled;
      }
    }
    std::vector<StepKey> all;
    for (const auto& [key, step] : stored.run.steps) {
      all.push_back(key);
    }
    return m_ports.runs.save(stored.run, all, {});
  }
  active->workflow = *workflow;
  // Static files ("@path") become run files, named by their last component.
  RYAX_TRY_ASSIGN(const auto version,
                  m_ports.workflows.find(run.workflow_id, run.workflow_version));
  for (const auto& action : active->workflow->actions) {
    for (const auto& [input, binding] : action.inputs_values) {
      const auto* file = std::get_if<domain::StaticFile>(&binding);
      if (file == nullptr || active->binding.static_files.contains(file->path)
          || !version) {
        continue;
      }
      const auto name = fs::path(file->path).filename().string();
      const auto exact =
        std::find_if(version->files.begin(),
                     version->files.end(),
                     [&](const auto& f) { return f.path == file->path; });
      if (exact != version->files.end()) {
        RYAX_TRY_ASSIGN(active->binding.static_files[file->path],
                        m_ports.files.put_file(
                          m_ports.workflow_files.path(exact->key), name));
        continue;
      }
      // A directory: gather its files into a temporary tree.
      const auto staging =
        fs::path(m_settings.work_dir) / ("static-" + new_run_id());
      std::error_code ec;
      for (const auto& f : version->files) {
        if (f.path.starts_with(file->path + "/")) {
          const auto target =
            staging / name / f.path.substr(file->path.size() + 1);
          fs::create_directories(target.parent_path(), ec);
          fs::copy_file(m_ports.workflow_files.path(f.key), target, ec);
        }
      }
      fs::create_directories(staging / name, ec);
      auto ref = m_ports.files.put_directory((staging / name).string(), name);
      fs::remove_all(staging, ec);
      RYAX_TRY_ASSIGN(active->binding.static_files[file->path], std::move(ref));
    }
  }
  for (const auto& action : active->workflow->actions) {
    const auto it = stored.actions.find(action.id);
    const auto ref = it == stored.actions.end()
                       ? Result<domain::ActionRef>(fail(ErrorCode::not_found, ""))
                       : domain::parse_action_ref(it->second);
    std::optional<domain::ActionVersion> found;
    if (ref) {
      RYAX_TRY_ASSIGN(found, m_ports.catalogue.find(ref->id, ref->version));
    }
    if (!found || found->build_state != domain::BuildState::built) {
      active->spec_errors[action.id] = fmt::format(
        "action \"{}\" is no longer built: run \"ryax action build {}\"",
        it == stored.actions.end() ? action.from : it->second,
        it == stored.actions.end() ? action.from : it->second);
      continue;
    }
    auto spec = runtime_spec(run.workflow_id, action, std::move(*found));
    auto& plan = active->plans[action.id];
    plan.step = &action;
    plan.request = domain::resource_request(
      spec.action.metadata.resources, action.resources, m_settings.arch);
    if (auto candidates = domain::candidates(m_settings.site,
                                             plan.request,
                                             action.constraints,
                                             action.objectives)) {
      plan.candidates = std::move(*candidates);
    } else {
      plan.error = candidates.error().message;
    }
    active->specs[action.id] = std::move(spec);
  }

  std::lock_guard lock(m_mutex);
  auto& placed = *active;
  placed.stored = std::move(stored);
  if (recovered) {
    const auto before = snapshot(placed.stored.run);
    const auto sent_back = domain::recover(placed.stored.run, now_ms());
    std::vector<StepKey> changed;
    std::vector<StepKey> removed;
    diff(before, placed.stored.run, changed, removed);
    for (const auto& key : sent_back) {
      add_unique(changed, key);
      log::info("run {}: {} runs again (attempt {})",
                placed.stored.run.id,
                domain::describe(key),
                placed.stored.run.find(key)->attempt);
    }
    persist(placed, changed, removed);
  }
  const auto id = placed.stored.run.id;
  m_active[id] = std::move(active);
  advance(placed);
  dispatch();
  settle(id);
  return {};
}

// Queue every ready execution for the scheduler (m_mutex held).
void
RunService::advance(Active& active)
{
  const auto& run = active.stored.run;
  const bool started = run.state == domain::RunState::running;
  for (const auto& key : domain::ready_steps(run, *active.workflow)) {
    if (active.queued.insert(key).second) {
      m_pending.emplace(
        domain::QueueRank{ active.stored.priority, started, ++m_sequence },
        Pending{ run.id, key });
    }
  }
}

// Place queued executions, in queue order, where they fit now (m_mutex
// held). The first one that fits nowhere reserves every pool it may use:
// nothing behind it takes them, so a big step is never starved by small
// ones.
void
RunService::dispatch()
{
  for (;;) {
    std::set<const domain::NodePool*> reserved;
    std::vector<std::pair<std::string, std::pair<StepKey, domain::StepError>>>
      failures;
    int placed = 0;
    for (auto it = m_pending.begin();
         it != m_pending.end()
         && reserved.size() < m_settings.site.pools.size();) {
      const auto& pending = it->second;
      const auto found = m_active.find(pending.run_id);
      Active* active = found == m_active.end() ? nullptr : found->second.get();
      const auto* step =
        active != nullptr ? active->stored.run.find(pending.key) : nullptr;
      if (step == nullptr || step->state != StepState::waiting
          || active->stored.run.failed()
          || domain::is_final(active->stored.run.state)) {
        if (active != nullptr) {
          active->queued.erase(pending.key);
        }
        it = m_pending.erase(it);
        continue;
      }
      const auto& plan = active->plans[pending.key.step];
      if (!plan.error.empty() || plan.step == nullptr) {
        failures.push_back(
          { pending.run_id,
            { pending.key,
              step_error("unschedulable",
                         plan.error.empty() ? active->spec_errors[pending.key.step]
                                            : plan.error) } });
        active->queued.erase(pending.key);
        it = m_pending.erase(it);
        continue;
      }
      const domain::Candidate* chosen = nullptr;
      for (const auto& candidate : plan.candidates) {
        if (!reserved.contains(candidate.pool)
            && domain::fits_now(
              *candidate.pool, m_usage[candidate.pool->name], plan.request)) {
          chosen = &candidate;
          break;
        }
      }
      if (chosen == nullptr) {
        for (const auto& candidate : plan.candidates) {
          reserved.insert(candidate.pool);
        }
        ++it;
        continue;
      }
      auto& run = active->stored.run;
      auto inputs = domain::resolve_inputs(
        run, *active->workflow, pending.key, active->binding);
      if (!inputs) {
        failures.push_back(
          { pending.run_id,
            { pending.key, step_error("invalid_input", inputs.error().message) } });
        active->queued.erase(pending.key);
        it = m_pending.erase(it);
        continue;
      }
      const auto note = domain::placement_note(m_settings.site,
                                               *chosen,
                                               plan.step->constraints,
                                               plan.step->objectives);
      if (auto scheduled = domain::mark_scheduled(
            run, pending.key, std::move(*inputs), note, now_ms());
          !scheduled) {
        log::error("run {}: cannot schedule {}: {}",
                   run.id,
                   domain::describe(pending.key),
                   scheduled.error().message);
      } else {
        persist(*active, { pending.key }, {});
        m_usage[chosen->pool->name].add(plan.request);
        m_ready.push_back(
          Job{ run.id, pending.key, chosen->pool->name, plan.request });
        ++placed;
      }
      active->queued.erase(pending.key);
      it = m_pending.erase(it);
    }
    if (placed == 1) {
      m_work.notify_one();
    } else if (placed > 1) {
      m_work.notify_all();
    }
    if (failures.empty()) {
      return;
    }
    for (auto& [run_id, failure] : failures) {
      if (auto found = m_active.find(run_id); found != m_active.end()) {
        apply(*found->second, failure.first, std::move(failure.second));
      }
    }
    for (const auto& [run_id, failure] : failures) {
      settle(run_id);
    }
  }
}

// Write the run and the named executions (m_mutex held), and tell watchers.
void
RunService::persist(Active& active,
                    const std::vector<StepKey>& changed,
                    const std::vector<StepKey>& removed)
{
  ++active.generation;
  if (auto saved = m_ports.runs.save(active.stored.run, changed, removed);
      !saved) {
    log::error(
      "run {}: cannot save: {}", active.stored.run.id, saved.error().message);
  }
  m_changed.notify_all();
}

// Record how execution `key` ended and move the run on (m_mutex held).
void
RunService::apply(Active& active,
                  const StepKey& key,
                  domain::StepOutcome outcome)
{
  auto& run = active.stored.run;
  const auto before = snapshot(run);
  if (auto applied = domain::apply_result(
        run, *active.workflow, key, std::move(outcome), now_ms());
      !applied) {
    log::error("run {}: {}: {}",
               run.id,
               domain::describe(key),
               applied.error().message);
    return;
  }
  std::vector<StepKey> changed;
  std::vector<StepKey> removed;
  diff(before, run, changed, removed);
  if (run.find(key) != nullptr) {
    add_unique(changed, key);
  }
  persist(active, changed, removed);
  advance(active);
}

// Forget the in-memory state of a run that is over (m_mutex held).
void
RunService::settle(const std::string& run_id)
{
  const auto it = m_active.find(run_id);
  if (it == m_active.end()) {
    return;
  }
  if (domain::is_final(it->second->stored.run.state)
      && it->second->running.empty()) {
    m_active.erase(it);
    m_changed.notify_all();
  }
}

void
RunService::worker_loop()
{
  for (;;) {
    Job job;
    {
      std::unique_lock lock(m_mutex);
      m_work.wait(lock, [&] { return m_stopping || !m_ready.empty(); });
      if (m_stopping) {
        return;
      }
      job = std::move(m_ready.front());
      m_ready.pop_front();
    }
    execute(job);
  }
}

void
RunService::execute(const Job& job)
{
  // Whatever happens, the pool gets its resources back and the queue moves.
  struct Release
  {
    RunService& service;
    const Job& job;
    ~Release()
    {
      std::lock_guard lock(service.m_mutex);
      service.m_usage[job.pool].remove(job.request);
      if (!service.m_stopping) {
        service.dispatch();
      }
    }
  } release{ *this, job };

  std::string exec_id;
  int attempt = 1;
  std::optional<RuntimeSpec> spec;
  std::string spec_error;
  domain::Values inputs;
  {
    std::lock_guard lock(m_mutex);
    const auto it = m_active.find(job.run_id);
    if (it == m_active.end()) {
      return;
    }
    auto& active = *it->second;
    auto* step = active.stored.run.find(job.key);
    if (step == nullptr || step->state != StepState::scheduled) {
      return; // cancelled meanwhile
    }
    if (!domain::mark_running(active.stored.run, job.key, now_ms())) {
      return;
    }
    persist(active, { job.key }, {});
    attempt = step->attempt;
    exec_id = execution_id(job.run_id, job.key, attempt);
    inputs = step->inputs;
    if (auto s = active.specs.find(job.key.step); s != active.specs.end()) {
      spec = s->second;
      // A step without its own time limit gets its pool's.
      const auto* pool = m_settings.site.find(job.pool);
      if (spec->time_limit_seconds == 0 && pool != nullptr
          && pool->time_seconds) {
        spec->time_limit_seconds = *pool->time_seconds;
      }
    } else {
      spec_error = active.spec_errors[job.key.step];
    }
  }

  std::int64_t lines = 0;
  const auto on_log = [&](const LogLine& line) {
    ++lines;
    const RunLogRecord record{ line.timestamp_unix_ns, job.key.step,
                               job.key.branch,         attempt,
                               line.stream,            line.line };
    if (auto appended = m_ports.logs.append(job.run_id, { record });
        !appended) {
      log::warn("run {}: cannot store a log line: {}",
                job.run_id,
                appended.error().message);
    }
  };

  const auto input_dir = fs::path(m_settings.work_dir) / exec_id;
  const auto outcome = [&]() -> domain::StepOutcome {
    if (!spec) {
      return step_error("runtime_unavailable", spec_error);
    }
    // File and directory inputs get local copies.
    domain::Values local = inputs;
    for (auto& [name, value] : local) {
      const auto* ref = std::get_if<domain::FileRef>(&value);
      if (ref == nullptr) {
        continue;
      }
      std::error_code ec;
      const auto dir = input_dir / name;
      fs::create_directories(dir, ec);
      auto path = m_ports.files.materialize(*ref, dir.string());
      if (!path) {
        return step_error(
          "invalid_input",
          fmt::format("input \"{}\": {}", name, path.error().message));
      }
      value = domain::FileRef{ *path, ref->directory };
    }
    for (int retry = 0;; ++retry) {
      auto lease = m_ports.runtimes.acquire(*spec);
      if (!lease) {
        if (retry == 0 && lease.error().code == ErrorCode::unavailable) {
          log::warn("run {}: {}: {}: retrying once",
                    job.run_id,
                    domain::describe(job.key),
                    lease.error().message);
          continue;
        }
        return step_error("runtime_unavailable", lease.error().message);
      }
      {
        std::lock_guard lock(m_mutex);
        const auto it = m_active.find(job.run_id);
        if (it == m_active.end() || it->second->stored.run.state
                                      == domain::RunState::cancelled
            || m_stopping) {
          return step_error("cancelled", "the run was cancelled");
        }
        it->second->running[job.key] = { exec_id, lease->get() };
      }
      auto result = (*lease)->execute(exec_id, local, on_log);
      {
        std::lock_guard lock(m_mutex);
        if (auto it = m_active.find(job.run_id); it != m_active.end()) {
          it->second->running.erase(job.key);
        }
      }
      if (!result) {
        // The runtime died or cannot be reached: a fresh one gets the
        // execution once more.
        (*lease)->discard();
        if (retry == 0) {
          log::warn("run {}: {}: the runtime failed ({}): retrying once",
                    job.run_id,
                    domain::describe(job.key),
                    result.error().message);
          continue;
        }
        return step_error("runtime_crashed", result.error().message);
      }
      // File and directory outputs move into the filestore.
      const auto outputs_dir = (*lease)->outputs_dir(exec_id);
      const auto ingest = [&](domain::Values& values) -> Result<void> {
        for (auto& [name, value] : values) {
          const auto* ref = std::get_if<domain::FileRef>(&value);
          if (ref == nullptr) {
            continue;
          }
          if (!inside(ref->key, outputs_dir)) {
            return fail(ErrorCode::invalid_argument,
                        fmt::format("output \"{}\": \"{}\" is outside the "
                                    "execution's output directory",
                                    name,
                                    ref->key));
          }
          const auto file_name = fs::path(ref->key).filename().string();
          auto stored =
            ref->directory ? m_ports.files.put_directory(ref->key, file_name)
                           : m_ports.files.put_file(ref->key, file_name);
          if (!stored) {
            return fail(ErrorCode::invalid_argument,
                        fmt::format("output \"{}\": {}",
                                    name,
                                    stored.error().message));
          }
          value = std::move(*stored);
        }
        return {};
      };
      auto ended = std::move(*result);
      Result<void> ingested;
      if (auto* outputs = std::get_if<domain::Outputs>(&ended)) {
        ingested = ingest(*outputs);
      } else if (auto* fan_out = std::get_if<domain::FanOut>(&ended)) {
        for (auto& set : fan_out->sets) {
          if (ingested) {
            ingested = ingest(set);
          }
        }
      }
      std::error_code ec;
      fs::remove_all(outputs_dir, ec);
      if (!ingested) {
        return step_error("invalid_output", ingested.error().message);
      }
      return ended;
    }
  }();
  std::error_code ec;
  fs::remove_all(input_dir, ec);

  std::lock_guard lock(m_mutex);
  const auto it = m_active.find(job.run_id);
  if (it == m_active.end()) {
    return;
  }
  if (m_stopping) {
    return; // stays running in the database: it runs again at the next start
  }
  auto& active = *it->second;
  if (auto* step = active.stored.run.find(job.key)) {
    step->log_lines += lines;
  }
  apply(active, job.key, outcome);
  settle(job.run_id);
}

std::vector<PoolView>
RunService::pools()
{
  std::lock_guard lock(m_mutex);
  std::vector<PoolView> result;
  for (const auto& pool : m_settings.site.pools) {
    PoolView view;
    view.pool = pool;
    view.usage = m_usage[pool.name];
    result.push_back(std::move(view));
  }
  for (const auto& [rank, pending] : m_pending) {
    const auto found = m_active.find(pending.run_id);
    if (found == m_active.end()) {
      continue;
    }
    const auto plan = found->second->plans.find(pending.key.step);
    if (plan == found->second->plans.end() || plan->second.candidates.empty()) {
      continue;
    }
    for (auto& view : result) {
      if (view.pool.name == plan->second.candidates.front().pool->name) {
        ++view.queued;
      }
    }
  }
  return result;
}


void
RunService::housekeeping_loop()
{
  for (;;) {
    {
      std::unique_lock lock(m_housekeeping_mutex);
      if (m_housekeeping_wake.wait_for(lock,
                                       m_settings.housekeeping_interval,
                                       [&] { return m_housekeeping_stop; })) {
        return;
      }
    }
    if (auto removed = apply_retention(); !removed) {
      log::warn("retention: {}", removed.error().message);
    } else if (*removed > 0) {
      log::info("retention: removed {} run(s)", *removed);
    }
    m_ports.runtimes.reap_idle();
  }
}

Result<RunView>
RunService::start_run(const StartRunRequest& request)
{
  RYAX_TRY_ASSIGN(const auto deployment,
                  m_ports.workflows.deployment(request.workflow_id));
  if (!deployment) {
    auto message =
      fmt::format("workflow \"{}\" not found", request.workflow_id);
    RYAX_TRY_ASSIGN(const auto all, m_ports.workflows.list());
    std::vector<std::string_view> ids;
    for (const auto& workflow : all) {
      ids.push_back(workflow.id);
    }
    if (auto near = domain::closest_match(request.workflow_id, ids)) {
      message += fmt::format(" (did you mean \"{}\"?)", *near);
    }
    return fail(ErrorCode::not_found, message);
  }
  if (deployment->state != DeploymentState::deployed) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("workflow \"{}\" is not deployed ({}): run \"ryax "
                            "workflow deploy {}\" first",
                            request.workflow_id,
                            to_string(deployment->state),
                            request.workflow_id));
  }
  if (m_settings.max_unfinished_runs > 0) {
    std::lock_guard lock(m_mutex);
    if (static_cast<int>(m_active.size()) >= m_settings.max_unfinished_runs) {
      return fail(ErrorCode::unavailable,
                  fmt::format("{} runs are unfinished, the most this daemon "
                              "accepts (max_unfinished_runs in ryaxd.yaml): "
                              "try again when some have ended",
                              m_active.size()));
    }
  }
  const int version = deployment->deployed_version;
  RYAX_TRY_ASSIGN(const auto workflow,
                  definition(request.workflow_id, version));
  if (workflow->trigger.from != "manual") {
    return fail(ErrorCode::failed_precondition,
                fmt::format("workflow \"{}\" starts from trigger \"{}\": only "
                            "workflows triggered by \"manual\" start with "
                            "\"ryax run\"",
                            request.workflow_id,
                            workflow->trigger.from));
  }

  // The trigger's values, typed by its declared outputs.
  const auto& specs = workflow->trigger.outputs;
  std::vector<std::string_view> names;
  for (const auto& spec : specs) {
    names.push_back(spec.name);
  }
  const auto find_spec =
    [&](const std::string& name) -> Result<const domain::IoSpec*> {
    for (const auto& spec : specs) {
      if (spec.name == name) {
        return &spec;
      }
    }
    auto message = fmt::format(
      "workflow \"{}\" has no input \"{}\"", request.workflow_id, name);
    if (auto near = domain::closest_match(name, names)) {
      message += fmt::format(" (did you mean \"{}\"?)", *near);
    } else if (names.empty()) {
      message += ": its trigger declares no output";
    } else {
      message += fmt::format(": its inputs are {}", fmt::join(names, ", "));
    }
    return fail(ErrorCode::invalid_argument, message);
  };
  domain::Outputs values;
  for (const auto& [name, text] : request.values) {
    RYAX_TRY_ASSIGN(const auto* spec, find_spec(name));
    RYAX_TRY_ASSIGN(values[name], domain::parse_value_text(*spec, text));
  }
  for (const auto& upload : request.files) {
    RYAX_TRY_ASSIGN(const auto* spec, find_spec(upload.name));
    const bool want_directory = spec->type == domain::IoType::directory;
    if (spec->type != domain::IoType::file && !want_directory) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\" is a {}: give it with --input "
                              "{}=VALUE",
                              upload.name,
                              domain::to_string(spec->type),
                              upload.name));
    }
    if (want_directory != upload.directory) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\" is a {}, not a {}",
                              upload.name,
                              domain::to_string(spec->type),
                              upload.directory ? "directory" : "file"));
    }
    RYAX_TRY_ASSIGN(
      values[upload.name],
      upload.directory
        ? m_ports.files.put_directory(upload.path, upload.file_name)
        : m_ports.files.put_file(upload.path, upload.file_name));
  }

  // The action version of every step, fixed for the whole run.
  StoredRun stored;
  for (const auto& action : workflow->actions) {
    std::optional<domain::ActionVersion> found;
    if (!action.version.empty()) {
      RYAX_TRY_ASSIGN(found, m_ports.catalogue.find(action.from, action.version));
    } else {
      RYAX_TRY_ASSIGN(found, m_ports.catalogue.latest(action.from));
      if (found && found->build_state != domain::BuildState::built) {
        ActionFilter every;
        every.all_versions = true;
        RYAX_TRY_ASSIGN(const auto versions, m_ports.catalogue.list(every));
        for (const auto& candidate : versions) { // newest first
          if (candidate.id() == action.from
              && candidate.build_state == domain::BuildState::built) {
            found = candidate;
            break;
          }
        }
      }
    }
    if (!found || found->build_state != domain::BuildState::built) {
      return fail(ErrorCode::failed_precondition,
                  fmt::format("step \"{}\": action \"{}\"{} is not built: run "
                              "\"ryax action build {}\"",
                              action.id,
                              action.from,
                              action.version.empty() ? "" : ":" + action.version,
                              action.from));
    }
    stored.actions[action.id] = found->id() + ":" + found->version();
  }
  stored.priority = request.priority;

  RYAX_TRY_ASSIGN(stored.run,
                  domain::start(new_run_id(),
                                *workflow,
                                version,
                                std::move(values),
                                now_ms()));
  RYAX_TRY(m_ports.runs.create(stored));
  const auto id = stored.run.id;
  RYAX_TRY(activate(std::move(stored), false));
  log::info("run {} of workflow {} version {} started",
            id,
            request.workflow_id,
            version);
  return get(id);
}

RunView
RunService::view_of(const StoredRun& stored,
                    const domain::WorkflowDefinition* workflow,
                    std::uint64_t generation,
                    const Active* active)
{
  RunView view;
  view.stored = stored;
  view.generation = generation;
  auto& run = view.stored.run;
  if (workflow != nullptr) {
    redact(run.trigger_values, workflow->trigger.outputs);
  }
  // The metadata of each action version, looked up once per version.
  std::map<std::string, std::optional<domain::ActionMetadata>> metadata;
  const auto metadata_of =
    [&](const std::string& step) -> const domain::ActionMetadata* {
    const auto a = stored.actions.find(step);
    if (a == stored.actions.end()) {
      return nullptr;
    }
    auto it = metadata.find(a->second);
    if (it == metadata.end()) {
      std::optional<domain::ActionMetadata> meta;
      if (active != nullptr) {
        if (auto s = active->specs.find(step); s != active->specs.end()) {
          meta = s->second.action.metadata;
        }
      }
      if (!meta) {
        if (auto ref = domain::parse_action_ref(a->second)) {
          if (auto version = m_ports.catalogue.find(ref->id, ref->version);
              version && *version) {
            meta = (*version)->metadata;
          }
        }
      }
      it = metadata.emplace(a->second, std::move(meta)).first;
    }
    return it->second ? &*it->second : nullptr;
  };
  for (auto& [key, step] : run.steps) {
    if (workflow != nullptr && key.step == workflow->trigger.id) {
      for (auto& set : step.output_sets) {
        redact(set, workflow->trigger.outputs);
      }
      continue;
    }
    if (const auto* found = metadata_of(key.step)) {
      redact(step.inputs, found->inputs);
      for (auto& set : step.output_sets) {
        redact(set, found->outputs);
      }
    }
  }
  if (workflow != nullptr) {
    view.results = domain::results(run, *workflow);
    view.trigger_step = workflow->trigger.id;
    for (const auto& action : workflow->actions) {
      view.step_order.push_back(action.id);
    }
  }
  return view;
}

Result<RunView>
RunService::get(const std::string& id)
{
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_active.find(id); it != m_active.end()) {
      return view_of(it->second->stored,
                     it->second->workflow.get(),
                     it->second->generation,
                     it->second.get());
    }
  }
  RYAX_TRY_ASSIGN(const auto stored, m_ports.runs.load(id));
  if (!stored) {
    return fail(ErrorCode::not_found, fmt::format("run \"{}\" not found", id));
  }
  auto workflow =
    definition(stored->run.workflow_id, stored->run.workflow_version);
  return view_of(*stored,
                 workflow ? workflow->get() : nullptr,
                 std::numeric_limits<std::uint64_t>::max(),
                 nullptr);
}

Result<RunView>
RunService::wait_change(const std::string& id,
                        std::uint64_t seen,
                        std::chrono::steady_clock::time_point deadline)
{
  {
    std::unique_lock lock(m_mutex);
    for (;;) {
      const auto it = m_active.find(id);
      if (it == m_active.end() || it->second->generation != seen
          || m_stopping) {
        break;
      }
      if (m_changed.wait_until(lock, deadline) == std::cv_status::timeout) {
        break;
      }
    }
  }
  return get(id);
}

Result<RunView>
RunService::wait_final(const std::string& id,
                       std::chrono::steady_clock::time_point deadline)
{
  {
    std::unique_lock lock(m_mutex);
    for (;;) {
      const auto it = m_active.find(id);
      if (it == m_active.end()
          || domain::is_final(it->second->stored.run.state) || m_stopping) {
        break;
      }
      if (m_changed.wait_until(lock, deadline) == std::cv_status::timeout) {
        break;
      }
    }
  }
  return get(id);
}

Result<std::vector<RunSummary>>
RunService::list(const RunFilter& filter)
{
  return m_ports.runs.list(filter);
}

Result<RunView>
RunService::cancel(const std::string& id)
{
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_active.find(id); it != m_active.end()) {
      auto& active = *it->second;
      const auto before = snapshot(active.stored.run);
      auto running = domain::cancel(active.stored.run, now_ms());
      if (!running) {
        return std::unexpected(running.error());
      }
      std::vector<StepKey> changed;
      std::vector<StepKey> removed;
      diff(before, active.stored.run, changed, removed);
      persist(active, changed, removed);
      for (const auto& [key, execution] : active.running) {
        (void)execution.second->cancel(execution.first);
      }
      // Executions still queued find their step cancelled and drop out.
      dispatch();
      settle(id);
    } else {
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
  }
  log::info("run {} cancelled", id);
  return get(id);
}

Result<int>
RunService::remove(const std::string& id)
{
  {
    std::lock_guard lock(m_mutex);
    if (m_active.contains(id)) {
      return fail(ErrorCode::failed_precondition,
                  fmt::format("run \"{}\" is still going: cancel it first "
                              "(ryax runs cancel {})",
                              id,
                              id));
    }
  }
  RYAX_TRY_ASSIGN(const auto stored, m_ports.runs.load(id));
  if (!stored) {
    return fail(ErrorCode::not_found, fmt::format("run \"{}\" not found", id));
  }
  if (!domain::is_final(stored->run.state)) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("run \"{}\" is {}: cancel it first",
                            id,
                            domain::to_string(stored->run.state)));
  }
  RYAX_TRY_ASSIGN(const auto unused, m_ports.runs.remove(id));
  for (const auto& key : unused) {
    m_ports.files.remove(key);
  }
  m_ports.logs.remove(id);
  return static_cast<int>(unused.size());
}

Result<std::pair<std::vector<RunLogRecord>, std::uint64_t>>
RunService::read_log(const std::string& id, std::uint64_t offset)
{
  return m_ports.logs.read(id, offset);
}

Result<std::pair<std::string, domain::FileRef>>
RunService::file_of(const std::string& id, const std::string& key)
{
  RYAX_TRY_ASSIGN(const auto view, get(id));
  const auto& run = view.stored.run;
  std::optional<domain::FileRef> found;
  const auto look = [&](const domain::Values& values) {
    for (const auto& [name, value] : values) {
      if (const auto* ref = std::get_if<domain::FileRef>(&value);
          ref != nullptr && ref->key == key) {
        found = *ref;
      }
    }
  };
  look(run.trigger_values);
  for (const auto& [step_key, step] : run.steps) {
    look(step.inputs);
    for (const auto& set : step.output_sets) {
      look(set);
    }
  }
  if (!found) {
    return fail(ErrorCode::not_found,
                fmt::format("run \"{}\" has no file \"{}\"", id, key));
  }
  RYAX_TRY_ASSIGN(auto path, m_ports.files.blob_path(*found));
  return std::pair{ std::move(path), *found };
}

Result<int>
RunService::apply_retention()
{
  if (m_settings.retention.max_age_ms == 0
      && m_settings.retention.max_runs_per_workflow == 0) {
    return 0;
  }
  RYAX_TRY_ASSIGN(const auto ids,
                  m_ports.runs.expired(m_settings.retention, now_ms()));
  int removed = 0;
  for (const auto& id : ids) {
    if (auto done = remove(id); done) {
      ++removed;
    } else {
      log::warn("retention: run {}: {}", id, done.error().message);
    }
  }
  return removed;
}

} // namespace ryax::app
