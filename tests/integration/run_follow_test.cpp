// Naming and following runs from the shell: selectors (@latest, the start
// of an id), run --wait --logs, runs show --watch, runs list -w and Ctrl-C
// during --wait, on a real ryaxd and the real ryax binary.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run_fixture.hpp"
#include "tests/support/text.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <regex>

using namespace ryax::test;
using nlohmann::json;

namespace {

const std::string k_add_one =
  "  - {id: a1, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n";
const std::string k_nap =
  "  - {id: nap, from: sleeper, inputs_values: {seconds: \"{{ start.seconds }}\"}}\n";

// Every member of `doc` (at any depth) whose name ends in "_at" is null or
// an RFC 3339 UTC time; returns how many were checked.
int
check_times(const json& doc)
{
  static const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z)");
  int checked = 0;
  if (doc.is_object()) {
    for (const auto& [key, value] : doc.items()) {
      if (key.ends_with("_at")) {
        CAPTURE(key);
        CHECK((value.is_null()
               || (value.is_string() && std::regex_match(value.get<std::string>(), rfc3339))));
        ++checked;
      }
      checked += check_times(value);
    }
  } else if (doc.is_array()) {
    for (const auto& item : doc) {
      checked += check_times(item);
    }
  }
  return checked;
}

} // namespace

TEST_SUITE_BEGIN("integration: following runs");

