#pragma once

// The RemoteShell contract: test cases that every RemoteShell passes, run
// against OpenSshShell and a real sshd (tests/slurm/) and against LocalShell
// (tests/unit/contract/). Include this header in ONE file of a test binary
// and invoke the cases there with
//   RYAX_REMOTE_SHELL_CONTRACT(Fixture);
// where `Fixture` is default-constructible and has `app::RemoteShell&
// shell()`. Commands work in a scratch directory made on the remote side
// with mktemp -d and removed afterwards.

#include "core/application/ports/remote_shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <string>

namespace ryax::test::remote_shell_contract {

using namespace std::chrono_literals;

// A directory on the remote side for one test case.
class RemoteScratch
{
public:
  explicit RemoteScratch(app::RemoteShell& shell)
    : m_shell(shell)
  {
    auto made = m_shell.run("mktemp -d", {}, 30s);
    REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
    REQUIRE(made->exit_code == 0);
    m_path = made->out.substr(0, made->out.find('\n'));
    REQUIRE(!m_path.empty());
  }
  ~RemoteScratch()
  {
    // Best effort: a leftover directory under /tmp hurts nobody.
    (void)m_shell.run("rm -rf '" + m_path + "'", {}, 30s);
  }
  RemoteScratch(const RemoteScratch&) = delete;
  RemoteScratch& operator=(const RemoteScratch&) = delete;

  // `name` inside the directory, quoted for sh.
  std::string
  operator/(const std::string& name) const
  {
    return "'" + m_path + "/" + name + "'";
  }

private:
  app::RemoteShell& m_shell;
  std::string m_path;
};

// `size` pseudo-random bytes (every byte value, NULs and newlines included).
inline std::string
random_bytes(std::size_t size, unsigned seed = 7)
{
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) {
    byte = static_cast<char>(generator() & 0xff);
  }
  return bytes;
}

// `command` ran and gave a ShellResult (no Error).
inline app::ShellResult
ran(const Result<app::ShellResult>& result)
{
  REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
  return *result;
}

} // namespace ryax::test::remote_shell_contract

TEST_CASE_TEMPLATE_DEFINE(
  "a command's exit status is its ShellResult's exit code",
  F,
  remote_shell_exit_codes)
{
  using namespace ryax::test::remote_shell_contract;
  F f;
  auto& shell = f.shell();
  CHECK(ran(shell.run("exit 0", {}, 30s)).exit_code == 0);
  CHECK(ran(shell.run("exit 3", {}, 30s)).exit_code == 3);
  CHECK(ran(shell.run("false", {}, 30s)).exit_code == 1);
  CHECK(ran(shell.run("no-such-command-ryax", {}, 30s)).exit_code == 127);
}

TEST_CASE_TEMPLATE_DEFINE("stdout is kept byte for byte and stderr apart",
                          F,
                          remote_shell_output)
{
  using namespace ryax::test::remote_shell_contract;
  F f;
  auto& shell = f.shell();
  const auto result = ran(
    shell.run("printf 'a\\nb\\r\\n\\000c'; echo oops >&2; exit 4", {}, 30s));
  CHECK(result.exit_code == 4);
  CHECK(result.out == std::string("a\nb\r\n\0c", 7));
  CHECK(result.err == "oops\n");
}

TEST_CASE_TEMPLATE_DEFINE("the input reaches the command's stdin",
                          F,
                          remote_shell_input)
{
  using namespace ryax::test::remote_shell_contract;
  F f;
  auto& shell = f.shell();
  CHECK(ran(shell.run("cat", "hello\nworld", 30s)).out == "hello\nworld");
  const auto big = random_bytes(3 << 20);
  CHECK(ran(shell.run("wc -c", big, 60s))
          .out.starts_with(std::to_string(big.size())));
  // A command that does not read its input is no error.
  CHECK(ran(shell.run("true", big, 30s)).exit_code == 0);
}

