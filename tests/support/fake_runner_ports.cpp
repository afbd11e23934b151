#include "tests/support/fake_runner_ports.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace ryax::test {

std::string
SequentialIds::new_run_id()
{
  return fmt::format("run-{:012d}", ++m_next);
}

namespace {

class FakeLease final : public app::RuntimeLease
{
public:
  FakeLease(FakeRuntimePool& pool, std::string step)
    : m_pool(pool)
    , m_step(std::move(step))
  {
  }

  Result<domain::StepOutcome> execute(const std::string& execution_id,
                                      const domain::Values& inputs,
                                      const app::LogCallback& on_log) override
  {
    return m_pool.run(FakeExecution{ execution_id, m_step, inputs }, on_log);
  }

  Result<std::optional<app::ExecutionError>> run_source(
    const std::string& execution_id,
    const domain::Values& inputs,
    const app::CreatedRunCallback& on_run,
    const app::LogCallback& on_log) override
  {
    return m_pool.run_source(
      FakeExecution{ execution_id, m_step, inputs }, on_run, on_log);
  }

  Result<void> cancel(const std::string& execution_id) override
  {
    m_pool.cancel(execution_id);
    return {};
  }

  std::string outputs_dir(const std::string& execution_id) override
  {
    return "/fake-outputs/" + execution_id;
  }

  void discard() override {}

private:
  FakeRuntimePool& m_pool;
  std::string m_step;
};

} // namespace

FakeRuntimePool::FakeRuntimePool()
{
  m_behaviour = [](const FakeExecution& execution,
                   const app::LogCallback&) -> Result<domain::StepOutcome> {
    std::int64_t first = 0;
    for (const auto& [name, value] : execution.inputs) {
      if (const auto* number = std::get_if<std::int64_t>(&value)) {
        first = *number;
        break;
      }
    }
    return domain::StepOutcome(domain::Outputs{ { "out", first + 1 } });
  };
}

void
FakeRuntimePool::set_behaviour(Behaviour behaviour)
{
  std::lock_guard lock(m_mutex);
  m_behaviour = std::move(behaviour);
}

void
FakeRuntimePool::set_source_behaviour(SourceBehaviour behaviour)
{
  std::lock_guard lock(m_mutex);
  m_source_behaviour = std::move(behaviour);
}

bool
FakeRuntimePool::wait_cancelled(const std::string& execution_id,
                                std::chrono::milliseconds timeout)
{
  std::unique_lock lock(m_mutex);
  return m_changed.wait_for(
    lock, timeout, [&] { return m_cancel.contains(execution_id); });
}

std::vector<app::RuntimeSpec>
FakeRuntimePool::acquired()
{
  std::lock_guard lock(m_mutex);
  return m_acquired;
}

Result<std::optional<app::ExecutionError>>
FakeRuntimePool::run_source(const FakeExecution& execution,
                            const app::CreatedRunCallback& on_run,
                            const app::LogCallback& on_log)
{
  SourceBehaviour behaviour;
  {
    std::lock_guard lock(m_mutex);
    m_started.push_back(execution.execution_id);
    // A later service may use the same id again (ids are per service).
    m_cancel.erase(execution.execution_id);
    behaviour = m_source_behaviour;
  }
  if (!behaviour) {
    return std::optional<app::ExecutionError>{};
  }
  return behaviour(execution, on_run, on_log);
}

void
FakeRuntimePool::hold(const std::string& step)
{
  std::lock_guard lock(m_mutex);
  m_held_steps.insert(step);
}

void
FakeRuntimePool::release(const std::string& step)
{
  {
    std::lock_guard lock(m_mutex);
    m_held_steps.erase(step);
  }
  m_changed.notify_all();
}

bool
FakeRuntimePool::wait_held(const std::string& step, int count)
{
  std::unique_lock lock(m_mutex);
  return m_changed.wait_for(lock, std::chrono::seconds(10), [&] {
    return m_waiting[step] >= count;
  });
}

