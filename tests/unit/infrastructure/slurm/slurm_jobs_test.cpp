// SlurmJobs against LocalShell (the RemoteShell fake that runs commands
// here) and a fake squeue on PATH printing what the test wrote: log lines
// streamed, the end marker, Slurm's own ends confirmed once, the state and
// reason of a pending job, and one squeue call for every followed job.

#include "core/infrastructure/slurm/slurm_jobs.hpp"
#include "tests/support/local_shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <future>

using namespace ryax;
using namespace ryax::infra::slurm;
using namespace ryax::test;

namespace {

// A fake squeue printing $dir/queue, first on PATH while it lives.
struct FakeSqueue
{
  TempDir dir;
  std::string old_path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";

  FakeSqueue()
  {
    write_file(dir.path() / "squeue", "#!/bin/sh\ncat '" + (dir.path() / "queue").string() + "' 2>/dev/null\n");
    ::chmod((dir.path() / "squeue").c_str(), 0755);
    queue("");
    ::setenv("PATH", (dir.path().string() + ":" + old_path).c_str(), 1);
  }
  ~FakeSqueue() { ::setenv("PATH", old_path.c_str(), 1); }

  void queue(const std::string& lines) const { write_file(dir.path() / "queue", lines); }
};

const PollIntervals k_fast{ std::chrono::milliseconds(50), std::chrono::milliseconds(200) };

} // namespace

TEST_SUITE_BEGIN("infra::slurm: jobs");

TEST_CASE("a job's log lines come as they are written, then its end marker ends it")
{
  FakeSqueue squeue;
  squeue.queue("7|RUNNING|None\n");
  TempDir job;
  LocalShell shell;
  SlurmJobs jobs(shell, k_fast);
  std::vector<std::string> lines;
  JobEvents events;
  events.on_log = [&](const app::LogLine& line) { lines.push_back(line.line); };
  auto ended = std::async(std::launch::async, [&] {
    return jobs.follow("7", job.path().string(), events, std::chrono::seconds(30));
  });
  write_file(job.path() / "job.log", "first\nsec");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  write_file(job.path() / "job.log", "first\nsecond\nlast, unterminated");
  write_file(job.path() / "exit_code", "3\n");
  const auto end = ended.get();
  REQUIRE(end);
  CHECK(end->script_ended);
  CHECK(end->exit_code == 3);
  CHECK(lines == std::vector<std::string>{ "first", "second", "last, unterminated" });
}

TEST_CASE("a job Slurm ends without the marker ends with Slurm's state, once confirmed")
{
  FakeSqueue squeue;
  squeue.queue("8|PENDING|Resources\n");
  TempDir job;
  LocalShell shell;
  SlurmJobs jobs(shell, k_fast);
  std::vector<std::string> states;
  JobEvents events;
  events.on_state = [&](const domain::SlurmJobLine& line) {
    states.push_back(line.state_text + "/" + line.reason);
  };
  auto ended = std::async(std::launch::async, [&] {
    return jobs.follow("8", job.path().string(), events, std::chrono::seconds(30));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  squeue.queue("8|TIMEOUT|TimeLimit\n");
  const auto end = ended.get();
  REQUIRE(end);
  CHECK_FALSE(end->script_ended);
  CHECK(end->state == domain::SlurmJobState::timeout);
  CHECK(end->reason == "TimeLimit");
  REQUIRE(!states.empty());
  CHECK(states.front() == "PENDING/Resources");
}

TEST_CASE("a job squeue no longer lists ends as unknown, and cancel ends a follower at once")
{
  FakeSqueue squeue;
  TempDir job;
  LocalShell shell;
  SlurmJobs jobs(shell, k_fast);
  const auto end = jobs.follow("9", job.path().string(), {}, std::chrono::seconds(30));
  REQUIRE(end);
  CHECK_FALSE(end->script_ended);
  CHECK(end->state == domain::SlurmJobState::unknown);
  CHECK(end->reason == "Slurm no longer knows the job");

  // scancel is not on this machine's PATH under that name: fake it too.
  write_file(squeue.dir.path() / "scancel", "#!/bin/sh\nexit 0\n");
  ::chmod((squeue.dir.path() / "scancel").c_str(), 0755);
  squeue.queue("10|RUNNING|None\n");
  auto followed = std::async(std::launch::async, [&] {
    return jobs.follow("10", job.path().string(), {}, std::chrono::seconds(30));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(jobs.cancel("10"));
  const auto cancelled = followed.get();
  REQUIRE(cancelled);
  CHECK(cancelled->cancelled);
}

TEST_CASE("many followed jobs cost one squeue call per interval, not one each")
{
  FakeSqueue squeue;
  std::string queue;
  for (int i = 0; i < 20; ++i) {
    queue += std::to_string(100 + i) + "|RUNNING|None\n";
  }
  squeue.queue(queue);
  TempDir root;
  LocalShell shell;
  SlurmJobs jobs(shell, k_fast);
  std::vector<std::future<Result<JobEnd>>> ends;
  for (int i = 0; i < 20; ++i) {
    const auto dir = root.path() / std::to_string(i);
    std::filesystem::create_directories(dir);
    ends.push_back(std::async(std::launch::async, [&jobs, dir, i] {
      return jobs.follow(std::to_string(100 + i), dir.string(), {}, std::chrono::seconds(30));
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  for (int i = 0; i < 20; ++i) {
    write_file(root.path() / std::to_string(i) / "exit_code", "0\n");
  }
  for (auto& end : ends) {
    const auto got = end.get();
    REQUIRE(got);
    CHECK(got->script_ended);
  }
  // About 2.2 s at one call per 200 ms, plus one after the first second:
  // far from 20 jobs times that.
  CHECK(jobs.squeue_calls() <= 16);
  CHECK(jobs.squeue_calls() >= 5);
}
