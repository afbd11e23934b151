// The foundation, end to end: a real ryaxd and the real ryax binary.

#include "core/infrastructure/sqlite/database.hpp"
#include "tests/support/daemon_fixture.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

using namespace ryax::test;
namespace fs = std::filesystem;

TEST_SUITE_BEGIN("integration: daemon");

TEST_CASE("daemon start, status and stop work through the CLI")
{
  DaemonFixture d(false);
  auto status = d.ryax({"daemon", "status"});
  CHECK(status.exit_code == 7);
  CHECK(status.err == "ryax: error: ryaxd is not running at " + d.socket() + "\n");

  auto start = d.ryax({"daemon", "start"});
  REQUIRE_MESSAGE(start.exit_code == 0, start.err);
  CHECK(start.out.find(d.socket()) != std::string::npos);
  CHECK(d.answering());

  status = d.ryax({"daemon", "status"});
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("running") != std::string::npos);
  CHECK(status.out.find(d.home()) != std::string::npos);

  auto again = d.ryax({"daemon", "start"});
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("already running") != std::string::npos);

  auto stop = d.ryax({"daemon", "stop"});
  CHECK(stop.exit_code == 0);
  CHECK_FALSE(fs::exists(d.socket()));
  CHECK(d.ryax({"daemon", "status"}).exit_code == 7);
  // The detached daemon logged to its data dir.
  CHECK(read_file(d.home() + "/ryaxd.log").find("ryaxd stopped") != std::string::npos);
}

TEST_CASE("a second daemon on the same data dir is refused, with no lock file anyone could delete")
{
  DaemonFixture d;
  // The data dir itself is locked: deleting every file but the database
  // does not let a second daemon in.
  for (const auto& entry : fs::directory_iterator(d.home())) {
    if (!entry.path().filename().string().starts_with("ryax.db")) {
      fs::remove_all(entry.path());
    }
  }
  auto second = d.ryaxd({"--foreground", "--socket", d.dir() / "other.sock"});
  CHECK(second.exit_code == 1);
  CHECK(second.err == "ryaxd: error: another ryaxd is already serving " + d.home() + "\n");
  CHECK(d.answering());
}

TEST_CASE("a daemon on another data dir refuses a socket that is in use")
{
  DaemonFixture d;
  auto other = d.ryaxd({"--foreground", "--data-dir", d.dir() / "other-home"});
  CHECK(other.exit_code == 1);
  CHECK(other.err.find("socket \"" + d.socket() + "\" is in use by another ryaxd")
        != std::string::npos);
}

TEST_CASE("version prints both versions, and says when the daemon is not running")
{
  DaemonFixture d(false);
  auto down = d.ryax({"version"});
  CHECK(down.exit_code == 0);
  // The version, then the git commit the build was configured from.
  CHECK(down.out.starts_with("client: 0.1.0 (commit "));
  CHECK(down.out.ends_with(")\ndaemon: not running\n"));
  CHECK_FALSE(d.answering()); // version never autostarts
  d.start();
  auto up = d.ryax({"version", "-o", "json"});
  REQUIRE(up.exit_code == 0);
  const auto doc = nlohmann::json::parse(up.out);
  CHECK(doc["client"]["version"] == "0.1.0");
  CHECK(doc["client"]["commit"].is_string());
  CHECK(doc["daemon"]["running"] == true);
  CHECK(doc["daemon"]["version"] == "0.1.0");
}

TEST_CASE("json output parses back, and global options go before or after the command")
{
  DaemonFixture d;
  auto before = d.ryax({"-o", "json", "daemon", "status"});
  auto after = d.ryax({"daemon", "status", "-o", "json"});
  REQUIRE(before.exit_code == 0);
  REQUIRE(after.exit_code == 0);
  const auto a = nlohmann::json::parse(before.out);
  const auto b = nlohmann::json::parse(after.out);
  CHECK(a["data_dir"] == d.home());
  CHECK(a["schema_version"] == ryax::infra::sqlite::latest_schema_version());
  CHECK(a["addresses"][0] == "unix:" + d.socket());
  CHECK(a["pid"] == b["pid"]);
  CHECK(a.contains("uptime_seconds"));

  auto yaml = d.ryax({"daemon", "status", "-o", "yaml"});
  CHECK(yaml.out.find("schema_version: ") != std::string::npos);
  CHECK(yaml.out.find("data_dir: \"" + d.home() + "\"") != std::string::npos);
}

TEST_CASE("each error category maps to its documented exit code")
{
  DaemonFixture d;
  const std::pair<const char*, int> k_expected[] = {
    {"internal", 1},         {"not_found", 3},
    {"permission_denied", 4}, {"unauthenticated", 4},
    {"invalid_argument", 5}, {"already_exists", 5},
    {"failed_precondition", 5}, {"unavailable", 7},
    {"deadline_exceeded", 124},
  };
  for (const auto& [code, exit_code] : k_expected) {
    CAPTURE(code);
    auto result = d.ryax({"daemon", "raise-error", code, std::string("boom ") + code});
    CHECK(result.exit_code == exit_code);
    CHECK(result.err.starts_with("ryax: error: "));
  }
  // The message travels unchanged for answers of the daemon.
  CHECK(d.ryax({"daemon", "raise-error", "not_found", "action \"x\" not found"}).err
        == "ryax: error: action \"x\" not found\n");
  CHECK(d.ryax({"daemon", "no-such-verb"}).exit_code == 2);
  CHECK(d.ryax({"--output", "xml", "version"}).exit_code == 2);
  CHECK(d.ryax({"--help"}).exit_code == 0);
}

