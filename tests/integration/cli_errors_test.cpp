// Errors that name their real cause, and the README's "Actions from git"
// path, end to end: a real ryaxd, the real ryax binary, real git
// repositories and real sockets.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A TCP server on 127.0.0.1 that answers every connection with a line of
// plain HTTP and closes it: no TLS.
class PlainTcpServer
{
public:
  PlainTcpServer()
  {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(m_fd, 16) == 0);
    socklen_t size = sizeof(address);
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &size);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] {
      while (!m_stop) {
        const int client = ::accept(m_fd, nullptr, nullptr);
        if (client < 0) {
          return;
        }
        const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        [[maybe_unused]] auto n = ::write(client, reply, sizeof(reply) - 1);
        ::close(client);
      }
    });
  }

  ~PlainTcpServer()
  {
    m_stop = true;
    ::shutdown(m_fd, SHUT_RDWR);
    ::close(m_fd);
    m_thread.join();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

private:
  int m_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{ false };
  std::thread m_thread;
};

// The "error: ..." lines of a scan or a lint.
std::vector<std::string>
error_lines(const std::string& out)
{
  std::vector<std::string> lines;
  std::size_t at = 0;
  while ((at = out.find("error: ", at)) != std::string::npos) {
    const auto end = out.find('\n', at);
    lines.push_back(out.substr(at, end - at));
    at = end;
  }
  return lines;
}

const char* k_broken_metadata =
  "apiVersion: \"ryax.tech/v2.0\"\n"
  "kind: Processor\n"
  "spec:\n"
  "  id: broken\n"
  "  human_name: Broken\n"
  "  type: python3\n"
  "  version: \"1.0\"\n"
  "  inputs:\n"
  "  - {name: x, human_name: X, help: a number, type: integr}\n";

} // namespace

TEST_SUITE_BEGIN("integration: CLI errors");

TEST_CASE("the README's actions-from-git steps work on a fresh data dir")
{
  DaemonFixture d;
  const auto actions = d.dir() / "my-actions";
  auto init = d.ryax({ "action", "init", actions + "/upper", "--kind", "processor" });
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  CHECK(init.out.find("created git repository " + actions) != std::string::npos);
  CHECK(fs::exists(actions + "/.git"));
  auto lint = d.ryax({ "action", "lint", actions });
  CHECK_MESSAGE(lint.exit_code == 0, lint.out, lint.err);
  REQUIRE(d.ryax({ "repo", "add", "lib", actions }).exit_code == 0);
  auto scan = d.ryax({ "repo", "scan", "lib", "--strict", "-o", "json" });
  REQUIRE_MESSAGE(scan.exit_code == 0, scan.err);
  const auto report = json::parse(scan.out);
  REQUIRE(report["actions"].size() == 1);
  CHECK(report["actions"][0]["id"] == "upper");
  CHECK(d.ryax({ "action", "show", "upper" }).exit_code == 0);

  // A second action inside that repository is written, not committed.
  auto second = d.ryax({ "action", "init", actions + "/lower", "--kind", "processor" });
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find("commit " + actions + "/lower in the git repository")
        != std::string::npos);
}

TEST_CASE("repo add refuses a directory that is not a git repository, or is missing")
{
  DaemonFixture d;
  fs::create_directories(d.dir().path() / "plain");
  auto plain = d.ryax({ "repo", "add", "plain", d.dir() / "plain" });
  CHECK(plain.exit_code == 5);
  CHECK(plain.err == "ryax: error: \"" + d.dir() / "plain"
                       + "\" is not a git repository: run \"git init\" there "
                         "and commit the actions (ryax scans commits, not the "
                         "working tree)\n");
  auto missing = d.ryax({ "repo", "add", "missing", d.dir() / "nope" });
  CHECK(missing.exit_code == 3);
  CHECK(missing.err == "ryax: error: no directory \"" + d.dir() / "nope" + "\"\n");

  GitBuilder repo(d.dir().path() / "bare.git");
  repo.write("a/ryax_metadata.yaml", "x");
  repo.commit("one");
  fs::create_directories(d.dir().path() / "bare.git" / "sub");
  auto inside = d.ryax({ "repo", "add", "inside", d.dir() / "bare.git/sub" });
  CHECK(inside.exit_code == 5);
  CHECK(inside.err.find("is inside the git repository") != std::string::npos);
  CHECK(d.ryax({ "repo", "add", "bare", repo.url() }).exit_code == 0);
  CHECK(d.ryax({ "repo", "list", "-o", "json" }).out.find("plain") == std::string::npos);
}

