// Shell completion on the real binaries: `ryax completion` prints the
// scripts, `ryax __complete` offers the commands and options of ryax and
// the names a real ryaxd holds, never starts a daemon, and gives up on a
// daemon that does not answer. tests/shells/completion.sh types in real
// shells.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/text.hpp"
#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace ryax::test;
using nlohmann::json;

namespace {

// `ryax __complete SHELL -- WORDS...` with `env`: its lines (exit 0 and
// nothing on stderr required).
std::vector<std::string>
complete_with(const EnvOverrides& env,
              const std::string& shell,
              const std::vector<std::string>& words)
{
  std::vector<std::string> argv{ ryax_binary(), "__complete", shell, "--" };
  argv.insert(argv.end(), words.begin(), words.end());
  const auto result = run(argv, env);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err == "");
  return lines_of(result.out);
}

// The values of "VALUE<TAB>DESCRIPTION" lines.
std::vector<std::string>
values_of(const std::vector<std::string>& lines)
{
  std::vector<std::string> values;
  for (const auto& line : lines) {
    values.push_back(line.substr(0, line.find('\t')));
  }
  return values;
}

bool
has(const std::vector<std::string>& lines, const std::string& line)
{
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// The description of `value` in fish/zsh lines, or "?" when not offered.
std::string
description_of(const std::vector<std::string>& lines, const std::string& value)
{
  for (const auto& line : lines) {
    if (line.starts_with(value + "\t")) {
      return line.substr(value.size() + 1);
    }
    if (line == value) {
      return "";
    }
  }
  return "?";
}

// A UNIX socket at `path` that accepts connections (the kernel's backlog)
// and never answers, as a hung daemon would.
class SilentSocket
{
public:
  explicit SilentSocket(const std::string& path)
  {
    m_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    REQUIRE(::bind(m_fd,
                   reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)) == 0);
    REQUIRE(::listen(m_fd, 64) == 0);
  }
  ~SilentSocket() { ::close(m_fd); }
  SilentSocket(const SilentSocket&) = delete;
  SilentSocket& operator=(const SilentSocket&) = delete;

private:
  int m_fd = -1;
};

} // namespace

TEST_SUITE_BEGIN("integration: completion");

TEST_CASE("ryax completion prints the script of bash, zsh and fish, and "
          "refuses another shell")
{
  for (const std::string shell : { "bash", "zsh", "fish" }) {
    CAPTURE(shell);
    const auto printed = run({ ryax_binary(), "completion", shell });
    CHECK(printed.exit_code == 0);
    CHECK(printed.out.find("__complete " + shell + " --") != std::string::npos);
  }
  const auto tcsh = run({ ryax_binary(), "completion", "tcsh" });
  CHECK(tcsh.exit_code == 2);
  CHECK(tcsh.out == "");
}

TEST_CASE("commands, options and their choices complete from the ryax "
          "command tree, without a daemon")
{
  DaemonFixture d(false);
  const auto env = d.env();
  const auto complete = [&](const std::string& shell,
                            const std::vector<std::string>& words) {
    return complete_with(env, shell, words);
  };
  CHECK(complete("bash", { "wor" }) == std::vector<std::string>{ "workflow" });
  const auto nouns = complete("fish", { "" });
  CHECK(description_of(nouns, "workflow") ==
        "Validate, push, inspect, deploy and remove workflows");
  CHECK(has(values_of(nouns), "completion"));
  CHECK_FALSE(has(values_of(nouns), "__complete"));
  CHECK(has(complete("bash", { "workflow", "" }), "deploy"));
  CHECK_FALSE(has(complete("bash", { "daemon", "" }), "raise-error")); // hidden
  CHECK(complete("bash", { "runs", "sh" }) ==
        std::vector<std::string>{ "show" });

  // Options of the command and the global ones, long names, described.
  const auto options = complete("zsh", { "runs", "list", "--" });
  CHECK(
    description_of(options, "--status").starts_with("Only runs in this state"));
  CHECK(has(values_of(options), "--socket"));
  CHECK(has(values_of(options), "--output"));
  CHECK_FALSE(has(values_of(options), "--download")); // of runs results

  // Values: CLI11 choices, run states, after a space or an '='.
  CHECK(complete("bash", { "-o", "" }) ==
        std::vector<std::string>{ "table", "wide", "json", "yaml", "name", "csv",
                                  "jq=" });
  CHECK(complete("bash", { "workflow", "graph", "--format", "" }) ==
        std::vector<std::string>{ "dot", "mermaid", "svg", "png" });
  CHECK(complete("bash", { "runs", "list", "--status", "" }) ==
        std::vector<std::string>{
          "pending", "running", "done", "error", "cancelled" });
  CHECK(complete("bash", { "runs", "list", "--status=c" }) ==
        std::vector<std::string>{ "--status=cancelled" });
  CHECK(description_of(complete("fish", { "runs", "list", "--status", "e" }),
                       "error") == "ended in error");
  CHECK(complete("bash", { "action", "list", "--kind", "" }) ==
        std::vector<std::string>{ "processor", "source", "publisher" });

  // Paths are left to the shell.
  CHECK(complete("bash", { "workflow", "push", "" }) ==
        std::vector<std::string>{ "::file" });
  CHECK(complete("bash", { "action", "init", "x" }) ==
        std::vector<std::string>{ "::dir" });
  CHECK(complete("bash", { "--socket", "" }) ==
        std::vector<std::string>{ "::file" });

  // Garbage is not an error.
  CHECK(complete("bash", { "nosuch", "--bad", "" }).empty());
  CHECK(run({ ryax_binary(), "__complete", "tcsh", "--", "" }).exit_code == 0);
}

