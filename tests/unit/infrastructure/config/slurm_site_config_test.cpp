// ryaxd.yaml `sites`: Slurm clusters over SSH, read with their positions.

#include "core/infrastructure/config/daemon_config.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <string>

using namespace ryax;
using namespace ryax::infra::config;
using namespace ryax::test;

namespace {

struct SitesFile
{
  TempDir dir;
  std::string key = (dir.path() / "key").string();

  SitesFile() { key_mode(0600); }

  void
  key_mode(mode_t mode) const
  {
    write_file(key, "not read by ryaxd");
    ::chmod(key.c_str(), mode);
  }

  // ryaxd.yaml with one site whose entry ends with `extra` lines.
  Result<DaemonConfig>
  load(const std::string& site_lines) const
  {
    write_file(dir.path() / "ryaxd.yaml", "sites:\n" + site_lines);
    return load_daemon_config({}, { { "RYAX_HOME", dir.path().string() } });
  }

  std::string
  site(const std::string& name = "hpc", const std::string& server = "login:2222") const
  {
    return "  - name: " + name + "\n    type: SLURM_SSH\n    credentials:\n      server: \"" + server
           + "\"\n      username: alice\n      privateKeyFile: " + key
           + "\n    partitions:\n      - {name: debug, cpu: 2, memory: 1G}\n";
  }
};

std::string
error_of(const Result<DaemonConfig>& loaded)
{
  REQUIRE_FALSE(loaded);
  return loaded.error().message;
}

} // namespace

TEST_SUITE_BEGIN("infra::config: sites");

TEST_CASE("a Slurm site reads its server, user, key, partitions and defaults")
{
  SitesFile f;
  const auto loaded = f.load(f.site() + "    poll_interval: 250ms\n    keep_failed: 2h\n");
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  REQUIRE(loaded->sites.value.size() == 1);
  const auto& site = loaded->sites.value[0];
  CHECK(site.site.name == "hpc");
  CHECK(site.site.type == "SLURM_SSH");
  CHECK(site.host == "login");
  CHECK(site.port == 2222);
  CHECK(site.user == "alice");
  CHECK(site.private_key_file == f.key);
  CHECK(site.known_hosts_file == f.dir.path().string() + "/ssh/known_hosts");
  CHECK(site.cache_dir == "~/.ryax_cache");
  CHECK(site.poll_interval_ms == 250);
  CHECK(site.squeue_interval_ms == 5000);
  CHECK(site.keep_failed_seconds == 7200);
  REQUIRE(site.site.pools.size() == 1);
  CHECK(site.site.pools[0].name == "debug");
  const auto shown = describe(*loaded);
  CHECK(shown.find("sites: hpc: SLURM_SSH alice@login:2222") != std::string::npos);
  CHECK(shown.find("not read by ryaxd") == std::string::npos);
}

TEST_CASE("bad sites are refused naming the file, line and field")
{
  SitesFile f;
  CHECK(error_of(f.load(f.site() + "    pol_interval: 1s\n")).find("sites[0].pol_interval") != std::string::npos);
  CHECK(error_of(f.load(f.site("hpc", "login:99999"))).find("sites[0].credentials.server") != std::string::npos);
  CHECK(error_of(f.load(f.site("hpc", "alice@login"))).find("no user") != std::string::npos);
  CHECK(error_of(f.load(f.site() + f.site())).find("duplicate site \"hpc\"") != std::string::npos);
  CHECK(error_of(f.load(f.site("local"))).find("own site") != std::string::npos);
  CHECK(error_of(f.load(f.site() + "    poll_interval: 10ms\n")).find("from 100ms") != std::string::npos);
  CHECK(error_of(f.load("  - name: hpc\n    type: KUBERNETES\n")).find("expected SLURM_SSH") != std::string::npos);
  CHECK(error_of(f.load("  - name: hpc\n    type: SLURM_SSH\n")).find("missing key \"credentials\"") != std::string::npos);
  const auto at = error_of(f.load(f.site() + "    cache_dir: relative\n"));
  CHECK(at.find("ryaxd.yaml:") != std::string::npos);
  CHECK(at.find("sites[0].cache_dir") != std::string::npos);
  f.key_mode(0644);
  const auto open_key = error_of(f.load(f.site()));
  CHECK(open_key.find("readable by others") != std::string::npos);
  CHECK(open_key.find("chmod 600") != std::string::npos);
}