TEST_CASE("a git remote the daemon cannot reach is not \"ryaxd is not running\"")
{
  DaemonFixture d;
  REQUIRE(d.ryax({ "repo", "add", "dns", "https://nonexistent.invalid/x.git" }).exit_code == 0);
  auto dns = d.ryax({ "repo", "scan", "dns" });
  CHECK(dns.exit_code == 7);
  CHECK(dns.err.find("ryaxd is not running") == std::string::npos);
  CHECK(dns.err.starts_with(
    "ryax: error: fetching \"https://nonexistent.invalid/x.git\": "));
  CHECK(dns.err.find("nonexistent.invalid") != std::string::npos);

  PlainTcpServer plain;
  REQUIRE(d.ryax({ "repo", "add", "tls", "https://" + plain.address() + "/x.git" })
            .exit_code == 0);
  auto tls = d.ryax({ "repo", "scan", "tls" });
  CHECK(tls.exit_code == 7);
  CHECK(tls.err.find("ryaxd is not running") == std::string::npos);
  CHECK(tls.err.starts_with("ryax: error: fetching \"https://" + plain.address()));

  const auto port = free_tcp_port();
  REQUIRE(d.ryax({ "repo", "add", "refused", "https://127.0.0.1:" + port + "/x.git" })
            .exit_code == 0);
  auto refused = d.ryax({ "repo", "scan", "refused" });
  CHECK(refused.exit_code == 7);
  CHECK(refused.err.find("ryaxd is not running") == std::string::npos);
  CHECK(refused.err.find("onnection refused") != std::string::npos);
  // The daemon still answers.
  CHECK(d.ryax({ "repo", "list" }).exit_code == 0);
}

TEST_CASE("an unreachable daemon address says why: DNS, refused, not TLS, stale socket")
{
  DaemonFixture d(false);
  auto dns = d.ryax({ "--server", "nonexistent.invalid:4000", "repo", "list" });
  CHECK(dns.exit_code == 7);
  CHECK(dns.err.starts_with("ryax: error: cannot resolve host \"nonexistent.invalid\" "
                            "of nonexistent.invalid:4000: "));

  const auto port = free_tcp_port();
  auto refused = d.ryax({ "--server", "127.0.0.1:" + port, "repo", "list" });
  CHECK(refused.exit_code == 7);
  CHECK(refused.err == "ryax: error: nothing listens at 127.0.0.1:" + port
                         + " (connection refused): ryaxd serves TCP only with "
                           "--listen\n");

  PlainTcpServer plain;
  auto tls = d.ryax({ "--server", plain.address(), "repo", "list" });
  CHECK(tls.exit_code == 7);
  CHECK(tls.err.starts_with("ryax: error: the TLS handshake with " + plain.address()
                            + " failed, is it ryaxd --listen? ("));

  // A socket file nobody listens on.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, d.socket().c_str(), sizeof(address.sun_path) - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  ::close(fd);
  auto stale = d.ryax({ "repo", "list" });
  CHECK(stale.exit_code == 7);
  CHECK(stale.err == "ryax: error: ryaxd is not running at " + d.socket()
                       + " (stale socket: nothing listens on it)\n");
}

TEST_CASE("action lint prints the messages of repo scan and exits 5")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "lint.git");
  repo.write("broken/ryax_metadata.yaml", k_broken_metadata);
  repo.write("broken/ryax_handler.py", "def handle(r):\n    return {}\n");
  repo.commit("broken");
  REQUIRE(d.ryax({ "repo", "add", "lint", repo.url() }).exit_code == 0);
  auto scan = d.ryax({ "repo", "scan", "lint", "--strict" });
  CHECK(scan.exit_code == 5);

  const auto tree = d.dir() / "tree";
  write_file(tree + "/broken/ryax_metadata.yaml", k_broken_metadata);
  write_file(tree + "/broken/ryax_handler.py", "def handle(r):\n    return {}\n");
  auto lint = d.ryax({ "action", "lint", tree }, "", { { "RYAX_SOCKET", "/nonexistent" } });
  CHECK(lint.exit_code == 5);
  CHECK(lint.err == "ryax: error: 1 of 1 actions have errors\n");
  const auto from_scan = error_lines(scan.out);
  REQUIRE_FALSE(from_scan.empty());
  CHECK(error_lines(lint.out) == from_scan);
  CHECK(from_scan.front().starts_with("error: broken/ryax_metadata.yaml:9:"));

  auto json_lint = d.ryax({ "action", "lint", tree, "-o", "json" });
  CHECK(json_lint.exit_code == 5);
  const auto doc = json::parse(json_lint.out);
  CHECK(doc[0]["actions"][0]["ok"] == false);
  CHECK(doc[0]["actions"][0]["id"] == "broken");

  auto missing = d.ryax({ "action", "lint", d.dir() / "nope" });
  CHECK(missing.exit_code == 3);
}

