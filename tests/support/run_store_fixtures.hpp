#pragma once

// Runs, writes and store fixtures shared by the RunStore contract tests
// (tests/unit/contract/run_store_contract_test.cpp) and the SQLite adapter's
// own tests.

#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"
#include "core/infrastructure/sqlite/sqlite_run_store.hpp"
#include "tests/support/in_memory_run_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ryax::test::run_store {

using ryax::ErrorCode;
using ryax::app::RetentionPolicy;
using ryax::app::RunFilter;
using ryax::app::RunWrite;
using ryax::app::StoredRun;
using ryax::infra::sqlite::Database;
using ryax::infra::sqlite::SqliteRunStore;
using ryax::test::TempDir;
using namespace ryax::domain;
// A run as domain::start makes it: the trigger "start" done at the root
// with the trigger's values (a number and a file), the action "resize"
// waiting.
inline Run
make_run(const std::string& id,
         const std::string& workflow = "wf",
         std::int64_t created_ms = 1'000)
{
  Run run;
  run.id = id;
  run.workflow_id = workflow;
  run.workflow_version = 2;
  run.created_ms = created_ms;
  run.trigger_values = { { "n", std::int64_t{ 3 } },
                         { "photo", FileRef{ "t1/photo.jpg", false } } };
  StepRun trigger;
  trigger.state = StepState::done;
  trigger.output_sets = { run.trigger_values };
  trigger.created_ms = created_ms;
  trigger.scheduled_ms = trigger.started_ms = trigger.finished_ms = created_ms;
  run.steps[{ "start", "" }] = trigger;
  StepRun resize;
  resize.created_ms = created_ms;
  run.steps[{ "resize", "" }] = resize;
  run.recount();
  return run;
}

inline StoredRun
stored(const Run& run)
{
  return { run, { { "start", "manual:1" }, { "resize", "resize:1.0" } } };
}

// `run` finished in `state` at `finished_ms`.
inline Run
finished(Run run, RunState state, std::int64_t finished_ms)
{
  run.state = state;
  run.started_ms = run.created_ms;
  run.finished_ms = finished_ms;
  return run;
}

// A filter with every field given.
inline RunFilter
filter(std::string workflow_id,
       std::optional<RunState> state = std::nullopt,
       std::optional<std::int64_t> since_ms = std::nullopt,
       int limit = 50)
{
  RunFilter f;
  f.workflow_id = std::move(workflow_id);
  f.state = state;
  f.since_ms = since_ms;
  f.limit = limit;
  return f;
}

inline RetentionPolicy
policy(std::int64_t max_age_ms, int max_runs_per_workflow)
{
  RetentionPolicy p;
  p.max_age_ms = max_age_ms;
  p.max_runs_per_workflow = max_runs_per_workflow;
  return p;
}

// The write that creates `stored`.
inline RunWrite
creation(const StoredRun& stored)
{
  return ryax::app::creation_of(stored, "start");
}

// The write of `run`'s header, the executions `changed` and the removal of
// `removed`.
inline RunWrite
update(const Run& run,
       const std::vector<StepKey>& changed,
       const std::vector<StepKey>& removed)
{
  auto counted = run;
  counted.recount();
  RunWrite write;
  write.header = ryax::app::header_of(counted);
  for (const auto& key : changed) {
    write.steps.emplace_back(key, *run.find(key));
  }
  write.removed = removed;
  return write;
}

// What storage reads back of `run`: counts are the runner's business.
inline Run
as_stored(Run run)
{
  run.counts = {};
  return run;
}

// The SQLite adapter on a real database in a fresh directory.
struct SqliteStore
{
  TempDir dir;
  std::unique_ptr<Database> database;
  ryax::infra::crypto::AesGcmSecretBox box{ ryax::infra::crypto::EncryptionKey{ 7 } };
  std::unique_ptr<SqliteRunStore> sqlite;

  SqliteStore() { reopen(); }

  ryax::app::RunStore& store() { return *sqlite; }

  void
  reopen()
  {
    sqlite.reset();
    database.reset();
    auto opened = Database::open(dir / "ryax.db");
    REQUIRE(opened);
    database = std::move(*opened);
    sqlite = std::make_unique<SqliteRunStore>(*database, box);
  }
};

// The in-memory adapter.
struct MemoryStore
{
  ryax::test::InMemoryRunStore memory;

  ryax::app::RunStore& store() { return memory; }
  void reopen() {}
};

// The tests' helpers over either store.
template<typename Store>
struct StoreFixture : Store
{
  void
  create(const Run& run, const std::string& project = "default")
  {
    auto record = stored(run);
    record.project = project;
    REQUIRE(this->store().commit({ creation(record) }));
  }

  void
  save(const Run& run,
       const std::vector<StepKey>& changed,
       const std::vector<StepKey>& removed)
  {
    REQUIRE(this->store().commit({ update(run, changed, removed) }));
  }

  Run
  load(const std::string& id)
  {
    auto loaded = this->store().load(id);
    REQUIRE(loaded);
    REQUIRE(loaded->has_value());
    return (*loaded)->run;
  }

  std::vector<std::string>
  list_ids(const RunFilter& filter)
  {
    auto runs = this->store().list(filter);
    REQUIRE(runs);
    std::vector<std::string> ids;
    for (const auto& run : *runs) {
      ids.push_back(run.id);
    }
    return ids;
  }

  std::vector<std::string>
  expired(const RetentionPolicy& policy, std::int64_t now_ms)
  {
    auto ids = this->store().expired(policy, now_ms);
    REQUIRE(ids);
    return *ids;
  }
};

using Ids = std::vector<std::string>;

} // namespace ryax::test::run_store
