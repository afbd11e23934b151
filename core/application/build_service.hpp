#pragma once

#include "core/application/ports/action_builder.hpp"
#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/build_store.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/git_repository.hpp"
#include "core/application/ports/repository_store.hpp"
#include "core/domain/build.hpp"

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ryax::app {

// The ports the build service works through.
struct BuildPorts
{
  ActionCatalogue& catalogue;
  RepositoryStore& repositories;
  GitRepository& git;
  ActionBuilder& builder;
  BuildStore& jobs;
  BuildLogStore& logs;
  BundleStore& bundles;
  Clock& clock;
};

// Builds action versions from a persistent queue with a fixed number of
// worker threads. A version moves scanned -> build pending -> building ->
// built | build error. Jobs survive a restart: pending ones resume, one
// interrupted while building is retried. An exception thrown while one
// version builds (by an adapter, std::bad_alloc...) ends that build in
// error ("internal error: <what>"); the worker goes on with the next job.
class BuildService
{
public:
  // `mirrors_dir` holds the repositories' git mirrors (the action files are
  // read from git at the scanned commit); `concurrency` >= 1.
  BuildService(BuildPorts ports, std::string mirrors_dir, int concurrency);
  ~BuildService();
  BuildService(const BuildService&) = delete;
  BuildService& operator=(const BuildService&) = delete;

  // Requeue interrupted builds and start the workers.
  Result<void> start();

  // Stop the workers; a running build is cancelled and stays queued (it is
  // retried at the next start).
  void stop();

  // Every call below acts on the actions of `project`: another project's
  // action is not_found, as an unknown one.

  // Queue builds of `refs` ("ID" = latest version, "ID:VERSION").
  // not_found naming the first unknown ref (nothing is queued then).
  Result<std::vector<domain::BuildJob>> enqueue(const std::string& project,
                                                const std::vector<std::string>& refs,
                                                bool force);

  // Queue builds of the latest version of every action of `repository`
  // still present at its head.
  Result<std::vector<domain::BuildJob>> enqueue_repository(
    const std::string& project, const std::string& repository, bool force);

  // The latest job of `ref`. not_found when it was never built.
  Result<domain::BuildJob> status(const std::string& project,
                                  const std::string& ref);

  // Cancel the pending or running build of `ref`. failed_precondition when
  // it has no build in progress.
  Result<domain::BuildJob> cancel(const std::string& project,
                                  const std::string& ref);

  // The build log of `ref` from byte `offset`, and the job it belongs to.
  struct LogChunk
  {
    std::string text;
    std::size_t next_offset = 0;
    domain::BuildJob job;
  };
  Result<LogChunk> log(const std::string& project,
                       const std::string& ref,
                       std::size_t offset);

private:
  Result<domain::ActionVersion> resolve(const std::string& project,
                                        const std::string& ref);
  void worker_loop();
  // The next pending job, marked building (blocks until there is one);
  // nullopt once stopping.
  std::optional<domain::BuildJob> next_job();
  void run(domain::BuildJob job);
  // `job` ends in error with "internal error: <what>" after an exception
  // escaped its build; never throws.
  void fail_on_exception(domain::BuildJob job, std::string_view what);
  Result<domain::ActionVersion> build(domain::BuildJob& job,
                                      domain::ActionVersion version,
                                      const std::function<bool()>& cancelled);
  // `seconds`: how long it built (< 0: from its recorded times).
  void finish(domain::BuildJob& job,
              domain::ActionVersion& version,
              double seconds = -1);
  // Tell metrics and events that `job` ended after `seconds` (< 0: from
  // its recorded times).
  void ended(const domain::BuildJob& job, double seconds);

  BuildPorts m_ports;
  std::string m_mirrors_dir;
  int m_concurrency;

  std::mutex m_mutex; // guards the queue hand-out and m_cancel
  std::condition_variable m_cv;
  bool m_stopping = false;
  std::map<std::int64_t, std::shared_ptr<std::atomic<bool>>> m_running;
  std::vector<std::thread> m_workers;
};

} // namespace ryax::app
