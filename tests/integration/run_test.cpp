// Workflow runs end to end: a real ryaxd runs real python actions (scanned
// from a git repository made with libgit2, built into venvs) in ryax-wrapper
// replicas, driven by the real ryax binary.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"
#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string k_chain3 = "  - {id: a1, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n"
                             "  - {id: a2, from: add, inputs_values: {x: \"{{ a1.y }}\"}}\n"
                             "  - {id: a3, from: add, inputs_values: {x: \"{{ a2.y }}\"}}\n";

} // namespace

TEST_SUITE_BEGIN("integration: runs");

TEST_CASE("a three-step workflow runs to the end and keeps every value")
{
  RunFixture f({ "add" });
  f.deploy("chain",
           "    - {name: x, type: integer}\n",
           k_chain3,
           "  - {key: total, value: \"{{ a3.y }}\"}\n");

  auto run = f.daemon.ryax({ "run", "chain", "--input", "x=1", "--wait", "-o", "json" });
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto doc = json::parse(run.out);
  CHECK(doc["state"] == "done");
  CHECK(doc["workflow_version"] == 1);
  CHECK(RunFixture::result(doc, "total") == 4);
  REQUIRE(doc["steps"].size() == 3);
  int expected = 1;
  for (const auto& step : doc["steps"]) {
    CHECK(step["state"] == "done");
    CHECK(step["attempt"] == 1);
    CHECK(step["inputs"]["x"] == expected);
    CHECK(step["outputs"][0]["y"] == expected + 1);
    CHECK(step["log_lines"] == 1);
    CHECK(step["action"] == "add:1.0");
    ++expected;
  }
  CHECK(doc["steps"][0]["step"] == "a1");
  CHECK(doc["steps"][2]["step"] == "a3");

  // The table form prints the results; history and logs have the run.
  auto table = f.daemon.ryax({ "run", "chain", "--input", "x=10", "--wait" });
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("13") != std::string::npos);
  auto list = f.daemon.ryax({ "runs", "list", "--workflow", "chain", "-o", "json" });
  REQUIRE(list.exit_code == 0);
  CHECK(json::parse(list.out).size() == 2);
  auto logs = f.daemon.ryax({ "logs", doc["id"].get<std::string>(), "--step", "a2" });
  CHECK(logs.exit_code == 0);
  CHECK(logs.out.find("adding one to 2") != std::string::npos);
  CHECK(logs.out.find("adding one to 1") == std::string::npos);

  // Bad trigger values are refused before anything runs.
  auto typo = f.daemon.ryax({ "run", "chain", "--input", "xx=1" });
  CHECK(typo.exit_code == 5);
  CHECK(typo.err.find("did you mean \"x\"") != std::string::npos);
  auto wrong = f.daemon.ryax({ "run", "chain", "--input", "x=one" });
  CHECK(wrong.exit_code == 5);
  CHECK(wrong.err.find("not an integer") != std::string::npos);
  auto unknown = f.daemon.ryax({ "run", "chian" });
  CHECK(unknown.exit_code == 3);
  CHECK(unknown.err.find("did you mean \"chain\"") != std::string::npos);
}

TEST_CASE("a step returning a list fans out: one branch per element")
{
  RunFixture f({ "add", "fanout" });
  f.deploy("spread",
           "    - {name: n, type: integer}\n",
           "  - {id: split, from: fanout, inputs_values: {n: \"{{ start.n }}\"}}\n"
           "  - {id: inc, from: add, inputs_values: {x: \"{{ split.i }}\"}}\n",
           "  - {key: ys, value: \"{{ inc.y }}\"}\n");
  auto run = f.daemon.ryax({ "run", "spread", "--input", "n=5", "--wait", "-o", "json" });
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto doc = json::parse(run.out);
  CHECK(RunFixture::result(doc, "ys") == json({ 1, 2, 3, 4, 5 }));
  const auto split = RunFixture::executions(doc, "split");
  REQUIRE(split.size() == 1);
  CHECK(split[0]["fan_out"] == true);
  CHECK(split[0]["outputs"].size() == 5);
  const auto inc = RunFixture::executions(doc, "inc");
  REQUIRE(inc.size() == 5);
  std::set<std::string> branches;
  for (const auto& e : inc) {
    CHECK(e["state"] == "done");
    branches.insert(e["branch"].get<std::string>());
  }
  CHECK(branches == std::set<std::string>{ "0", "1", "2", "3", "4" });
  auto table = f.daemon.ryax({ "runs", "show", doc["id"].get<std::string>() });
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("inc") != std::string::npos);
}

