#pragma once

// Fakes of the ports the runner needs besides storage (see
// in_memory_run_store.hpp): a clock, ids, warm runtimes, staging, and the
// workflow store, format and catalogue. No process, no disk.

#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/run_staging.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/secret_box.hpp"
#include "core/application/ports/site_runtimes.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/domain/run_progress.hpp"
#include "tests/support/in_memory_run_store.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ryax::test {

// A clock that moves only when told.
class ManualClock final : public app::Clock
{
public:
  std::int64_t now_unix() override { return m_ms.load() / 1000; }
  std::int64_t now_unix_ms() override { return m_ms.load(); }
  void advance_ms(std::int64_t ms) { m_ms += ms; }

private:
  std::atomic<std::int64_t> m_ms{ 1'700'000'000'000 };
};

// run-000000000001, run-000000000002...
class SequentialIds final : public app::IdGenerator
{
public:
  std::string new_run_id() override;

private:
  std::atomic<int> m_next{ 0 };
};

// What a fake execution sees and returns.
struct FakeExecution
{
  std::string execution_id;
  std::string step; // RuntimeSpec::step_id of the lease
  domain::Values inputs;
};

// A RuntimePool whose executions run `behaviour` on the calling thread.
// Executions can be held until released (to test cancel and ordering), and
// acquire/execute can be made to fail.
class FakeRuntimePool final : public app::RuntimePool
{
public:
  using Behaviour = std::function<Result<domain::StepOutcome>(
    const FakeExecution&, const app::LogCallback&)>;

  // What a source does in run_source (the default ends at once).
  using SourceBehaviour =
    std::function<Result<std::optional<app::ExecutionError>>(
      const FakeExecution&,
      const app::CreatedRunCallback&,
      const app::LogCallback&)>;

  // By default a step returns {"out": <its first integer input + 1>}.
  FakeRuntimePool();

  void set_behaviour(Behaviour behaviour);
  void set_source_behaviour(SourceBehaviour behaviour);

  // For source behaviours: block until cancel(execution_id) or `timeout`;
  // whether it was cancelled.
  bool wait_cancelled(const std::string& execution_id,
                      std::chrono::milliseconds timeout);

  // The specs given to acquire(), in order.
  std::vector<app::RuntimeSpec> acquired();

  // Executions of `step` wait in execute() until release(step) (or
  // cancel).
  void hold(const std::string& step);
  void release(const std::string& step);
  // Block until `count` executions of `step` are waiting (true), or 10 s.
  bool wait_held(const std::string& step, int count);

  // The next `count` acquire() fail with unavailable.
  void fail_acquires(int count);

  // Execution ids in the order they started, and cancel() calls.
  std::vector<std::string> started();
  std::vector<std::string> cancelled();
  // The most executions seen at once.
  int max_concurrent();

  Result<std::unique_ptr<app::RuntimeLease>> acquire(
    const app::RuntimeSpec& spec) override;
  Result<void> warm(const app::RuntimeSpec& spec) override;
  void reap_idle() override {}
  std::vector<app::ReplicaView> replicas() override { return {}; }
  void drain(const std::string&, const std::string&) override {}
  void shutdown() override {}

  // For the leases.
  Result<domain::StepOutcome> run(const FakeExecution& execution,
                                  const app::LogCallback& on_log);
  Result<std::optional<app::ExecutionError>> run_source(
    const FakeExecution& execution,
    const app::CreatedRunCallback& on_run,
    const app::LogCallback& on_log);
  void cancel(const std::string& execution_id);

private:
  std::mutex m_mutex;
  std::condition_variable m_changed;
  Behaviour m_behaviour;
  SourceBehaviour m_source_behaviour;
  std::vector<app::RuntimeSpec> m_acquired;
  std::set<std::string> m_held_steps;
  std::map<std::string, int> m_waiting; // step -> executions held
  std::set<std::string> m_cancel;       // execution ids told to stop
  std::vector<std::string> m_started;
  std::vector<std::string> m_cancelled;
  int m_failing_acquires = 0;
  int m_running = 0;
  int m_max_running = 0;
};

// SiteRuntimes from a table of runtime pools by site name (set() adds,
// replaces or, with null, removes one).
class FakeSiteRuntimes final : public app::SiteRuntimes
{
public:
  void set(const std::string& site, app::RuntimePool* pool)
  {
    std::lock_guard lock(m_mutex);
    if (pool == nullptr) {
      m_pools.erase(site);
    } else {
      m_pools[site] = pool;
    }
  }

  app::RuntimePool* pool(const std::string& site) override
  {
    std::lock_guard lock(m_mutex);
    const auto it = m_pools.find(site);
    return it == m_pools.end() ? nullptr : it->second;
  }

private:
  std::mutex m_mutex;
  std::map<std::string, app::RuntimePool*> m_pools;
};

// RunStaging without disk: uploads and static files become in-memory
// objects; inputs are passed through; an output path must start with the
// outputs dir and stores "content of <path>".
class FakeRunStaging final : public app::RunStaging
{
public:
  explicit FakeRunStaging(InMemoryRunFileStore& files) : m_files(files) {}

