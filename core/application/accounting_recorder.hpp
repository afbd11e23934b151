#pragma once

#include "core/application/ports/accounting_store.hpp"
#include "core/application/run_engine.hpp"
#include "core/domain/accounting.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ryax::app {

// The accounting record of `job` (placed, begun) that ended at `ended_ms`
// in `state` ("done", "error", "cancelled", "lost"), on machine `node`
// ("" when unknown).
domain::AccountingRecord accounting_record(const StepJob& job,
                                           std::string state,
                                           std::int64_t ended_ms,
                                           std::string node);

// The state an accounting record gives an execution that ended with
// `outcome`: "done", "cancelled" or "error".
std::string accounting_state(const domain::StepOutcome& outcome);

// Writes accounting records as executions end, off the workers' path: once
// started, a thread of its own appends what is pending in one batch, at
// most `gather` after the first record of the batch came (sooner when
// k_batch are pending), so a busy runner makes a few small commits a
// second instead of one per execution, and a worker never waits for
// storage. A failed append keeps the records and is retried after `retry`
// (at most k_max_pending are kept: the oldest beyond are dropped, and
// counted). stop() writes what is pending. Not started, record() writes at
// once in the caller's thread. Thread-safe.
class AccountingRecorder
{
public:
  // The most records kept while the store fails.
  static constexpr std::size_t k_max_pending = 100000;
  // Pending records that make a batch without waiting for `gather`.
  static constexpr std::size_t k_batch = 1000;

  explicit AccountingRecorder(
    AccountingStore& store,
    std::chrono::milliseconds gather = std::chrono::milliseconds(200),
    std::chrono::milliseconds retry = std::chrono::seconds(5));
  // Stops (see stop()).
  ~AccountingRecorder();
  AccountingRecorder(const AccountingRecorder&) = delete;
  AccountingRecorder& operator=(const AccountingRecorder&) = delete;

  // Start the writing thread (nothing when it runs).
  void start();

  // Stop the writing thread and write what is pending (a failure is
  // logged; the records stay pending).
  void stop();

  // Add `record` for the next append.
  void record(domain::AccountingRecord record);

  // Write what is pending now, in the caller's thread (waiting for an
  // append under way): the store's error when it fails.
  Result<void> flush();

  // Records not written yet; records dropped because the store failed too
  // long.
  std::size_t pending() const;
  std::uint64_t dropped() const;

private:
  void loop();
  // Append pending records until none is left (m_writer held).
  Result<void> drain();

  AccountingStore& m_store;
  std::chrono::milliseconds m_gather;
  std::chrono::milliseconds m_retry;
  mutable std::mutex m_mutex; // everything below but m_writer
  std::condition_variable m_wake;
  std::vector<domain::AccountingRecord> m_pending;
  std::uint64_t m_dropped = 0;
  bool m_stopping = false;
  std::thread m_thread;
  std::mutex m_writer; // held by the thread that appends
};

} // namespace ryax::app
