#pragma once

#include "core/application/ports/clock.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/run_definitions.hpp"
#include "core/application/run_journal.hpp"
#include "core/application/scheduler.hpp"
#include "core/domain/run_progress.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ryax::app {

// A running execution, for cancelling it from another thread: the worker
// attaches its runtime lease while the execution runs.
class RunningExecution
{
public:
  explicit RunningExecution(std::string execution_id)
    : m_execution_id(std::move(execution_id))
  {
  }

  // The execution's id ("run.step.branch.attempt").
  const std::string& execution_id() const { return m_execution_id; }

  // Tell the runtime to end the execution, now or as soon as it is
  // attached.
  void cancel();

  // Attach `lease` while the execution runs; false (and nothing attached)
  // when it was cancelled already.
  bool attach(RuntimeLease* lease);

  // Detach the lease before it is given back; whether it was cancelled.
  bool detach();

  // Mark it ended (its result or loss recorded, its resources given
  // back); false when it was already: what ends it a second time is
  // ignored.
  bool end();

  // What its runtime says of it now (RuntimeLease::status), or "".
  std::string status();

private:
  std::mutex m_mutex;
  std::string m_execution_id;
  RuntimeLease* m_lease = nullptr;
  bool m_cancelled = false;
  bool m_ended = false;
};

// One placed step execution, for a worker.
struct StepJob
{
  std::uint64_t run = 0; // the engine's handle of the run
  std::string run_id;
  domain::StepKey key;
  int attempt = 1;
  std::string site; // where it was placed: the site's name
  std::string pool; // and the pool's
  std::shared_ptr<const RunDefinition> definition; // keeps `plan` alive
  const StepPlan* plan = nullptr;
  domain::NodePool node_pool; // as it was when placed
  domain::Values inputs;
  std::shared_ptr<RunningExecution> running;
  // Milliseconds since the UNIX epoch: it entered the scheduler queue, was
  // placed, was begun (0 until then). For accounting.
  std::int64_t queued_ms = 0;
  std::int64_t placed_ms = 0;
  std::int64_t started_ms = 0;
};

// A run as stored, with what shows it.
struct RunSnapshot
{
  StoredRun stored;
  std::shared_ptr<const RunDefinition> definition;
  std::uint64_t generation = 0;  // bumped at every change
  std::uint64_t last_change = 0; // the journal number of its newest change
  // What the runtimes say of its running executions (non-empty only).
  std::map<domain::StepKey, std::string> statuses;
};

// How the engine behaves.
struct EngineSettings
{
  // Runs accepted and not finished, at most; 0 for no limit.
  int max_unfinished_runs = 0;
  // Step executions of one run, at most; 0 for no limit: a fan-out that
  // would make more fails its step (invalid_output) instead.
  std::int64_t max_run_executions = 0;
};

// The runs in progress and the rules that move them: admission, the
// scheduler queue, placement, step results, cancel, recovery and what must
// be written (as the JournalSource of a RunJournal).
//
// Threading: one mutex guards every run in memory, the scheduler and the
// job queue. Nothing under it blocks: no storage, no runtime call, no
// catalogue read. Writes are collected under it and made by the journal
// outside it; a step that became ready is queued only once the change that
// made it ready is durable, so nothing downstream of a result starts
// before the result is stored. Workers take jobs with take_job(), run them
// without the lock and report with finish().
class RunEngine final : public JournalSource
{
public:
  // Places on `local`, the daemon's own site, and on the sites added later.
  RunEngine(Clock& clock, domain::Site local, EngineSettings settings);
  ~RunEngine() override;
  RunEngine(const RunEngine&) = delete;
  RunEngine& operator=(const RunEngine&) = delete;

  // The journal that writes for this engine (set once, before use).
  void set_journal(RunJournal& journal) { m_journal = &journal; }

  // Accept new run `run` of `definition` (built by domain::start), with
  // its trigger values, the project variables its steps read (kept with
  // it, in memory and in storage) and creation write; returns the journal
  // number to sync before telling anyone it exists. unavailable when
  // max_unfinished_runs runs are going.
  Result<std::uint64_t> admit(domain::Run run,
                              std::shared_ptr<const RunDefinition> definition,
                              int priority,
                              domain::Values variables = {});

  // Whether the creation of run `id` is durable: ok, the error that lost
  // it, or not_found.
  Result<void> creation_outcome(const std::string& id);

  // Take back a run loaded from storage after a restart: recovered (see
  // domain::recover) and queued again, or ended in error when its
  // definition is gone (the error of `definition`). The journal number to
  // sync.
  std::uint64_t resume(StoredRun stored,
                       Result<std::shared_ptr<const RunDefinition>> definition);

  // Block until a job is ready (true) or the engine stops (false).
  bool take_job(StepJob& job);

  // Mark `job` running; false when it must not run (cancelled, gone or
  // stopping): its resources are then given back.
  bool begin(StepJob& job);

  // Record how `job` ended (with `log_lines` new lines of output); the
  // journal number to sync. Give the job's pool resources back and place
  // what can run now. A result for an execution given up already (its
  // step is on another attempt, or not running) is ignored.
  std::uint64_t finish(const StepJob& job,
                       domain::StepOutcome outcome,
                       std::int64_t log_lines);

  // `job` was lost with its site (RuntimeLease::site_lost) or its runtime
  // (the ryax-wrapper died), for the reason `why`, after `log_lines` lines
  // of output: not a result. Its step goes back to waiting with attempt + 1
  // and `why` as its retried_because, and is queued again once that is
  // durable (as domain::recover does at a restart: at-least-once), to run
  // where its constraints allow, or wait for its site; in a run that failed
  // or was cancelled meanwhile it is cancelled. Its k_max_lost_attempts-th
  // lost attempt fails the step with `why` instead. The journal number to
  // sync.
  std::uint64_t interrupted(const StepJob& job,
                            std::int64_t log_lines,
                            const domain::StepError& why);

