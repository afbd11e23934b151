// Workflow runs end to end: a real ryaxd runs real python actions (scanned
// from a git repository made with libgit2, built into venvs) in ryax-wrapper
// replicas, driven by the real ryax binary.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"

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

// One python action: its metadata's io lines and its handler.
struct TestAction
{
  std::string inputs;  // YAML list items, "" for none
  std::string outputs; // YAML list items
  std::string handler; // the body of ryax_handler.py
};

const std::map<std::string, TestAction>&
test_actions()
{
  static const std::map<std::string, TestAction> actions = {
    { "add",
      { "  - {name: x, human_name: X, help: h, type: integer}\n",
        "  - {name: y, human_name: Y, help: h, type: integer}\n",
        "def handle(r):\n    print('adding one to', r['x'], flush=True)\n"
        "    return {'y': r['x'] + 1}\n" } },
    { "fanout",
      { "  - {name: n, human_name: N, help: h, type: integer}\n",
        "  - {name: i, human_name: I, help: h, type: integer}\n",
        "def handle(r):\n    return [{'i': k} for k in range(r['n'])]\n" } },
    { "fail",
      { "  - {name: x, human_name: X, help: h, type: integer}\n",
        "  - {name: y, human_name: Y, help: h, type: integer}\n",
        "def handle(r):\n    raise ValueError('boom in the middle')\n" } },
    { "sleeper",
      { "  - {name: seconds, human_name: S, help: h, type: float}\n",
        "  - {name: done, human_name: D, help: h, type: boolean}\n",
        "import time\n"
        "def handle(r):\n"
        "    end = time.time() + r['seconds']\n"
        "    tick = 0\n"
        "    while time.time() < end:\n"
        "        tick += 1\n"
        "        print('tick', tick, flush=True)\n"
        "        time.sleep(0.2)\n"
        "    return {'done': True}\n" } },
    { "writer",
      { "  - {name: text, human_name: T, help: h, type: string}\n",
        "  - {name: out, human_name: O, help: h, type: file}\n"
        "  - {name: tree, human_name: T, help: h, type: directory}\n",
        "import os\n"
        "def handle(r):\n"
        "    with open('out.txt', 'w') as f:\n"
        "        f.write(r['text'])\n"
        "    os.makedirs('tree/sub')\n"
        "    with open('tree/a.txt', 'w') as f:\n"
        "        f.write('A' + r['text'])\n"
        "    with open('tree/sub/b.txt', 'w') as f:\n"
        "        f.write('B')\n"
        "    return {'out': 'out.txt', 'tree': 'tree'}\n" } },
    { "reader",
      { "  - {name: f, human_name: F, help: h, type: file}\n"
        "  - {name: d, human_name: D, help: h, type: directory}\n",
        "  - {name: summary, human_name: S, help: h, type: string}\n",
        "import os\n"
        "def handle(r):\n"
        "    with open(r['f']) as f:\n"
        "        text = f.read()\n"
        "    names = []\n"
        "    for top, dirs, files in os.walk(r['d']):\n"
        "        for name in files:\n"
        "            names.append(os.path.relpath(os.path.join(top, name), r['d']))\n"
        "    return {'summary': text + '|' + ','.join(sorted(names))}\n" } },
    { "escape",
      { "  - {name: how, human_name: H, help: h, type: string}\n",
        "  - {name: out, human_name: O, help: h, type: file}\n",
        "import os\n"
        "def handle(r):\n"
        "    if r['how'] == 'dotdot':\n"
        "        return {'out': '../../../../../../etc/hostname'}\n"
        "    if r['how'] == 'absolute':\n"
        "        return {'out': '/etc/hostname'}\n"
        "    os.symlink('/etc/hostname', 'link.txt')\n"
        "    return {'out': 'link.txt'}\n" } },
    { "counter",
      { "  - {name: x, human_name: X, help: h, type: integer}\n"
        "  - {name: journal, human_name: J, help: h, type: string}\n",
        "  - {name: y, human_name: Y, help: h, type: integer}\n",
        "import time\n"
        "def handle(r):\n"
        "    with open(r['journal'], 'a') as f:\n"
        "        f.write(str(r['x']) + '\\n')\n"
        "    time.sleep(0.4)\n"
        "    return {'y': r['x'] + 1}\n" } },
  };
  return actions;
}