TEST_CASE("files and directories pass downstream and download")
{
  RunFixture f({ "writer", "reader" });
  f.deploy("files",
           "    - {name: text, type: string}\n",
           "  - {id: w, from: writer, inputs_values: {text: \"{{ start.text }}\"}}\n"
           "  - {id: r, from: reader, inputs_values: {f: \"{{ w.out }}\", d: \"{{ w.tree }}\"}}\n",
           "  - {key: summary, value: \"{{ r.summary }}\"}\n"
           "  - {key: tree, value: \"{{ w.tree }}\"}\n"
           "  - {key: out, value: \"{{ w.out }}\"}\n");
  auto run = f.daemon.ryax({ "run", "files", "--input", "text=hello", "--wait", "-o", "json" });
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto doc = json::parse(run.out);
  CHECK(RunFixture::result(doc, "summary") == "hello|a.txt,sub/b.txt");
  CHECK(RunFixture::result(doc, "out")["file"] == "out.txt");
  CHECK(RunFixture::result(doc, "tree")["directory"] == "tree");

  const fs::path target = f.daemon.dir().path() / "download";
  auto results = f.daemon.ryax({ "runs", "results", doc["id"].get<std::string>(),
                                 "--download", target.string() });
  INFO(results.err);
  REQUIRE(results.exit_code == 0);
  CHECK(read_file(target / "out.txt") == "hello");
  CHECK(read_file(target / "tree" / "a.txt") == "Ahello");
  CHECK(read_file(target / "tree" / "sub" / "b.txt") == "B");
}

TEST_CASE("an uploaded file is a trigger value")
{
  RunFixture f({ "reader" });
  f.deploy("upload",
           "    - {name: f, type: file}\n    - {name: d, type: directory}\n",
           "  - {id: r, from: reader, inputs_values: {f: \"{{ start.f }}\", d: \"{{ start.d }}\"}}\n",
           "  - {key: summary, value: \"{{ r.summary }}\"}\n");
  const fs::path local = f.daemon.dir().path() / "local";
  fs::create_directories(local / "dir" / "x");
  std::ofstream(local / "note.txt") << "uploaded";
  std::ofstream(local / "dir" / "x" / "y.txt") << "y";
  auto run = f.daemon.ryax({ "run", "upload", "--file", "f=" + (local / "note.txt").string(),
                             "--file", "d=" + (local / "dir").string(), "--wait", "-o", "json" });
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(RunFixture::result(json::parse(run.out), "summary") == "uploaded|x/y.txt");
  auto missing = f.daemon.ryax({ "run", "upload", "--file", "f=/nonexistent/file" });
  CHECK(missing.exit_code == 5);
  CHECK(missing.err.find("/nonexistent/file") != std::string::npos);
}

TEST_CASE("an error in the middle step fails the run and stops what follows")
{
  RunFixture f({ "add", "fail" });
  f.deploy("broken",
           "    - {name: x, type: integer}\n",
           "  - {id: first, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n"
           "  - {id: middle, from: fail, inputs_values: {x: \"{{ first.y }}\"}}\n"
           "  - {id: last, from: add, inputs_values: {x: \"{{ middle.y }}\"}}\n");
  auto run = f.daemon.ryax({ "run", "broken", "--input", "x=1", "--wait" });
  CHECK(run.exit_code == 6);
  CHECK(run.err.find("middle") != std::string::npos);
  CHECK(run.err.find("boom in the middle") != std::string::npos);

  auto list = f.daemon.ryax({ "runs", "list", "--status", "error", "-o", "json" });
  REQUIRE(list.exit_code == 0);
  const auto runs = json::parse(list.out);
  REQUIRE(runs.size() == 1);
  const auto doc = f.show(runs[0]["id"]);
  CHECK(doc["state"] == "error");
  CHECK(doc["error_step"] == "middle");
  CHECK(doc["error"]["kind"] == "user_exception");
  CHECK(doc["error"]["traceback"].get<std::string>().find("ValueError") != std::string::npos);
  CHECK(RunFixture::executions(doc, "first")[0]["state"] == "done");
  CHECK(RunFixture::executions(doc, "middle")[0]["state"] == "error");
  CHECK(RunFixture::executions(doc, "last")[0]["state"] == "cancelled");
  CHECK(RunFixture::executions(doc, "last")[0]["started_at"] == nullptr);
}

