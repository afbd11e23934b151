// The RunStore contract: every test runs against the SQLite adapter and
// the in-memory one (tests/support/in_memory_run_store.hpp), so that the
// application tests' fake behaves like the real thing.

#include "tests/support/run_store_fixtures.hpp"

#include <doctest/doctest.h>

using namespace ryax::test::run_store;

#define STORES StoreFixture<SqliteStore>, StoreFixture<MemoryStore>

TEST_SUITE_BEGIN("contract::RunStore");


TEST_CASE_TEMPLATE("a run with fan-out branches, files and errors reads back "
                  "equal, after a reopen too", F, STORES)
{
  F f;
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
  f.create(run);

  auto loaded = f.store().load("r1");
  REQUIRE(loaded);
  REQUIRE(loaded->has_value());
  CHECK((*loaded)->run == as_stored(run));
  CHECK((*loaded)->actions == stored(run).actions);

  f.reopen();
  CHECK(f.load("r1") == as_stored(run));
}

TEST_CASE_TEMPLATE("password values read back as secrets with their text", F, STORES)
{
  F f;
  auto run = make_run("r1");
  run.trigger_values["pw"] = Secret{ "trigger-pw" };
  run.steps[{ "start", "" }].output_sets = { run.trigger_values };
  f.create(run);
  auto& resize = run.steps[{ "resize", "" }];
  resize.inputs = { { "pw", Secret{ "input-pw" } }, { "name", std::string("plain") } };
  resize.output_sets = { { { "token", Secret{ "output-pw" } } } };
  f.save(run, { { "resize", "" } }, {});
  const auto loaded = f.load("r1");
  CHECK(loaded.trigger_values.at("pw") == Value{ Secret{ "trigger-pw" } });
  const auto* step = loaded.find({ "resize", "" });
  REQUIRE(step != nullptr);
  CHECK(step->inputs.at("pw") == Value{ Secret{ "input-pw" } });
  CHECK(step->inputs.at("name") == Value{ std::string("plain") });
  CHECK(step->output_sets.at(0).at("token") == Value{ Secret{ "output-pw" } });
}

TEST_CASE_TEMPLATE("the project variables a run read are written with its "
                   "creation and read back, passwords as secrets",
                   F,
                   STORES)
{
  F f;
  auto with = stored(make_run("r1"));
  with.variables = { { "limit", std::int64_t{ 7 } },
                     { "token", Secret{ "var-pw" } } };
  REQUIRE(f.store().commit({ creation(with) }));
  REQUIRE(f.store().commit({ creation(stored(make_run("r2"))) }));
  f.reopen();
  const auto loaded = f.store().load("r1").value().value();
  CHECK(loaded.variables == with.variables);
  CHECK(f.store().load("r2").value().value().variables.empty());
  REQUIRE(f.store().remove("r1"));
  REQUIRE(f.store().commit({ creation(with) })); // no leftover row
}

TEST_CASE_TEMPLATE("an unknown run loads as nothing", F, STORES)
{
  F f;
  const auto loaded = f.store().load("nope");
  REQUIRE(loaded);
  CHECK_FALSE(loaded->has_value());
}

TEST_CASE_TEMPLATE("creating a taken id is already_exists", F, STORES)
{
  F f;
  f.create(make_run("r1"));
  auto other = make_run("r1", "other");
  const auto result = f.store().commit({ creation(stored(other)) });
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::already_exists);
  CHECK(result.error().message.find("\"r1\"") != std::string::npos);
  CHECK(f.load("r1").workflow_id == "wf");
}

TEST_CASE_TEMPLATE("save writes the run, replaces changed executions and "
                  "deletes removed ones", F, STORES)
{
  F f;
  auto run = make_run("r1");
  f.create(run);
  // The fan-out replaces the waiting execution by one per element.
  run.steps.erase({ "resize", "" });
  run.steps[{ "resize", "0" }].created_ms = 1'050;
  run.steps[{ "resize", "1" }].state = StepState::running;
  run.steps[{ "resize", "1" }].started_ms = 1'060;
  run.state = RunState::running;
  run.started_ms = 1'060;
  f.save(
    run, { { "resize", "0" }, { "resize", "1" } }, { { "resize", "" } });
  CHECK(f.load("r1") == as_stored(run));

  // Executions not named are left as they were.
  auto& trigger = run.steps[{ "start", "" }];
  const auto saved_trigger = trigger;
  trigger.log_lines = 99;
  run.state = RunState::done;
  run.finished_ms = 1'100;
  f.save(run, {}, {});
  const auto loaded = f.load("r1");
  CHECK(loaded.state == RunState::done);
  CHECK(loaded.finished_ms == 1'100);
  CHECK(*loaded.find({ "start", "" }) == saved_trigger);
}

TEST_CASE_TEMPLATE("saving an unknown run is not_found", F, STORES)
{
  F f;
  const auto result =
    f.store().commit({ update(make_run("ghost"), { { "resize", "" } }, {}) });
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::not_found);
  const auto loaded = f.store().load("ghost");
  REQUIRE(loaded);
  CHECK_FALSE(loaded->has_value());
}

