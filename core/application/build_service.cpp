#include "core/application/build_service.hpp"

#include "core/application/event_bus.hpp"
#include "core/application/log.hpp"
#include "core/application/metrics.hpp"
#include "core/domain/identity.hpp"

#include <fmt/format.h>

#include <chrono>

namespace ryax::app {

using domain::BuildJob;
using domain::BuildJobState;
using domain::BuildState;

BuildService::BuildService(BuildPorts ports, std::string mirrors_dir,
                           int concurrency)
  : m_ports(ports),
    m_mirrors_dir(std::move(mirrors_dir)),
    m_concurrency(std::max(1, concurrency))
{
}

BuildService::~BuildService()
{
  stop();
}

Result<void>
BuildService::start()
{
  RYAX_TRY_ASSIGN(const auto interrupted, m_ports.jobs.requeue_interrupted());
  for (const auto& job : interrupted) {
    log::info("build of {}:{}{} was interrupted by a restart: queued again",
              job.action_id, job.version, domain::in_project(job.project));
    RYAX_TRY_ASSIGN(auto version,
                    m_ports.catalogue.find(job.project, job.action_id,
                                           job.version));
    if (version) {
      version->build_state = BuildState::build_pending;
      RYAX_TRY(m_ports.catalogue.set_build(*version));
    }
  }
  std::lock_guard lock(m_mutex);
  m_stopping = false;
  for (int i = 0; i < m_concurrency; ++i) {
    m_workers.emplace_back([this] { worker_loop(); });
  }
  return {};
}

void
BuildService::stop()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    for (auto& [id, flag] : m_running) {
      flag->store(true);
    }
  }
  m_cv.notify_all();
  for (auto& worker : m_workers) {
    worker.join();
  }
  m_workers.clear();
}

Result<domain::ActionVersion>
BuildService::resolve(const std::string& project, const std::string& text)
{
  RYAX_TRY_ASSIGN(const auto ref, domain::parse_action_ref(text));
  std::optional<domain::ActionVersion> version;
  if (ref.version.empty()) {
    RYAX_TRY_ASSIGN(version, m_ports.catalogue.latest(project, ref.id));
  } else {
    RYAX_TRY_ASSIGN(version,
                    m_ports.catalogue.find(project, ref.id, ref.version));
  }
  if (!version) {
    return fail(ErrorCode::not_found,
                ref.version.empty()
                  ? fmt::format("action \"{}\" not found{}",
                                ref.id, domain::in_project(project))
                  : fmt::format("action \"{}\" version \"{}\" not found{}",
                                ref.id, ref.version,
                                domain::in_project(project)));
  }
  return *version;
}

Result<std::vector<BuildJob>>
BuildService::enqueue(const std::string& project,
                      const std::vector<std::string>& refs,
                      bool force)
{
  std::vector<domain::ActionVersion> versions;
  for (const auto& ref : refs) {
    RYAX_TRY_ASSIGN(auto version, resolve(project, ref));
    versions.push_back(std::move(version));
  }
  std::vector<BuildJob> jobs;
  for (auto& version : versions) {
    RYAX_TRY_ASSIGN(auto job, m_ports.jobs.enqueue(project, version.id(), version.version(),
                                                   force, m_ports.clock.now_unix()));
    if (job.state == BuildJobState::pending) {
      version.build_state = BuildState::build_pending;
      RYAX_TRY(m_ports.catalogue.set_build(version));
    }
    log::info("build {} of {}:{} queued{}", job.id, job.action_id, job.version,
              force ? " (forced)" : "");
    jobs.push_back(std::move(job));
  }
  m_cv.notify_all();
  return jobs;
}