TEST_CASE("workflow validate --offline checks a file against the actions of a working tree")
{
  DaemonFixture d(false);
  const auto tree = d.dir() / "repo";
  REQUIRE(d.ryax({ "action", "init", tree + "/upper", "--kind", "processor" }).exit_code == 0);
  const std::string workflow =
    "apiVersion: ryax.tech/v2.0\n"
    "kind: Workflow\n"
    "spec:\n"
    "  id: shout\n"
    "  trigger:\n"
    "    id: start\n"
    "    from: manual\n"
    "    outputs:\n"
    "    - {name: text, type: string}\n"
    "  actions:\n"
    "  - id: up\n"
    "    from: FROM\n"
    "    inputs_values:\n"
    "      text: \"{{ start.text }}\"\n";
  auto good = workflow;
  good.replace(good.find("FROM"), 4, "upper");
  write_file(tree + "/good.yaml", good);
  auto valid = d.ryax({ "workflow", "validate", "--offline", tree + "/good.yaml",
                        "--actions", tree });
  CHECK_MESSAGE(valid.exit_code == 0, valid.err);
  CHECK(valid.out == tree + "/good.yaml: valid (offline)\n");

  auto bad = workflow;
  bad.replace(bad.find("FROM"), 4, "uper");
  write_file(tree + "/bad.yaml", bad);
  auto invalid = d.ryax({ "workflow", "validate", "--offline", tree + "/bad.yaml",
                          "--actions", tree });
  CHECK(invalid.exit_code == 5);
  CHECK(invalid.err.find("bad.yaml:12:") != std::string::npos);
  CHECK(invalid.err.find("did you mean \"upper\"?") != std::string::npos);
  CHECK(invalid.err.ends_with("ryax: error: " + tree + "/bad.yaml: 1 problem\n"));

  // The same file, the same message from the daemon.
  d.start();
  REQUIRE(d.ryax({ "repo", "add", "r", tree }).exit_code == 0);
  REQUIRE(d.ryax({ "repo", "scan", "r", "--strict" }).exit_code == 0);
  auto online = d.ryax({ "workflow", "validate", tree + "/bad.yaml" });
  CHECK(online.exit_code == 5);
  CHECK(online.err == invalid.err);
}

TEST_CASE("the example pre-commit hook refuses a commit with an invalid action")
{
  DaemonFixture d(false);
  const auto repo = d.dir() / "hooked";
  REQUIRE(d.ryax({ "action", "init", repo + "/upper", "--kind", "processor" }).exit_code == 0);
  fs::copy_file(std::string(RYAX_SOURCE_DIR) + "/examples/git-hooks/pre-commit",
                repo + "/.git/hooks/pre-commit");
  EnvOverrides env = d.env();
  env["RYAX"] = ryax_binary();
  env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "t";
  env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "t@example.org";
  write_file(repo + "/broken/ryax_metadata.yaml", k_broken_metadata);
  auto refused = run({ "sh", "-c", "cd '" + repo + "' && git add broken && git commit -q -m broken" },
                     env);
  // git prints the hook's output on stderr and fails with 1.
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("error: broken/ryax_metadata.yaml:9:") != std::string::npos);
  CHECK(refused.err.find("(exit 5); nothing was committed") != std::string::npos);

  fs::remove_all(repo + "/broken");
  write_file(repo + "/wf.yaml",
             "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: w\n"
             "  trigger: {id: start, from: manual, outputs: [{name: text, type: string}]}\n"
             "  actions:\n  - {id: up, from: uper, inputs_values: {text: \"{{ start.text }}\"}}\n");
  auto bad_workflow = run({ "sh", "-c", "cd '" + repo + "' && git add -A && git commit -q -m wf" },
                          env);
  CHECK(bad_workflow.exit_code == 1);
  CHECK(bad_workflow.err.find("did you mean \"upper\"?") != std::string::npos);

  write_file(repo + "/wf.yaml",
             "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: w\n"
             "  trigger: {id: start, from: manual, outputs: [{name: text, type: string}]}\n"
             "  actions:\n  - {id: up, from: upper, inputs_values: {text: \"{{ start.text }}\"}}\n");
  auto accepted = run({ "sh", "-c", "cd '" + repo + "' && git add -A && git commit -q -m wf" },
                      env);
  CHECK_MESSAGE(accepted.exit_code == 0, accepted.out, accepted.err);
}

