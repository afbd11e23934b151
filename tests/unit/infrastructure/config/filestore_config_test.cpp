#include "core/infrastructure/config/daemon_config.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <string>

using namespace ryax;
using namespace ryax::infra::config;
using namespace ryax::test;

namespace {

// A data dir with `yaml` as its ryaxd.yaml.
struct ConfigFile
{
  TempDir dir;

  explicit ConfigFile(const std::string& yaml)
  {
    write_file(dir.path() / "ryaxd.yaml", yaml);
  }

  Result<DaemonConfig>
  load(Environment env = {}) const
  {
    env["RYAX_HOME"] = dir.path().string();
    return load_daemon_config({}, env);
  }

  // Write the secret file `name` with `mode`.
  void
  secret(const std::string& name, const std::string& text, mode_t mode) const
  {
    write_file(dir.path() / name, text);
    ::chmod((dir.path() / name).c_str(), mode);
  }
};

constexpr const char* k_s3 = "filestore:\n"
                             "  type: s3\n"
                             "  endpoint: http://127.0.0.1:4568\n"
                             "  bucket: ryax-runs\n"
                             "  access_key: AK\n"
                             "  secret_key_file: s3.secret\n";

} // namespace

TEST_SUITE_BEGIN("infra::config::filestore");

TEST_CASE("the run file store is local unless ryaxd.yaml says otherwise")
{
  ConfigFile file("");
  const auto config = file.load();
  REQUIRE(config);
  CHECK(config->filestore.value.type == "local");
  CHECK(describe(*config).find("filestore: local  # default\n") !=
        std::string::npos);
}

TEST_CASE("an s3 store reads its secret from a file of mode 0600, relative "
          "to the config file, and --print-config never shows it")
{
  ConfigFile file(k_s3);
  file.secret("s3.secret", "TOPSECRET\n", 0600);
  const auto config = file.load();
  REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error().message));
  const auto& store = config->filestore.value;
  CHECK(store.type == "s3");
  CHECK(store.bucket == "ryax-runs");
  CHECK(store.region == "us-east-1");
  CHECK(store.secret_key.value == "TOPSECRET");
  const auto shown = describe(*config);
  CHECK(shown.find("filestore: s3 (endpoint http://127.0.0.1:4568, bucket "
                   "ryax-runs, region us-east-1, access_key AK, secret from " +
                   (file.dir / "s3.secret") + ")  # file\n") !=
        std::string::npos);
  CHECK(shown.find("TOPSECRET") == std::string::npos);
}

TEST_CASE("a secret file readable by its group or others is refused")
{
  ConfigFile file(k_s3);
  file.secret("s3.secret", "TOPSECRET", 0640);
  const auto config = file.load();
  REQUIRE_FALSE(config);
  CHECK(config.error().code == ErrorCode::invalid_argument);
  CHECK(config.error().message ==
        "filestore.secret_key_file: \"" + (file.dir / "s3.secret") +
          "\" is readable by its group or others (mode 0640): chmod 600 it");
}

TEST_CASE("RYAX_S3_SECRET_KEY gives the secret, before the file")
{
  ConfigFile file(k_s3);
  const auto config = file.load({ { "RYAX_S3_SECRET_KEY", "FROMENV" } });
  REQUIRE(config);
  CHECK(config->filestore.value.secret_key.value == "FROMENV");
  CHECK(describe(*config).find("secret from RYAX_S3_SECRET_KEY") !=
        std::string::npos);
}

TEST_CASE("a secret in ryaxd.yaml itself is refused with its line")
{
  ConfigFile file("filestore:\n  type: s3\n  secret_key: oops\n");
  const auto config = file.load();
  REQUIRE_FALSE(config);
  CHECK(config.error().message.find("ryaxd.yaml:3:3: filestore.secret_key: "
                                    "the secret does not go in ryaxd.yaml") !=
        std::string::npos);
}

TEST_CASE("filestore keys and values are checked with their line")
{
  ConfigFile typo("filestore:\n  type: s3\n  bukcet: x\n");
  auto config = typo.load();
  REQUIRE_FALSE(config);
  CHECK(config.error().message.find(
          "ryaxd.yaml:3:3: filestore.bukcet: unknown key \"bukcet\" (did "
          "you mean \"bucket\"?)") != std::string::npos);

  ConfigFile type("filestore:\n  type: gcs\n");
  config = type.load();
  REQUIRE_FALSE(config);
  CHECK(config.error().message.find(
          "ryaxd.yaml:2:9: filestore.type: expected local or s3, got "
          "\"gcs\"") != std::string::npos);

  ConfigFile missing("filestore:\n  type: s3\n  endpoint: http://h\n");
  config = missing.load({ { "RYAX_S3_SECRET_KEY", "S" } });
  REQUIRE_FALSE(config);
  CHECK(config.error().message == "filestore: type s3 needs bucket");

  ConfigFile no_secret(k_s3);
  config = no_secret.load();
  REQUIRE_FALSE(config);
  CHECK(config.error().message.find("s3.secret") != std::string::npos);
}

TEST_SUITE_END();