TEST_CASE("an unknown command is a usage error that names the near miss")
{
  DaemonFixture d(false);
  auto noun = d.ryax({"-o", "json", "reop", "list"});
  CHECK(noun.exit_code == 2);
  CHECK(noun.err == "ryax: error: unknown command \"ryax reop\" (did you mean \"ryax repo\"?)\n");
  auto verb = d.ryax({"daemon", "stat"});
  CHECK(verb.exit_code == 2);
  CHECK(verb.err.find("did you mean \"ryax daemon st") != std::string::npos);
  CHECK(d.ryax({"zzzzzz"}).err.find("see \"ryax --help\"") != std::string::npos);

  // ryax alone, a group alone and ryax help CMD print help and exit 0;
  // ryax help with a typo is the same usage error.
  const auto top = d.ryax({});
  CHECK(top.exit_code == 0);
  CHECK(top.out.starts_with("ryax: build, deploy and run AI and data workflows\nUsage: ryax "));
  const auto group = d.ryax({"runs"});
  CHECK(group.exit_code == 0);
  CHECK(group.out.find("Usage: ryax runs [OPTIONS] SUBCOMMAND\n") != std::string::npos);
  const auto help = d.ryax({"help", "runs", "list"});
  CHECK(help.exit_code == 0);
  CHECK(help.out == d.ryax({"runs", "list", "--help"}).out);
  const auto typo = d.ryax({"help", "runs", "lst"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err == "ryax: error: unknown command \"ryax runs lst\" (did you mean \"ryax runs list\"?)\n");
}

TEST_CASE("help documents the exit codes")
{
  DaemonFixture d(false);
  auto help = d.ryax({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("124  timeout") != std::string::npos);
  CHECK(help.out.find("7    daemon unavailable") != std::string::npos);
}

TEST_CASE("a command that needs the daemon starts it unless autostart is off")
{
  DaemonFixture d(false);
  auto off = d.ryax({"daemon", "raise-error", "not_found"});
  CHECK(off.exit_code == 7);
  CHECK(off.err == "ryax: error: ryaxd is not running at " + d.socket() + "\n");
  CHECK_FALSE(d.answering());

  auto flag = d.ryax({"--no-autostart", "daemon", "raise-error", "not_found"},
                     {}, {{"RYAX_NO_AUTOSTART", std::nullopt}});
  CHECK(flag.exit_code == 7);
  CHECK_FALSE(d.answering());

  auto explicit_socket = d.ryax({"--socket", d.socket(), "daemon", "raise-error", "not_found"},
                                {}, {{"RYAX_NO_AUTOSTART", std::nullopt}});
  CHECK(explicit_socket.exit_code == 7);
  CHECK_FALSE(d.answering());

  // Autostarted daemons have no test hooks: the call reaches them and is refused.
  auto on = d.ryax({"daemon", "raise-error", "not_found"}, {},
                   {{"RYAX_NO_AUTOSTART", std::nullopt}});
  CHECK(on.exit_code == 4);
  CHECK(on.err.find("test hook") != std::string::npos);
  CHECK(d.answering());
  CHECK(d.ryax({"daemon", "stop"}).exit_code == 0);
}

TEST_CASE("an empty data dir gets the latest schema")
{
  DaemonFixture d;
  SQLite::Database db(d.home() + "/ryax.db", SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA user_version").getInt()
        == ryax::infra::sqlite::latest_schema_version());
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(d.log().find("migrated to schema") != std::string::npos);
}

TEST_CASE("a database written by a newer schema is refused and left byte-identical")
{
  DaemonFixture d(false);
  fs::create_directories(d.home());
  const auto path = d.home() + "/ryax.db";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE future (x INTEGER); INSERT INTO future VALUES (42);");
    db.exec("PRAGMA user_version = 999");
  }
  const auto before = read_file(path);
  auto result = d.ryaxd({"--foreground"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("schema version 999, newer than") != std::string::npos);
  CHECK(read_file(path) == before);
  CHECK_FALSE(fs::exists(d.socket()));
}

TEST_CASE("a file that is not a database is refused with its path")
{
  DaemonFixture d(false);
  write_file(d.home() + "/ryax.db", std::string(8192, 'x'));
  auto result = d.ryaxd({"--foreground"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("\"" + d.home() + "/ryax.db\" is not a ryax database")
        != std::string::npos);
}

TEST_CASE("the sockets are open to every local account, which the daemon "
          "then tells apart by their peer credentials")
{
  DaemonFixture d;
  for (const auto& path : {d.socket(), d.socket() + ".id"}) {
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0666);
  }
}

TEST_CASE("SIGTERM stops the daemon cleanly and leaves no socket behind")
{
  DaemonFixture d;
  CHECK(fs::exists(d.socket()));
  CHECK(d.stop() == 0);
  CHECK_FALSE(fs::exists(d.socket()));
  CHECK(d.log().find("received SIGTERM") != std::string::npos);
  // The lock is released: a new daemon starts on the same data dir.
  d.start();
  CHECK(d.answering());
}

TEST_CASE("a stale socket file from a dead daemon is replaced")
{
  DaemonFixture d(false);
  // A socket file nobody listens on, as a killed daemon leaves it.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const auto path = d.socket();
  std::copy(path.begin(), path.end(), address.sun_path);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  ::close(fd);
  REQUIRE(fs::exists(path));
  d.start();
  CHECK(d.ryax({"daemon", "status"}).exit_code == 0);
}

TEST_CASE("a killed daemon can be restarted on the same data dir")
{
  DaemonFixture d;
  d.process()->signal(SIGKILL);
  d.process()->wait(std::chrono::seconds(10));
  CHECK(fs::exists(d.socket())); // left behind by kill -9
  d.start();
  CHECK(d.ryax({"daemon", "status"}).exit_code == 0);
}

TEST_CASE("a configuration file with an unknown key is refused with its line")
{
  DaemonFixture d(false);
  write_file(d.dir() / "ryaxd.yaml", "log_level: debug\nlog_levle: info\n");
  auto result = d.ryaxd({"--foreground", "--config", d.dir() / "ryaxd.yaml"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find(d.dir() / "ryaxd.yaml:2:1: unknown key \"log_levle\"")
        != std::string::npos);
}

TEST_CASE("--check-config says whether a configuration is valid, and starts nothing")
{
  DaemonFixture d(false);
  const auto file = d.dir() / "ryaxd.yaml";
  write_file(file, "log_level: debug\n");
  auto good = d.ryaxd({"--check-config", "--config", file});
  CHECK(good.exit_code == 0);
  CHECK(good.out == file + ": valid\n");
  CHECK_FALSE(std::filesystem::exists(d.home() + "/ryax.db"));
  write_file(file, "log_level: debug\nlog_levle: info\n");
  auto bad = d.ryaxd({"--check-config", "--config", file});
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err == "ryaxd: error: " + file + ":2:1: unknown key \"log_levle\" (did you mean \"log_level\"?)\n");
  auto flag = d.ryaxd({"--check-config", "--log-level", "loud"});
  CHECK(flag.exit_code == 1);
  CHECK(d.ryaxd({"--check-config", "--print-config"}).exit_code == 2);
  // The file as the flag's value, as package scripts write it.
  write_file(file, "log_level: debug\n");
  auto direct = d.ryaxd({"--check-config", file});
  CHECK(direct.exit_code == 0);
  CHECK(direct.out == file + ": valid\n");
  auto twice = d.ryaxd({"--check-config", file, "--config", file});
  CHECK(twice.exit_code == 2);
  CHECK(twice.err.find("give the file once") != std::string::npos);
}

TEST_CASE("daemon start finds a daemon whose config file moves its socket")
{
  DaemonFixture d(false);
  const auto moved = d.dir() / "moved.sock";
  write_file(d.dir() / "ryaxd.yaml", "socket: " + moved + "\n");
  // RYAX_SOCKET would win over the file: unset it.
  auto start = d.ryax({"daemon", "start", "--config", d.dir() / "ryaxd.yaml"}, {},
                      {{"RYAX_SOCKET", std::nullopt}});
  CHECK_MESSAGE(start.exit_code == 0, start.err);
  CHECK(start.out.find(moved) != std::string::npos);
  CHECK(socket_answers(moved));
  CHECK(d.ryax({"--socket", moved, "daemon", "stop"}).exit_code == 0);
  CHECK_FALSE(fs::exists(moved));
}

TEST_CASE("a detached ryaxd prints the socket it serves on")
{
  DaemonFixture d(false);
  auto detached = d.ryaxd({});
  CHECK(detached.exit_code == 0);
  CHECK(detached.out == "socket: " + d.socket() + "\n");
  CHECK(d.ryax({"daemon", "stop"}).exit_code == 0);
}

TEST_CASE("files of the data dir are private to the user")
{
  DaemonFixture d;
  struct stat st{};
  REQUIRE(::stat((d.home() + "/ryax.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);
  REQUIRE(::stat(d.home().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("print-config shows each value and where it came from")
{
  DaemonFixture d(false);
  write_file(d.home() + "/ryaxd.yaml", "log_level: warn\n");
  auto result = d.ryaxd({"--print-config", "--log-file", "/tmp/x.log"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("log_level: warn  # file") != std::string::npos);
  CHECK(result.out.find("log_file: /tmp/x.log  # flag") != std::string::npos);
  CHECK(result.out.find("socket: " + d.socket() + "  # environment") != std::string::npos);
}

TEST_SUITE_END();