  Result<domain::FileRef> put_upload(const app::Upload& upload) override;
  Result<domain::FileRef> put_static(
    const std::vector<app::StoredWorkflowFile>& files,
    const std::string& path) override;
  Result<domain::Values> stage_inputs(const std::string& execution_id,
                                      const domain::Values& inputs,
                                      const std::string& dir) override;
  void discard(const std::string&, const std::string&) override {}
  Result<domain::Values> ingest_outputs(const std::string& outputs_dir,
                                        domain::Values outputs) override;
  void remove_outputs(const std::string&) override {}

private:
  InMemoryRunFileStore& m_files;
};

// A SecretBox that hides nothing: "sealed:" and the text reversed, so that
// tests see what a sealed value stands for, and that it is not the text.
class FakeSecretBox final : public app::SecretBox
{
public:
  Result<std::string> seal(std::string_view plaintext) override
  {
    return "sealed:" + std::string(plaintext.rbegin(), plaintext.rend());
  }
  Result<std::string> open(std::string_view sealed) override
  {
    if (!is_sealed(sealed)) {
      return fail(ErrorCode::invalid_argument, "not a sealed value");
    }
    const auto body = sealed.substr(7);
    return std::string(body.rbegin(), body.rend());
  }
  bool is_sealed(std::string_view text) const override
  {
    return text.starts_with("sealed:");
  }
};

// WorkflowStore in memory.
class InMemoryWorkflowStore final : public app::WorkflowStore
{
public:
  Result<std::optional<app::StoredWorkflow>> find(const std::string& project,
                                                  const std::string& id,
                                                  int version) override;
  Result<void> add_version(const app::StoredWorkflow& workflow) override;
  Result<std::optional<app::WorkflowDeployment>> deployment(
    const std::string& project,
    const std::string& id) override;
  Result<std::vector<app::WorkflowDeployment>> list(
    const std::string& project) override;
  Result<void> set_deployment(const app::WorkflowDeployment& deployment) override;
  Result<std::vector<app::WorkflowDeployment>> deployed() override;
  Result<void> set_trigger_state(const std::string& project,
                                 const std::string& id,
                                 const app::TriggerState& state) override;
  Result<void> add_error(const std::string&,
                         const std::string&,
                         const app::DeploymentError&) override
  {
    return {};
  }
  Result<std::vector<app::DeploymentError>> errors(const std::string&,
                                                   const std::string&) override
  {
    return std::vector<app::DeploymentError>{};
  }
  Result<void> remove(const std::string& project,
                      const std::string& id) override;
  std::uint64_t generation() const override { return m_generation.load(); }

private:
  using Key = std::pair<std::string, std::string>; // project, id
  std::mutex m_mutex;
  std::map<Key, std::vector<app::StoredWorkflow>> m_versions;
  std::map<Key, app::WorkflowDeployment> m_deployments;
  std::atomic<std::uint64_t> m_generation{ 0 };
};

// A WorkflowFormat that knows the definitions it was given: the "text" of
// a definition is its id and a version tag.
class FakeWorkflowFormat final : public app::WorkflowFormat
{
public:
  // The text standing for `workflow`.
  std::string add(const domain::WorkflowDefinition& workflow);

  domain::ParsedWorkflow parse(std::string_view text,
                               const std::string& display_path) override;
  std::string write(const domain::WorkflowDefinition& workflow) override;

private:
  std::mutex m_mutex;
  std::map<std::string, domain::WorkflowDefinition, std::less<>> m_texts;
};

// ActionCatalogue in memory.
class InMemoryActionCatalogue final : public app::ActionCatalogue
{
public:
  // Add a built python processor `id`:`version` with inputs and outputs.
  void add_built(const std::string& id,
                 const std::string& version,
                 std::vector<domain::IoSpec> inputs,
                 std::vector<domain::IoSpec> outputs,
                 const std::string& project = "default");

  // Add `version` as it is (its sequence set to the next one).
  void add(domain::ActionVersion version);

  // The version `id`:`version` of `project`; the test fails when there is
  // none.
  domain::ActionVersion get(const std::string& id,
                            const std::string& version,
                            const std::string& project = "default");

  Result<std::optional<domain::ActionVersion>> find(
    const std::string& project,
    const std::string& id,
    const std::string& version) override;
  Result<std::optional<domain::ActionVersion>> latest(
    const std::string& project,
    const std::string& id) override;
  Result<std::vector<domain::ActionVersion>> list(
    const app::ActionFilter& filter) override;
  Result<std::vector<domain::ActionVersion>> of_repository(
    const std::string&,
    const std::string&) override
  {
    return std::vector<domain::ActionVersion>{};
  }
  Result<int> remove(const std::string& project,
                     const std::string& id,
                     const std::string& version) override;
  Result<void> set_build(const domain::ActionVersion& version) override;
  Result<void> commit_scan(const app::ScanCommit&) override { return {}; }
  std::uint64_t generation() const override { return m_generation.load(); }

private:
  std::mutex m_mutex;
  std::vector<domain::ActionVersion> m_versions; // oldest first
  std::atomic<std::uint64_t> m_generation{ 0 };
};

} // namespace ryax::test
