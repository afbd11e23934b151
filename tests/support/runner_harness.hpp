#pragma once

// RunService on in-memory adapters and fakes (no process, no disk), for
// the application tests of tests/unit/application/.

#include "core/application/run_service.hpp"
#include "tests/support/fake_runner_ports.hpp"
#include "tests/support/in_memory_run_store.hpp"
#include "tests/support/in_memory_variable_store.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ryax::test {

struct RunnerHarness
{
  InMemoryRunStore runs;
  InMemoryRunLogStore logs;
  InMemoryRunFileStore files;
  FakeRunStaging staging{ files };
  FakeRuntimePool runtimes;  // the "local" site's
  FakeSiteRuntimes sites;     // "local": `runtimes`; tests add others
  InMemoryWorkflowStore workflows;
  FakeWorkflowFormat format;
  InMemoryActionCatalogue catalogue;
  SequentialIds ids;
  ManualClock clock;
  InMemoryVariableStore variables;
  FakeSecretBox box;
  app::RunSettings settings;
  // Given to the service at start() when set (RunService::set_accounting).
  app::AccountingRecorder* accounting = nullptr;
  std::unique_ptr<app::RunService> service;

  // One pool "default" of `cpu` cores (a step asks for 0.5).
  explicit RunnerHarness(double cpu = 4);

  // Add `workflow` as version 1 (or the next) to `project` and deploy it;
  // its actions ("echo" and whatever `from` they name) are built there.
  void deploy(const domain::WorkflowDefinition& workflow,
              const std::string& project = "default");

  // Create (or re-create, after stop()) and start the service.
  void start();

  // Stop and destroy the service (what a daemon stop does).
  void stop();

  // Start a run of `workflow` with integer trigger values.
  Result<app::RunView> start_run(
    const std::string& workflow,
    std::vector<std::pair<std::string, std::string>> values = { { "n", "1" } },
    int priority = 0);

  // The run once final (the test fails after 10 s).
  app::RunView wait(const std::string& id);

  // start_run then wait.
  app::RunView run(const std::string& workflow,
                   std::vector<std::pair<std::string, std::string>> values = {
                     { "n", "1" } });
};

} // namespace ryax::test
