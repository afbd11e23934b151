#include "core/infrastructure/sqlite/sqlite_run_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using ryax::ErrorCode;
using ryax::app::RetentionPolicy;
using ryax::app::RunFilter;
using ryax::app::StoredRun;
using ryax::infra::sqlite::Database;
using ryax::infra::sqlite::SqliteRunStore;
using ryax::test::TempDir;
using namespace ryax::domain;

namespace {

// A run as domain::start makes it: the trigger "start" done at the root
// with the trigger's values (a number and a file), the action "resize"
// waiting.
Run
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
  return run;
}

StoredRun
stored(const Run& run)
{
  return { run, { { "start", "manual:1" }, { "resize", "resize:1.0" } } };
}

// `run` finished in `state` at `finished_ms`.
Run
finished(Run run, RunState state, std::int64_t finished_ms)
{
  run.state = state;
  run.started_ms = run.created_ms;
  run.finished_ms = finished_ms;
  return run;
}

// A filter with every field given.
RunFilter
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

RetentionPolicy
policy(std::int64_t max_age_ms, int max_runs_per_workflow)
{
  RetentionPolicy p;
  p.max_age_ms = max_age_ms;
  p.max_runs_per_workflow = max_runs_per_workflow;
  return p;
}

// A real database in a fresh directory and the store over it.
struct StoreFixture
{
  TempDir dir;
  std::unique_ptr<Database> database;
  std::unique_ptr<SqliteRunStore> store;

  StoreFixture() { open(); }

  void
  open()
  {
    store.reset();
    database.reset();
    auto opened = Database::open(dir / "ryax.db");
    REQUIRE(opened);
    database = std::move(*opened);
    store = std::make_unique<SqliteRunStore>(*database);
  }

  void
  create(const Run& run)
  {
    REQUIRE(store->create(stored(run)));
  }

  Run
  load(const std::string& id)
  {
    auto loaded = store->load(id);
    REQUIRE(loaded);
    REQUIRE(loaded->has_value());
    return (*loaded)->run;
  }

  std::vector<std::string>
  list_ids(const RunFilter& filter)
  {
    auto runs = store->list(filter);
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
    auto ids = store->expired(policy, now_ms);
    REQUIRE(ids);
    return *ids;
  }
};

using Ids = std::vector<std::string>;

} // namespace

TEST_SUITE_BEGIN("infra::sqlite::SqliteRunStore");

TEST_CASE_FIXTURE(StoreFixture,
                  "a run with fan-out branches, files and errors reads back "
                  "equal, after a reopen too")
{
  auto run = make_run("r1");
  run.state = RunState::error;
  run.started_ms = 1'010;
  run.finished_ms = 1'090;
  auto& split = run.steps[{ "split", "" }];
  split.state = StepState::done;
  split.attempt = 2;
  split.inputs = { { "photo", FileRef{ "t1/photo.jpg", false } },
                   { "ratio", 0.5 },
                   { "label", Value{} } };
  split.fan_out = true;
  split.output_sets = { { { "part", FileRef{ "p0/part", true } } },
                        { { "part", FileRef{ "p1/part", true } } } };
  split.log_lines = 12;
  split.placement = "local";
  split.created_ms = 1'000;
  split.scheduled_ms = 1'005;
  split.started_ms = 1'010;
  split.finished_ms = 1'020;
  run.steps.erase({ "resize", "" });
  auto& first = run.steps[{ "resize", "0" }];
  first.state = StepState::done;
  first.inputs = { { "part", FileRef{ "p0/part", true } } };
  first.output_sets = { { { "small", std::string("yes") }, { "ok", true } } };
  first.created_ms = 1'020;
  auto& second = run.steps[{ "resize", "1" }];
  second.state = StepState::error;
  second.inputs = { { "part", FileRef{ "p1/part", true } } };
  second.error = StepError{ "user_exception", "bad part", 7, "Traceback" };
  second.created_ms = 1'020;
  second.finished_ms = 1'090;
  run.error = RunError{ "resize", "1", *second.error };
  create(run);

  auto loaded = store->load("r1");
  REQUIRE(loaded);
  REQUIRE(loaded->has_value());
  CHECK((*loaded)->run == run);
  CHECK((*loaded)->actions == stored(run).actions);

  open();
  CHECK(load("r1") == run);
}

TEST_CASE_FIXTURE(StoreFixture, "an unknown run loads as nothing")
{
  const auto loaded = store->load("nope");
  REQUIRE(loaded);
  CHECK_FALSE(loaded->has_value());
}