// The 200 ms a completion may take, from the shell's fork to the last
// candidate. Under AddressSanitizer (RYAX_SANITIZE) ryax starts several
// times slower, so the bound there says only that the daemon's budget was
// kept, not how fast the product starts.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::chrono::milliseconds k_completion_bound{ 600 };
#else
constexpr std::chrono::milliseconds k_completion_bound{ 200 };
#endif

TEST_CASE("completion never starts a daemon")
{
  DaemonFixture d(false);
  auto env = d.env();
  env["RYAX_NO_AUTOSTART"] = std::nullopt; // a command would start one
  const auto started = std::chrono::steady_clock::now();
  CHECK(complete_with(env, "bash", { "runs", "show", "" }).empty());
  CHECK(std::chrono::steady_clock::now() - started < k_completion_bound);
  CHECK_FALSE(std::filesystem::exists(d.socket()));
  CHECK_FALSE(socket_answers(d.socket()));
}

TEST_CASE("a daemon that accepts and never answers costs completion at most "
          "200 ms, and the static candidates still come")
{
  DaemonFixture d(false);
  SilentSocket daemon(d.socket());
  SilentSocket identity(d.socket() + ".id");
  for (const auto& words :
       { std::vector<std::string>{ "runs", "show", "" },
         std::vector<std::string>{ "workflow", "deploy", "" },
         std::vector<std::string>{ "--socket", d.socket(), "logs", "" } }) {
    const auto started = std::chrono::steady_clock::now();
    CHECK(complete_with(d.env(), "zsh", words).empty());
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(took < k_completion_bound);
  }
  CHECK(complete_with(d.env(), "bash", { "runs", "list", "--status", "r" }) ==
        std::vector<std::string>{ "running" });
}

