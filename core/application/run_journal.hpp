#pragma once

#include "core/application/ports/run_store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ryax::app {

// Where the journal takes the changes to write, and whom it tells how the
// write went: the runner. Changes are numbered in the order they were made.
class JournalSource
{
public:
  virtual ~JournalSource() = default;

  // Move every pending change into `writes` (empty: nothing pending) and
  // return the number of the newest change made so far.
  virtual std::uint64_t collect(std::vector<RunWrite>& writes) = 0;

  // Every change numbered up to `sequence` is durable.
  virtual void committed(std::uint64_t sequence) = 0;

  // Writing `writes` failed with `error`: none of it landed. The source
  // takes back what must be written again.
  virtual void failed(std::vector<RunWrite>& writes, const Error& error) = 0;

  // Whether more changes are on their way (executions running): then a
  // write may wait a little to carry more of them. Called often: cheap.
  virtual bool busy() const = 0;
};

// Group commit of run changes: a thread that needs its changes durable
// calls sync(); the first one in writes every pending change of every run
// in one transaction while the others wait, so that many transitions share
// one commit. When the source is busy, the writer first waits up to
// `batch_window` for `batch_size` changes to gather (a lone change, as in a
// chain of steps, is written at once). Nothing is held while writing but the journal's own turn.
// After a failed write the changes stay pending and a background thread
// writes them again with a growing delay (0.1 s to 10 s), so memory and
// storage never disagree for long and never silently.
class RunJournal
{
public:
  RunJournal(RunStore& store,
             JournalSource& source,
             std::chrono::microseconds batch_window =
               std::chrono::microseconds(300),
             int batch_size = 32);
  ~RunJournal();
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;

  // Return once every change numbered up to `sequence` is durable. The
  // error (unavailable) when the write holding them failed.
  Result<void> sync(std::uint64_t sequence);

  // Have every change numbered up to `sequence` written, without waiting
  // for it when a write is under way: that writer writes it next. For
  // callers that need nothing durable themselves (the engine releases
  // what waits for durability).
  void submit(std::uint64_t sequence);

  // Write whatever is pending now, once.
  Result<void> flush();

  // The last write failed and its changes wait for a retry: the error.
  std::optional<Error> failure();

  // Start and stop the background retries.
  void start();
  void stop();

private:
  // One write of everything pending (m_committing is ours): the lock is
  // released while writing.
  Result<void> commit_round(std::unique_lock<std::mutex>& lock);
  // Write rounds until what was asked for is durable or a round fails
  // (m_committing is ours, and is given back).
  Result<void> lead(std::unique_lock<std::mutex>& lock);
  void retry_loop();

  RunStore& m_store;
  JournalSource& m_source;
  std::mutex m_mutex; // everything below
  std::condition_variable m_turn; // a round ended
  bool m_committing = false;
  std::uint64_t m_durable = 0;
  std::uint64_t m_requested = 0;      // the newest change asked for
  int m_asked = 0;                    // submit/sync calls since a collect
  std::chrono::microseconds m_batch_window;
  int m_batch_size;
  std::condition_variable m_gathered; // m_asked reached m_batch_size
  std::uint64_t m_rounds = 0;         // rounds finished, for waiters
  std::uint64_t m_failed_up_to = 0;   // newest change of the last failure
  std::optional<Error> m_failure;     // set while the last round failed
  std::vector<RunWrite> m_writes;     // reused between rounds
  bool m_stopping = true;
  std::condition_variable m_retry_wake;
  std::thread m_retrier;
};

} // namespace ryax::app
