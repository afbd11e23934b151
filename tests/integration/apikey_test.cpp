// Project API keys end to end with the real ryax binary: create (the key
// printed once, alone on stdout), list (never the key), revoke, require,
// --expires, bad names, roles and project membership, and a restart.

#include "tests/integration/identity_helpers.hpp"
#include "tests/support/daemon_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>

using namespace ryax::test;
using nlohmann::json;

namespace {

std::int64_t
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// `ryax apikey list -o json` in `project`, which must succeed.
json
list_keys(const DaemonFixture& d, const std::string& project = "default")
{
  const auto listed =
    d.ryax({ "--project", project, "apikey", "list", "-o", "json" });
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  return json::parse(listed.out);
}

} // namespace

TEST_SUITE_BEGIN("integration: apikey");

TEST_CASE("a key is printed once alone on stdout, listed without it, and "
          "revoked")
{
  DaemonFixture d;
  const auto required_before = d.ryax({ "apikey", "require" });
  REQUIRE_MESSAGE(required_before.exit_code == 0, required_before.err);
  CHECK(required_before.out == "off\n");

  const auto made = d.ryax({ "apikey", "create", "partner" });
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  const auto key = made.out.substr(0, made.out.find('\n'));
  CHECK(made.out == key + "\n");
  CHECK(key.starts_with("ryax_ak_"));
  CHECK(key.size() == 8 + 64);
  CHECK(made.err.find("shown this once and never again") != std::string::npos);
  CHECK(made.err.find(key) == std::string::npos);

  const auto keys = list_keys(d);
  REQUIRE(keys.size() == 1);
  CHECK(keys[0]["name"] == "partner");
  CHECK(keys[0]["project"] == "default");
  CHECK(keys[0]["prefix"] == key.substr(0, 16));
  CHECK(keys[0]["expires_ms"] == 0);
  CHECK(keys[0]["state"] == "valid");
  CHECK(keys[0]["last_used_ms"].is_null());
  CHECK(keys[0].dump().find(key) == std::string::npos);
  const auto table = d.ryax({ "apikey", "list" });
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("partner") != std::string::npos);
  CHECK(table.out.find(key) == std::string::npos);
  CHECK(d.ryax({ "apikey", "require" }).out == "on\n");

  const auto revoked = d.ryax({ "apikey", "revoke", "partner" });
  REQUIRE_MESSAGE(revoked.exit_code == 0, revoked.err);
  CHECK(revoked.out == "revoked API key partner\n");
  CHECK(list_keys(d)[0]["state"] == "revoked");
  const auto missed = d.ryax({ "apikey", "revoke", "partnr" });
  CHECK(missed.exit_code == 3);
  CHECK(missed.err == "ryax: error: API key \"partnr\" not found in project "
                      "\"default\" (did you mean \"partner\"?)\n");
  const auto twice = d.ryax({ "apikey", "create", "partner" });
  CHECK(twice.exit_code == 5);
  CHECK(twice.err == "ryax: error: API key \"partner\" already exists in "
                     "project \"default\"\n");
}

TEST_CASE("--expires takes a duration or never, and refuses anything else "
          "in one line")
{
  DaemonFixture d;
  const auto before = now_ms();
  const auto made = d.ryax({ "apikey", "create", "month", "--expires", "30d" });
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  const auto hours =
    d.ryax({ "apikey", "create", "half-day", "--expires", "12h" });
  REQUIRE_MESSAGE(hours.exit_code == 0, hours.err);
  REQUIRE(
    d.ryax({ "apikey", "create", "forever", "--expires", "never" }).exit_code ==
    0);
  const auto after = now_ms();
  const auto keys = list_keys(d);
  REQUIRE(keys.size() == 3);
  // By name: forever, half-day, month.
  CHECK(keys[0]["expires_ms"] == 0);
  const auto day_ms = std::int64_t{ 24 } * 3600 * 1000;
  CHECK(keys[1]["expires_ms"].get<std::int64_t>() >= before + day_ms / 2);
  CHECK(keys[1]["expires_ms"].get<std::int64_t>() <= after + day_ms / 2);
  CHECK(keys[2]["expires_ms"].get<std::int64_t>() >= before + 30 * day_ms);
  CHECK(keys[2]["expires_ms"].get<std::int64_t>() <= after + 30 * day_ms);

  for (const std::string bad : { "soon", "0", "-1d", "20000d" }) {
    CAPTURE(bad);
    const auto refused =
      d.ryax({ "apikey", "create", "bad-expiry", "--expires", bad });
    CHECK(refused.exit_code == 5);
    CHECK(refused.err ==
          "ryax: error: --expires \"" + bad +
            "\": expected a positive duration of at most 10 years (\"30d\", "
            "\"12h\") or \"never\"\n");
  }
  CHECK(list_keys(d).size() == 3);
}

