// Secrets at rest, end to end: the encryption key (key file or
// RYAX_ENCRYPTION_KEY), repository credentials sealed in ryax.db, a data
// dir of schema 6 sealed at its first start.

#include "core/infrastructure/sqlite/database.hpp"
#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"
#include "tests/support/legacy_database.hpp"
#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string k_key_hex =
  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// Every byte SQLite wrote for the daemon's database: the file and its WAL.
std::string
database_bytes(const DaemonFixture& d)
{
  return read_file(d.home() + "/ryax.db") +
         read_file(d.home() + "/ryax.db-wal");
}

void
add_one_action(GitBuilder& repo)
{
  repo.write("a/ryax_metadata.yaml",
             "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n"
             "  id: sealed-one\n  human_name: Sealed\n  type: python3\n"
             "  version: \"1.0\"\n  outputs:\n"
             "  - {name: y, human_name: Y, help: h, type: integer}\n");
  repo.write("a/ryax_handler.py", "def handle(r):\n    return {'y': 1}\n");
  repo.commit("one");
}

// The last line of `text`, with its newline: in the foreground, ryaxd's
// log precedes its one-line error on stderr.
std::string
last_line(const std::string& text)
{
  const auto end =
    text.size() > 1 ? text.rfind('\n', text.size() - 2) : std::string::npos;
  return end == std::string::npos ? text : text.substr(end + 1);
}

mode_t
mode_of(const std::string& path)
{
  struct stat st
  {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

} // namespace

TEST_SUITE_BEGIN("integration: secrets at rest");

TEST_CASE("a repository password is sealed in ryax.db and still used")
{
  DaemonFixture d;
  CHECK(mode_of(d.home() + "/secret.key") == 0600);
  CHECK(read_file(d.home() + "/secret.key").size() == 32);
  GitBuilder repo(d.dir().path() / "private.git");
  add_one_action(repo);
  auto add = d.ryax({ "repo",
                      "add",
                      "private",
                      repo.url(),
                      "--username",
                      "alice",
                      "--password-stdin" },
                    "s3cr3t-token-value\n");
  REQUIRE_MESSAGE(add.exit_code == 0, add.err);
  CHECK(d.ryax({ "repo", "scan", "private" }).exit_code == 0);
  CHECK(
    d.ryax({ "repo", "show", "private", "-o", "json" }).out.find("s3cr3t") ==
    std::string::npos);
  CHECK(database_bytes(d).find("s3cr3t-token-value") == std::string::npos);
  d.stop(); // the WAL goes into the database file
  CHECK(database_bytes(d).find("s3cr3t-token-value") == std::string::npos);
  CHECK(d.log().find("s3cr3t") == std::string::npos);
  CHECK(d.log().find("created key file") != std::string::npos);
}

TEST_CASE("a data dir of schema 6 has its credentials sealed at the next "
          "start, and its repositories still scan")
{
  DaemonFixture d(false);
  fs::create_directories(d.home());
  GitBuilder repo(d.dir().path() / "old.git");
  add_one_action(repo);
  const auto db = d.home() + "/ryax.db";
  write_legacy_database(db, 6);
  insert_repository_row(db, "old", repo.url(), "bob", "pl41n-old-password", "");
  insert_repository_row(db, "keyed", repo.url(), "", "", "PL41N-SSH-KEY");
  REQUIRE(read_file(db).find("pl41n-old-password") != std::string::npos);

  d.start();
  CHECK(database_bytes(d).find("pl41n-old-password") == std::string::npos);
  CHECK(database_bytes(d).find("PL41N-SSH-KEY") == std::string::npos);
  CHECK(d.log().find("2 repository credential(s) stored in plain text are "
                     "now sealed") != std::string::npos);
  const auto show = d.ryax({ "repo", "show", "old", "-o", "json" });
  REQUIRE(show.exit_code == 0);
  CHECK(json::parse(show.out)["has_password"] == true);
  auto scan = d.ryax({ "repo", "scan", "old" });
  CHECK_MESSAGE(scan.exit_code == 0, scan.err);
  d.stop();
  CHECK(database_bytes(d).find("pl41n-old-password") == std::string::npos);
  CHECK(d.log().find("pl41n") == std::string::npos);
  // The schema says so: an older ryaxd (schema 6) refuses this file.
  SQLite::Database file(db, SQLite::OPEN_READONLY);
  CHECK(file.execAndGet("PRAGMA user_version").getInt()
        == ryax::infra::sqlite::latest_schema_version());
}

TEST_CASE("RYAX_ENCRYPTION_KEY is used instead of the key file, and another "
          "key is refused")
{
  DaemonFixture d(false);
  d.start({}, { { "RYAX_ENCRYPTION_KEY", k_key_hex } });
  CHECK_FALSE(fs::exists(d.home() + "/secret.key"));
  auto add = d.ryax({ "repo",
                      "add",
                      "private",
                      // A remote URL: repo add checks local paths only.
                      "https://git.example.org/x.git",
                      "--username",
                      "alice",
                      "--password-stdin" },
                    "env-k3y-secret\n");
  REQUIRE(add.exit_code == 0);
  CHECK(d.stop() == 0);
  CHECK(database_bytes(d).find("env-k3y-secret") == std::string::npos);
  CHECK(d.log().find(k_key_hex) == std::string::npos);

  // The key file is not made once secrets were sealed with another key.
  auto missing = d.ryaxd({ "--foreground" });
  CHECK(missing.exit_code == 1);
  CHECK(last_line(missing.err) ==
        "ryaxd: error: key file \"" + d.home() +
          "/secret.key\" is missing, and the secrets of this "
          "data dir were sealed with it: restore it (or set "
          "RYAX_ENCRYPTION_KEY to its key)\n");
  CHECK_FALSE(fs::exists(d.home() + "/secret.key"));

  std::string other = k_key_hex;
  other[0] = 'f';
  auto wrong =
    d.ryaxd({ "--foreground" }, { { "RYAX_ENCRYPTION_KEY", other } });
  CHECK(wrong.exit_code == 1);
  CHECK(last_line(wrong.err) ==
        "ryaxd: error: the encryption key (RYAX_ENCRYPTION_KEY) "
        "is not the one that sealed the secrets of database \"" +
          d.home() +
          "/ryax.db\": give the key they were sealed with (the "
          "database was not modified)\n");
  CHECK(wrong.err.find(other) == std::string::npos);

  auto bad = d.ryaxd({ "--foreground" }, { { "RYAX_ENCRYPTION_KEY", "xyz" } });
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.starts_with("ryaxd: error: RYAX_ENCRYPTION_KEY: expected 64 "
                            "hexadecimal digits"));

  // The same key in base64 is the same key.
  d.start({},
          { { "RYAX_ENCRYPTION_KEY",
              "ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=" } });
  CHECK(d.ryax({ "repo", "show", "private" }).exit_code == 0);
}

