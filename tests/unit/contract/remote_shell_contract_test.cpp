// The RemoteShell contract against LocalShell (tests/support/local_shell.hpp);
// tests/slurm/openssh_shell_test.cpp runs the same cases against
// OpenSshShell and a real sshd.

#include "tests/support/local_shell.hpp"
#include "tests/support/remote_shell_contract.hpp"

namespace {

struct LocalShellFixture
{
  ryax::test::LocalShell local;
  ryax::app::RemoteShell&
  shell()
  {
    return local;
  }
};

} // namespace

TEST_SUITE_BEGIN("contract::RemoteShell");

RYAX_REMOTE_SHELL_CONTRACT(LocalShellFixture);

TEST_SUITE_END();
