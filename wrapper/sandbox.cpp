#include "wrapper/sandbox.hpp"

#include <filesystem>

namespace fs = std::filesystem;

namespace ryax::wrapper {

std::vector<std::string>
sandbox_argv(const SandboxSettings& settings, const std::string& work_root)
{
  if (settings.bwrap.empty()) {
    return {};
  }
  std::vector<std::string> argv = {
    settings.bwrap, "--die-with-parent", "--unshare-user", "--unshare-pid",
    "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
    "--uid", "65534", "--gid", "65534",
    "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
    "--tmpfs", "/tmp"};
  if (!settings.network) {
    argv.emplace_back("--unshare-net");
  }
  // Writable directories first: one that holds the data dir must not show
  // it again.
  for (const auto& path : settings.writable) {
    argv.insert(argv.end(), {"--bind", path, path});
  }
  for (const auto& path : settings.hide) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      continue;
    }
    if (fs::is_directory(status)) {
      argv.insert(argv.end(), {"--tmpfs", path});
    } else {
      argv.insert(argv.end(), {"--ro-bind", "/dev/null", path});
    }
  }
  for (const auto& path : settings.read_only) {
    argv.insert(argv.end(), {"--ro-bind", path, path});
  }
  argv.insert(argv.end(), {"--bind", work_root, work_root});
  argv.emplace_back("--");
  return argv;
}

} // namespace ryax::wrapper