std::string
metadata(const std::string& id, const TestAction& action)
{
  return "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n  id: " + id
         + "\n  human_name: Action " + id
         + "\n  type: python3\n  version: \"1.0\"\n"
         + (action.inputs.empty() ? "" : "  inputs:\n" + action.inputs)
         + "  outputs:\n" + action.outputs;
}

// A daemon with the test actions named in `actions` scanned and built.
class RunFixture
{
public:
  explicit RunFixture(const std::vector<std::string>& actions,
                      const std::string& config = "")
    : daemon(false)
  {
    if (!config.empty()) {
      fs::create_directories(daemon.home());
      std::ofstream(daemon.home() + "/ryaxd.yaml") << config;
    }
    daemon.start();
    GitBuilder repo(daemon.dir().path() / "actions.git");
    for (const auto& id : actions) {
      const auto& action = test_actions().at(id);
      repo.write(id + "/ryax_metadata.yaml", metadata(id, action));
      repo.write(id + "/ryax_handler.py", action.handler);
      repo.write(id + "/requirements.txt", "");
    }
    repo.commit("test actions");
    require_ok({ "repo", "add", "actions", repo.url() });
    require_ok({ "repo", "scan", "actions", "--strict" });
    require_ok({ "action", "build", "--repo", "actions", "--all", "--wait" });
  }

  ProcessResult
  require_ok(const std::vector<std::string>& args) const
  {
    auto result = daemon.ryax(args);
    INFO("ryax ", args.front(), " ", args.size() > 1 ? args[1] : "");
    INFO(result.out);
    REQUIRE_MESSAGE(result.exit_code == 0, result.err);
    return result;
  }

  // Push and deploy a workflow of a manual trigger with `trigger_outputs`,
  // then `actions` (YAML list items) and `results`.
  void
  deploy(const std::string& id,
         const std::string& trigger_outputs,
         const std::string& actions,
         const std::string& results = "")
  {
    const auto path = daemon.dir() / (id + ".yaml");
    std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
                           "  id: "
                        << id
                        << "\n  trigger:\n    id: start\n    from: manual\n"
                           "    outputs:\n"
                        << trigger_outputs << "  actions:\n"
                        << actions
                        << (results.empty() ? "" : "  results:\n" + results);
    require_ok({ "workflow", "push", path, "--deploy" });
  }

  json
  show(const std::string& run_id) const
  {
    auto result = daemon.ryax({ "runs", "show", run_id, "-o", "json" });
    REQUIRE_MESSAGE(result.exit_code == 0, result.err);
    return json::parse(result.out);
  }

  // The executions of `step` in `run` (a run document).
  static std::vector<json>
  executions(const json& run, const std::string& step)
  {
    std::vector<json> found;
    for (const auto& s : run["steps"]) {
      if (s["step"] == step) {
        found.push_back(s);
      }
    }
    return found;
  }

  static json
  result(const json& run, const std::string& key)
  {
    for (const auto& r : run["results"]) {
      if (r["key"] == key) {
        return r["value"];
      }
    }
    return nullptr;
  }

  DaemonFixture daemon;
};

std::string
start_run(const RunFixture& f, const std::vector<std::string>& args)
{
  std::vector<std::string> argv = { "run" };
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), { "-o", "json" });
  auto started = f.daemon.ryax(argv);
  REQUIRE_MESSAGE(started.exit_code == 0, started.err);
  return json::parse(started.out)["id"].get<std::string>();
}

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
  RunFixture f({ "counter" });
  const auto journal = f.daemon.dir() / "journal.txt";
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
  const auto stored = [&] {
    for (const auto& entry : fs::recursive_directory_iterator(files_root)) {
      if (entry.path().string().find(digest) != std::string::npos) {
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
  CHECK_FALSE(stored());
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
