#include "core/application/accounting_recorder.hpp"

#include "core/application/log.hpp"
#include "core/domain/catalogue.hpp"

#include <algorithm>

namespace ryax::app {

domain::AccountingRecord
accounting_record(const StepJob& job,
                  std::string state,
                  std::int64_t ended_ms,
                  std::string node)
{
  domain::AccountingRecord r;
  r.execution_id = job.running ? job.running->execution_id() : std::string();
  r.project = job.definition->project;
  r.workflow_id = job.definition->workflow_id;
  r.workflow_version = job.definition->version;
  if (job.plan->spec) {
    const auto& action = job.plan->spec->action;
    r.action_id = action.metadata.id;
    r.action_name = action.metadata.human_name;
    r.action_version = action.metadata.version;
  } else if (auto it = job.definition->actions.find(job.key.step);
             it != job.definition->actions.end()) {
    // Its version is gone or not built: named as the run pinned it.
    if (auto ref = domain::parse_action_ref(it->second)) {
      r.action_id = ref->id;
      r.action_version = ref->version;
    }
  }
  r.run_id = job.run_id;
  r.step = job.key.step;
  r.branch = job.key.branch;
  r.attempt = job.attempt;
  r.site = job.site;
  r.node_pool = job.pool;
  r.node = std::move(node);
  r.state = std::move(state);
  r.submitted_ms = job.queued_ms != 0 ? job.queued_ms : job.placed_ms;
  r.started_ms = job.started_ms != 0 ? job.started_ms : job.placed_ms;
  r.ended_ms = std::max(ended_ms, r.started_ms);
  const auto& request = job.plan->scheduling.request;
  r.requested_cpu = request.cpu;
  r.requested_memory_bytes = request.memory_bytes;
  r.requested_gpu = request.gpu;
  r.requested_time_seconds = request.time_seconds.value_or(0);
  // The scheduler reserved exactly the request in the pool (see
  // core/domain/accounting.cpp).
  r.allocated_cpu = request.cpu;
  r.allocated_memory_bytes = request.memory_bytes;
  r.allocated_gpu = request.gpu;
  return r;
}

std::string
accounting_state(const domain::StepOutcome& outcome)
{
  if (const auto* error = std::get_if<domain::StepError>(&outcome)) {
    return error->kind == "cancelled" ? "cancelled" : "error";
  }
  return "done";
}

AccountingRecorder::AccountingRecorder(AccountingStore& store,
                                       std::chrono::milliseconds gather,
                                       std::chrono::milliseconds retry)
  : m_store(store)
  , m_gather(gather)
  , m_retry(retry)
{
}

AccountingRecorder::~AccountingRecorder()
{
  stop();
}

void
AccountingRecorder::start()
{
  std::lock_guard lock(m_mutex);
  if (m_thread.joinable()) {
    return;
  }
  m_stopping = false;
  m_thread = std::thread([this] { loop(); });
}

void
AccountingRecorder::stop()
{
  {
    std::lock_guard lock(m_mutex);
    if (!m_thread.joinable()) {
      return;
    }
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
  m_thread = std::thread();
  (void)flush(); // logged by drain
}

void
AccountingRecorder::record(domain::AccountingRecord record)
{
  bool threaded = false;
  bool first_or_full = false;
  {
    std::lock_guard lock(m_mutex);
    m_pending.push_back(std::move(record));
    threaded = m_thread.joinable();
    first_or_full = m_pending.size() == 1 || m_pending.size() >= k_batch;
  }
  if (threaded) {
    if (first_or_full) {
      m_wake.notify_one(); // otherwise it is gathering already
    }
  } else {
    (void)flush(); // logged by drain; kept for the next one
  }
}

Result<void>
AccountingRecorder::flush()
{
  std::lock_guard writer(m_writer);
  return drain();
}

void
AccountingRecorder::loop()
{
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    m_wake.wait(lock, [this] { return m_stopping || !m_pending.empty(); });
    // Let a batch gather: the database is shared with the run journal.
    m_wake.wait_for(lock, m_gather, [this] {
      return m_stopping || m_pending.size() >= k_batch;
    });
    if (m_stopping) {
      return; // stop() writes the rest
    }
    lock.unlock();
    const bool written = static_cast<bool>(flush());
    lock.lock();
    if (!written) {
      // The store fails: try again later, not at every new record.
      m_wake.wait_for(lock, m_retry, [this] { return m_stopping; });
    }
  }
}

Result<void>
AccountingRecorder::drain()
{
  for (;;) {
    std::vector<domain::AccountingRecord> batch;
    {
      std::lock_guard lock(m_mutex);
      if (m_pending.empty()) {
        return {};
      }
      batch.swap(m_pending);
    }
    auto appended = m_store.append(batch);
    if (appended) {
      continue;
    }
    std::lock_guard lock(m_mutex);
    // Kept, oldest first, in front of what came meanwhile.
    batch.insert(batch.end(),
                 std::make_move_iterator(m_pending.begin()),
                 std::make_move_iterator(m_pending.end()));
    m_pending = std::move(batch);
    if (m_pending.size() > k_max_pending) {
      const auto excess = m_pending.size() - k_max_pending;
      m_pending.erase(m_pending.begin(),
                      m_pending.begin() + static_cast<std::ptrdiff_t>(excess));
      m_dropped += excess;
    }
    log::warn("accounting: {} record(s) not written yet: {}",
              m_pending.size(),
              appended.error().message);
    return appended;
  }
}

std::size_t
AccountingRecorder::pending() const
{
  std::lock_guard lock(m_mutex);
  return m_pending.size();
}

std::uint64_t
AccountingRecorder::dropped() const
{
  std::lock_guard lock(m_mutex);
  return m_dropped;
}

} // namespace ryax::app