TEST_CASE("runs are named by @latest, by the start of their id, or refused "
          "with a did-you-mean")
{
  RunFixture f({ "add" });
  f.deploy("one", "    - {name: x, type: integer}\n", k_add_one);
  f.deploy("two", "    - {name: x, type: integer}\n", k_add_one);
  const auto first = start_run(f, { "one", "--input", "x=1", "--wait" });
  const auto second = start_run(f, { "one", "--input", "x=2", "--wait" });
  const auto other = start_run(f, { "two", "--input", "x=3", "--wait" });

  CHECK(f.show("@latest")["id"] == other);
  auto latest_of = f.daemon.ryax({ "runs", "show", "@latest", "--workflow", "one", "-o", "json" });
  REQUIRE_MESSAGE(latest_of.exit_code == 0, latest_of.err);
  CHECK(json::parse(latest_of.out)["id"] == second);

  // The start of an id, with or without "run-", as long as it is unique.
  const auto hex = first.substr(4);
  CHECK(f.show(first.substr(0, first.size() - 1))["id"] == first);
  CHECK(f.show(hex.substr(0, hex.size() - 2))["id"] == first);
  auto logs = f.daemon.ryax({ "logs", hex.substr(0, hex.size() - 1) });
  CHECK(logs.exit_code == 0);
  CHECK(logs.out.find("adding one to 1") != std::string::npos);
  auto results = f.daemon.ryax({ "runs", "results", "@latest", "--workflow", "two", "-o", "json" });
  CHECK(json::parse(results.out)["id"] == other);

  auto ambiguous = f.daemon.ryax({ "runs", "show", "run-" });
  CHECK(ambiguous.exit_code == 5);
  CHECK(ambiguous.err.starts_with("ryax: error: run \"run-\" is ambiguous: "));
  CHECK(lines_of(ambiguous.err).size() == 1);

  auto typo = first;
  typo.back() = typo.back() == 'f' ? 'e' : 'f';
  typo += "0";
  auto unknown = f.daemon.ryax({ "runs", "show", typo });
  CHECK(unknown.exit_code == 3);
  CHECK(unknown.err == "ryax: error: run \"" + typo + "\" not found (did you mean \""
                         + first + "\"?)\n");

  auto none = f.daemon.ryax({ "runs", "show", "@latest", "--workflow", "three" });
  CHECK(none.exit_code == 3);
  CHECK(none.err == "ryax: error: @latest: workflow \"three\" has no run yet\n");

  // -o name prints the ids, newest first; --limit that cuts the list says
  // so on stderr; --no-headers leaves the header row out.
  auto names = f.daemon.ryax({ "runs", "list", "-o", "name" });
  CHECK(names.out == other + "\n" + second + "\n" + first + "\n");
  CHECK(names.err.empty());
  auto cut = f.daemon.ryax({ "runs", "list", "--limit", "2", "--no-headers" });
  CHECK(cut.exit_code == 0);
  REQUIRE(lines_of(cut.out).size() == 2);
  CHECK(cut.out.starts_with(other + "  two  "));
  CHECK(cut.err == "ryax: note: the newest 2 runs are shown; --limit N shows more\n");
  CHECK(f.daemon.ryax({ "runs", "list", "--limit", "2", "-q" }).err.empty());
  CHECK(f.daemon.ryax({ "runs", "list", "--limit", "3" }).err.empty());
  auto huge = f.daemon.ryax({ "runs", "list", "--limit", "100000" });
  CHECK(huge.exit_code == 2);
  CHECK(huge.err.starts_with("ryax: error: ryax runs list: --limit: Value 100000 not in range 1 to 10000\n"));
  // -o jq=EXPR: libjq on the JSON document; strings raw, as jq -r.
  auto jq = f.daemon.ryax({ "runs", "list", "-o", "jq=.[] | select(.workflow_id == \"one\") | .id" });
  CHECK(jq.exit_code == 0);
  CHECK(jq.out == second + "\n" + first + "\n");
  auto jq_object = f.daemon.ryax({ "runs", "show", first, "-o", "jq={id, state}" });
  CHECK(jq_object.out == "{\"id\":\"" + first + "\",\"state\":\"done\"}\n");
  auto jq_syntax = f.daemon.ryax({ "runs", "list", "-o", "jq=.[" });
  CHECK(jq_syntax.exit_code == 2);
  CHECK(jq_syntax.err.starts_with("ryax: error: ryax runs list: --output: jq=.[: jq: error: syntax error"));
  auto jq_fails = f.daemon.ryax({ "runs", "show", first, "-o", "jq=.id | error(\"no\")" });
  CHECK(jq_fails.exit_code == 5);
  CHECK(jq_fails.err == "ryax: error: -o jq=.id | error(\"no\"): jq: error: no\n");
  auto jq_logs = f.daemon.ryax({ "logs", first, "-o", "jq=.line" });
  CHECK(jq_logs.out == "adding one to 1\n");
  // A command printing text of another kind refuses -o; RYAX_OUTPUT is
  // only a default.
  auto exported = f.daemon.ryax({ "workflow", "export", "one", "-o", "json" });
  CHECK(exported.exit_code == 2);
  CHECK(exported.err.starts_with("ryax: error: ryax workflow export: --output: json is not "
                                 "taken: it prints the workflow file (YAML)\n"));
  auto by_default = f.daemon.ryax({ "workflow", "export", "one" }, "", { { "RYAX_OUTPUT", "json" } });
  CHECK(by_default.exit_code == 0);
  CHECK(by_default.out.starts_with("apiVersion: "));
  auto removed = f.daemon.ryax({ "runs", "cancel", first, "-o", "json" });
  CHECK(removed.exit_code == 5); // already done: the one-line error
  const std::string scaffold = f.daemon.dir() / "fresh";
  auto init = f.daemon.ryax({ "action", "init", scaffold, "--kind", "processor", "-o", "json" });
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  CHECK(json::parse(init.out)["files"].size() >= 3);
  auto logs_names = f.daemon.ryax({ "logs", "@latest", "-o", "name" });
  CHECK(logs_names.exit_code == 2);
  CHECK(logs_names.err == "ryax: error: -o name: log lines have no names (use -o json)\n");

  // One time format in every JSON document: RFC 3339 UTC in *_at.
  int times = 0;
  for (const std::vector<std::string>& command :
       { std::vector<std::string>{ "runs", "list" }, { "runs", "show", first },
         { "workflow", "list" }, { "workflow", "show", "one" }, { "repo", "list" },
         { "action", "list" }, { "action", "show", "add" }, { "action", "build", "add" },
         { "variable", "list" }, { "site", "list" }, { "project", "list" },
         { "user", "list" } }) {
    auto args = command;
    args.insert(args.end(), { "-o", "json" });
    const auto out = f.daemon.ryax(args);
    CAPTURE(out.err);
    REQUIRE_MESSAGE(out.exit_code == 0, command[0], " ", command[1]);
    times += check_times(json::parse(out.out));
  }
  CHECK(times >= 20);

  // rm takes a selector too, and says which run it removed.
  auto rm = f.daemon.ryax({ "runs", "rm", hex.substr(0, hex.size() - 1), "-o", "json" });
  REQUIRE_MESSAGE(rm.exit_code == 0, rm.err);
  CHECK(json::parse(rm.out)["run_id"] == first);

  // Several runs: asked on a terminal (script(1) gives ryax one), never in
  // a script; --yes does not ask.
  const auto on_terminal = [&](const std::string& answer, const std::string& flags) {
    return run({ "script", "-qec", ryax_binary() + " runs rm " + second + " " + other + flags,
                 "/dev/null" },
               f.daemon.env(), answer);
  };
  auto declined = on_terminal("n\n", "");
  CHECK(declined.exit_code == 0);
  CHECK(declined.out.find("Remove 2 runs with their logs and files? [y/N]") != std::string::npos);
  CHECK(declined.out.find("ryax: nothing removed") != std::string::npos);
  CHECK(f.daemon.ryax({ "runs", "show", second }).exit_code == 0);
  auto forced = on_terminal("", " --yes");
  CHECK_MESSAGE(forced.exit_code == 0, forced.out);
  CHECK(forced.out.find("[y/N]") == std::string::npos);
  CHECK(forced.out.find("run " + other + " removed") != std::string::npos);
  CHECK(f.daemon.ryax({ "runs", "show", second }).exit_code == 3);

  // In a script, one unknown run among several: the others go, exit 3.
  const auto third = start_run(f, { "one", "--input", "x=4", "--wait" });
  auto mixed = f.daemon.ryax({ "runs", "rm", third, "run-nope", "-o", "json" });
  CHECK(mixed.exit_code == 3);
  CHECK(json::parse(mixed.out).size() == 1);
  CHECK(f.daemon.ryax({ "runs", "show", third }).exit_code == 3);
}