TEST_CASE_FIXTURE(StoreFixture, "creating a taken id is already_exists")
{
  create(make_run("r1"));
  auto other = make_run("r1", "other");
  const auto result = store->create(stored(other));
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::already_exists);
  CHECK(result.error().message.find("\"r1\"") != std::string::npos);
  CHECK(load("r1").workflow_id == "wf");
}

TEST_CASE_FIXTURE(StoreFixture,
                  "save writes the run, replaces changed executions and "
                  "deletes removed ones")
{
  auto run = make_run("r1");
  create(run);
  // The fan-out replaces the waiting execution by one per element.
  run.steps.erase({ "resize", "" });
  run.steps[{ "resize", "0" }].created_ms = 1'050;
  run.steps[{ "resize", "1" }].state = StepState::running;
  run.steps[{ "resize", "1" }].started_ms = 1'060;
  run.state = RunState::running;
  run.started_ms = 1'060;
  REQUIRE(store->save(
    run, { { "resize", "0" }, { "resize", "1" } }, { { "resize", "" } }));
  CHECK(load("r1") == run);

  // Executions not named are left as they were.
  auto& trigger = run.steps[{ "start", "" }];
  const auto saved_trigger = trigger;
  trigger.log_lines = 99;
  run.state = RunState::done;
  run.finished_ms = 1'100;
  REQUIRE(store->save(run, {}, {}));
  const auto loaded = load("r1");
  CHECK(loaded.state == RunState::done);
  CHECK(loaded.finished_ms == 1'100);
  CHECK(*loaded.find({ "start", "" }) == saved_trigger);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "a string that is not UTF-8 is stored with replacement "
                  "characters")
{
  auto run = make_run("r1");
  create(run);
  run.steps[{ "resize", "" }].inputs = { { "raw", std::string("a\xff") } };
  REQUIRE(store->save(run, { { "resize", "" } }, {}));
  const auto loaded = load("r1");
  CHECK(loaded.find({ "resize", "" })->inputs.at("raw") ==
        Value{ std::string("a\xef\xbf\xbd") });
}

TEST_CASE_FIXTURE(StoreFixture, "saving an unknown run is not_found")
{
  const auto result = store->save(make_run("ghost"), { { "resize", "" } }, {});
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::not_found);
  const auto loaded = store->load("ghost");
  REQUIRE(loaded);
  CHECK_FALSE(loaded->has_value());
}

TEST_CASE_FIXTURE(StoreFixture,
                  "saving an execution the run lacks is invalid_argument")
{
  const auto run = make_run("r1");
  create(run);
  const auto result = store->save(run, { { "resize", "4" } }, {});
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::invalid_argument);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "list returns summaries newest first, ties by id, honouring "
                  "every filter")
{
  create(make_run("a1", "a", 100));
  create(finished(make_run("a2", "a", 200), RunState::done, 250));
  create(make_run("b1", "b", 200));
  auto failed = finished(make_run("b2", "b", 300), RunState::error, 350);
  failed.error = RunError{ "resize", "", StepError{ "timeout", "too slow" } };
  create(failed);
  create(make_run("a3", "a", 400));

  CHECK(list_ids({}) == Ids{ "a3", "b2", "b1", "a2", "a1" });
  CHECK(list_ids(filter("a")) == Ids{ "a3", "a2", "a1" });
  CHECK(list_ids(filter("", RunState::pending)) == Ids{ "a3", "b1", "a1" });
  CHECK(list_ids(filter("", std::nullopt, 200)) ==
        Ids{ "a3", "b2", "b1", "a2" });
  CHECK(list_ids(filter("", std::nullopt, std::nullopt, 2)) ==
        Ids{ "a3", "b2" });
  CHECK(list_ids(filter("a", RunState::pending, 150, 5)) == Ids{ "a3" });
  CHECK(list_ids(filter("c")).empty());

  const auto runs = store->list(filter("b", std::nullopt, std::nullopt, 1));
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  const auto& summary = runs->front();
  CHECK(summary.id == "b2");
  CHECK(summary.workflow_version == 2);
  CHECK(summary.state == RunState::error);
  CHECK(summary.created_ms == 300);
  CHECK(summary.started_ms == 300);
  CHECK(summary.finished_ms == 350);
  CHECK(summary.error == failed.error);
  CHECK(summary.steps_total == 1); // the trigger is not counted
  CHECK(summary.steps_done == 0);

  const auto bad = store->list(filter("", std::nullopt, std::nullopt, 0));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_argument);
}