TEST_CASE("names complete from a real daemon: workflows, versions, trigger "
          "inputs, actions, repositories, sites, deployments, runs, steps, "
          "projects, variables, API keys, tokens and users")
{
  RunFixture f({ "add" });
  f.deploy("chain",
           "    - {name: x, type: integer, help: the start}\n",
           "  - {id: a1, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n"
           "  - {id: a2, from: add, inputs_values: {x: \"{{ a1.y }}\"}}\n");
  const auto run_id = start_run(f, { "chain", "--input", "x=1", "--wait" });
  f.require_ok(
    { "variable", "set", "greeting", "hello", "--description", "the hello" });
  const auto complete = [&](const std::string& shell,
                            const std::vector<std::string>& words) {
    return complete_with(f.daemon.env(), shell, words);
  };

  // Workflows, wherever a workflow is named.
  const auto workflows = complete("fish", { "workflow", "show", "" });
  CHECK(values_of(workflows) == std::vector<std::string>{ "chain" });
  CHECK(description_of(workflows, "chain").starts_with("v1, "));
  CHECK(complete("bash", { "run", "c" }) ==
        std::vector<std::string>{ "chain" });
  CHECK(complete("bash", { "runs", "list", "--workflow", "" }) ==
        std::vector<std::string>{ "chain" });
  CHECK(complete("bash", { "deployments", "list", "--workflow=" }) ==
        std::vector<std::string>{ "--workflow=chain" });
  CHECK(complete("bash", { "logs", "--trigger", "" }) ==
        std::vector<std::string>{ "chain" });
  CHECK(complete("bash", { "run", "x" }).empty()); // filtered by the word typed

  // The versions of the workflow typed, and the inputs of its trigger.
  const auto versions =
    complete("fish", { "workflow", "deploy", "chain", "--version", "" });
  CHECK(versions == std::vector<std::string>{ "1\tdeployed" });
  const auto inputs = complete("fish", { "run", "chain", "--input", "" });
  CHECK(inputs == std::vector<std::string>{ "x=\tinteger: the start" });
  CHECK(complete("bash", { "run", "--input", "" }).empty()); // no workflow yet
  // --file offers the file and directory inputs, --input the others.
  std::ofstream(f.daemon.dir() / "upload.yaml")
    << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: upload\n"
       "  trigger:\n    id: start\n    from: manual\n    outputs:\n"
       "    - {name: doc, type: file}\n    - {name: label, type: string}\n"
       "    - {name: size, type: enum, enum_values: [small, large]}\n"
       "    - {name: dry, type: boolean}\n"
       "  actions:\n  - {id: a1, from: add, inputs_values: {x: 1}}\n";
  f.require_ok({ "workflow", "push", f.daemon.dir() / "upload.yaml" });
  CHECK(complete("fish", { "run", "upload", "--file", "" }) ==
        std::vector<std::string>{ "doc=\tfile" });
  CHECK(complete("fish", { "run", "upload", "--input", "" }) ==
        std::vector<std::string>{ "label=\tstring", "size=\tenum", "dry=\tboolean" });
  // After NAME=, the values an enum or a boolean takes.
  CHECK(complete("fish", { "run", "upload", "--input", "size=" }) ==
        std::vector<std::string>{ "size=small\tenum", "size=large\tenum" });
  CHECK(complete("bash", { "run", "upload", "--input", "dry=t" }) ==
        std::vector<std::string>{ "dry=true" });
  CHECK(complete("bash", { "run", "upload", "--input", "label=" }).empty());

  // Actions: ids, then ID:VERSION once the colon is typed.
  // (the catalogue has the built-in triggers too).
  const auto actions = complete("zsh", { "action", "show", "" });
  CHECK(has(actions, "add\tAction add"));
  CHECK(complete("zsh", { "action", "rm", "ad" }) ==
        std::vector<std::string>{ "add\tAction add" });
  const auto versioned = complete("zsh", { "action", "build", "add:" });
  REQUIRE(versioned.size() == 1);
  CHECK(versioned[0] == "add:1.0\tProcessor, built");

  // Repositories, sites, deployments.
  const auto repos = complete("fish", { "repo", "scan", "" });
  REQUIRE(repos.size() == 1);
  CHECK(repos[0].starts_with("actions\t"));
  CHECK(complete("bash", { "action", "list", "--repo", "a" }) ==
        std::vector<std::string>{ "actions" });
  CHECK(has(values_of(complete("fish", { "site", "show", "" })), "local"));
  const auto listed = f.require_ok({ "deployments", "list", "-o", "json" });
  const auto deployments = json::parse(listed.out);
  REQUIRE_FALSE(deployments.empty());
  const auto shown = values_of(complete("fish", { "deployments", "show", "" }));
  CHECK(shown.size() == deployments.size());
  for (const auto& deployment : deployments) {
    CHECK(has(shown, deployment["id"].get<std::string>()));
  }

  // Runs, newest first, and the steps of the run typed.
  const auto runs = complete("fish", { "runs", "show", "" });
  REQUIRE(runs.size() == 1);
  CHECK(runs[0] == run_id + "\tchain v1, done");
  CHECK(complete("bash", { "logs", run_id.substr(0, 4) }) ==
        std::vector<std::string>{ run_id });
  CHECK(values_of(complete("fish", { "logs", run_id, "--step", "" })) ==
        std::vector<std::string>{ "a1", "a2" });
  CHECK(complete("bash", { "logs", "--step", "" }).empty()); // no run yet

  // Every state offered is one `ryax runs list --status` takes.
  for (const auto& state :
       complete("bash", { "runs", "list", "--status", "" })) {
    CAPTURE(state);
    CHECK(f.daemon.ryax({ "runs", "list", "--status", state }).exit_code == 0);
  }

  // Projects and variables of the project.
  const auto projects =
    json::parse(f.require_ok({ "project", "list", "-o", "json" }).out);
  REQUIRE_FALSE(projects.empty());
  const auto project = projects[0]["name"].get<std::string>();
  CHECK(has(complete("bash", { "project", "use", "" }), project));
  CHECK(has(complete("bash", { "--project", "" }), project));
  CHECK(complete("fish", { "variable", "show", "" }) ==
        std::vector<std::string>{ "greeting\tthe hello" });

  // API keys, tokens, users and contexts.
  f.require_ok({ "apikey", "create", "robot" });
  CHECK(values_of(complete("fish", { "apikey", "revoke", "" })) ==
        std::vector<std::string>{ "robot" });
  f.require_ok({ "token", "create", "--name", "ci" });
  const auto tokens = complete("fish", { "token", "revoke", "" });
  CHECK(std::any_of(tokens.begin(), tokens.end(), [](const std::string& line) {
    return line.ends_with("\tci (personal)");
  }));
  const auto who =
    json::parse(f.require_ok({ "whoami", "-o", "json" }).out)["user"];
  REQUIRE(who.is_string());
  CHECK(has(values_of(complete("fish", { "user", "rm", "" })), who));
  CHECK(
    has(values_of(complete("fish", { "audit", "list", "--user", "" })), who));
  CHECK(description_of(complete("fish", { "context", "use", "" }), "local") ==
        "the local daemon");

  // The daemon of --socket, not of RYAX_SOCKET.
  auto elsewhere = f.daemon.env();
  elsewhere["RYAX_SOCKET"] = f.daemon.dir() / "nothing-here.sock";
  CHECK(complete_with(elsewhere, "bash", { "runs", "show", "" }).empty());
  CHECK(complete_with(elsewhere,
                      "bash",
                      { "--socket", f.daemon.socket(), "runs", "show", "" }) ==
        std::vector<std::string>{ run_id });
}

