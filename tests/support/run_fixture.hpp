#pragma once

// A real ryaxd with python test actions scanned from a git repository made
// with libgit2 and built, and helpers to deploy workflows of them and read
// run documents: shared by the runner and scheduler integration tests.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ryax::test {

using nlohmann::json;
namespace fs = std::filesystem;

// One python action: its metadata's io lines and its handler.
struct TestAction
{
  std::string inputs;  // YAML list items, "" for none
  std::string outputs; // YAML list items
  std::string handler; // the body of ryax_handler.py
};

inline const std::map<std::string, TestAction>&
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
    { "escapes", // an error message holding terminal escapes
      { "  - {name: x, human_name: X, help: h, type: integer}\n",
        "  - {name: y, human_name: Y, help: h, type: integer}\n",
        "def handle(r):\n"
        "    raise ValueError('\\x1b[31mred\\x1b]0;pwned\\x07 \\x9b2J')\n" } },
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
    { "journaled",
      { "  - {name: x, human_name: X, help: h, type: integer}\n"
        "  - {name: journal, human_name: J, help: h, type: string}\n",
        "  - {name: y, human_name: Y, help: h, type: integer}\n",
        "import time\n"
        "def handle(r):\n"
        "    with open(r['journal'], 'a') as f:\n"
        "        f.write(str(r['x']) + '\\n')\n"
        "    time.sleep(0.05)\n"
        "    return {'y': r['x'] + 1}\n" } },
    { "environ",
      { "  - {name: x, human_name: X, help: h, type: integer}\n",
        "  - {name: env, human_name: E, help: h, type: string}\n"
        "  - {name: cwd, human_name: C, help: h, type: string}\n",
        "import json, os\n"
        "def handle(r):\n"
        "    return {'env': json.dumps(dict(os.environ)), 'cwd': os.getcwd()}\n" } },
    { "vault",
      { "  - {name: pw, human_name: P, help: h, type: password}\n",
        "  - {name: ok, human_name: O, help: h, type: boolean}\n"
        "  - {name: token, human_name: T, help: h, type: password}\n",
        "def handle(r):\n"
        "    return {'ok': r['pw'] == 'hunter2-run', 'token': 'tok-' + r['pw']}\n" } },
    { "shout",
      { "  - {name: pw, human_name: P, help: h, type: password}\n"
        "  - {name: greeting, human_name: G, help: h, type: string}\n"
        "  - {name: n, human_name: N, help: h, type: integer}\n",
        "  - {name: y, human_name: Y, help: h, type: integer}\n",
        "def handle(r):\n"
        "    print('pw is', r['pw'], flush=True)\n"
        "    print('greeting is', r['greeting'], flush=True)\n"
        "    return {'y': r['n'] + 1}\n" } },
    { "echo",
      { "  - {name: name, human_name: N, help: h, type: string}\n"
        "  - {name: n, human_name: N, help: h, type: integer}\n",
        "  - {name: text, human_name: T, help: h, type: string}\n",
        "def handle(r):\n"
        "    return {'text': r['name'] + ':' + str(r['n'])}\n" } },
    { "teapot",
      { "  - {name: x, human_name: X, help: h, type: integer}\n",
        "  - {name: y, human_name: Y, help: h, type: integer}\n",
        "from ryax_wrapper import RyaxException\n"
        "def handle(r):\n"
        "    if r['x'] < 0:\n"
        "        raise RyaxException('no tea for ' + str(r['x']), 418)\n"
        "    return {'y': r['x'] * 2}\n" } },
    { "cat",
      { "  - {name: f, human_name: F, help: h, type: file}\n"
        "  - {name: label, human_name: L, help: h, type: string}\n",
        "  - {name: text, human_name: T, help: h, type: string}\n",
        "def handle(r):\n"
        "    with open(r['f']) as f:\n"
        "        return {'text': r['label'] + '=' + f.read()}\n" } },
    { "probe",
      { "  - {name: paths, human_name: P, help: h, type: string}\n",
        "  - {name: report, human_name: R, help: h, type: string}\n",
        "import json, os, socket\n"
        "def can(f):\n"
        "    try:\n"
        "        f()\n"
        "        return True\n"
        "    except OSError:\n"
        "        return False\n"
        "def connect(p):\n"
        "    s = socket.socket(socket.AF_UNIX)\n"
        "    s.settimeout(2)\n"
        "    s.connect(p)\n"
        "def handle(r):\n"
        "    paths = [p for p in r['paths'].split(',') if p]\n"
        "    with open('/proc/net/dev') as f:\n"
        "        links = [l.split(':')[0].strip() for l in f.readlines()[2:]]\n"
        "    return {'report': json.dumps({\n"
        "        'uid': os.getuid(),\n"
        "        'read': {p: can(lambda: open(p, 'rb').read(1)) for p in paths},\n"
        "        'connect': {p: can(lambda: connect(p)) for p in paths if p.endswith('.sock')},\n"
        "        'write_etc': can(lambda: open('/etc/ryax-probe', 'w')),\n"
        "        'write_cwd': can(lambda: open('probe.txt', 'w')),\n"
        "        'write_tmp': can(lambda: open('/tmp/probe.txt', 'w')),\n"
        "        'pids': len([p for p in os.listdir('/proc') if p.isdigit()]),\n"
        "        'links': links})}\n" } },
    { "napper",
      { "  - {name: marker, human_name: M, help: h, type: string}\n"
        "  - {name: tag, human_name: T, help: h, type: string}\n",
        "  - {name: attempts, human_name: A, help: h, type: integer}\n",
        "import os, subprocess, time\n"
        "def handle(r):\n"
        "    seen = os.path.exists(r['marker'])\n"
        "    with open(r['marker'], 'a') as f:\n"
        "        f.write('x')\n"
        "    if not seen:\n"
        "        subprocess.Popen(['sleep', '999.' + r['tag']])\n"
        "        print('napping', flush=True)\n"
        "        time.sleep(120)\n"
        "    with open(r['marker']) as f:\n"
        "        return {'attempts': len(f.read())}\n" } },
    { "blob",
      { "  - {name: mb, human_name: M, help: h, type: integer}\n",
        "  - {name: f, human_name: F, help: h, type: file}\n",
        "def handle(r):\n"
        "    with open('blob.bin', 'wb') as f:\n"
        "        for _ in range(r['mb']):\n"
        "            f.write(b'x' * 1048576)\n"
        "    return {'f': 'blob.bin'}\n" } },
    { "big",
      { "  - {name: mb, human_name: M, help: h, type: integer}\n",
        "  - {name: s, human_name: S, help: h, type: string}\n",
        "def handle(r):\n"
        "    return {'s': 'x' * (r['mb'] * 1048576)}\n" } },
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