TEST_CASE("cancel stops a long step and logs -f streams while it runs")
{
  RunFixture f({ "sleeper" });
  f.deploy("slow",
           "    - {name: seconds, type: float}\n",
           "  - {id: nap, from: sleeper, inputs_values: {seconds: \"{{ start.seconds }}\"}}\n");

  // logs -f: lines arrive while the step runs, and the stream ends with the run.
  const auto short_run = start_run(f, { "slow", "--input", "seconds=3" });
  const auto log_file = f.daemon.dir() / "follow.log";
  auto env = f.daemon.env();
  BackgroundProcess follow({ ryax_binary(), "logs", short_run, "-f" }, env, log_file);
  REQUIRE(eventually([&] { return read_file(log_file).find("tick 2") != std::string::npos; }));
  CHECK(f.show(short_run)["state"] == "running");
  const auto ended = follow.wait(std::chrono::seconds(30));
  REQUIRE(ended.has_value());
  CHECK(*ended == 0);
  CHECK(f.show(short_run)["state"] == "done");
  CHECK(read_file(log_file).find("tick 10") != std::string::npos);

  // cancel: the wrapper ends the execution at once.
  const auto long_run = start_run(f, { "slow", "--input", "seconds=120" });
  REQUIRE(eventually([&]() -> bool {
    return RunFixture::executions(f.show(long_run), "nap")[0]["state"] == "running";
  }));
  const auto before = std::chrono::steady_clock::now();
  auto cancel = f.daemon.ryax({ "runs", "cancel", long_run });
  INFO(cancel.err);
  REQUIRE(cancel.exit_code == 0);
  REQUIRE(eventually([&]() -> bool {
    return RunFixture::executions(f.show(long_run), "nap")[0]["state"] == "cancelled";
  }));
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(15));
  const auto doc = f.show(long_run);
  CHECK(doc["state"] == "cancelled");
  auto again = f.daemon.ryax({ "runs", "cancel", long_run });
  CHECK(again.exit_code == 5);
  auto wait = f.daemon.ryax({ "run", "slow", "--input", "seconds=60", "--wait", "--timeout", "1s" });
  CHECK(wait.exit_code == 124);
}

TEST_CASE("a run survives kill -9 of ryaxd: finished steps never run again")
{
  // The journal is outside the data dir: the sandbox lets the code write it.
  const TempDir shared;
  RunFixture f({ "counter" }, sandbox_writable(shared));
  const std::string journal = shared / "journal.txt";
  std::string actions;
  for (int i = 1; i <= 10; ++i) {
    actions += "  - {id: s" + std::to_string(i) + ", from: counter, inputs_values: {x: \""
               + (i == 1 ? std::string("{{ start.x }}") : "{{ s" + std::to_string(i - 1) + ".y }}")
               + "\", journal: " + journal + "}}\n";
  }
  f.deploy("ten", "    - {name: x, type: integer}\n", actions,
           "  - {key: y, value: \"{{ s10.y }}\"}\n");
  const auto run_id = start_run(f, { "ten", "--input", "x=0" });
  json before;
  REQUIRE(eventually([&] {
    before = f.show(run_id);
    int done = 0;
    for (const auto& s : before["steps"]) {
      done += s["state"] == "done" ? 1 : 0;
    }
    return done >= 3;
  }));
  f.daemon.process()->signal(SIGKILL);
  REQUIRE(f.daemon.process()->wait(std::chrono::seconds(10)).has_value());
  f.daemon.start();
  json after;
  REQUIRE(eventually([&]() -> bool {
    after = f.show(run_id);
    return after["state"] == "done";
  }, std::chrono::seconds(60)));
  CHECK(RunFixture::result(after, "y") == 10);

  // Each x was written once per execution of its step.
  std::map<std::string, int> executions;
  std::ifstream in(journal);
  for (std::string line; std::getline(in, line);) {
    ++executions[line];
  }
  for (const auto& s : before["steps"]) {
    const auto x = std::to_string(std::stoi(s["step"].get<std::string>().substr(1)) - 1);
    if (s["state"] == "done") {
      CHECK_MESSAGE(executions[x] == 1, "step ", s["step"], " ran ", executions[x], " times");
    }
  }
  int retried = 0;
  for (const auto& s : after["steps"]) {
    CHECK(s["state"] == "done");
    retried += s["attempt"].get<int>() > 1 ? 1 : 0;
  }
  CHECK(retried <= 1);
}