TEST_CASE("an unsafe or damaged key file stops the daemon with one line")
{
  DaemonFixture d;
  CHECK(d.stop() == 0);
  const auto key = d.home() + "/secret.key";
  ::chmod(key.c_str(), 0644);
  auto open = d.ryaxd({ "--foreground" });
  CHECK(open.exit_code == 1);
  CHECK(last_line(open.err) ==
        "ryaxd: error: key file \"" + key +
          "\" has mode 0644: it must be private to its owner "
          "(chmod 600 \"" +
          key + "\")\n");
  ::chmod(key.c_str(), 0600);
  write_file(key, "too short");
  auto short_key = d.ryaxd({ "--foreground" });
  CHECK(short_key.exit_code == 1);
  CHECK(last_line(short_key.err) ==
        "ryaxd: error: key file \"" + key +
          "\" holds 9 bytes, not 32: it is not a ryax key; "
          "restore the file the secrets of this data dir "
          "were sealed with\n");
}

TEST_CASE("--print-config shows where the key comes from, never the key")
{
  DaemonFixture d(false);
  auto file = d.ryaxd({ "--print-config" });
  CHECK(file.out.find("encryption_key: " + d.home() +
                      "/secret.key  # default\n") != std::string::npos);
  auto env =
    d.ryaxd({ "--print-config" }, { { "RYAX_ENCRYPTION_KEY", k_key_hex } });
  CHECK(env.out.find("encryption_key: RYAX_ENCRYPTION_KEY  # environment\n") !=
        std::string::npos);
  CHECK(env.out.find(k_key_hex) == std::string::npos);
}

