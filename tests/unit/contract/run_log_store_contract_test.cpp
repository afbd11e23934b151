// The RunLogStore contract: every test runs against the file adapter and
// the in-memory one (tests/support/in_memory_run_store.hpp).

#include "core/infrastructure/filestore/file_run_log_store.hpp"
#include "tests/support/in_memory_run_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using ryax::ErrorCode;
using ryax::app::LogStream;
using ryax::app::RunLogRecord;

namespace {

struct FileLogs
{
  ryax::test::TempDir tmp;
  ryax::infra::filestore::FileRunLogStore adapter{ tmp / "logs" };
  ryax::app::RunLogStore& store() { return adapter; }
};

struct MemoryLogs
{
  ryax::test::InMemoryRunLogStore adapter;
  ryax::app::RunLogStore& store() { return adapter; }
};

RunLogRecord
line(std::string text, std::string step = "s", std::string branch = "")
{
  return RunLogRecord{ 1'000, std::move(step), std::move(branch), 1,
                       LogStream::out, std::move(text) };
}

#define LOGS FileLogs, MemoryLogs

} // namespace

TEST_SUITE_BEGIN("contract::RunLogStore");

TEST_CASE_TEMPLATE("records read back in order, and from an offset only the "
                   "newer ones",
                   F,
                   LOGS)
{
  F f;
  const std::vector<RunLogRecord> first{ line("one"), line("two", "t", "2.0") };
  auto err = line("three\twith a tab\\");
  err.stream = LogStream::err;
  err.attempt = 3;
  REQUIRE(f.store().append("run-1", first));
  const auto read = f.store().read("run-1", 0);
  REQUIRE(read);
  CHECK(read->first == first);
  REQUIRE(f.store().append("run-1", { err }));
  const auto more = f.store().read("run-1", read->second);
  REQUIRE(more);
  REQUIRE(more->first.size() == 1);
  CHECK(more->first[0] == err);
  const auto none = f.store().read("run-1", more->second);
  REQUIRE(none);
  CHECK(none->first.empty());
  CHECK(none->second == more->second);
}

TEST_CASE_TEMPLATE("a run without a log reads as none, past the end is refused",
                   F,
                   LOGS)
{
  F f;
  const auto none = f.store().read("run-none", 0);
  REQUIRE(none);
  CHECK(none->first.empty());
  CHECK(none->second == 0);
  REQUIRE(f.store().append("run-1", { line("x") }));
  const auto past = f.store().read("run-1", 1'000'000);
  REQUIRE_FALSE(past);
  CHECK(past.error().code == ErrorCode::invalid_argument);
}

TEST_CASE_TEMPLATE("remove forgets one run's log only", F, LOGS)
{
  F f;
  REQUIRE(f.store().append("run-1", { line("a") }));
  REQUIRE(f.store().append("run-2", { line("b") }));
  f.store().remove("run-1");
  f.store().remove("run-gone");
  CHECK(f.store().read("run-1", 0)->first.empty());
  CHECK(f.store().read("run-2", 0)->first.size() == 1);
}

TEST_SUITE_END();