TEST_CASE("many runs survive kill -9 of ryaxd: none is lost, no step shown "
          "done runs again")
{
  const TempDir shared;
  RunFixture f({ "journaled" }, sandbox_writable(shared));
  const std::string journal = shared / "journal.txt";
  std::string actions;
  for (int i = 1; i <= 3; ++i) {
    actions += "  - {id: s" + std::to_string(i) + ", from: journaled, "
               + "inputs_values: {x: \""
               + (i == 1 ? std::string("{{ start.x }}")
                         : "{{ s" + std::to_string(i - 1) + ".y }}")
               + "\", journal: " + journal + "}}\n";
  }
  f.deploy("three", "    - {name: x, type: integer}\n", actions);
  // Each run's steps write x, x + 1, x + 2: unique lines per execution.
  std::vector<std::string> ids;
  for (int run = 0; run < 20; ++run) {
    ids.push_back(
      start_run(f, { "three", "--input", "x=" + std::to_string(run * 100) }));
  }
  const auto journal_lines = [&] {
    std::ifstream in(journal);
    int lines = 0;
    for (std::string line; std::getline(in, line);) {
      ++lines;
    }
    return lines;
  };
  REQUIRE(eventually([&] { return journal_lines() >= 15; }));
  // What is shown done now must never run again.
  std::set<std::string> shown_done;
  for (std::size_t run = 0; run < ids.size(); ++run) {
    const auto doc = f.show(ids[run]);
    for (const auto& s : doc["steps"]) {
      if (s["state"] == "done") {
        const auto step = std::stoi(s["step"].get<std::string>().substr(1));
        shown_done.insert(std::to_string(run * 100 + step - 1));
      }
    }
  }
  CHECK(shown_done.size() >= 10);
  f.daemon.process()->signal(SIGKILL);
  REQUIRE(f.daemon.process()->wait(std::chrono::seconds(10)).has_value());
  f.daemon.start();
  for (const auto& id : ids) {
    REQUIRE(eventually([&] { return f.show(id)["state"] == "done"; },
                       std::chrono::seconds(60)));
  }
  std::map<std::string, int> executions;
  std::ifstream in(journal);
  for (std::string line; std::getline(in, line);) {
    ++executions[line];
  }
  for (std::size_t run = 0; run < ids.size(); ++run) {
    for (int step = 0; step < 3; ++step) {
      const auto x = std::to_string(run * 100 + step);
      CHECK_MESSAGE(executions[x] >= 1, "x ", x, " never ran");
      if (shown_done.contains(x)) {
        CHECK_MESSAGE(executions[x] == 1, "x ", x, " ran ", executions[x],
                      " times though shown done");
      }
    }
  }
}

TEST_CASE("outputs naming paths outside the execution are refused")
{
  RunFixture f({ "escape" });
  f.deploy("escape",
           "    - {name: how, type: string}\n",
           "  - {id: e, from: escape, inputs_values: {how: \"{{ start.how }}\"}}\n");
  for (const std::string how : { "dotdot", "absolute", "symlink" }) {
    CAPTURE(how);
    auto run = f.daemon.ryax({ "run", "escape", "--input", "how=" + how, "--wait" });
    CHECK(run.exit_code == 6);
    CHECK(run.err.find("invalid_output") != std::string::npos);
    CHECK(run.err.find("outside") != std::string::npos);
  }
}

TEST_CASE("retention removes old runs and their files")
{
  RunFixture f({ "writer" },
               "run_retention:\n  runs_per_workflow: 1\nhousekeeping_interval_seconds: 1\n");
  f.deploy("keep",
           "    - {name: text, type: string}\n",
           "  - {id: w, from: writer, inputs_values: {text: \"{{ start.text }}\"}}\n");
  auto first = f.daemon.ryax({ "run", "keep", "--input", "text=first", "--wait", "-o", "json" });
  REQUIRE(first.exit_code == 0);
  const auto old_doc = json::parse(first.out);
  const auto old_key =
    RunFixture::executions(old_doc, "w")[0]["outputs"][0]["out"]["key"].get<std::string>();
  const auto digest = old_key.substr(0, old_key.find('/'));
  const auto files_root = fs::path(f.daemon.home()) / "run-files";
  // Whether an object of the first run is on disk (the store may be
  // deleting while this walks it).
  const auto stored = [&] {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(files_root, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->path().string().find(digest) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  REQUIRE(stored());
  auto second = f.daemon.ryax({ "run", "keep", "--input", "text=second", "--wait" });
  REQUIRE(second.exit_code == 0);
  REQUIRE(eventually([&] {
    return f.daemon.ryax({ "runs", "show", old_doc["id"] }).exit_code == 3;
  }));
  // The files go right after the run's rows.
  CHECK(eventually([&] { return !stored(); }));
  auto list = f.daemon.ryax({ "runs", "list", "-o", "json" });
  CHECK(json::parse(list.out).size() == 1);
}

TEST_CASE("runs rm forgets a finished run, its log and its files")
{
  RunFixture f({ "add" });
  f.deploy("chain", "    - {name: x, type: integer}\n", k_chain3);
  auto run = f.daemon.ryax({ "run", "chain", "--input", "x=1", "--wait", "-o", "json" });
  REQUIRE(run.exit_code == 0);
  const auto id = json::parse(run.out)["id"].get<std::string>();
  CHECK(fs::exists(fs::path(f.daemon.home()) / "run-logs" / (id + ".log")));
  f.require_ok({ "runs", "rm", id });
  CHECK(f.daemon.ryax({ "runs", "show", id }).exit_code == 3);
  CHECK_FALSE(fs::exists(fs::path(f.daemon.home()) / "run-logs" / (id + ".log")));
  CHECK(f.daemon.ryax({ "runs", "rm", id }).exit_code == 3);
}

TEST_SUITE_END();