void
FakeRuntimePool::fail_acquires(int count)
{
  std::lock_guard lock(m_mutex);
  m_failing_acquires = count;
}

std::vector<std::string>
FakeRuntimePool::started()
{
  std::lock_guard lock(m_mutex);
  return m_started;
}

std::vector<std::string>
FakeRuntimePool::cancelled()
{
  std::lock_guard lock(m_mutex);
  return m_cancelled;
}

int
FakeRuntimePool::max_concurrent()
{
  std::lock_guard lock(m_mutex);
  return m_max_running;
}

Result<std::unique_ptr<app::RuntimeLease>>
FakeRuntimePool::acquire(const app::RuntimeSpec& spec)
{
  std::lock_guard lock(m_mutex);
  if (m_failing_acquires > 0) {
    --m_failing_acquires;
    return fail(ErrorCode::unavailable, "the replica did not start");
  }
  m_acquired.push_back(spec);
  return std::unique_ptr<app::RuntimeLease>(
    std::make_unique<FakeLease>(*this, spec.step_id));
}

Result<void>
FakeRuntimePool::warm(const app::RuntimeSpec&)
{
  return {};
}

Result<domain::StepOutcome>
FakeRuntimePool::run(const FakeExecution& execution,
                     const app::LogCallback& on_log)
{
  Behaviour behaviour;
  {
    std::unique_lock lock(m_mutex);
    m_started.push_back(execution.execution_id);
    m_max_running = std::max(m_max_running, ++m_running);
    if (m_held_steps.contains(execution.step)) {
      ++m_waiting[execution.step];
      m_changed.notify_all();
      m_changed.wait(lock, [&] {
        return !m_held_steps.contains(execution.step)
               || m_cancel.contains(execution.execution_id);
      });
      --m_waiting[execution.step];
    }
    const bool cancelled = m_cancel.contains(execution.execution_id);
    if (cancelled) {
      --m_running;
      return domain::StepOutcome(
        domain::StepError{ "cancelled", "the execution was cancelled", 0, {} });
    }
    behaviour = m_behaviour;
  }
  auto outcome = behaviour(execution, on_log);
  std::lock_guard lock(m_mutex);
  --m_running;
  return outcome;
}

void
FakeRuntimePool::cancel(const std::string& execution_id)
{
  {
    std::lock_guard lock(m_mutex);
    m_cancel.insert(execution_id);
    m_cancelled.push_back(execution_id);
  }
  m_changed.notify_all();
}

Result<domain::FileRef>
FakeRunStaging::put_upload(const app::Upload& upload)
{
  return m_files.put_bytes({ { "", std::string(upload.content) } },
                           upload.file_name,
                           upload.directory);
}

Result<domain::FileRef>
FakeRunStaging::put_static(const std::vector<app::StoredWorkflowFile>&,
                           const std::string& path)
{
  const auto slash = path.rfind('/');
  return m_files.put_bytes({ { "", "static " + path } },
                           slash == std::string::npos ? path
                                                      : path.substr(slash + 1),
                           false);
}

Result<domain::Values>
FakeRunStaging::stage_inputs(const std::string&,
                             const domain::Values& inputs,
                             const std::string&)
{
  return inputs;
}

Result<domain::Values>
FakeRunStaging::ingest_outputs(const std::string& outputs_dir,
                               domain::Values outputs)
{
  for (auto& [name, value] : outputs) {
    auto* ref = std::get_if<domain::FileRef>(&value);
    if (ref == nullptr) {
      continue;
    }
    if (!ref->key.starts_with(outputs_dir + "/")) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("output \"{}\": \"{}\" is outside the "
                              "execution's output directory",
                              name,
                              ref->key));
    }
    const auto file_name = ref->key.substr(ref->key.rfind('/') + 1);
    RYAX_TRY_ASSIGN(value,
                    m_files.put_bytes({ { "", "content of " + file_name } },
                                      file_name,
                                      ref->directory));
  }
  return outputs;
}