TEST_CASE_TEMPLATE("list returns summaries newest first, ties by id, honouring "
                  "every filter", F, STORES)
{
  F f;
  f.create(make_run("a1", "a", 100));
  f.create(finished(make_run("a2", "a", 200), RunState::done, 250));
  f.create(make_run("b1", "b", 200));
  auto failed = finished(make_run("b2", "b", 300), RunState::error, 350);
  failed.error = RunError{ "resize", "", StepError{ "timeout", "too slow" } };
  f.create(failed);
  f.create(make_run("a3", "a", 400));

  CHECK(f.list_ids({}) == Ids{ "a3", "b2", "b1", "a2", "a1" });
  CHECK(f.list_ids(filter("a")) == Ids{ "a3", "a2", "a1" });
  CHECK(f.list_ids(filter("", RunState::pending)) == Ids{ "a3", "b1", "a1" });
  CHECK(f.list_ids(filter("", std::nullopt, 200)) ==
        Ids{ "a3", "b2", "b1", "a2" });
  CHECK(f.list_ids(filter("", std::nullopt, std::nullopt, 2)) ==
        Ids{ "a3", "b2" });
  CHECK(f.list_ids(filter("a", RunState::pending, 150, 5)) == Ids{ "a3" });
  CHECK(f.list_ids(filter("c")).empty());

  const auto runs = f.store().list(filter("b", std::nullopt, std::nullopt, 1));
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

  const auto bad = f.store().list(filter("", std::nullopt, std::nullopt, 0));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_argument);
}

TEST_CASE_TEMPLATE("a summary counts executions as they are saved", F, STORES)
{
  F f;
  auto run = make_run("r1");
  f.create(run);
  run.steps.erase({ "resize", "" });
  for (const auto* branch : { "0", "1", "2" }) {
    run.steps[{ "resize", branch }].state = StepState::done;
  }
  run.steps[{ "resize", "2" }].state = StepState::running;
  f.save(run,
         { { "resize", "0" }, { "resize", "1" }, { "resize", "2" } },
         { { "resize", "" } });
  const auto runs = f.store().list({});
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().steps_total == 3);
  CHECK(runs->front().steps_done == 2);
}

TEST_CASE_TEMPLATE("unfinished lists pending and running runs, oldest first", F, STORES)
{
  F f;
  f.create(make_run("late", "wf", 300));
  auto running = make_run("early", "wf", 100);
  running.state = RunState::running;
  f.create(running);
  f.create(finished(make_run("done", "wf", 50), RunState::done, 60));
  f.create(finished(make_run("cancelled", "wf", 70), RunState::cancelled, 80));
  f.create(make_run("middle", "wf", 200));

  const auto ids = f.store().unfinished();
  REQUIRE(ids);
  CHECK(*ids == Ids{ "early", "middle", "late" });
}

TEST_CASE_TEMPLATE("remove forgets the run and returns the keys no other run "
                  "uses", F, STORES)
{
  F f;
  // Both runs share the trigger's file; r1 also saves a step output.
  auto r1 = make_run("r1");
  f.create(r1);
  f.create(make_run("r2"));
  auto& resize = r1.steps[{ "resize", "" }];
  resize.state = StepState::done;
  resize.inputs = { { "in", FileRef{ "t1/photo.jpg", false } } };
  resize.output_sets = { { { "out", FileRef{ "o1/small.jpg", false } },
                           { "dir", FileRef{ "d1/tiles", true } } } };
  f.save(r1, { { "resize", "" } }, {});

  const auto keys = f.store().remove("r1");
  REQUIRE(keys);
  CHECK(*keys == Ids{ "d1/tiles", "o1/small.jpg" });
  const auto gone = f.store().load("r1");
  REQUIRE(gone);
  CHECK_FALSE(gone->has_value());
  CHECK(f.list_ids({}) == Ids{ "r2" });

  const auto last = f.store().remove("r2");
  REQUIRE(last);
  CHECK(*last == Ids{ "t1/photo.jpg" });

  const auto again = f.store().remove("r2");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::not_found);
}