TEST_CASE("a bad command line is one error line with the near miss, a hint line, and exit 2")
{
  DaemonFixture d(false);
  auto option = d.ryax({ "repo", "list", "--outptu", "json" });
  CHECK(option.exit_code == 2);
  CHECK(option.err == "ryax: error: ryax repo list: unknown option \"--outptu\" "
                      "(did you mean \"--output\"?)\n"
                      "ryax: hint: see \"ryax repo list --help\"\n");
  auto value = d.ryax({ "repo", "list", "-o", "jsn" });
  CHECK(value.exit_code == 2);
  CHECK(value.err == "ryax: error: ryax repo list: --output: \"jsn\" is not one of "
                     "table, wide, json, yaml, name, csv, jq=EXPR (did you mean "
                     "\"json\"?)\n"
                     "ryax: hint: see \"ryax repo list --help\"\n");
  auto status = d.ryax({ "runs", "list", "--status", "runnin" });
  CHECK(status.exit_code == 2);
  CHECK(status.err.find("(did you mean \"running\"?)") != std::string::npos);
  auto kind = d.ryax({ "action", "init", d.dir() / "x", "--kind", "procesor" });
  CHECK(kind.exit_code == 2);
  CHECK(kind.err.find("(did you mean \"processor\"?)") != std::string::npos);
  auto missing = d.ryax({ "workflow", "diff" });
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.starts_with("ryax: error: ryax workflow diff: "));
  CHECK(std::count(missing.err.begin(), missing.err.end(), '\n') == 2);
  // --help is no error.
  CHECK(d.ryax({ "repo", "list", "--help" }).exit_code == 0);
}

TEST_CASE("the example CI job lints, scans, builds, pushes and runs with exit codes only")
{
  DaemonFixture d;
  const auto repo = d.dir() / "ci";
  REQUIRE(d.ryax({ "action", "init", repo + "/upper", "--kind", "processor" }).exit_code == 0);
  write_file(repo + "/workflow.yaml",
             "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: shout\n"
             "  trigger: {id: start, from: manual, outputs: [{name: text, type: string}]}\n"
             "  actions:\n  - {id: up, from: upper, inputs_values: {text: \"{{ start.text }}\"}}\n"
             "  results:\n  - {key: shouted, value: \"{{ up.result }}\"}\n");
  EnvOverrides env = d.env();
  env["PATH"] = fs::path(ryax_binary()).parent_path().string() + ":" + std::getenv("PATH");
  const auto script = std::string(RYAX_SOURCE_DIR) + "/examples/ci/ryax-ci.sh";
  auto job = run({ "sh", "-c", "cd '" + repo + "' && '" + script + "' workflow.yaml text=hi" },
                 env, "", std::chrono::minutes(5));
  INFO(job.out);
  REQUIRE_MESSAGE(job.exit_code == 0, job.err);
  CHECK(job.out.find("run of shout: done") != std::string::npos);
  const auto run_doc = json::parse(read_file(repo + "/run.json"));
  CHECK(run_doc["results"][0]["value"] == "HI");

  // What a run takes: shown by workflow show, named by run when missing.
  auto show = d.ryax({ "workflow", "show", "shout" });
  CHECK(show.out.find("inputs (of trigger start):") != std::string::npos);
  const auto at = show.out.find("inputs (of trigger start):");
  const auto row = show.out.substr(show.out.find("\n  text", at) + 1);
  const auto line = row.substr(0, row.find('\n'));
  CHECK(line.find("string") != std::string::npos);
  CHECK(line.find("yes") != std::string::npos);
  auto missing = d.ryax({ "run", "shout" });
  CHECK(missing.exit_code == 5);
  CHECK(missing.err == "ryax: error: trigger \"start\": output \"text\" is required; "
                       "a run takes text (string)\n");

  // A broken workflow stops the job before the daemon, with exit 5.
  write_file(repo + "/bad.yaml", "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec: {}\n");
  auto bad = run({ "sh", "-c", "cd '" + repo + "' && '" + script + "' bad.yaml" }, env);
  CHECK(bad.exit_code == 5);
}

TEST_SUITE_END();

TEST_CASE("ls, delete and get are aliases of list, rm and show, and run list hints runs list")
{
  DaemonFixture d;
  const auto listed = d.ryax({ "runs", "ls", "-o", "json" });
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  CHECK(json::parse(listed.out).is_array());
  CHECK(d.ryax({ "workflow", "ls" }).exit_code == 0);
  CHECK(d.ryax({ "site", "get", "local" }).exit_code == 0);
  const auto gone = d.ryax({ "repo", "delete", "nothing" });
  CHECK(gone.exit_code == 3);
  CHECK(gone.err.find("nothing") != std::string::npos);

  const auto verb = d.ryax({ "run", "list" });
  CHECK(verb.exit_code == 3);
  CHECK(verb.err.find("ryax: error: workflow \"list\" not found") != std::string::npos);
  CHECK(verb.err.find("ryax: hint: runs are listed and shown by \"ryax runs list\"") != std::string::npos);
}