Result<std::vector<BuildJob>>
BuildService::enqueue_repository(const std::string& project,
                                 const std::string& repository,
                                 bool force)
{
  if (auto found = m_ports.repositories.get(project, repository); !found) {
    if (found.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::not_found,
                  fmt::format("repository \"{}\" not found{}",
                              repository, domain::in_project(project)));
    }
    return std::unexpected(found.error());
  }
  ActionFilter filter;
  filter.project = project;
  filter.repository = repository;
  RYAX_TRY_ASSIGN(const auto versions, m_ports.catalogue.list(filter));
  std::vector<std::string> refs;
  for (const auto& version : versions) {
    if (!version.gone_from_head) {
      refs.push_back(version.id() + ":" + version.version());
    }
  }
  return enqueue(project, refs, force);
}

Result<BuildJob>
BuildService::status(const std::string& project, const std::string& ref)
{
  RYAX_TRY_ASSIGN(const auto version, resolve(project, ref));
  RYAX_TRY_ASSIGN(const auto job, m_ports.jobs.latest(version.project, version.id(), version.version()));
  if (!job) {
    return fail(ErrorCode::not_found,
                fmt::format("action \"{}\" version \"{}\" was never built",
                            version.id(), version.version()));
  }
  return *job;
}

Result<BuildJob>
BuildService::cancel(const std::string& project, const std::string& ref)
{
  RYAX_TRY_ASSIGN(auto version, resolve(project, ref));
  std::lock_guard lock(m_mutex);
  RYAX_TRY_ASSIGN(auto job, m_ports.jobs.latest(version.project, version.id(), version.version()));
  if (!job || domain::is_final(job->state)) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("action \"{}\" version \"{}\" has no build in progress",
                            version.id(), version.version()));
  }
  if (auto it = m_running.find(job->id); it != m_running.end()) {
    it->second->store(true); // the worker records the cancellation
    return *job;
  }
  job->state = BuildJobState::cancelled;
  job->error = "build cancelled";
  job->finished_at = m_ports.clock.now_unix();
  RYAX_TRY(m_ports.jobs.update(*job));
  version.build_state = BuildState::build_error;
  version.build_error = job->error;
  RYAX_TRY(m_ports.catalogue.set_build(version));
  log::info("build {} of {}:{} cancelled before it started", job->id,
            job->action_id, job->version);
  ended(*job, 0);
  return *job;
}

Result<BuildService::LogChunk>
BuildService::log(const std::string& project,
                  const std::string& ref,
                  std::size_t offset)
{
  RYAX_TRY_ASSIGN(auto job, status(project, ref));
  RYAX_TRY_ASSIGN(auto chunk, m_ports.logs.read(job.id, offset));
  return LogChunk{std::move(chunk.first), chunk.second, std::move(job)};
}

void
BuildService::worker_loop()
{
  // An adapter that throws while a job is taken: try again later, as when
  // the queue is empty.
  const auto pause = [this](std::string_view what) {
    log::error("build worker: cannot take the next job: {}", what);
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, std::chrono::seconds(5), [this] { return m_stopping; });
  };
  while (true) {
    std::optional<BuildJob> job;
    try {
      job = next_job();
    } catch (const std::exception& e) {
      pause(e.what());
      continue;
    } catch (...) {
      pause("unknown exception");
      continue;
    }
    if (!job) {
      return;
    }
    // The exception barrier: whatever one build throws (an adapter,
    // std::bad_alloc, a filesystem_error) fails that build, never the
    // worker or the daemon.
    try {
      run(*job);
    } catch (const std::exception& e) {
      fail_on_exception(*job, e.what());
    } catch (...) {
      fail_on_exception(*job, "unknown exception");
    }
  }
}

std::optional<BuildJob>
BuildService::next_job()
{
  std::unique_lock lock(m_mutex);
  while (true) {
    if (m_stopping) {
      return std::nullopt;
    }
    auto next = m_ports.jobs.next_pending();
    if (next && *next) {
      auto job = **next;
      job.state = BuildJobState::building;
      job.started_at = m_ports.clock.now_unix();
      ++job.attempts;
      if (!m_ports.jobs.update(job)) {
        log::error("build {}: cannot record its start", job.id);
      }
      m_running[job.id] = std::make_shared<std::atomic<bool>>(false);
      return job;
    }
    m_cv.wait_for(lock, std::chrono::seconds(5));
  }
}

