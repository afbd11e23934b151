#include "core/application/run_journal.hpp"
#include "tests/support/in_memory_run_store.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace ryax;

namespace {

// Each change creates one run "r<n>"; a failed write's runs are pending
// again.
class Source final : public app::JournalSource
{
public:
  std::uint64_t
  change()
  {
    std::lock_guard lock(m_mutex);
    m_pending.push_back(++m_sequence);
    return m_sequence;
  }

  std::uint64_t
  collect(std::vector<app::RunWrite>& writes) override
  {
    std::lock_guard lock(m_mutex);
    for (const auto n : m_pending) {
      app::RunWrite write;
      write.header.id = "r" + std::to_string(n);
      write.creation = app::RunCreation{};
      writes.push_back(std::move(write));
    }
    m_pending.clear();
    return m_sequence;
  }

  void
  committed(std::uint64_t sequence) override
  {
    std::lock_guard lock(m_mutex);
    m_durable = std::max(m_durable, sequence);
  }

  void
  failed(std::vector<app::RunWrite>& writes, const Error&) override
  {
    std::lock_guard lock(m_mutex);
    for (const auto& write : writes) {
      m_pending.push_back(std::stoull(write.header.id.substr(1)));
    }
    ++m_failures;
  }

  bool busy() const override { return false; }

  std::uint64_t
  durable()
  {
    std::lock_guard lock(m_mutex);
    return m_durable;
  }

  int
  failures()
  {
    std::lock_guard lock(m_mutex);
    return m_failures;
  }

private:
  std::mutex m_mutex;
  std::uint64_t m_sequence = 0;
  std::uint64_t m_durable = 0;
  std::vector<std::uint64_t> m_pending;
  int m_failures = 0;
};

int
stored_runs(test::InMemoryRunStore& store)
{
  app::RunFilter all;
  all.limit = 100000;
  return static_cast<int>(store.list(all).value().size());
}

} // namespace

TEST_SUITE_BEGIN("app::RunJournal");

TEST_CASE("concurrent syncs share commits, and each returns once durable")
{
  test::InMemoryRunStore store;
  store.set_commit_delay(std::chrono::milliseconds(2)); // like an fsync
  Source source;
  app::RunJournal journal(store, source);
  std::atomic<int> early{ 0 };
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        const auto sequence = source.change();
        REQUIRE(journal.sync(sequence));
        if (source.durable() < sequence) {
          ++early;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(early == 0);
  CHECK(stored_runs(store) == 400);
  // Eight writers each waiting 2 ms per commit: most commits carry
  // several changes.
  CHECK(store.commits() < 200);
  MESSAGE("400 syncs took ", store.commits(), " commits");
}

TEST_CASE("a failed write is reported to whoever waits for it, then written "
          "by the background retry")
{
  test::InMemoryRunStore store;
  Source source;
  app::RunJournal journal(store, source);
  journal.start();
  store.fail_commits(2);
  const auto sequence = source.change();
  const auto synced = journal.sync(sequence);
  REQUIRE_FALSE(synced);
  CHECK(synced.error().code == ErrorCode::unavailable);
  CHECK(synced.error().message ==
        "cannot write the run history: injected failure: disk full");
  CHECK(journal.failure());
  CHECK(test::eventually([&] { return stored_runs(store) == 1; }));
  CHECK(source.failures() == 2);
  CHECK_FALSE(journal.failure());
  CHECK(source.durable() >= sequence);
  journal.stop();
}

TEST_CASE("submit returns without waiting for a write under way, which takes "
          "its change too")
{
  test::InMemoryRunStore store;
  Source source;
  app::RunJournal journal(store, source);
  for (int i = 0; i < 100; ++i) {
    journal.submit(source.change());
  }
  // Nothing is left behind: the last submitter, or the writer it found,
  // wrote everything.
  CHECK(stored_runs(store) == 100);
  CHECK(source.durable() == 100);
  REQUIRE(journal.flush());
}

TEST_SUITE_END();
