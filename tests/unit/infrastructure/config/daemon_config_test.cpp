#include "core/infrastructure/config/daemon_config.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

using namespace ryax;
using namespace ryax::infra::config;
using namespace ryax::test;

namespace {

constexpr std::int64_t k_mib = 1024 * 1024;
constexpr std::int64_t k_gib = 1024 * k_mib;

// A data dir with `yaml` as its ryaxd.yaml, loaded without flags.
struct ConfigFile
{
  TempDir dir;

  explicit ConfigFile(const std::string& yaml)
  {
    write_file(dir.path() / "ryaxd.yaml", yaml);
  }

  Result<DaemonConfig>
  load() const
  {
    return load_daemon_config({}, { { "RYAX_HOME", dir.path().string() } });
  }

  std::string
  file() const
  {
    return dir / "ryaxd.yaml";
  }

  // The error message of loading, which must fail with invalid_argument.
  std::string
  error() const
  {
    const auto config = load();
    REQUIRE_FALSE(config);
    CHECK(config.error().code == ErrorCode::invalid_argument);
    return config.error().message;
  }
};

std::string
this_machine()
{
  utsname name{};
  REQUIRE(::uname(&name) == 0);
  return name.machine;
}

// The "key: ..." line of `text`.
std::string
line_of(const std::string& text, const std::string& key)
{
  const auto at = text.find("\n" + key + ": ");
  if (at == std::string::npos) {
    return text.starts_with(key + ": ") ? text.substr(0, text.find('\n')) : "";
  }
  const auto end = text.find('\n', at + 1);
  return text.substr(at + 1, end - at - 1);
}

constexpr const char* k_two_pools = R"(site:
  name: edge
  node_pools:
  - name: small
    cpu: 2
    memory: 4G
  - name: gpu-pool
    cpu: 0.5
    memory: 1.5G
    gpu: 2
    time: 1h
    arch: aarch64
    objectiveScores: {cost: 80, energy: 50, performance: 20}
    filter_no_gpu_action: false
max_live_deployments: 4
)";

} // namespace

TEST_SUITE_BEGIN("infra::config::DaemonConfig");

TEST_CASE("the site's node pools are read with every field")
{
  const ConfigFile file(k_two_pools);
  const auto config = file.load();
  REQUIRE_MESSAGE(config, config.error().message);
  const auto& site = config->site;
  CHECK(site.origin == Origin::file);
  CHECK(site.value.name == "edge");
  REQUIRE(site.value.pools.size() == 2);

  const auto& small = site.value.pools[0];
  CHECK(small.name == "small");
  CHECK(small.cpu == 2);
  CHECK(small.memory_bytes == 4 * k_gib);
  CHECK(small.gpu == 0);
  CHECK_FALSE(small.time_seconds);
  CHECK(small.arch == this_machine());
  CHECK(small.scores == domain::ObjectiveScores{});
  CHECK(small.filter_no_gpu_action);

  const auto& gpu = site.value.pools[1];
  CHECK(gpu.name == "gpu-pool");
  CHECK(gpu.cpu == 0.5);
  CHECK(gpu.memory_bytes == 1536 * k_mib);
  CHECK(gpu.gpu == 2);
  CHECK(gpu.time_seconds == 3600);
  CHECK(gpu.arch == "aarch64");
  CHECK(gpu.scores == domain::ObjectiveScores{ 80, 50, 20 });
  CHECK_FALSE(gpu.filter_no_gpu_action);

  CHECK(config->max_live_deployments.value == 4);
  CHECK(config->max_live_deployments.origin == Origin::file);
}

TEST_CASE("--print-config shows the site, its pools on one line and "
          "max_live_deployments")
{
  const ConfigFile file(k_two_pools);
  const auto config = file.load();
  REQUIRE(config);
  const auto text = describe(*config);
  CHECK(line_of(text, "site") == "site: edge  # file");
  CHECK(line_of(text, "site.node_pools") ==
        "site.node_pools: small (cpu 2, memory 4G, gpu 0, time none, "
        "arch " +
          this_machine() +
          ", cost 0, energy 0, performance 0, filter_no_gpu_action "
          "true), gpu-pool (cpu 0.5, memory 1.5G, gpu 2, time 1h, arch "
          "aarch64, cost 80, energy 50, performance 20, "
          "filter_no_gpu_action false)  # file");
  CHECK(line_of(text, "max_live_deployments") ==
        "max_live_deployments: 4  # file");
}