inline std::string
metadata(const std::string& id, const TestAction& action)
{
  return "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n  id: " + id
         + "\n  human_name: Action " + id
         + "\n  type: python3\n  version: \"1.0\"\n"
         + (action.inputs.empty() ? "" : "  inputs:\n" + action.inputs)
         + "  outputs:\n" + action.outputs;
}

// The ryaxd.yaml of a daemon whose sandbox lets user code write `dir` too
// (test actions that keep a journal there).
inline std::string
sandbox_writable(const TempDir& dir)
{
  return "site:\n  sandbox_writable: [" + dir.path().string() + "]\n";
}

// A daemon with the test actions named in `actions` scanned and built, its
// configuration file holding `config` and its environment changed by
// `daemon_env`; `before_start` gets the data dir (created) first.
class RunFixture
{
public:
  explicit RunFixture(const std::vector<std::string>& actions,
                      const std::string& config = "",
                      const EnvOverrides& daemon_env = {},
                      const std::function<void(const std::string&)>&
                        before_start = {})
    : daemon(false)
  {
    fs::create_directories(daemon.home());
    if (before_start) {
      before_start(daemon.home());
    }
    if (!config.empty()) {
      std::ofstream(daemon.home() + "/ryaxd.yaml") << config;
    }
    daemon.start({}, daemon_env);
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

inline std::string
start_run(const RunFixture& f, const std::vector<std::string>& args)
{
  std::vector<std::string> argv = { "run" };
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), { "-o", "json" });
  auto started = f.daemon.ryax(argv);
  REQUIRE_MESSAGE(started.exit_code == 0, started.err);
  return json::parse(started.out)["id"].get<std::string>();
}


} // namespace ryax::test