  // How many attempts of a step may be lost (interrupted()) before it fails.
  static constexpr int k_max_lost_attempts = 3;

  // Add `site` (a worker joined: healthy) or replace the site of its name
  // (its pools changed), and place what can run now.
  void upsert_site(domain::Site site);

  // Whether site `name` gets new placements (a worker went silent or came
  // back); place what can run now. Steps whose only candidates are on
  // unhealthy sites wait. Unknown names are ignored.
  void set_site_healthy(const std::string& name, bool healthy);

  // Forget site `name`: queued steps that only it could run are refused
  // (they end in error). The daemon's own site and unknown names are
  // ignored.
  void remove_site(const std::string& name);

  // The sites, the daemon's own first.
  std::vector<domain::Site> fleet();

  // Cancel run `id`: its running executions are told to stop (outside the
  // lock). The journal number to sync. not_found when it is not going;
  // failed_precondition when it is final.
  Result<std::uint64_t> cancel(const std::string& id);

  // Run `id` as it is now, if it is going.
  std::optional<RunSnapshot> snapshot(const std::string& id);

  // Block until run `id` changed past `generation`, is final, left memory,
  // or `deadline` passed.
  void wait_change(const std::string& id,
                   std::uint64_t generation,
                   bool final_only,
                   std::chrono::steady_clock::time_point deadline);

  // The runs of workflow `workflow_id` of `project` accepted and not
  // final.
  int unfinished_runs(const std::string& project,
                      const std::string& workflow_id);

  // Whether run `id` is in memory (going, or final and not yet written).
  bool contains(const std::string& id);

  // Every site with its health, its pools, their use and queue, the
  // daemon's own first.
  std::vector<SiteView> sites();

  // The executions not ended of the runs in memory, by project and state
  // ("waiting", "running"...); a run not started yet counts as one waiting
  // execution (its first).
  std::map<std::pair<std::string, std::string>, int> executions_by_state();

  // Call once in each worker thread: a worker takes the jobs it places
  // itself, so it wakes one worker fewer.
  static void mark_worker_thread();

  // Stop: running executions are told to stop and stay recorded as
  // running (they run again at the next start); take_job returns false.
  void stop();

  // JournalSource.
  std::uint64_t collect(std::vector<RunWrite>& writes) override;
  void committed(std::uint64_t sequence) override;
  void failed(std::vector<RunWrite>& writes, const Error& error) override;
  bool busy() const override { return m_in_flight.load() > 0; }

  // A run in memory (defined in run_engine_state.hpp; internal).
  struct ActiveRun;

private:
  struct Gated
  {
    std::uint64_t sequence = 0;
    std::uint64_t run = 0;
    domain::StepKey key;
  };

  ActiveRun* find(std::string_view id);
  ActiveRun* find(std::uint64_t handle);
  domain::Run& materialize(ActiveRun& active);
  // Note changes of `active` for the journal (lock held).
  void touch(ActiveRun& active,
             const std::vector<domain::StepKey>& changed,
             const std::vector<domain::StepKey>& removed);
  void gate(ActiveRun& active, const std::vector<domain::StepKey>& ready);
  // Tell metrics and events when the state of `active` changed (lock held:
  // both are cheap and never block).
  void observe(ActiveRun& active);
  // Tell metrics and events that `active` was accepted.
  void announce(ActiveRun& active);
  // Tell metrics how the execution of `key` in `active` ended.
  void observe_step(ActiveRun& active,
                    const domain::StepKey& key,
                    std::string_view state);
  void apply(ActiveRun& active,
             const domain::StepKey& key,
             domain::StepOutcome outcome);
  // A fan-out `outcome` that would pass max_run_executions becomes its
  // step's error.
  void refuse_oversized_fan_out(const domain::Run& run,
                                const domain::CompiledWorkflow& workflow,
                                const domain::StepKey& key,
                                domain::StepOutcome& outcome) const;
  void dispatch();
  void place(const Scheduler::Decision& decision);
  void settle(ActiveRun& active);
  void erase(ActiveRun& active);
  bool wanted(const QueuedStep& step);
  // Forget job `key` of `active` and give its pool resources back; false
  // (and nothing done) when it was ended already.
  bool end_job(ActiveRun* active, const StepJob& job);
  std::int64_t now_ms() { return m_clock.now_unix_ms(); }

  Clock& m_clock;
  EngineSettings m_settings;
  RunJournal* m_journal = nullptr;

  std::mutex m_mutex; // everything below
  std::condition_variable m_work;    // a job is ready, or stopping
  std::condition_variable m_changed; // a commit landed
  std::map<std::string, std::unique_ptr<ActiveRun>, std::less<>> m_runs;
  std::unordered_map<std::uint64_t, ActiveRun*> m_handles;
  std::uint64_t m_next_handle = 0;
  Scheduler m_scheduler;
  std::deque<Gated> m_gated;        // ready steps waiting for durability
  std::vector<std::uint64_t> m_dirty; // runs with changes to write
  std::uint64_t m_sequence = 0;     // the newest change
  std::uint64_t m_durable = 0;      // the newest durable change
  std::deque<StepJob> m_jobs;       // placed, for workers
  std::map<std::string, Error, std::less<>> m_lost; // creations that failed
  std::vector<RunWrite> m_orphans; // runs ended without a definition
  std::vector<std::uint64_t> m_settling; // final runs in the last collect
  bool m_stopping = false;
  // Placed executions not finished yet (read without the lock by busy()).
  std::atomic<int> m_in_flight{ 0 };
};

} // namespace ryax::app
