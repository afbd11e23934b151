#include "core/infrastructure/config/daemon_config.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::infra::config;
using namespace ryax::test;

namespace {

// Load a data dir whose ryaxd.yaml is `yaml`, with `env` added.
Result<DaemonConfig>
load_with(const TempDir& dir, const std::string& yaml, Environment env = {})
{
  write_file(dir.path() / "ryaxd.yaml", yaml);
  env["RYAX_HOME"] = dir.path().string();
  return load_daemon_config({}, env);
}

} // namespace

TEST_SUITE_BEGIN("infra::config::log settings");

TEST_CASE("the log is text without rotation by default")
{
  TempDir dir;
  const auto config = load_with(dir, "");
  REQUIRE(config);
  CHECK(config->log_format.value == "text");
  CHECK(config->log_max_size.value == 0);
  CHECK(config->log_keep.value == 5);
  CHECK(describe(*config).find("log_format: text  # default\n") != std::string::npos);
}

TEST_CASE("log_format log_max_size and log_keep are read from the file")
{
  TempDir dir;
  const auto config =
    load_with(dir, "log_format: json\nlog_max_size: 1048576\nlog_keep: 3\n");
  REQUIRE(config);
  CHECK(config->log_format.value == "json");
  CHECK(config->log_max_size.value == 1048576);
  CHECK(config->log_keep.value == 3);
  CHECK(describe(*config).find("log_max_size: 1048576  # file\n") != std::string::npos);
}

TEST_CASE("RYAX_LOG_FORMAT overrides the file and a flag overrides both")
{
  TempDir dir;
  auto config = load_with(dir, "log_format: json\n", {{"RYAX_LOG_FORMAT", "text"}});
  REQUIRE(config);
  CHECK(config->log_format.value == "text");
  CHECK(config->log_format.origin == Origin::environment);
  DaemonFlags flags;
  flags.log_format = "json";
  config = load_daemon_config(flags, {{"RYAX_HOME", dir.path().string()},
                                      {"RYAX_LOG_FORMAT", "text"}});
  REQUIRE(config);
  CHECK(config->log_format.value == "json");
}

TEST_CASE("out-of-range log settings are refused naming the key")
{
  TempDir dir;
  const auto file = (dir.path() / "ryaxd.yaml").string();
  auto config = load_with(dir, "log_max_size: 100\n");
  REQUIRE_FALSE(config);
  CHECK(config.error().message
        == file + ":1:15: log_max_size: expected 0 (no rotation) or a number of "
                  "bytes from 4096 to 1 TiB, got 100");
  config = load_with(dir, "log_max_size: 2000000000000\n");
  REQUIRE_FALSE(config);
  CHECK(config.error().message.find("log_max_size") != std::string::npos);
  config = load_with(dir, "log_keep: 0\n");
  REQUIRE_FALSE(config);
  CHECK(config.error().message.starts_with(file + ":1:11: log_keep: expected a number "
                                                  "of rotated files from 1 to 100"));
  config = load_with(dir, "log_format: xml\n");
  REQUIRE_FALSE(config);
  CHECK(config.error().message
        == "log_format \"xml\" (from file) is not one of text, json");
}

TEST_SUITE_END();
