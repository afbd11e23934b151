#include "core/application/run_housekeeper.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>

namespace ryax::app {

RunHousekeeper::RunHousekeeper(RunEngine& engine,
                               RunStore& runs,
                               RunLogStore& logs,
                               RunFileStore& files,
                               RuntimePool& runtimes,
                               Clock& clock,
                               RetentionPolicy retention,
                               std::chrono::milliseconds interval)
  : m_engine(engine)
  , m_runs(runs)
  , m_logs(logs)
  , m_files(files)
  , m_runtimes(runtimes)
  , m_clock(clock)
  , m_retention(retention)
  , m_interval(interval)
{
}

RunHousekeeper::~RunHousekeeper()
{
  stop();
}

void
RunHousekeeper::start()
{
  std::lock_guard lock(m_mutex);
  if (!m_stopping) {
    return;
  }
  m_stopping = false;
  m_thread = std::thread([this] { loop(); });
}

void
RunHousekeeper::stop()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

Result<int>
RunHousekeeper::remove(const std::string& id)
{
  if (m_engine.contains(id)) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("run \"{}\" is still going: cancel it first "
                            "(ryax runs cancel {})",
                            id,
                            id));
  }
  RYAX_TRY_ASSIGN(const auto stored, m_runs.load(id));
  if (!stored) {
    return fail(ErrorCode::not_found, fmt::format("run \"{}\" not found", id));
  }
  if (!domain::is_final(stored->run.state)) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("run \"{}\" is {}: cancel it first",
                            id,
                            domain::to_string(stored->run.state)));
  }
  RYAX_TRY_ASSIGN(const auto removed,
                  m_files.collect([&] { return m_runs.remove(id); }));
  m_logs.remove(id);
  return removed;
}

Result<int>
RunHousekeeper::apply_retention()
{
  if (m_retention.max_age_ms == 0 && m_retention.max_runs_per_workflow == 0) {
    return 0;
  }
  RYAX_TRY_ASSIGN(const auto ids,
                  m_runs.expired(m_retention, m_clock.now_unix_ms()));
  int removed = 0;
  for (const auto& id : ids) {
    if (auto done = remove(id); done) {
      ++removed;
    } else {
      log::warn("retention: run {}: {}", id, done.error().message);
    }
  }
  return removed;
}

void
RunHousekeeper::round()
{
  if (auto removed = apply_retention(); !removed) {
    log::warn("retention: {}", removed.error().message);
  } else if (*removed > 0) {
    log::info("retention: removed {} run(s)", *removed);
  }
  m_runtimes.reap_idle();
}

void
RunHousekeeper::loop()
{
  std::unique_lock lock(m_mutex);
  for (;;) {
    if (m_wake.wait_for(lock, m_interval, [&] { return m_stopping; })) {
      return;
    }
    lock.unlock();
    // One bad round must not end housekeeping, nor the daemon.
    try {
      round();
    } catch (const std::exception& e) {
      log::error("housekeeping: {}", e.what());
    } catch (...) {
      log::error("housekeeping: unknown exception");
    }
    lock.lock();
  }
}

} // namespace ryax::app