TEST_CASE("a bad or too long name is refused with one line naming it")
{
  DaemonFixture d;
  const auto spaced = d.ryax({ "apikey", "create", "my key" });
  CHECK(spaced.exit_code == 5);
  CHECK(spaced.err ==
        "ryax: error: API key name \"my key\" is not valid: 1 to 64 letters, "
        "digits, '_', '-' or '.', starting with a letter or a digit\n");
  const auto long_name = d.ryax({ "apikey", "create", std::string(65, 'k') });
  CHECK(long_name.exit_code == 5);
  CHECK(long_name.err.starts_with("ryax: error: API key name \""));
  CHECK(long_name.err.find('\n') == long_name.err.size() - 1);
  CHECK(list_keys(d).empty());
}

TEST_CASE("require on and off, kept per project and across a restart")
{
  DaemonFixture d;
  REQUIRE(d.ryax({ "project", "create", "other" }).exit_code == 0);
  REQUIRE(d.ryax({ "apikey", "create", "ci" }).exit_code == 0);
  CHECK(d.ryax({ "--project", "other", "apikey", "require" }).out == "off\n");
  CHECK(list_keys(d, "other").empty());
  const auto off = d.ryax({ "apikey", "require", "off", "-o", "json" });
  REQUIRE_MESSAGE(off.exit_code == 0, off.err);
  CHECK(json::parse(off.out) == json{ { "required", false } });
  REQUIRE(
    d.ryax({ "--project", "other", "apikey", "require", "on" }).exit_code == 0);
  CHECK(d.ryax({ "apikey", "require", "maybe" }).exit_code == 2);

  REQUIRE(d.stop() == 0);
  d.start();
  CHECK(d.ryax({ "apikey", "require" }).out == "off\n");
  CHECK(d.ryax({ "--project", "other", "apikey", "require" }).out == "on\n");
  CHECK(list_keys(d).at(0)["name"] == "ci");
}

TEST_CASE("every role lists the keys, only admins and developers change "
          "them, and non-members are refused")
{
  DaemonFixture d;
  REQUIRE(d.ryax({ "project", "create", "other" }).exit_code == 0);
  add_user(d, "viewer", "user", "default");
  add_user(d, "dev", "developer", "default");
  const EnvOverrides viewer = { { "RYAX_TOKEN",
                                  login(d, "viewer", "pw-viewer") } };
  const EnvOverrides dev = { { "RYAX_TOKEN", login(d, "dev", "pw-dev") } };

  REQUIRE(d.ryax({ "apikey", "create", "ci" }, "", dev).exit_code == 0);
  const auto listed = d.ryax({ "apikey", "list", "-o", "json" }, "", viewer);
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  CHECK(json::parse(listed.out).at(0)["name"] == "ci");

  const auto create = d.ryax({ "apikey", "create", "mine" }, "", viewer);
  CHECK(create.exit_code == 4);
  CHECK(create.err.find("may not code (CreateApiKey)") != std::string::npos);
  CHECK(d.ryax({ "apikey", "revoke", "ci" }, "", viewer).exit_code == 4);
  CHECK(d.ryax({ "apikey", "require", "off" }, "", viewer).exit_code == 4);

  const auto outsider =
    d.ryax({ "--project", "other", "apikey", "create", "x" }, "", dev);
  CHECK(outsider.exit_code == 4);
  CHECK(outsider.err.find("\"other\"") != std::string::npos);
  CHECK(d.ryax({ "--project", "other", "apikey", "list" }, "", dev).exit_code ==
        4);
  CHECK(list_keys(d, "other").empty());
  CHECK(d.ryax({ "apikey", "revoke", "ci" }, "", dev).exit_code == 0);
}

TEST_SUITE_END();