TEST_CASE_TEMPLATE("expired by age: finished runs older than the maximum, never "
                  "unfinished ones", F, STORES)
{
  F f;
  f.create(finished(make_run("old-done", "wf", 100), RunState::done, 200));
  f.create(finished(make_run("old-error", "wf", 110), RunState::error, 300));
  f.create(finished(make_run("edge", "wf", 120), RunState::cancelled, 500));
  f.create(finished(make_run("recent", "wf", 130), RunState::done, 900));
  auto running = make_run("old-running", "wf", 10);
  running.state = RunState::running;
  running.started_ms = 20;
  f.create(running);
  f.create(make_run("old-pending", "wf", 5));

  // Finished more than 500 ms before 1000: before 500.
  CHECK(f.expired(policy(500, 0), 1'000) == Ids{ "old-done", "old-error" });
  CHECK(f.expired(policy(1, 0), 1'000) ==
        Ids{ "old-done", "old-error", "edge", "recent" });
  CHECK(f.expired({}, 1'000'000).empty());
}

TEST_CASE_TEMPLATE("expired by count: the finished runs of each workflow beyond "
                  "the newest, without duplicates", F, STORES)
{
  F f;
  for (int i = 1; i <= 4; ++i) {
    const auto id = "a" + std::to_string(i);
    f.create(finished(make_run(id, "a", i * 100), RunState::done, i * 100 + 50));
  }
  auto running = make_run("a0", "a", 50);
  running.state = RunState::running;
  f.create(running);
  f.create(make_run("a5", "a", 500));
  f.create(finished(make_run("b1", "b", 100), RunState::error, 150));

  CHECK(f.expired(policy(0, 2), 1'000) == Ids{ "a1", "a2" });
  CHECK(f.expired(policy(0, 1), 1'000) == Ids{ "a1", "a2", "a3" });
  // a1 and a2 are both too old and beyond the newest two: listed once.
  CHECK(f.expired(policy(700, 2), 1'000) == Ids{ "a1", "b1", "a2" });
}

TEST_CASE_TEMPLATE("runs belong to a project: listed and counted per project",
                   F, STORES)
{
  F f;
  // The same workflow id in two projects: two workflows.
  f.create(finished(make_run("p1", "wf", 100), RunState::done, 150), "team-a");
  f.create(finished(make_run("p2", "wf", 200), RunState::done, 250), "team-a");
  f.create(finished(make_run("q1", "wf", 300), RunState::done, 350), "team-b");
  CHECK(f.load("q1").id == "q1");
  CHECK(f.store().load("q1").value()->project == "team-b");

  RunFilter mine;
  mine.project = "team-a";
  const auto listed = f.store().list(mine);
  REQUIRE(listed);
  REQUIRE(listed->size() == 2);
  CHECK(listed->front().id == "p2");
  mine.project = "team-b";
  CHECK(f.store().list(mine)->size() == 1);

  // Keeping one run per workflow keeps each project's newest.
  CHECK(f.expired(policy(0, 1), 1'000) == Ids{ "p1" });
}

TEST_CASE_TEMPLATE("runs are found by the start of their id, newest first",
                   F, STORES)
{
  F f;
  f.create(make_run("run-ab12", "wf", 100));
  f.create(make_run("run-ab34", "wf", 200));
  f.create(make_run("run-cd56", "wf", 300));
  f.create(make_run("run-ab", "other", 400));
  const auto ids = [&](std::string prefix) {
    RunFilter filter;
    filter.id_prefix = std::move(prefix);
    return f.list_ids(filter);
  };
  CHECK(ids("run-ab") == Ids{ "run-ab", "run-ab34", "run-ab12" });
  CHECK(ids("run-ab3") == Ids{ "run-ab34" });
  CHECK(ids("run-cd56") == Ids{ "run-cd56" });
  CHECK(ids("run-e").empty());
  CHECK(ids("").size() == 4);
}

TEST_SUITE_END();