TEST_CASE("without a site key the site is one pool sized from the machine")
{
  const ConfigFile file("log_level: debug\n");
  const auto config = file.load();
  REQUIRE(config);
  const auto& site = config->site;
  CHECK(site.origin == Origin::default_value);
  CHECK(site.value.name == "local");
  REQUIRE(site.value.pools.size() == 1);
  const auto& pool = site.value.pools[0];
  CHECK(pool.name == "default");
  CHECK(pool.cpu == std::max(1U, std::thread::hardware_concurrency()));
  CHECK(pool.memory_bytes ==
        static_cast<std::int64_t>(::sysconf(_SC_PHYS_PAGES)) *
          ::sysconf(_SC_PAGE_SIZE));
  CHECK(pool.arch == this_machine());
  CHECK(pool.gpu == 0);
  CHECK_FALSE(pool.time_seconds);
  CHECK(pool.scores == domain::ObjectiveScores{});
  CHECK(pool == machine_pool());

  const auto text = describe(*config);
  CHECK(line_of(text, "site") == "site: local  # default");
  CHECK(line_of(text, "site.node_pools")
          .starts_with("site.node_pools: default (cpu "));
  CHECK(line_of(text, "site.node_pools").ends_with("  # default"));
}

TEST_CASE("a site without node_pools renames the machine's site")
{
  const ConfigFile file("site:\n  name: lab\n");
  const auto config = file.load();
  REQUIRE(config);
  CHECK(config->site.value.name == "lab");
  REQUIRE(config->site.value.pools.size() == 1);
  CHECK(config->site.value.pools[0].name == "default");
}

TEST_CASE("max_live_deployments defaults to 32 and must be at least 1")
{
  const ConfigFile none("");
  const auto config = none.load();
  REQUIRE(config);
  CHECK(config->max_live_deployments.value == 32);
  CHECK(config->max_live_deployments.origin == Origin::default_value);
  CHECK(line_of(describe(*config), "max_live_deployments") ==
        "max_live_deployments: 32  # default");

  const ConfigFile zero("max_live_deployments: 0\n");
  CHECK(zero.error() ==
        zero.file() +
          ":1:23: max_live_deployments: expected a whole number >= 1, "
          "got \"0\"");
  const ConfigFile text("max_live_deployments: many\n");
  CHECK(text.error().starts_with(text.file() + ":1:23: max_live_deployments"));
}

TEST_CASE("a bad memory is refused with its line and key path")
{
  const ConfigFile file(R"(site:
  node_pools:
  - name: small
    cpu: 2
    memory: 4G
  - name: big
    cpu: 8
    memory: lots
)");
  const auto message = file.error();
  CHECK(message.starts_with(file.file() +
                            ":8:13: site.node_pools[1].memory: invalid "
                            "memory \"lots\""));
}

TEST_CASE("a negative cpu is refused with its line and key path")
{
  const ConfigFile file(R"(site:
  node_pools:
  - name: small
    cpu: -1
    memory: 4G
)");
  CHECK(file.error() ==
        file.file() +
          ":4:10: site.node_pools[0].cpu: expected a number of cores > "
          "0, got \"-1\"");
}

TEST_CASE("a duplicate pool name is refused naming the first")
{
  const ConfigFile file(R"(site:
  node_pools:
  - {name: small, cpu: 2, memory: 4G}
  - {name: big, cpu: 8, memory: 16G}
  - {name: small, cpu: 1, memory: 1G}
)");
  CHECK(file.error() == file.file() +
                          ":5:12: site.node_pools[2].name: duplicate node pool "
                          "\"small\" (first at site.node_pools[0])");
}

TEST_CASE("an unknown pool key is refused with a suggestion")
{
  const ConfigFile file(R"(site:
  node_pools:
  - name: small
    cpu: 2
    memroy: 4G
)");
  CHECK(file.error() ==
        file.file() + ":5:5: site.node_pools[0].memroy: unknown key \"memroy\" "
                      "(did you mean \"memory\"?)");
}

TEST_CASE("an objective score above 100 is refused with its key path")
{
  const ConfigFile file(R"(site:
  node_pools:
  - name: small
    cpu: 2
    memory: 4G
    objectiveScores:
      cost: 50
      energy: 101
)");
  CHECK(file.error() ==
        file.file() +
          ":8:15: site.node_pools[0].objectiveScores.energy: expected "
          "a whole number from 0 to 100, got \"101\"");
}

