// The trigger state of workflows, on SqliteWorkflowStore and on the
// InMemoryWorkflowStore of the application tests (the same contract).

#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_workflow_store.hpp"
#include "tests/support/fake_runner_ports.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <memory>

using namespace ryax;

namespace {

void
add(app::WorkflowStore& store, const std::string& project, const std::string& id)
{
  app::StoredWorkflow stored;
  stored.id = id;
  stored.project = project;
  stored.version = 1;
  stored.yaml = "id: " + id;
  REQUIRE(store.add_version(stored));
}

void
deploy(app::WorkflowStore& store, const std::string& project, const std::string& id)
{
  auto deployment = store.deployment(project, id).value().value();
  deployment.state = app::DeploymentState::deployed;
  deployment.deployed_version = 1;
  REQUIRE(store.set_deployment(deployment));
}

void
check_contract(app::WorkflowStore& store)
{
  add(store, "default", "a");
  add(store, "other", "b");
  add(store, "other", "c");
  deploy(store, "default", "a");
  deploy(store, "other", "b");

  const auto deployed = store.deployed().value();
  REQUIRE(deployed.size() == 2);
  CHECK(deployed[0].id == "a");
  CHECK(deployed[1].id == "b");
  CHECK(deployed[1].project == "other");

  app::TriggerState state;
  state.started_ms = 1234;
  state.once_done = true;
  state.skipped_ticks = 7;
  state.error = "boom";
  const auto generation = store.generation();
  REQUIRE(store.set_trigger_state("other", "b", state));
  CHECK(store.generation() == generation);
  CHECK(store.deployment("other", "b").value()->trigger == state);
  CHECK(store.deployment("other", "c").value()->trigger == app::TriggerState{});

  // A deployment change keeps the trigger state.
  auto b = store.deployment("other", "b").value().value();
  b.trigger = {};
  b.reason = "x";
  REQUIRE(store.set_deployment(b));
  CHECK(store.deployment("other", "b").value()->trigger == state);
  CHECK(store.list("other").value().front().trigger == state);

  const auto missing = store.set_trigger_state("default", "nope", state);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
}

} // namespace

TEST_SUITE_BEGIN("infra::sqlite::SqliteWorkflowStore");

TEST_CASE("the trigger state is kept apart from the deployment, on both stores")
{
  test::TempDir dir;
  auto db = infra::sqlite::Database::open(dir / "ryax.db");
  REQUIRE(db);
  infra::sqlite::SqliteWorkflowStore sqlite_store{ **db };
  check_contract(sqlite_store);
  test::InMemoryWorkflowStore memory_store;
  check_contract(memory_store);
}

TEST_SUITE_END();