TEST_CASE("workflow show --watch follows a deployment until it is done")
{
  RunFixture f({ "add" });
  const auto path = f.daemon.dir() / "late.yaml";
  std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: late\n"
                         "  trigger:\n    id: start\n    from: manual\n    outputs:\n"
                         "    - {name: x, type: integer}\n  actions:\n"
                      << k_add_one;
  f.require_ok({ "workflow", "push", path });
  // Not deploying: printed once.
  auto idle = f.daemon.ryax({ "workflow", "show", "late", "--watch", "-o", "jq=.id" });
  CHECK(idle.exit_code == 0);
  CHECK(idle.out == "late\n");
  f.require_ok({ "workflow", "deploy", "late" });
  auto watched = f.daemon.ryax({ "workflow", "show", "late", "--watch" });
  CHECK(watched.exit_code == 0);
  CHECK(watched.out.find("deployed (version 1)") != std::string::npos);
}

TEST_CASE("run --wait --logs prints the steps' lines on stderr and the run "
          "on stdout, and Ctrl-C leaves the run going with one line")
{
  RunFixture f({ "sleeper" });
  f.deploy("slow", "    - {name: seconds, type: float}\n", k_nap);
  auto waited = f.daemon.ryax({ "run", "slow", "--input", "seconds=1", "--wait",
                                "--logs", "-o", "json" });
  REQUIRE_MESSAGE(waited.exit_code == 0, waited.err);
  CHECK(json::parse(waited.out)["state"] == "done");
  CHECK(waited.err.find("nap") != std::string::npos);
  CHECK(waited.err.find("tick 1") != std::string::npos);

  auto without = f.daemon.ryax({ "run", "slow", "--input", "seconds=1", "--logs" });
  CHECK(without.exit_code == 2);
  CHECK(without.err.find("--logs requires --wait") != std::string::npos);

  const auto log_file = f.daemon.dir() / "interrupted.log";
  BackgroundProcess waiting({ ryax_binary(), "run", "slow", "--input", "seconds=60", "--wait" },
                            f.daemon.env(), log_file);
  std::string id;
  REQUIRE(eventually([&] {
    auto latest = f.daemon.ryax({ "runs", "show", "@latest", "-o", "json" });
    if (latest.exit_code != 0) {
      return false;
    }
    const auto doc = json::parse(latest.out);
    id = doc["id"].get<std::string>();
    return doc["state"] == "running";
  }));
  waiting.signal(SIGINT);
  const auto ended = waiting.wait(std::chrono::seconds(10));
  REQUIRE(ended.has_value());
  CHECK(*ended == 130);
  CHECK(read_file(log_file)
        == "ryax: interrupted: run " + id + " goes on (follow it with \"ryax runs show "
             + id + " --watch\", stop it with \"ryax runs cancel " + id + "\")\n");
  CHECK(f.show(id)["state"] == "running");
  CHECK(f.daemon.ryax({ "runs", "cancel", id }).exit_code == 0);
}

TEST_CASE("runs show --watch prints the run at each change until it ends, and "
          "runs list -w a line for each run that starts or changes")
{
  RunFixture f({ "sleeper" });
  f.deploy("slow", "    - {name: seconds, type: float}\n", k_nap);

  const auto list_file = f.daemon.dir() / "list.log";
  BackgroundProcess list({ ryax_binary(), "runs", "list", "-w", "-o", "json" },
                         f.daemon.env(), list_file);
  const auto id = start_run(f, { "slow", "--input", "seconds=2" });
  auto watched = f.daemon.ryax({ "runs", "show", id, "--watch", "-o", "json" });
  REQUIRE_MESSAGE(watched.exit_code == 0, watched.err);
  const auto documents = lines_of(watched.out);
  REQUIRE(documents.size() >= 2);
  CHECK(json::parse(documents.front())["id"] == id);
  CHECK(json::parse(documents.back())["state"] == "done");

  // No run yet: the list printed nothing, then the run as it went.
  REQUIRE(eventually([&] {
    return read_file(list_file).find("\"done\"") != std::string::npos;
  }));
  list.signal(SIGINT);
  REQUIRE(list.wait(std::chrono::seconds(10)).has_value());
  const auto lines = lines_of(read_file(list_file));
  REQUIRE(lines.size() >= 2);
  CHECK(json::parse(lines.front())["id"] == id);
  CHECK(json::parse(lines.back())["id"] == id);
  CHECK(json::parse(lines.back())["state"] == "done");

  // The table form prints the rows without the headers again.
  auto table = f.daemon.ryax({ "runs", "show", id, "--watch" });
  CHECK(table.exit_code == 0);
  CHECK(table.out.find(id) != std::string::npos);
}

TEST_SUITE_END();
