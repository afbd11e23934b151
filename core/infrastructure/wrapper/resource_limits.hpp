#pragma once

#include "core/domain/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::wrapper {

// How the limits of a language runtime are enforced.
enum class LimitMechanism
{
  none,      // no limit requested
  cgroup_v2, // a cgroup under the cgroup2 mount with memory/cpu controllers
  cgroup_v1, // groups in the v1 memory and cpu hierarchies
  rlimit,    // RLIMIT_AS only; a CPU quota is not enforced
};

// "none", "cgroup v2", "cgroup v1" or "rlimit".
std::string_view to_string(LimitMechanism mechanism);

// What to limit; 0 means no limit.
struct LimitRequest
{
  std::int64_t memory_bytes = 0; // bytes
  double cpu_quota = 0;          // cores
};

// Where the machine's cgroups are described: the text of /proc/self/mounts
// and /proc/self/cgroup. Tests give fake texts pointing into a temp dir.
struct CgroupEnvironment
{
  std::string mounts;
  std::string self_cgroup;

  // The real files of this process.
  static CgroupEnvironment from_proc();
};

// The cgroups (or rlimit) holding one runtime's limits. The groups are
// created by create() and removed on destruction (once they are empty).
class ResourceLimits
{
public:
  // Choose the first mechanism that can enforce `request`: cgroup v2 when
  // the cgroup2 mount offers the needed controllers (memory, cpu), else
  // cgroup v1 when its hierarchies are writable, else rlimit. Groups are
  // named `name` under this process's own cgroup. Never fails: the worst
  // case is rlimit, with the reasons in notes().
  static std::unique_ptr<ResourceLimits> create(const LimitRequest& request,
                                                const std::string& name,
                                                const CgroupEnvironment& env);

  ResourceLimits(const ResourceLimits&) = delete;
  ResourceLimits& operator=(const ResourceLimits&) = delete;
  ~ResourceLimits();

  // The mechanism in use.
  LimitMechanism mechanism() const { return m_mechanism; }

  // The `cgroup.procs` files a new runtime must join (write "0" into each,
  // before exec); empty unless a cgroup mechanism is used.
  const std::vector<std::string>& procs_files() const { return m_procs_files; }

  // The RLIMIT_AS to set in a new runtime, in bytes; 0 for none.
  std::int64_t address_space_limit() const { return m_rlimit_as; }

  // How many processes the kernel OOM-killed in the memory group so far, or
  // -1 when unknown (no memory cgroup, or an old kernel). Not thread-safe.
  std::int64_t oom_kills() const;

  // Why better mechanisms were not used, for the wrapper's log.
  const std::vector<std::string>& notes() const { return m_notes; }

private:
  ResourceLimits() = default;
  bool try_v2(const LimitRequest& request, const std::string& name,
              const CgroupEnvironment& env);
  bool try_v1(const LimitRequest& request, const std::string& name,
              const CgroupEnvironment& env);

  LimitMechanism m_mechanism = LimitMechanism::none;
  std::vector<std::string> m_groups; // directories created, removed at the end
  std::vector<std::string> m_procs_files;
  std::string m_oom_file;    // memory.events (v2) or memory.oom_control (v1)
  mutable int m_oom_fd = -1; // m_oom_file, opened by the first oom_kills()
  std::int64_t m_rlimit_as = 0;
  std::vector<std::string> m_notes;
};

} // namespace ryax::infra::wrapper
