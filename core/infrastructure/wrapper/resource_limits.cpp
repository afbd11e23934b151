#include "core/infrastructure/wrapper/resource_limits.hpp"

#include "core/infrastructure/files/read_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace ryax::infra::wrapper {

namespace {

constexpr std::int64_t k_cfs_period_us = 100000;

// A kernel file's content; "" when it cannot be read (no such controller
// or cgroup: the callers fall back).
std::string
read_text(const std::string& path)
{
  return files::read_file(path).value_or("");
}

bool
write_text(const std::string& path, const std::string& text)
{
  std::ofstream out(path, std::ios::out | std::ios::trunc);
  if (!out) {
    return false;
  }
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

std::vector<std::string>
split(const std::string& text, char separator)
{
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    parts.push_back(part);
  }
  return parts;
}

bool
contains_word(const std::string& text, const std::string& word)
{
  std::stringstream stream(text);
  std::string token;
  while (stream >> token) {
    if (token == word) {
      return true;
    }
  }
  return false;
}

// The mount point of the first mount of `type` whose options include
// `option` (any when empty), or empty.
std::string
find_mount(const std::string& mounts, const std::string& type,
           const std::string& option)
{
  for (const auto& line : split(mounts, '\n')) {
    std::stringstream fields(line);
    std::string device, point, fs_type, options;
    if (!(fields >> device >> point >> fs_type >> options) || fs_type != type) {
      continue;
    }
    if (option.empty()) {
      return point;
    }
    for (const auto& o : split(options, ',')) {
      if (o == option) {
        return point;
      }
    }
  }
  return {};
}

// This process's path in the hierarchy whose controller list holds
// `controller` ("" for the v2 line "0::/path"), or "/".
std::string
own_path(const std::string& self_cgroup, const std::string& controller)
{
  for (const auto& line : split(self_cgroup, '\n')) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
      continue;
    }
    const auto controllers = line.substr(first + 1, second - first - 1);
    const auto path = line.substr(second + 1);
    auto listed = controllers;
    for (auto& ch : listed) {
      ch = ch == ',' ? ' ' : ch;
    }
    if (controller.empty() ? controllers.empty()
                           : contains_word(listed, controller)) {
      return path.empty() ? "/" : path;
    }
  }
  return "/";
}

bool
make_group(const std::string& dir)
{
  std::error_code ec;
  fs::create_directory(dir, ec);
  return !ec && fs::is_directory(dir, ec);
}

} // namespace

std::string_view
to_string(LimitMechanism mechanism)
{
  switch (mechanism) {
    case LimitMechanism::none:
      return "none";
    case LimitMechanism::cgroup_v2:
      return "cgroup v2";
    case LimitMechanism::cgroup_v1:
      return "cgroup v1";
    case LimitMechanism::rlimit:
      return "rlimit";
  }
  return "none";
}

CgroupEnvironment
CgroupEnvironment::from_proc()
{
  return {read_text("/proc/self/mounts"), read_text("/proc/self/cgroup")};
}

std::unique_ptr<ResourceLimits>
ResourceLimits::create(const LimitRequest& request, const std::string& name,
                       const CgroupEnvironment& env)
{
  std::unique_ptr<ResourceLimits> limits(new ResourceLimits());
  if (request.memory_bytes <= 0 && request.cpu_quota <= 0) {
    return limits;
  }
  if (limits->try_v2(request, name, env)) {
    limits->m_mechanism = LimitMechanism::cgroup_v2;
    return limits;
  }
  if (limits->try_v1(request, name, env)) {
    limits->m_mechanism = LimitMechanism::cgroup_v1;
    return limits;
  }
  limits->m_mechanism = LimitMechanism::rlimit;
  limits->m_rlimit_as = request.memory_bytes > 0 ? request.memory_bytes : 0;
  if (request.cpu_quota > 0) {
    limits->m_notes.push_back("the CPU quota is not enforced with rlimit");
  }
  return limits;
}

bool
ResourceLimits::try_v2(const LimitRequest& request, const std::string& name,
                       const CgroupEnvironment& env)
{
  const auto mount = find_mount(env.mounts, "cgroup2", "");
  if (mount.empty()) {
    m_notes.push_back("cgroup v2: no cgroup2 mount");
    return false;
  }
  const auto parent = mount + own_path(env.self_cgroup, "");
  const auto available = read_text(parent + "/cgroup.controllers");
  std::vector<std::string> needed;
  if (request.memory_bytes > 0) {
    needed.push_back("memory");
  }
  if (request.cpu_quota > 0) {
    needed.push_back("cpu");
  }
  for (const auto& controller : needed) {
    if (!contains_word(available, controller)) {
      m_notes.push_back("cgroup v2: no " + controller + " controller in " + parent);
      return false;
    }
    if (!contains_word(read_text(parent + "/cgroup.subtree_control"), controller)
        && !write_text(parent + "/cgroup.subtree_control", "+" + controller)) {
      m_notes.push_back("cgroup v2: cannot enable " + controller + " in " + parent);
      return false;
    }
  }
  const auto group = parent + "/" + name;
  if (!make_group(group)) {
    m_notes.push_back("cgroup v2: cannot create " + group);
    return false;
  }
  m_groups.push_back(group);
  bool ok = true;
  if (request.memory_bytes > 0) {
    ok = ok && write_text(group + "/memory.max", std::to_string(request.memory_bytes));
    // Without swap limit the runtime would swap instead of being killed.
    write_text(group + "/memory.swap.max", "0");
    m_oom_file = group + "/memory.events";
  }
  if (request.cpu_quota > 0) {
    const auto quota = static_cast<std::int64_t>(std::ceil(request.cpu_quota * k_cfs_period_us));
    ok = ok && write_text(group + "/cpu.max",
                          std::to_string(quota) + " " + std::to_string(k_cfs_period_us));
  }
  if (!ok) {
    m_notes.push_back("cgroup v2: cannot write the limits of " + group);
    return false;
  }
  m_procs_files.push_back(group + "/cgroup.procs");
  return true;
}