TEST_CASE("every row of the completion table names an argument its command "
          "shows in --help, and every kind of name is in it")
{
  const auto rules = run({ ryax_binary(), "__complete", "--rules" });
  REQUIRE(rules.exit_code == 0);
  std::set<std::string> kinds;
  int rows = 0;
  for (const auto& line : lines_of(rules.out)) {
    std::istringstream fields(line);
    std::string command;
    std::string argument;
    std::string kind;
    std::getline(fields, command, '\t');
    std::getline(fields, argument, '\t');
    std::getline(fields, kind, '\t');
    CAPTURE(line);
    std::vector<std::string> argv{ ryax_binary() };
    std::istringstream words(command == "-" ? "" : command);
    for (std::string word; words >> word;) {
      argv.push_back(word);
    }
    argv.emplace_back("--help");
    const auto help = run(argv);
    REQUIRE(help.exit_code == 0);
    const auto shown =
      argument.starts_with("-")
        ? help.out.find(argument + " ") != std::string::npos ||
            help.out.find(argument + ",") != std::string::npos
        : help.out.find("  " + argument + " ") != std::string::npos;
    CHECK_MESSAGE(shown, "ryax ", command, " --help does not show ", argument);
    kinds.insert(kind);
    ++rows;
  }
  CHECK(rows > 40);
  for (const auto* kind : { "workflow",
                            "workflow-version",
                            "action",
                            "repository",
                            "site",
                            "deployment",
                            "run",
                            "run-step",
                            "trigger-input",
                            "trigger-file-input",
                            "run-status",
                            "project",
                            "variable",
                            "api-key",
                            "token",
                            "user",
                            "context",
                            "file",
                            "directory" }) {
    CHECK_MESSAGE(kinds.contains(kind), "no argument of kind ", kind);
  }
}

TEST_SUITE_END();
