#include "core/application/run_journal.hpp"

#include "core/application/log.hpp"
#include "core/application/metrics.hpp"

#include <algorithm>

namespace ryax::app {

RunJournal::RunJournal(RunStore& store,
                       JournalSource& source,
                       std::chrono::microseconds batch_window,
                       int batch_size)
  : m_store(store)
  , m_source(source)
  , m_batch_window(batch_window)
  , m_batch_size(batch_size)
{
}

RunJournal::~RunJournal()
{
  stop();
}

void
RunJournal::start()
{
  std::lock_guard lock(m_mutex);
  if (!m_stopping) {
    return;
  }
  m_stopping = false;
  m_retrier = std::thread([this] { retry_loop(); });
}

void
RunJournal::stop()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_retry_wake.notify_all();
  if (m_retrier.joinable()) {
    m_retrier.join();
  }
}

std::optional<Error>
RunJournal::failure()
{
  std::lock_guard lock(m_mutex);
  return m_failure;
}

Result<void>
RunJournal::commit_round(std::unique_lock<std::mutex>& lock)
{
  if (m_asked < m_batch_size && m_source.busy()) {
    // More changes are coming: let them share this write.
    m_gathered.wait_for(
      lock, m_batch_window, [&] { return m_asked >= m_batch_size; });
  }
  m_asked = 0;
  auto writes = std::move(m_writes);
  lock.unlock();
  writes.clear();
  const auto sequence = m_source.collect(writes);
  Result<void> written;
  try {
    if (!writes.empty()) {
      const auto start = std::chrono::steady_clock::now();
      written = m_store.commit(writes);
      const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start)
          .count();
      log::debug("run history: {} run(s) written in {} us",
                 writes.size(),
                 micros);
      if (auto* recorder = metrics::recorder(); recorder && written) {
        recorder->commit_ended(static_cast<double>(micros) / 1e6,
                               static_cast<int>(writes.size()));
      }
    }
  } catch (const std::exception& e) {
    written = fail(ErrorCode::internal, e.what());
  }
  if (written) {
    m_source.committed(sequence);
  } else {
    m_source.failed(writes, written.error());
  }
  lock.lock();
  m_writes = std::move(writes);
  ++m_rounds;
  if (written) {
    m_durable = std::max(m_durable, sequence);
    if (m_failure) {
      log::info("run history: writing again succeeded");
    }
    m_failure.reset();
  } else {
    if (!m_failure) {
      log::error("run history: cannot write ({}): runs wait, and the write "
                 "is retried",
                 written.error().message);
    }
    m_failure = Error{ ErrorCode::unavailable,
                       "cannot write the run history: "
                         + written.error().message };
    m_failed_up_to = sequence;
    m_retry_wake.notify_all();
  }
  m_turn.notify_all();
  if (!written) {
    return std::unexpected(*m_failure);
  }
  return {};
}

Result<void>
RunJournal::lead(std::unique_lock<std::mutex>& lock)
{
  Result<void> round;
  do {
    round = commit_round(lock);
  } while (round && m_requested > m_durable);
  m_committing = false;
  m_turn.notify_all();
  return round;
}

void
RunJournal::submit(std::uint64_t sequence)
{
  std::unique_lock lock(m_mutex);
  m_requested = std::max(m_requested, sequence);
  if (++m_asked == m_batch_size) {
    m_gathered.notify_one();
  }
  if (m_durable >= sequence || m_committing) {
    return;
  }
  m_committing = true;
  (void)lead(lock); // a failure is retried in the background
}

Result<void>
RunJournal::sync(std::uint64_t sequence)
{
  std::unique_lock lock(m_mutex);
  m_requested = std::max(m_requested, sequence);
  if (++m_asked == m_batch_size) {
    m_gathered.notify_one();
  }
  for (;;) {
    if (m_durable >= sequence) {
      return {};
    }
    if (!m_committing) {
      m_committing = true;
      auto round = lead(lock);
      if (!round && sequence <= m_failed_up_to) {
        return round;
      }
      continue;
    }
    const auto rounds = m_rounds;
    m_turn.wait(lock, [&] { return m_rounds != rounds; });
    if (m_failure && sequence <= m_failed_up_to && m_durable < sequence) {
      return std::unexpected(*m_failure);
    }
  }
}

Result<void>
RunJournal::flush()
{
  std::unique_lock lock(m_mutex);
  m_turn.wait(lock, [&] { return !m_committing; });
  m_committing = true;
  // Also what was submitted while waiting: submit() relies on the writer
  // under way to take it.
  return lead(lock);
}

void
RunJournal::retry_loop()
{
  auto delay = std::chrono::milliseconds(100);
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    if (!m_failure) {
      delay = std::chrono::milliseconds(100);
      m_retry_wake.wait(lock, [&] { return m_stopping || m_failure; });
      continue;
    }
    if (m_retry_wake.wait_for(lock, delay, [&] { return m_stopping; })) {
      return;
    }
    delay = std::min<std::chrono::milliseconds>(delay * 2,
                                                std::chrono::seconds(10));
    lock.unlock();
    (void)flush(); // a failure is recorded by the round itself
    lock.lock();
  }
}

} // namespace ryax::app