TEST_CASE("a password run input is sealed in ryax.db, shown as ********, and reaches the action")
{
  RunFixture f({"vault"});
  f.deploy("vaulted", "    - {name: pw, type: password}\n",
           "  - {id: v, from: vault, inputs_values: {pw: \"{{ start.pw }}\"}}\n",
           "  - {key: ok, value: \"{{ v.ok }}\"}\n  - {key: token, value: \"{{ v.token }}\"}\n");
  auto run = f.daemon.ryax({"run", "vaulted", "--input", "pw=hunter2-run", "--wait", "-o", "json"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const auto doc = json::parse(run.out);
  REQUIRE(doc["state"] == "done");
  // The action got the text (its check says so), nobody else sees it.
  CHECK(RunFixture::result(doc, "ok") == true);
  CHECK(RunFixture::result(doc, "token") == "********");
  CHECK(doc["trigger_values"]["pw"] == "********");
  const auto steps = RunFixture::executions(doc, "v");
  REQUIRE(steps.size() == 1);
  CHECK(steps[0]["inputs"]["pw"] == "********");
  CHECK(steps[0]["outputs"][0]["token"] == "********");
  CHECK(run.out.find("hunter2") == std::string::npos);
  auto shown = f.daemon.ryax({"runs", "show", doc["id"].get<std::string>()});
  REQUIRE(shown.exit_code == 0);
  CHECK(shown.out.find("hunter2") == std::string::npos);

  // Not in the database file, its WAL, or the daemon's log.
  CHECK(database_bytes(f.daemon).find("hunter2") == std::string::npos);
  CHECK(f.daemon.log().find("hunter2") == std::string::npos);

  // Read back after a restart (sealed, not lost).
  REQUIRE(f.daemon.stop() == 0);
  f.daemon.start();
  CHECK(database_bytes(f.daemon).find("hunter2") == std::string::npos);
  auto again = f.daemon.ryax({"runs", "show", doc["id"].get<std::string>(), "-o", "json"});
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  CHECK(json::parse(again.out)["trigger_values"]["pw"] == "********");
}

TEST_CASE("a static password in a workflow file is sealed in ryax.db, shown "
          "as ********, kept when exported and pushed back, and reaches the "
          "action")
{
  RunFixture f({ "vault" });
  auto& d = f.daemon;
  const auto path = (d.dir().path() / "static.yaml").string();
  {
    std::ofstream(path)
      << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: static\n"
         "  trigger: {id: start, from: manual}\n"
         "  actions:\n"
         "  - {id: v, from: vault, inputs_values: {pw: hunter2-run}}\n"
         "  results:\n  - {key: ok, value: \"{{ v.ok }}\"}\n";
  }
  f.require_ok({ "workflow", "push", path, "--deploy" });
  CHECK(database_bytes(d).find("hunter2") == std::string::npos);

  for (const auto& args : std::vector<std::vector<std::string>>{
         { "workflow", "show", "static" },
         { "workflow", "show", "static", "-o", "json" },
         { "workflow", "export", "static" } }) {
    const auto shown = f.require_ok(args);
    CHECK(shown.out.find("hunter2") == std::string::npos);
    CHECK(shown.out.find("********") != std::string::npos);
    CHECK(shown.out.find("ryax-sealed") == std::string::npos);
  }

  // The action gets the value.
  auto run = d.ryax({ "run", "static", "--wait", "-o", "json" });
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const auto doc = json::parse(run.out);
  CHECK(RunFixture::result(doc, "ok") == true);
  CHECK(run.out.find("hunter2") == std::string::npos);

  // Export, push back: the same version, the password kept.
  const auto exported = (d.dir().path() / "exported.yaml").string();
  std::ofstream(exported) << f.require_ok({ "workflow", "export", "static" }).out;
  const auto again =
    json::parse(f.require_ok({ "workflow", "push", exported, "-o", "json" }).out);
  CHECK(again["version"] == 1);
  // A new workflow cannot say "********": there is nothing to keep.
  std::string text = read_file(exported);
  text.replace(text.find("id: static"), 10, "id: other");
  std::ofstream(exported) << text;
  auto refused = d.ryax({ "workflow", "push", exported });
  CHECK(refused.exit_code == 5);
  CHECK(refused.err.find("step \"v\" input \"pw\"") != std::string::npos);

  CHECK(database_bytes(d).find("hunter2") == std::string::npos);
  CHECK(d.log().find("hunter2") == std::string::npos);
}

TEST_SUITE_END();