Result<std::optional<app::StoredWorkflow>>
InMemoryWorkflowStore::find(const std::string& project,
                            const std::string& id,
                            int version)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_versions.find(Key{ project, id });
  if (it == m_versions.end() || it->second.empty()) {
    return std::optional<app::StoredWorkflow>{};
  }
  if (version == 0) {
    return std::optional{ it->second.back() };
  }
  for (const auto& stored : it->second) {
    if (stored.version == version) {
      return std::optional{ stored };
    }
  }
  return std::optional<app::StoredWorkflow>{};
}

Result<void>
InMemoryWorkflowStore::add_version(const app::StoredWorkflow& workflow)
{
  std::lock_guard lock(m_mutex);
  const Key key{ workflow.project, workflow.id };
  m_versions[key].push_back(workflow);
  auto& deployment = m_deployments[key];
  deployment.project = workflow.project;
  deployment.id = workflow.id;
  deployment.latest_version = workflow.version;
  ++m_generation;
  return {};
}

Result<std::optional<app::WorkflowDeployment>>
InMemoryWorkflowStore::deployment(const std::string& project,
                                  const std::string& id)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_deployments.find(Key{ project, id });
  if (it == m_deployments.end()) {
    return std::optional<app::WorkflowDeployment>{};
  }
  return std::optional{ it->second };
}

Result<std::vector<app::WorkflowDeployment>>
InMemoryWorkflowStore::list(const std::string& project)
{
  std::lock_guard lock(m_mutex);
  std::vector<app::WorkflowDeployment> found;
  for (const auto& [key, deployment] : m_deployments) {
    if (key.first == project) {
      found.push_back(deployment);
    }
  }
  return found;
}

Result<void>
InMemoryWorkflowStore::set_deployment(const app::WorkflowDeployment& deployment)
{
  std::lock_guard lock(m_mutex);
  const Key key{ deployment.project, deployment.id };
  if (!m_deployments.contains(key)) {
    return fail(ErrorCode::not_found, "workflow not found");
  }
  auto& stored = m_deployments[key];
  const auto trigger = stored.trigger;
  stored = deployment;
  stored.trigger = trigger;
  ++m_generation;
  return {};
}

Result<std::vector<app::WorkflowDeployment>>
InMemoryWorkflowStore::deployed()
{
  std::lock_guard lock(m_mutex);
  std::vector<app::WorkflowDeployment> found;
  for (const auto& [key, deployment] : m_deployments) {
    if (deployment.state == app::DeploymentState::deployed) {
      found.push_back(deployment);
    }
  }
  return found;
}

Result<void>
InMemoryWorkflowStore::set_trigger_state(const std::string& project,
                                         const std::string& id,
                                         const app::TriggerState& state)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_deployments.find(Key{ project, id });
  if (it == m_deployments.end()) {
    return fail(ErrorCode::not_found, "workflow not found");
  }
  it->second.trigger = state;
  return {};
}

Result<void>
InMemoryWorkflowStore::remove(const std::string& project, const std::string& id)
{
  std::lock_guard lock(m_mutex);
  m_versions.erase(Key{ project, id });
  m_deployments.erase(Key{ project, id });
  ++m_generation;
  return {};
}

std::string
FakeWorkflowFormat::add(const domain::WorkflowDefinition& workflow)
{
  std::lock_guard lock(m_mutex);
  auto text = fmt::format("{}#{}", workflow.id, m_texts.size());
  m_texts.emplace(text, workflow);
  return text;
}

domain::ParsedWorkflow
FakeWorkflowFormat::parse(std::string_view text, const std::string&)
{
  std::lock_guard lock(m_mutex);
  domain::ParsedWorkflow parsed;
  if (const auto it = m_texts.find(text); it != m_texts.end()) {
    parsed.workflow = it->second;
  } else {
    parsed.diagnostics.push_back(domain::Diagnostic{});
  }
  return parsed;
}