TEST_CASE_TEMPLATE_DEFINE("a local file uploaded on stdin arrives unchanged",
                          F,
                          remote_shell_upload)
{
  using namespace ryax::test::remote_shell_contract;
  F f;
  auto& shell = f.shell();
  RemoteScratch remote(shell);
  ryax::test::TempDir local;
  const auto content = random_bytes(100'000, 11);
  ryax::test::write_file(local / "in.bin", content);
  CHECK(ran(shell.run_with_input_file(
              "cat > " + (remote / "f"), local / "in.bin", 30s))
          .exit_code == 0);
  CHECK(ran(shell.run("cat " + (remote / "f"), {}, 30s)).out == content);

  const auto missing = shell.run_with_input_file("cat", local / "nope", 30s);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ryax::ErrorCode::internal);
  CHECK(missing.error().message.find(local / "nope") != std::string::npos);
}

TEST_CASE_TEMPLATE_DEFINE("a command's stdout downloaded to a file replaces it",
                          F,
                          remote_shell_download)
{
  using namespace ryax::test::remote_shell_contract;
  F f;
  auto& shell = f.shell();
  RemoteScratch remote(shell);
  ryax::test::TempDir local;
  ryax::test::write_file(local / "out.txt", "an older, longer content\n");
  const auto result = ran(shell.run_to_file(
    "printf 'x\\000y'; echo note >&2", local / "out.txt", 30s));
  CHECK(result.exit_code == 0);
  CHECK(result.out.empty());
  CHECK(result.err == "note\n");
  CHECK(ryax::test::read_file(local / "out.txt") == std::string("x\0y", 3));
  // A failing command still reports its exit code.
  CHECK(
    ran(shell.run_to_file("cat " + (remote / "absent"), local / "none", 30s))
      .exit_code != 0);
}

TEST_CASE_TEMPLATE_DEFINE(
  "a command past its timeout is killed with deadline_exceeded",
  F,
  remote_shell_timeout)
{
  using namespace ryax::test::remote_shell_contract;
  F f;
  auto& shell = f.shell();
  CHECK(ran(shell.run("true", {}, 30s)).exit_code == 0); // connected
  const auto start = std::chrono::steady_clock::now();
  const auto result = shell.run("sleep 30", {}, 1s);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ryax::ErrorCode::deadline_exceeded);
  CHECK(took < 10s);
  // The shell still works afterwards.
  CHECK(ran(shell.run("echo ok", {}, 30s)).out == "ok\n");
}

TEST_CASE_TEMPLATE_DEFINE("20 MB go up and come back down unchanged",
                          F,
                          remote_shell_large_round_trip)
{
  using namespace ryax::test::remote_shell_contract;
  F f;
  auto& shell = f.shell();
  RemoteScratch remote(shell);
  ryax::test::TempDir local;
  const auto content = random_bytes(20 << 20, 13);
  ryax::test::write_file(local / "up.bin", content);
  CHECK(ran(shell.run_with_input_file(
              "cat > " + (remote / "big"), local / "up.bin", 120s))
          .exit_code == 0);
  CHECK(ran(shell.run("wc -c < " + (remote / "big"), {}, 30s)).out ==
        std::to_string(content.size()) + "\n");
  CHECK(
    ran(shell.run_to_file("cat " + (remote / "big"), local / "down.bin", 120s))
      .exit_code == 0);
  CHECK(ryax::test::read_file(local / "down.bin") == content);
}

// Run every case above against `Fixture`.
#define RYAX_REMOTE_SHELL_CONTRACT(Fixture)                                    \
  TEST_CASE_TEMPLATE_INVOKE(remote_shell_exit_codes, Fixture);                 \
  TEST_CASE_TEMPLATE_INVOKE(remote_shell_output, Fixture);                     \
  TEST_CASE_TEMPLATE_INVOKE(remote_shell_input, Fixture);                      \
  TEST_CASE_TEMPLATE_INVOKE(remote_shell_upload, Fixture);                     \
  TEST_CASE_TEMPLATE_INVOKE(remote_shell_download, Fixture);                   \
  TEST_CASE_TEMPLATE_INVOKE(remote_shell_timeout, Fixture);                    \
  TEST_CASE_TEMPLATE_INVOKE(remote_shell_large_round_trip, Fixture)