TEST_CASE_FIXTURE(StoreFixture, "a summary counts executions as they are saved")
{
  auto run = make_run("r1");
  create(run);
  run.steps.erase({ "resize", "" });
  for (const auto* branch : { "0", "1", "2" }) {
    run.steps[{ "resize", branch }].state = StepState::done;
  }
  run.steps[{ "resize", "2" }].state = StepState::running;
  REQUIRE(
    store->save(run,
                { { "resize", "0" }, { "resize", "1" }, { "resize", "2" } },
                { { "resize", "" } }));
  const auto runs = store->list({});
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().steps_total == 3);
  CHECK(runs->front().steps_done == 2);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "unfinished lists pending and running runs, oldest first")
{
  create(make_run("late", "wf", 300));
  auto running = make_run("early", "wf", 100);
  running.state = RunState::running;
  create(running);
  create(finished(make_run("done", "wf", 50), RunState::done, 60));
  create(finished(make_run("cancelled", "wf", 70), RunState::cancelled, 80));
  create(make_run("middle", "wf", 200));

  const auto ids = store->unfinished();
  REQUIRE(ids);
  CHECK(*ids == Ids{ "early", "middle", "late" });
}

TEST_CASE_FIXTURE(StoreFixture,
                  "remove forgets the run and returns the keys no other run "
                  "uses")
{
  // Both runs share the trigger's file; r1 also saves a step output.
  auto r1 = make_run("r1");
  create(r1);
  create(make_run("r2"));
  auto& resize = r1.steps[{ "resize", "" }];
  resize.state = StepState::done;
  resize.inputs = { { "in", FileRef{ "t1/photo.jpg", false } } };
  resize.output_sets = { { { "out", FileRef{ "o1/small.jpg", false } },
                           { "dir", FileRef{ "d1/tiles", true } } } };
  REQUIRE(store->save(r1, { { "resize", "" } }, {}));

  const auto keys = store->remove("r1");
  REQUIRE(keys);
  CHECK(*keys == Ids{ "d1/tiles", "o1/small.jpg" });
  const auto gone = store->load("r1");
  REQUIRE(gone);
  CHECK_FALSE(gone->has_value());
  CHECK(list_ids({}) == Ids{ "r2" });

  const auto last = store->remove("r2");
  REQUIRE(last);
  CHECK(*last == Ids{ "t1/photo.jpg" });

  const auto again = store->remove("r2");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::not_found);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "expired by age: finished runs older than the maximum, never "
                  "unfinished ones")
{
  create(finished(make_run("old-done", "wf", 100), RunState::done, 200));
  create(finished(make_run("old-error", "wf", 110), RunState::error, 300));
  create(finished(make_run("edge", "wf", 120), RunState::cancelled, 500));
  create(finished(make_run("recent", "wf", 130), RunState::done, 900));
  auto running = make_run("old-running", "wf", 10);
  running.state = RunState::running;
  running.started_ms = 20;
  create(running);
  create(make_run("old-pending", "wf", 5));

  // Finished more than 500 ms before 1000: before 500.
  CHECK(expired(policy(500, 0), 1'000) == Ids{ "old-done", "old-error" });
  CHECK(expired(policy(1, 0), 1'000) ==
        Ids{ "old-done", "old-error", "edge", "recent" });
  CHECK(expired({}, 1'000'000).empty());
}

TEST_CASE_FIXTURE(StoreFixture,
                  "expired by count: the finished runs of each workflow beyond "
                  "the newest, without duplicates")
{
  for (int i = 1; i <= 4; ++i) {
    const auto id = "a" + std::to_string(i);
    create(finished(make_run(id, "a", i * 100), RunState::done, i * 100 + 50));
  }
  auto running = make_run("a0", "a", 50);
  running.state = RunState::running;
  create(running);
  create(make_run("a5", "a", 500));
  create(finished(make_run("b1", "b", 100), RunState::error, 150));

  CHECK(expired(policy(0, 2), 1'000) == Ids{ "a1", "a2" });
  CHECK(expired(policy(0, 1), 1'000) == Ids{ "a1", "a2", "a3" });
  // a1 and a2 are both too old and beyond the newest two: listed once.
  CHECK(expired(policy(700, 2), 1'000) == Ids{ "a1", "b1", "a2" });
}

TEST_CASE_FIXTURE(StoreFixture,
                  "unknown states in the database read back as error")
{
  create(make_run("r1"));
  database->connection().exec(
    "UPDATE runs SET state = 'exploded'; UPDATE run_steps SET state = 'weird'");
  const auto run = load("r1");
  CHECK(run.state == RunState::error);
  CHECK(run.find({ "resize", "" })->state == StepState::error);
  const auto runs = store->list({});
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().state == RunState::error);
  const auto unfinished = store->unfinished();
  REQUIRE(unfinished);
  CHECK(unfinished->empty());
}

TEST_SUITE_END();