void
BuildService::fail_on_exception(BuildJob job, std::string_view what)
{
  try {
    log::error("build {} of {}:{}: internal error: {}", job.id, job.action_id,
               job.version, what);
    job.state = BuildJobState::error;
    job.error = fmt::format("internal error: {}", what);
    auto version = m_ports.catalogue.find(job.project, job.action_id, job.version);
    if (version && *version) {
      finish(job, **version);
    } else {
      job.finished_at = m_ports.clock.now_unix();
      if (!m_ports.jobs.update(job)) {
        log::error("build {} of {}:{}: cannot record its end", job.id,
                   job.action_id, job.version);
      }
    }
  } catch (...) {
    // Nothing could be recorded (the adapters throw again, memory is
    // short): the job stays "building" and the next start retries it.
  }
  std::lock_guard lock(m_mutex);
  m_running.erase(job.id);
}

void
BuildService::run(BuildJob job)
{
  std::shared_ptr<std::atomic<bool>> cancel_flag;
  {
    std::lock_guard lock(m_mutex);
    cancel_flag = m_running[job.id];
  }
  const auto cancelled = [cancel_flag] { return cancel_flag->load(); };
  auto version = m_ports.catalogue.find(job.project, job.action_id, job.version);
  if (!version || !*version) {
    job.state = BuildJobState::error;
    job.error = "the action version was removed from the catalogue";
  } else {
    auto v = **version;
    v.build_state = BuildState::building;
    if (auto recorded = m_ports.catalogue.set_build(v); !recorded) {
      // The build goes on: only `action show` misses the "building" state.
      log::error("build {} of {}:{}: cannot record that it is building: {}",
                 job.id, job.action_id, job.version, recorded.error().message);
    }
    log::info("build {} of {}:{} started (attempt {})", job.id, job.action_id,
              job.version, job.attempts);
    events::publish("build.started",
                    job.project,
                    fmt::format("{}:{}", job.action_id, job.version),
                    fmt::format("build {} of {}:{} started (attempt {})",
                                job.id, job.action_id, job.version,
                                job.attempts),
                    { { "build", std::to_string(job.id) } });
    const auto began = std::chrono::steady_clock::now();
    auto built = build(job, v, cancelled);
    const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - began;
    if (built) {
      v = std::move(*built);
      job.state = BuildJobState::built;
      job.bundle_key = v.bundle_key;
      job.warnings = v.build_warnings;
    } else if (cancelled()) {
      bool stopping = false;
      {
        std::lock_guard lock(m_mutex);
        stopping = m_stopping;
      }
      if (stopping) {
        // Daemon shutdown: leave it "building" so that the next start
        // retries it.
        std::lock_guard lock(m_mutex);
        m_running.erase(job.id);
        return;
      }
      job.state = BuildJobState::cancelled;
      job.error = "build cancelled";
    } else {
      job.state = BuildJobState::error;
      job.error = built.error().message;
    }
    finish(job, v, took.count());
  }
  std::lock_guard lock(m_mutex);
  m_running.erase(job.id);
}

void
BuildService::finish(BuildJob& job,
                     domain::ActionVersion& version,
                     double seconds)
{
  job.finished_at = m_ports.clock.now_unix();
  if (job.state == BuildJobState::built) {
    version.build_state = BuildState::built;
    version.build_error.clear();
  } else {
    version.build_state = BuildState::build_error;
    version.build_error = job.error;
    m_ports.logs.append(job.id, "build failed: " + job.error);
  }
  if (!m_ports.jobs.update(job) || !m_ports.catalogue.set_build(version)) {
    log::error("build {} of {}:{}: cannot record its end", job.id,
               job.action_id, job.version);
  }
  log::info("build {} of {}:{} {}{}{}", job.id, job.action_id, job.version,
            domain::to_string(job.state), job.cache_hit ? " (cache hit)" : "",
            job.error.empty() ? "" : ": " + job.error);
  ended(job, seconds);
}

