#include "core/infrastructure/filestore/file_run_log_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using ryax::ErrorCode;
using ryax::app::LogStream;
using ryax::app::RunLogRecord;
using ryax::infra::filestore::FileRunLogStore;
using ryax::test::TempDir;

namespace fs = std::filesystem;

namespace {

RunLogRecord
record(std::string line,
       std::string step = "step",
       LogStream stream = LogStream::out,
       std::int64_t timestamp = 1'700'000'000'000'000'000)
{
  RunLogRecord r;
  r.timestamp_unix_ns = timestamp;
  r.step = std::move(step);
  r.branch = "0";
  r.attempt = 1;
  r.stream = stream;
  r.line = std::move(line);
  return r;
}

bool
same(const RunLogRecord& a, const RunLogRecord& b)
{
  return a.timestamp_unix_ns == b.timestamp_unix_ns && a.step == b.step &&
         a.branch == b.branch && a.attempt == b.attempt &&
         a.stream == b.stream && a.line == b.line;
}

// Append raw bytes to the log file, as a writer caught mid-line would leave.
void
append_raw(const std::string& path, const std::string& bytes)
{
  std::ofstream(path, std::ios::app | std::ios::binary) << bytes;
}

} // namespace

TEST_SUITE_BEGIN("infra::filestore::FileRunLogStore");

TEST_CASE("log store records round-trip whatever bytes their fields hold")
{
  TempDir tmp;
  FileRunLogStore store(tmp / "logs");
  std::string every_byte;
  for (int c = 0; c < 256; ++c) {
    every_byte += static_cast<char>(c);
  }
  auto odd = record(
    "tab\there\nnewline\r\\n not a newline\\", "st\tep\\", LogStream::err, -42);
  odd.branch = "b\n1";
  odd.attempt = 3;
  const std::vector<RunLogRecord> records = {
    record("plain"),
    odd,
    record("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80"),
    record(""),
    record(every_byte),
    record("\\t literally"),
  };

  REQUIRE(store.append("run-1", records));
  const auto read = store.read("run-1", 0);

  REQUIRE(read);
  REQUIRE(read->first.size() == records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    CAPTURE(i);
    CHECK(same(read->first[i], records[i]));
  }
  CHECK(read->second == fs::file_size(tmp / "logs/run-1.log"));
}

TEST_CASE("log store reads are incremental by offset")
{
  TempDir tmp;
  FileRunLogStore store(tmp.path().string());
  REQUIRE(store.append("r", { record("one"), record("two") }));
  const auto first = store.read("r", 0);
  REQUIRE(first);
  CHECK(first->first.size() == 2);

  REQUIRE(store.append("r", { record("three") }));
  const auto second = store.read("r", first->second);
  REQUIRE(second);
  REQUIRE(second->first.size() == 1);
  CHECK(second->first[0].line == "three");

  const auto third = store.read("r", second->second);
  REQUIRE(third);
  CHECK(third->first.empty());
  CHECK(third->second == second->second);
}

TEST_CASE("log store leaves a partial last line for the next read")
{
  TempDir tmp;
  FileRunLogStore store(tmp.path().string());
  REQUIRE(store.append("r", { record("whole") }));
  append_raw(tmp / "r.log", "1\tstep\t0\t1\to\thalf");

  const auto first = store.read("r", 0);
  REQUIRE(first);
  REQUIRE(first->first.size() == 1);
  CHECK(first->first[0].line == "whole");

  append_raw(tmp / "r.log", " and the rest\n");
  const auto second = store.read("r", first->second);
  REQUIRE(second);
  REQUIRE(second->first.size() == 1);
  CHECK(second->first[0].line == "half and the rest");
  CHECK(second->first[0].timestamp_unix_ns == 1);
}

TEST_CASE("log store skips a malformed line")
{
  TempDir tmp;
  FileRunLogStore store(tmp.path().string());
  append_raw(tmp / "r.log", "garbage\n");
  REQUIRE(store.append("r", { record("after") }));
  const auto read = store.read("r", 0);
  REQUIRE(read);
  REQUIRE(read->first.size() == 1);
  CHECK(read->first[0].line == "after");
}

TEST_CASE("log store without a log returns nothing and keeps the offset")
{
  TempDir tmp;
  FileRunLogStore store(tmp / "logs");
  const auto read = store.read("never", 0);
  REQUIRE(read);
  CHECK(read->first.empty());
  CHECK(read->second == 0);
  CHECK(store.read("never", 12)->second == 12);
  CHECK(store.append("never", {}));
  CHECK_FALSE(fs::exists(tmp / "logs/never.log"));
}

TEST_CASE("log store refuses invalid run ids and offsets past the end")
{
  TempDir tmp;
  FileRunLogStore store(tmp / "logs");
  for (const auto* id : { "", "../escape", "a/b", ".hidden", ".." }) {
    CAPTURE(id);
    CHECK(store.append(id, { record("x") }).error().code ==
          ErrorCode::invalid_argument);
    CHECK(store.read(id, 0).error().code == ErrorCode::invalid_argument);
    store.remove(id);
  }
  CHECK_FALSE(fs::exists(tmp / "escape.log"));
  REQUIRE(store.append("r", { record("x") }));
  CHECK(store.read("r", 1'000'000).error().code == ErrorCode::invalid_argument);
}

TEST_CASE("log store remove deletes the log")
{
  TempDir tmp;
  FileRunLogStore store(tmp.path().string());
  REQUIRE(store.append("r", { record("x") }));
  store.remove("r");
  CHECK_FALSE(fs::exists(tmp / "r.log"));
  CHECK(store.read("r", 0)->first.empty());
  store.remove("r");
}

TEST_CASE("log store keeps concurrent batches whole")
{
  TempDir tmp;
  FileRunLogStore store(tmp.path().string());
  constexpr int k_threads = 4;
  constexpr int k_batches = 300;
  constexpr int k_batch_size = 3;
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&store, t] {
      for (int b = 0; b < k_batches; ++b) {
        std::vector<RunLogRecord> batch;
        for (int i = 0; i < k_batch_size; ++i) {
          batch.push_back(record(std::to_string(b) + "." + std::to_string(i),
                                 "t" + std::to_string(t)));
        }
        CHECK(store.append("r", batch));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto read = store.read("r", 0);
  REQUIRE(read);
  const auto& lines = read->first;
  REQUIRE(lines.size() == std::size_t{ k_threads * k_batches * k_batch_size });
  for (std::size_t i = 0; i < lines.size(); i += k_batch_size) {
    const auto b = lines[i].line.substr(0, lines[i].line.find('.'));
    for (int j = 0; j < k_batch_size; ++j) {
      CHECK(lines[i + j].step == lines[i].step);
      CHECK(lines[i + j].line == b + "." + std::to_string(j));
    }
  }
}

TEST_SUITE_END();