TEST_CASE("a pool must have a name, cpu and memory")
{
  const ConfigFile file(R"(site:
  node_pools:
  - name: small
    cpu: 2
)");
  CHECK(file.error() ==
        file.file() + ":3:5: site.node_pools[0]: missing key \"memory\"");

  const ConfigFile empty("site:\n  node_pools: []\n");
  CHECK(empty.error().starts_with(empty.file() +
                                  ":2:15: site.node_pools: expected a list "
                                  "of at least one node pool"));

  const ConfigFile bad_name(R"(site:
  node_pools:
  - {name: "two words", cpu: 1, memory: 1G}
)");
  CHECK(bad_name.error().starts_with(bad_name.file() +
                                     ":3:12: site.node_pools[0].name: "
                                     "expected a name"));
}

TEST_CASE("an unknown top-level key is refused with a suggestion")
{
  const ConfigFile file("max_live_deployment: 3\n");
  CHECK(file.error() ==
        file.file() + ":1:1: unknown key \"max_live_deployment\" (did you mean "
                      "\"max_live_deployments\"?)");
}

TEST_SUITE_END();

TEST_CASE("a key that is not a string is refused with its line and not thrown")
{
  // Found by tests/fuzz/daemon_config.cpp: as<std::string>() of a sequence
  // key threw out of load_daemon_config (ryaxd terminated).
  const ConfigFile top("log_level: info\n[a, b]: 1\n");
  CHECK(top.error() == top.file() + ":2:1: keys must be strings");
  const ConfigFile nested("run_retention:\n  {days: 1}: 2\n");
  CHECK(nested.error() == nested.file() + ":2:3: run_retention: keys must be strings");
}

TEST_CASE("listen takes any HOST:PORT (it is TLS), tls_cert and tls_key go "
          "together")
{
  const ConfigFile any("listen: 0.0.0.0:7443\n");
  const auto config = any.load();
  REQUIRE(config);
  CHECK(config->listen.value == "0.0.0.0:7443");
  CHECK(config->tls_cert.value.empty());
  const ConfigFile half("tls_cert: /etc/ryax/cert.pem\n");
  CHECK(half.error().starts_with("tls_cert and tls_key go together"));
  const ConfigFile both("tls_cert: /c.pem\ntls_key: /k.pem\n");
  const auto paired = both.load();
  REQUIRE(paired);
  CHECK(line_of(describe(*paired), "tls_key") == "tls_key: /k.pem  # file");
  const ConfigFile bad("listen: nonsense\n");
  CHECK_FALSE(bad.load());
}

TEST_CASE("--print-config shows where the encryption key comes from, never "
          "the key")
{
  const ConfigFile file("");
  const auto from_file = file.load();
  REQUIRE(from_file);
  CHECK(line_of(describe(*from_file), "encryption_key") ==
        "encryption_key: " + (file.dir / "secret.key") + "  # default");
  CHECK_FALSE(from_file->encryption_key.value.text);

  const std::string key(64, 'a');
  const auto from_env = load_daemon_config(
    {},
    { { "RYAX_HOME", file.dir.path().string() },
      { "RYAX_ENCRYPTION_KEY", key } });
  REQUIRE(from_env);
  CHECK(from_env->encryption_key.value.text == key);
  CHECK(from_env->encryption_key.origin == Origin::environment);
  const auto text = describe(*from_env);
  CHECK(line_of(text, "encryption_key") ==
        "encryption_key: RYAX_ENCRYPTION_KEY  # environment");
  CHECK(text.find(key) == std::string::npos);
}

TEST_CASE("a RYAX_ENCRYPTION_KEY that is not a key is refused at load")
{
  const ConfigFile file("");
  const auto config = load_daemon_config(
    {},
    { { "RYAX_HOME", file.dir.path().string() },
      { "RYAX_ENCRYPTION_KEY", "hunter2" } });
  REQUIRE_FALSE(config);
  CHECK(config.error().code == ErrorCode::invalid_argument);
  CHECK(config.error().message.starts_with("RYAX_ENCRYPTION_KEY: expected"));
  CHECK(config.error().message.find("hunter2") == std::string::npos);
}