void
BuildService::ended(const BuildJob& job, double seconds)
{
  const auto state = std::string(domain::to_string(job.state));
  if (auto* recorder = metrics::recorder()) {
    if (seconds < 0) { // not timed: the recorded seconds
      seconds = job.started_at > 0 && job.finished_at >= job.started_at
                  ? static_cast<double>(job.finished_at - job.started_at)
                  : 0.0;
    }
    recorder->build_ended(state, seconds);
  }
  events::publish("build.finished",
                  job.project,
                  fmt::format("{}:{}", job.action_id, job.version),
                  fmt::format("build {} of {}:{} {}{}{}",
                              job.id,
                              job.action_id,
                              job.version,
                              state,
                              job.cache_hit ? " (cache hit)" : "",
                              job.error.empty() ? "" : ": " + job.error),
                  { { "build", std::to_string(job.id) }, { "state", state } });
}

Result<domain::ActionVersion>
BuildService::build(BuildJob& job, domain::ActionVersion version,
                    const std::function<bool()>& cancelled)
{
  const auto say = [&](std::string_view line) { m_ports.logs.append(job.id, line); };
  RYAX_TRY_ASSIGN(const auto fingerprint,
                  m_ports.builder.toolchain_fingerprint(version));
  const auto key = domain::build_content_key(version.tree_id, version.metadata.type, fingerprint);
  say(fmt::format("building {}:{} (tree {}, toolchain: {})", version.id(),
                  version.version(), version.tree_id, fingerprint));
  if (!job.force && m_ports.bundles.contains(key)) {
    say("bundle " + key + " exists: cache hit, nothing to build");
    job.cache_hit = true;
    version.bundle_key = key;
    version.lock_json = m_ports.bundles.read(key, "ryax_lock.json").value_or("");
    return version;
  }

  RYAX_TRY_ASSIGN(const auto repository,
                  m_ports.repositories.get(version.project, version.repository));
  RYAX_TRY_ASSIGN(const auto secrets,
                  m_ports.repositories.secrets(version.project,
                                               version.repository));
  GitRemote remote;
  remote.url = repository.url;
  remote.cache_dir = m_mirrors_dir + "/" + domain::mirror_name(repository);
  remote.username = repository.username;
  remote.password = secrets.password;
  remote.ssh_key = secrets.ssh_key;
  RYAX_TRY_ASSIGN(auto commit, m_ports.git.open(remote, version.commit));

  RYAX_TRY_ASSIGN(const auto staging, m_ports.bundles.stage());
  const auto extract_and_build = [&]() -> Result<BuildOutcome> {
    RYAX_TRY(commit->extract_directory(version.directory, staging.source_dir));
    say(fmt::format("files read from git at {} in \"{}\"", version.commit.substr(0, 12),
                    version.directory.empty() ? "." : version.directory));
    BuildRequest request;
    request.action = version;
    request.source_dir = staging.source_dir;
    request.bundle_dir = staging.bundle_dir;
    request.log = say;
    request.cancelled = cancelled;
    return m_ports.builder.build(request);
  };
  Result<BuildOutcome> built = fail(ErrorCode::internal, "not built");
  try {
    built = extract_and_build();
  } catch (...) {
    m_ports.bundles.discard(staging); // the worker's barrier reports it
    throw;
  }
  if (!built) {
    m_ports.bundles.discard(staging);
    return std::unexpected(built.error());
  }
  RYAX_TRY(m_ports.bundles.commit(staging, key));
  for (const auto& warning : built->warnings) {
    say("warning: " + warning);
  }
  say("bundle " + key + " ready");
  version.bundle_key = key;
  version.lock_json = built->lock_json;
  version.build_warnings = built->warnings;
  return version;
}

} // namespace ryax::app
