// libFuzzer target: ryaxd.yaml (load_daemon_config, then describe() as
// `ryaxd --print-config` shows it). The file is written to a temp dir that
// is also the data dir.

#include "core/infrastructure/config/daemon_config.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path&
sandbox()
{
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "ryax-fuzz-config-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    std::atexit([] { std::error_code ec; fs::remove_all(sandbox(), ec); });
    return fs::path(pattern);
  }();
  return dir;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  namespace config = ryax::infra::config;
  const auto file = sandbox() / "ryaxd.yaml";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  config::DaemonFlags flags;
  flags.data_dir = sandbox().string();
  flags.config_file = file.string();
  // No RYAX_* variable: the file alone decides. HOME for the defaults.
  const config::Environment env{ { "HOME", sandbox().string() } };
  const auto loaded = config::load_daemon_config(flags, env);
  if (loaded) {
    (void)config::describe(*loaded);
  }
  return 0;
}
