#include "tests/support/runner_harness.hpp"

#include <doctest/doctest.h>

#include <set>

namespace ryax::test {

RunnerHarness::RunnerHarness(double cpu)
{
  domain::NodePool pool;
  pool.name = "default";
  pool.cpu = cpu;
  pool.memory_bytes = 64LL << 30;
  settings.site.pools = { pool };
  sites.set(settings.site.name, &runtimes);
  settings.arch = "x86_64";
  settings.concurrency = 4;
  settings.housekeeping_interval = std::chrono::hours(1);
}

void
RunnerHarness::deploy(const domain::WorkflowDefinition& workflow,
                      const std::string& project)
{
  std::set<std::string> actions{ "echo" };
  for (const auto& step : workflow.actions) {
    actions.insert(step.from);
  }
  for (const auto& action : actions) {
    if (!catalogue.latest(project, action).value()) {
      catalogue.add_built(action, "1.0", {}, {}, project);
    }
  }
  const auto existing = workflows.deployment(project, workflow.id).value();
  app::StoredWorkflow stored;
  stored.id = workflow.id;
  stored.project = project;
  stored.version = existing ? existing->latest_version + 1 : 1;
  stored.yaml = format.add(workflow);
  REQUIRE(workflows.add_version(stored));
  auto deployment = workflows.deployment(project, workflow.id).value().value();
  deployment.deployed_version = stored.version;
  deployment.state = app::DeploymentState::deployed;
  REQUIRE(workflows.set_deployment(deployment));
}

void
RunnerHarness::start()
{
  service = std::make_unique<app::RunService>(
    app::RunPorts{ runs, logs, files, staging, runtimes, sites, workflows,
                   format, catalogue, ids, clock, variables, box },
    settings);
  if (accounting != nullptr) {
    service->set_accounting(*accounting);
  }
  const auto started = service->start();
  REQUIRE_MESSAGE(started, started.error().message);
}

void
RunnerHarness::stop()
{
  service.reset();
}

Result<app::RunView>
RunnerHarness::start_run(
  const std::string& workflow,
  std::vector<std::pair<std::string, std::string>> values,
  int priority)
{
  app::StartRunRequest request;
  request.workflow_id = workflow;
  request.project = "default";
  request.values = std::move(values);
  request.priority = priority;
  return service->start_run(request);
}

app::RunView
RunnerHarness::wait(const std::string& id)
{
  const auto deadline =
    std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto view = service->wait_final(id, deadline);
    REQUIRE_MESSAGE(view, view.error().message);
    if (domain::is_final(view->stored.run.state)) {
      return *view;
    }
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                    "run ", id, " is still ",
                    domain::to_string(view->stored.run.state));
  }
}

app::RunView
RunnerHarness::run(const std::string& workflow,
                   std::vector<std::pair<std::string, std::string>> values)
{
  auto started = start_run(workflow, std::move(values));
  REQUIRE_MESSAGE(started, started.error().message);
  return wait(started->stored.run.id);
}

} // namespace ryax::test
