#include "core/infrastructure/process/child_environment.hpp"

#include <doctest/doctest.h>

using namespace ryax::infra::process;

namespace {

// A daemon's environment: what user code may see and what it must not.
const EnvironmentMap k_parent = {
  {"PATH", "/opt/bin:/usr/bin"},
  {"HOME", "/home/operator"},
  {"LANG", "fr_FR.UTF-8"},
  {"TZ", "Europe/Paris"},
  {"RYAX_ENCRYPTION_KEY", "00112233"},
  {"RYAX_HOME", "/var/lib/ryax"},
  {"FOO_SECRET", "hunter2"},
  {"GITHUB_TOKEN", "ghp_x"},
  {"PIP_INDEX_URL", "https://pypi.example/simple"},
  {"npm_config_registry", "https://npm.example"},
  {"https_proxy", "http://proxy:3128"},
  {"SSL_CERT_FILE", "/etc/ssl/ca.pem"},
  {"PYTHONPATH", "/opt/lib"},
};

} // namespace

TEST_SUITE_BEGIN("infra::process::child_environment");

TEST_CASE("user code gets PATH, its own HOME, the locale and TZ, and nothing else")
{
  const auto env = user_code_environment(k_parent, "/data/wrappers/r1");
  CHECK(env.at("PATH") == "/opt/bin:/usr/bin");
  CHECK(env.at("HOME") == "/data/wrappers/r1");
  CHECK(env.at("LANG") == "fr_FR.UTF-8");
  CHECK(env.at("TZ") == "Europe/Paris");
  CHECK_FALSE(env.contains("LC_ALL")); // not set in the parent
  CHECK(env.size() == 4);
  CHECK_FALSE(env.contains("RYAX_ENCRYPTION_KEY"));
  CHECK_FALSE(env.contains("FOO_SECRET"));
  CHECK_FALSE(env.contains("PIP_INDEX_URL"));
  CHECK_FALSE(env.contains("PYTHONPATH"));
}

TEST_CASE("a parent without PATH gives user code the default PATH")
{
  const auto env = user_code_environment({{"LC_ALL", "C.UTF-8"}}, "/h");
  CHECK(env.at("PATH") == k_default_path);
  CHECK(env.at("LC_ALL") == "C.UTF-8");
  CHECK(env.at("HOME") == "/h");
}

TEST_CASE("build tools also get the package tools' settings, still no secret")
{
  const auto env = build_tool_environment(k_parent, "/data/bundles/.staging/1/home");
  CHECK(env.at("HOME") == "/data/bundles/.staging/1/home");
  CHECK(env.at("PIP_INDEX_URL") == "https://pypi.example/simple");
  CHECK(env.at("npm_config_registry") == "https://npm.example");
  CHECK(env.at("https_proxy") == "http://proxy:3128");
  CHECK(env.at("SSL_CERT_FILE") == "/etc/ssl/ca.pem");
  CHECK_FALSE(env.contains("RYAX_ENCRYPTION_KEY"));
  CHECK_FALSE(env.contains("RYAX_HOME"));
  CHECK_FALSE(env.contains("FOO_SECRET"));
  CHECK_FALSE(env.contains("GITHUB_TOKEN"));
  CHECK_FALSE(env.contains("PYTHONPATH"));
}

TEST_CASE("environ strings are NAME=value in name order")
{
  const auto strings = to_environ_strings({{"PATH", "/bin"}, {"HOME", "/h"}});
  REQUIRE(strings.size() == 2);
  CHECK(strings[0] == "HOME=/h");
  CHECK(strings[1] == "PATH=/bin");
}

TEST_SUITE_END();
