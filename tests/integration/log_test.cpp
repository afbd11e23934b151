// ryaxd's log: JSON lines, rotation by size, reopen on SIGHUP.

#include "tests/support/daemon_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <regex>
#include <sstream>

using namespace ryax::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string>
lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

} // namespace

TEST_SUITE_BEGIN("integration: log");

TEST_CASE("--log-format json writes one JSON object a line with time level component and message")
{
  DaemonFixture d(true, {"--log-format", "json"});
  REQUIRE(d.ryax({"version"}).exit_code == 0);
  REQUIRE(d.stop() == 0);
  const auto lines = lines_of(d.log());
  REQUIRE(lines.size() >= 3);
  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  bool saw_grpc = false;
  for (const auto& line : lines) {
    nlohmann::json doc;
    REQUIRE_NOTHROW(doc = nlohmann::json::parse(line));
    REQUIRE_MESSAGE(doc.is_object(), line);
    CHECK_MESSAGE(std::regex_match(doc["time"].get<std::string>(), rfc3339), line);
    CHECK(doc["level"].is_string());
    CHECK(doc["component"].is_string());
    CHECK(doc["message"].is_string());
    if (doc["component"] == "grpc" && doc.value("method", "") == "Health") {
      saw_grpc = true;
    }
  }
  CHECK_MESSAGE(saw_grpc, d.log());
  CHECK(d.log().find(R"("level":"info","component":"ryaxd","message":"ryaxd stopped"})")
        != std::string::npos);
}

TEST_CASE("log_max_size rotates the log file to FILE.1 and log_keep bounds the rotated files")
{
  DaemonFixture d(false);
  const std::string file = d.dir() / "rotated.log";
  write_file(d.dir() / "ryaxd.yaml",
             "log_file: " + file + "\nlog_max_size: 4096\nlog_keep: 1\n");
  d.start({"--config", d.dir() / "ryaxd.yaml"});
  // Each call logs a line at debug (the fixture's level).
  const bool rotated = eventually([&] {
    d.ryax({"version"});
    return fs::exists(file + ".1");
  });
  REQUIRE_MESSAGE(rotated, "no " << file << ".1");
  for (int i = 0; i < 100; ++i) { // past the size twice more
    d.ryax({"version"});
  }
  CHECK(fs::file_size(file) <= 4096);
  CHECK(fs::file_size(file + ".1") <= 4096);
  CHECK_FALSE(fs::exists(file + ".2"));
}

TEST_CASE("SIGHUP after the log file was moved makes ryaxd write a new file at its path")
{
  DaemonFixture d(false);
  const std::string file = d.dir() / "hup.log";
  d.start({"--log-file", file});
  REQUIRE(eventually([&] { return read_file(file).find("serving") != std::string::npos; }));
  fs::rename(file, file + ".old");
  d.process()->signal(SIGHUP);
  REQUIRE(eventually([&] {
    return fs::exists(file) && read_file(file).find("log file reopened") != std::string::npos;
  }));
  REQUIRE(d.ryax({"version"}).exit_code == 0); // still serving
  CHECK(read_file(file).find("Health ok") != std::string::npos);
  CHECK(read_file(file + ".old").find("log file reopened") == std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("ryaxd --check-config refuses an out-of-range log setting naming the key")
{
  DaemonFixture d(false);
  write_file(d.dir() / "bad.yaml", "log_keep: 1000\n");
  auto checked = d.ryaxd({"--check-config", "--config", d.dir() / "bad.yaml"});
  CHECK(checked.exit_code == 1);
  CHECK(checked.err.find("log_keep: expected a number of rotated files from 1 to 100")
        != std::string::npos);
  checked = d.ryaxd({"--check-config", "--log-format", "yaml"});
  CHECK(checked.exit_code == 1);
  CHECK(checked.err.find("log_format \"yaml\" (from flag)") != std::string::npos);
}

TEST_SUITE_END();