bool
ResourceLimits::try_v1(const LimitRequest& request, const std::string& name,
                       const CgroupEnvironment& env)
{
  std::vector<std::string> procs;
  if (request.memory_bytes > 0) {
    const auto mount = find_mount(env.mounts, "cgroup", "memory");
    if (mount.empty()) {
      m_notes.push_back("cgroup v1: no memory hierarchy");
      return false;
    }
    const auto path = own_path(env.self_cgroup, "memory");
    const auto group = mount + (path == "/" ? "" : path) + "/" + name;
    if (!make_group(group)) {
      m_notes.push_back("cgroup v1: cannot create " + group);
      return false;
    }
    m_groups.push_back(group);
    if (!write_text(group + "/memory.limit_in_bytes", std::to_string(request.memory_bytes))) {
      m_notes.push_back("cgroup v1: cannot write " + group + "/memory.limit_in_bytes");
      return false;
    }
    // Also bound swap when the kernel accounts it (fails harmlessly otherwise).
    if (fs::exists(group + "/memory.memsw.limit_in_bytes")) {
      write_text(group + "/memory.memsw.limit_in_bytes", std::to_string(request.memory_bytes));
    }
    m_oom_file = group + "/memory.oom_control";
    procs.push_back(group + "/cgroup.procs");
  }
  if (request.cpu_quota > 0) {
    const auto mount = find_mount(env.mounts, "cgroup", "cpu");
    if (mount.empty()) {
      m_notes.push_back("cgroup v1: no cpu hierarchy");
      return false;
    }
    const auto path = own_path(env.self_cgroup, "cpu");
    const auto group = mount + (path == "/" ? "" : path) + "/" + name;
    if (!make_group(group)) {
      m_notes.push_back("cgroup v1: cannot create " + group);
      return false;
    }
    m_groups.push_back(group);
    const auto quota = static_cast<std::int64_t>(std::ceil(request.cpu_quota * k_cfs_period_us));
    if (!write_text(group + "/cpu.cfs_period_us", std::to_string(k_cfs_period_us))
        || !write_text(group + "/cpu.cfs_quota_us", std::to_string(quota))) {
      m_notes.push_back("cgroup v1: cannot write the CPU quota of " + group);
      return false;
    }
    procs.push_back(group + "/cgroup.procs");
  }
  m_procs_files = std::move(procs);
  return true;
}

std::int64_t
ResourceLimits::oom_kills() const
{
  if (m_oom_file.empty()) {
    return -1;
  }
  // Read before and after every execution: one pread on a descriptor kept
  // open (opened once the file exists), not a stream per call.
  if (m_oom_fd < 0) {
    m_oom_fd = ::open(m_oom_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_oom_fd < 0) {
      return -1;
    }
  }
  char buffer[4096];
  const auto n = ::pread(m_oom_fd, buffer, sizeof(buffer), 0);
  if (n <= 0) {
    return -1;
  }
  std::string_view text(buffer, static_cast<std::size_t>(n));
  constexpr std::string_view key = "oom_kill ";
  while (!text.empty()) {
    const auto end = std::min(text.find('\n'), text.size());
    const auto line = text.substr(0, end);
    if (line.starts_with(key)) {
      std::int64_t value = -1;
      const auto digits = line.substr(key.size());
      std::from_chars(digits.data(), digits.data() + digits.size(), value);
      return value;
    }
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return -1;
}

ResourceLimits::~ResourceLimits()
{
  if (m_oom_fd >= 0) {
    ::close(m_oom_fd);
  }
  // A cgroup can only be removed once its last process is reaped (EBUSY
  // until then); the kernel may need a moment after the runtime's death. A
  // regular directory (a fake hierarchy in tests) is simply deleted.
  for (auto it = m_groups.rbegin(); it != m_groups.rend(); ++it) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (::rmdir(it->c_str()) == 0 || errno != EBUSY) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::error_code ec;
    if (fs::exists(*it, ec) && errno == ENOTEMPTY) {
      fs::remove_all(*it, ec);
    }
  }
}

} // namespace ryax::infra::wrapper