std::string
FakeWorkflowFormat::write(const domain::WorkflowDefinition& workflow)
{
  {
    // Normalised: the same definition is the same text.
    std::lock_guard lock(m_mutex);
    for (const auto& [text, known] : m_texts) {
      if (known == workflow) {
        return text;
      }
    }
  }
  return add(workflow);
}

void
InMemoryActionCatalogue::add_built(const std::string& id,
                                   const std::string& version,
                                   std::vector<domain::IoSpec> inputs,
                                   std::vector<domain::IoSpec> outputs,
                                   const std::string& project)
{
  domain::ActionVersion action;
  action.project = project;
  action.metadata.id = id;
  action.metadata.version = version;
  action.metadata.kind = domain::ActionKind::processor;
  action.metadata.type = domain::ActionType::python3;
  action.metadata.inputs = std::move(inputs);
  action.metadata.outputs = std::move(outputs);
  action.build_state = domain::BuildState::built;
  action.bundle_key = "bundle-" + id + "-" + version;
  add(std::move(action));
}

void
InMemoryActionCatalogue::add(domain::ActionVersion version)
{
  std::lock_guard lock(m_mutex);
  version.sequence = static_cast<std::int64_t>(m_versions.size()) + 1;
  m_versions.push_back(std::move(version));
  ++m_generation;
}

domain::ActionVersion
InMemoryActionCatalogue::get(const std::string& id,
                             const std::string& version,
                             const std::string& project)
{
  auto found = find(project, id, version);
  REQUIRE(found);
  REQUIRE(found->has_value());
  return **found;
}

Result<std::optional<domain::ActionVersion>>
InMemoryActionCatalogue::find(const std::string& project,
                              const std::string& id,
                              const std::string& version)
{
  std::lock_guard lock(m_mutex);
  for (const auto& action : m_versions) {
    if (action.project == project && action.id() == id
        && action.version() == version) {
      return std::optional{ action };
    }
  }
  return std::optional<domain::ActionVersion>{};
}

Result<std::optional<domain::ActionVersion>>
InMemoryActionCatalogue::latest(const std::string& project,
                                const std::string& id)
{
  std::lock_guard lock(m_mutex);
  for (auto it = m_versions.rbegin(); it != m_versions.rend(); ++it) {
    if (it->project == project && it->id() == id) {
      return std::optional{ *it };
    }
  }
  return std::optional<domain::ActionVersion>{};
}

Result<std::vector<domain::ActionVersion>>
InMemoryActionCatalogue::list(const app::ActionFilter& filter)
{
  std::lock_guard lock(m_mutex);
  std::vector<domain::ActionVersion> found; // newest first
  for (auto it = m_versions.rbegin(); it != m_versions.rend(); ++it) {
    if ((filter.project.empty() || it->project == filter.project)
        && (filter.repository.empty() || it->repository == filter.repository)) {
      found.push_back(*it);
    }
  }
  return found;
}

Result<int>
InMemoryActionCatalogue::remove(const std::string& project,
                                const std::string& id,
                                const std::string& version)
{
  std::lock_guard lock(m_mutex);
  const auto before = m_versions.size();
  std::erase_if(m_versions, [&](const auto& action) {
    return action.project == project && action.id() == id
           && (version.empty() || action.version() == version);
  });
  ++m_generation;
  return static_cast<int>(before - m_versions.size());
}

Result<void>
InMemoryActionCatalogue::set_build(const domain::ActionVersion& version)
{
  std::lock_guard lock(m_mutex);
  for (auto& action : m_versions) {
    if (action.project == version.project && action.id() == version.id()
        && action.version() == version.version()) {
      action = version;
      ++m_generation;
      return {};
    }
  }
  return fail(ErrorCode::not_found, "action not found");
}

} // namespace ryax::test
