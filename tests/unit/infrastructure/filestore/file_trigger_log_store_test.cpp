#include "core/infrastructure/filestore/file_trigger_log_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using ryax::ErrorCode;
using ryax::app::TriggerLogLine;
using ryax::infra::filestore::FileTriggerLogStore;
using ryax::test::TempDir;

namespace fs = std::filesystem;

namespace {

TriggerLogLine
line(std::string text, std::string origin = "stdout")
{
  TriggerLogLine l;
  l.timestamp_unix_ns = 1'700'000'000'000'000'000;
  l.origin = std::move(origin);
  l.line = std::move(text);
  return l;
}

} // namespace

TEST_SUITE_BEGIN("infra::filestore::FileTriggerLogStore");

TEST_CASE("lines read back in order with their sequence, tabs included, after a given one")
{
  TempDir dir;
  FileTriggerLogStore store(dir.path() / "logs");
  CHECK(store.append("default", "wf", line("one")).value() == 1);
  CHECK(store.append("default", "wf", line("two\tcolumns", "ryaxd")).value() == 2);
  const auto all = store.read("default", "wf", 0, 100).value();
  REQUIRE(all.size() == 2);
  CHECK(all[1].sequence == 2);
  CHECK(all[1].origin == "ryaxd");
  CHECK(all[1].line == "two\tcolumns");
  CHECK(all[0].timestamp_unix_ns == 1'700'000'000'000'000'000);
  CHECK(store.read("default", "wf", 1, 100).value().size() == 1);
  CHECK(store.read("default", "wf", 0, 1).value().size() == 1);
  CHECK(store.read("default", "other", 0, 100).value().empty());
  CHECK(store.read("other", "wf", 0, 100).value().empty());
}

TEST_CASE("sequence numbers go on after a restart")
{
  TempDir dir;
  {
    FileTriggerLogStore store(dir.path() / "logs");
    REQUIRE(store.append("default", "wf", line("one")));
    REQUIRE(store.append("default", "wf", line("two")));
  }
  FileTriggerLogStore store(dir.path() / "logs");
  CHECK(store.append("default", "wf", line("three")).value() == 3);
}

TEST_CASE("a log keeps its newest lines within its bound")
{
  TempDir dir;
  FileTriggerLogStore store(dir.path() / "logs", 4096);
  const std::string text(100, 'x');
  for (int i = 0; i < 500; ++i) {
    REQUIRE(store.append("default", "wf", line(text + std::to_string(i))));
  }
  const auto kept = store.read("default", "wf", 0, 100000).value();
  REQUIRE_FALSE(kept.empty());
  CHECK(kept.size() < 50);
  CHECK(kept.back().sequence == 500);
  CHECK(kept.back().line == text + "499");
  std::uintmax_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "logs" / "default")) {
    bytes += entry.file_size();
  }
  CHECK(bytes <= 4096 + 400); // two files, each at most one line past half
}

TEST_CASE("a project or workflow id that cannot name a file is refused")
{
  TempDir dir;
  FileTriggerLogStore store(dir.path() / "logs");
  CHECK(store.append("default", "../x", line("a")).error().code == ErrorCode::invalid_argument);
  CHECK(store.append(".hidden", "wf", line("a")).error().code == ErrorCode::invalid_argument);
  CHECK(store.read("default", "", 0, 1).error().code == ErrorCode::invalid_argument);
}

TEST_SUITE_END();
