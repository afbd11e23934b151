#include "core/infrastructure/wrapper/resource_limits.hpp"

#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace ryax::infra::wrapper;
using namespace ryax::test;
namespace fs = std::filesystem;

namespace {

// A fake machine: a cgroup2 mount and v1 memory/cpu hierarchies in a temp
// dir, this process in "/job" of each.
struct FakeCgroups
{
  TempDir dir;
  CgroupEnvironment env;

  explicit FakeCgroups(const std::string& v2_controllers, bool with_v1 = true)
  {
    const auto v2 = dir / "unified";
    write_file(fs::path(v2) / "job/cgroup.controllers", v2_controllers);
    write_file(fs::path(v2) / "job/cgroup.subtree_control", "");
    env.mounts = "cgroup2 " + v2 + " cgroup2 rw,relatime 0 0\n";
    env.self_cgroup = "0::/job\n";
    if (with_v1) {
      fs::create_directories(dir.path() / "memory/job");
      fs::create_directories(dir.path() / "cpu,cpuacct/job");
      env.mounts += "cgroup " + (dir / "memory") + " cgroup rw,relatime,memory 0 0\n";
      env.mounts += "cgroup " + (dir / "cpu,cpuacct") + " cgroup rw,relatime,cpu,cpuacct 0 0\n";
      env.self_cgroup += "4:memory:/job\n2:cpu,cpuacct:/job\n";
    }
  }
};

} // namespace

TEST_SUITE_BEGIN("infra::wrapper::ResourceLimits");

TEST_CASE("no limit requested means no mechanism")
{
  FakeCgroups fake("memory cpu");
  const auto limits = ResourceLimits::create({}, "rw-1", fake.env);
  CHECK(limits->mechanism() == LimitMechanism::none);
  CHECK(limits->procs_files().empty());
  CHECK(to_string(limits->mechanism()) == "none");
}

TEST_CASE("cgroup v2 is used when its controllers are available")
{
  FakeCgroups fake("cpuset cpu io memory pids");
  const auto limits = ResourceLimits::create({64 << 20, 0.5}, "rw-1", fake.env);
  CHECK(limits->mechanism() == LimitMechanism::cgroup_v2);
  const auto group = fs::path(fake.dir / "unified/job/rw-1");
  CHECK(read_file(group / "memory.max") == "67108864");
  CHECK(read_file(group / "cpu.max") == "50000 100000");
  CHECK(read_file(fs::path(fake.dir / "unified/job") / "cgroup.subtree_control") == "+cpu");
  CHECK(limits->procs_files() == std::vector<std::string>{(group / "cgroup.procs").string()});
  write_file(group / "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  CHECK(limits->oom_kills() == 1);
}

TEST_CASE("without v2 controllers, the v1 memory and cpu hierarchies are used")
{
  FakeCgroups fake("pids"); // the hybrid machines: no memory in cgroup2
  const auto limits = ResourceLimits::create({64 << 20, 1.5}, "rw-2", fake.env);
  CHECK(limits->mechanism() == LimitMechanism::cgroup_v1);
  CHECK(to_string(limits->mechanism()) == "cgroup v1");
  const auto memory = fs::path(fake.dir / "memory/job/rw-2");
  const auto cpu = fs::path(fake.dir / "cpu,cpuacct/job/rw-2");
  CHECK(read_file(memory / "memory.limit_in_bytes") == "67108864");
  CHECK(read_file(cpu / "cpu.cfs_quota_us") == "150000");
  CHECK(read_file(cpu / "cpu.cfs_period_us") == "100000");
  CHECK(limits->procs_files().size() == 2);
  CHECK(limits->oom_kills() == -1); // no memory.oom_control yet
  write_file(memory / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  CHECK(limits->oom_kills() == 2);
  CHECK_FALSE(limits->notes().empty()); // why v2 was not used
}

TEST_CASE("the groups are removed with the limits")
{
  FakeCgroups fake("pids");
  {
    const auto limits = ResourceLimits::create({64 << 20, 0}, "rw-3", fake.env);
    CHECK(fs::exists(fake.dir / "memory/job/rw-3"));
  }
  CHECK_FALSE(fs::exists(fake.dir / "memory/job/rw-3"));
}

TEST_CASE("without any usable cgroup, the memory limit becomes an rlimit")
{
  FakeCgroups fake("pids", false);
  const auto limits = ResourceLimits::create({64 << 20, 0.5}, "rw-4", fake.env);
  CHECK(limits->mechanism() == LimitMechanism::rlimit);
  CHECK(limits->address_space_limit() == 64 << 20);
  CHECK(limits->procs_files().empty());
}

TEST_SUITE_END();
