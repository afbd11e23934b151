// The cluster of tests/slurm/cluster.sh runs a batch job submitted over
// OpenSshShell, as the Slurm site will.

#include "core/infrastructure/ssh/openssh_shell.hpp"
#include "tests/slurm/slurm_site.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace std::chrono_literals;
using ryax::infra::ssh::OpenSshShell;
using ryax::test::SlurmSite;

namespace {

// stdout of `command`, which must run and exit 0.
std::string
must_run(OpenSshShell& shell, const std::string& command)
{
  const auto result = shell.run(command, {}, 30s);
  REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
  REQUIRE_MESSAGE(result->exit_code == 0, command << ": " << result->err);
  return result->out;
}

std::string
trimmed(std::string text)
{
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

} // namespace

TEST_SUITE_BEGIN("slurm::cluster");

TEST_CASE("sbatch over ssh runs a job that squeue then shows COMPLETED")
{
  const auto site = SlurmSite::from_environment();
  ryax::test::TempDir tmp;
  OpenSshShell shell(site.target(tmp.path().string()));
  const auto dir = trimmed(must_run(shell, "mktemp -d \"$HOME/smoke.XXXXXX\""));
  const auto id =
    trimmed(must_run(shell,
                     "cd '" + dir + "' && sbatch --parsable -p " +
                       site.partition + " --wrap 'echo hi > out'"));
  REQUIRE_FALSE(id.empty());
  CHECK(id.find_first_not_of("0123456789") == std::string::npos);

  std::string state;
  CHECK(ryax::test::eventually(
    [&] {
      state = trimmed(must_run(shell, "squeue -h -t all -j " + id + " -o %T"));
      if (state == "COMPLETED" || state == "FAILED") {
        return true;
      }
      std::this_thread::sleep_for(200ms); // spare slurmctld
      return false;
    },
    60s));
  CHECK(state == "COMPLETED");
  CHECK(must_run(shell, "cat '" + dir + "/out'") == "hi\n");
  must_run(shell, "rm -rf '" + dir + "'");
}

TEST_SUITE_END();
