#include "core/infrastructure/process/subprocess.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using ryax::ErrorCode;
using ryax::infra::process::find_on_path;
using ryax::infra::process::ProcessSpec;
using ryax::infra::process::run_captured;
using ryax::infra::process::run_process;
using ryax::infra::process::scan_path;
using ryax::infra::process::StderrMode;
using ryax::test::eventually;
using ryax::test::TempDir;

namespace {

ProcessSpec
shell(const std::string& script)
{
  ProcessSpec spec;
  spec.argv = { "sh", "-c", script };
  return spec;
}

// Run `spec`, collecting its lines.
struct Ran
{
  ryax::Result<int> code;
  std::vector<std::string> lines;
};

Ran
run(const ProcessSpec& spec, const std::function<bool()>& cancelled = {})
{
  std::vector<std::string> lines;
  auto code = run_process(
    spec, [&](std::string_view line) { lines.emplace_back(line); }, cancelled);
  return Ran{ std::move(code), std::move(lines) };
}

// Whether `pid` is gone (or a zombie nobody reaped yet).
bool
is_dead(int pid)
{
  if (::kill(pid, 0) != 0) {
    return true;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() &&
         text[close + 2] == 'Z';
}

} // namespace

TEST_SUITE_BEGIN("infra::process::subprocess");

TEST_CASE("the exit code of the child is returned")
{
  CHECK(run(shell("exit 0")).code.value() == 0);
  CHECK(run(shell("exit 3")).code.value() == 3);
}

TEST_CASE("a child killed by a signal returns 128 plus the signal")
{
  CHECK(run(shell("kill -9 $$")).code.value() == 128 + SIGKILL);
}

TEST_CASE(
  "merged stdout and stderr lines arrive in order, last line unterminated")
{
  const auto ran =
    run(shell("echo one; echo two >&2; echo three; printf four"));
  REQUIRE(ran.code.value() == 0);
  CHECK(ran.lines == std::vector<std::string>{ "one", "two", "three", "four" });
}

TEST_CASE("tagged mode prefixes stderr lines")
{
  auto spec = shell("echo out; echo err >&2");
  spec.stderr_mode = StderrMode::tagged;
  const auto ran = run(spec);
  REQUIRE(ran.code.value() == 0);
  REQUIRE(ran.lines.size() == 2);
  CHECK(std::count(ran.lines.begin(), ran.lines.end(), "out") == 1);
  CHECK(std::count(ran.lines.begin(), ran.lines.end(), "stderr: err") == 1);
}

TEST_CASE("the child gets the working directory and the extra environment")
{
  TempDir tmp;
  auto spec = shell(
    "pwd; echo \"$RYAX_TEST_VALUE\"; test -n \"$HOME\" && echo inherited");
  spec.cwd = tmp.path().string();
  spec.env["RYAX_TEST_VALUE"] = "hello world";
  const auto ran = run(spec);
  REQUIRE(ran.code.value() == 0);
  CHECK(ran.lines == std::vector<std::string>{
                       std::filesystem::canonical(tmp.path()).string(),
                       "hello world",
                       "inherited" });
}

TEST_CASE("without inherit_environment the child gets only the given variables")
{
  auto spec = shell("env | sort");
  spec.argv[0] = "/bin/sh";
  spec.env = { { "PATH", "/usr/bin:/bin" }, { "HOME", "/nowhere" } };
  spec.inherit_environment = false;
  const auto ran = run(spec);
  REQUIRE(ran.code.value() == 0);
  // sh itself may add PWD (and SHLVL, _): nothing else reaches the child.
  std::vector<std::string> kept;
  for (const auto& line : ran.lines) {
    if (!line.starts_with("PWD=") && !line.starts_with("SHLVL=") && !line.starts_with("_=")) {
      kept.push_back(line);
    }
  }
  CHECK(kept == std::vector<std::string>{ "HOME=/nowhere", "PATH=/usr/bin:/bin" });
}

TEST_CASE("a program that does not exist cannot start")
{
  ProcessSpec spec;
  spec.argv = { "ryax-no-such-program-xyz" };
  const auto ran = run(spec);
  REQUIRE_FALSE(ran.code);
  CHECK(ran.code.error().code == ErrorCode::internal);
  CHECK(ran.code.error().message.find("ryax-no-such-program-xyz") !=
        std::string::npos);
}

TEST_CASE("a child running past its timeout is killed with deadline_exceeded")
{
  auto spec = shell("sleep 30");
  spec.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  const auto ran = run(spec);
  REQUIRE_FALSE(ran.code);
  CHECK(ran.code.error().code == ErrorCode::deadline_exceeded);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("stdin can come from a file and stdout go to one")
{
  TempDir tmp;
  ryax::test::write_file(tmp / "in.txt", "one\ntwo\n");
  ryax::test::write_file(tmp / "out.txt", "an older and longer content\n");
  auto spec = shell("tr a-z A-Z; echo done >&2");
  spec.stdin_file = tmp / "in.txt";
  spec.stdout_file = tmp / "out.txt";
  const auto ran = run(spec);
  REQUIRE(ran.code.value() == 0);
  CHECK(ran.lines == std::vector<std::string>{ "done" });
  CHECK(ryax::test::read_file(tmp / "out.txt") == "ONE\nTWO\n");
}

TEST_CASE("a missing stdin file is reported as such, not as a failure to start")
{
  TempDir tmp;
  auto spec = shell("cat");
  spec.stdin_file = tmp / "absent";
  const auto ran = run(spec);
  REQUIRE_FALSE(ran.code);
  CHECK(ran.code.error().code == ErrorCode::internal);
  CHECK(ran.code.error().message == "cannot open input file \"" +
                                      (tmp / "absent") +
                                      "\": No such file or directory");
}

TEST_CASE("run_captured feeds the input and keeps both streams byte for byte")
{
  std::string input(1 << 20, 'x');
  input += std::string("\0\r\n", 3);
  const auto captured = run_captured(
    shell("cat; printf 'e\\000rr' >&2; exit 5"), input, 4 << 20, 1024);
  REQUIRE(captured);
  CHECK(captured->exit_code == 5);
  CHECK(captured->out == input);
  CHECK(captured->err == std::string("e\0rr", 4));
}

TEST_CASE(
  "run_captured stops a child writing past the limit, and truncates stderr")
{
  const auto over = run_captured(shell("yes"), {}, 100'000, 1024);
  REQUIRE_FALSE(over);
  CHECK(over.error().code == ErrorCode::internal);
  CHECK(over.error().message == "output of \"sh\" exceeds 100000 bytes");

  const auto noisy =
    run_captured(shell("head -c 5000 /dev/zero >&2; echo ok"), {}, 1024, 100);
  REQUIRE(noisy);
  CHECK(noisy->out == "ok\n");
  CHECK(noisy->err.size() == 100);
}

TEST_CASE("run_captured: a child that ignores its input is no error")
{
  const auto captured =
    run_captured(shell("exit 0"), std::string(8 << 20, 'z'), 1024, 1024);
  REQUIRE(captured);
  CHECK(captured->exit_code == 0);
}

TEST_CASE("cancelling kills the whole process group, grandchildren included")
{
  // The shell starts a background sleep, prints its pid, then waits.
  std::atomic<int> grandchild{ 0 };
  std::vector<std::string> lines;
  const auto start = std::chrono::steady_clock::now();
  const auto code = run_process(
    shell("sleep 30 & echo $!; wait"),
    [&](std::string_view line) { grandchild = std::stoi(std::string(line)); },
    [&] { return grandchild.load() != 0; });
  REQUIRE_FALSE(code);
  CHECK(code.error().code == ErrorCode::failed_precondition);
  CHECK(code.error().message == "cancelled");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(grandchild.load() > 0);
  CHECK(eventually([&] { return is_dead(grandchild.load()); },
                   std::chrono::seconds(5)));
}

TEST_CASE("children left behind by an exited child are killed")
{
  // The background sleep keeps stdout open after the shell exits.
  int grandchild = 0;
  const auto code =
    run_process(shell("sleep 30 & echo $!"), [&](std::string_view line) {
      grandchild = std::stoi(std::string(line));
    });
  REQUIRE(code.value() == 0);
  REQUIRE(grandchild > 0);
  CHECK(
    eventually([&] { return is_dead(grandchild); }, std::chrono::seconds(5)));
}

TEST_CASE("stderr can go to a file")
{
  TempDir tmp;
  auto spec = shell("echo out; echo err >&2");
  spec.stderr_mode = StderrMode::tagged;
  spec.stderr_file = tmp / "err.txt";
  const auto ran = run(spec);
  REQUIRE(ran.code.value() == 0);
  CHECK(ran.lines == std::vector<std::string>{ "out" });
  CHECK(ryax::test::read_file(tmp / "err.txt") == "err\n");
}

TEST_CASE("without kill_leftovers, what an exited child left running stays")
{
  auto spec = shell("sleep 30 & echo $!");
  spec.kill_leftovers = false;
  int grandchild = 0;
  const auto code = run_process(spec, [&](std::string_view line) {
    grandchild = std::stoi(std::string(line));
  });
  REQUIRE(code.value() == 0);
  REQUIRE(grandchild > 0);
  CHECK_FALSE(is_dead(grandchild));
  ::kill(grandchild, SIGKILL);
}

TEST_CASE("find_on_path finds the first executable of that name")
{
  TempDir tmp;
  const auto first = tmp.path() / "a";
  const auto second = tmp.path() / "b";
  ryax::test::write_file(first / "tool", "#!/bin/sh\n");
  ryax::test::write_file(second / "tool", "#!/bin/sh\n");
  ryax::test::write_file(second / "plain", "not executable\n");
  std::filesystem::permissions(first / "tool",
                               std::filesystem::perms::owner_all);
  std::filesystem::permissions(second / "tool",
                               std::filesystem::perms::owner_all);
  const auto path = first.string() + ":" + second.string();
  CHECK(find_on_path("tool", path).value() == (first / "tool").string());
  const auto missing = find_on_path("plain", path);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(find_on_path("sh").has_value());
  CHECK(scan_path([](std::string_view name) { return name == "tool"; }, path) ==
        std::vector<std::string>{ (first / "tool").string(),
                                  (second / "tool").string() });
}

TEST_CASE("a program is looked up in the PATH given to the child")
{
  TempDir tmp;
  ryax::test::write_file(tmp.path() / "ryax-hello", "#!/bin/sh\necho hi\n");
  std::filesystem::permissions(tmp.path() / "ryax-hello",
                               std::filesystem::perms::owner_all);
  ProcessSpec spec;
  spec.argv = { "ryax-hello" };
  spec.env["PATH"] = tmp.path().string() + ":/usr/bin:/bin";
  const auto ran = run(spec);
  REQUIRE(ran.code.value() == 0);
  CHECK(ran.lines == std::vector<std::string>{ "hi" });
}

TEST_SUITE_END();
