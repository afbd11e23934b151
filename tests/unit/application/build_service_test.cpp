#include "core/application/build_service.hpp"
#include "tests/support/fake_runner_ports.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

using namespace ryax;
using ryax::test::eventually;

namespace {

// A scanned python action `id`, version 1.0, of repository "lib".
domain::ActionVersion
scanned(const std::string& id)
{
  domain::ActionVersion version;
  version.metadata.id = id;
  version.metadata.version = "1.0";
  version.metadata.type = domain::ActionType::python3;
  version.repository = "lib";
  version.commit = "c0ffee";
  version.tree_id = "tree-" + id;
  return version;
}

// One repository, "lib", without credentials.
class InMemoryRepositoryStore : public app::RepositoryStore
{
public:
  Result<void> add(const domain::Repository&, const domain::RepositorySecrets&) override
  {
    return {};
  }
  Result<domain::Repository> get(const std::string& project,
                                 const std::string& name) override
  {
    domain::Repository repository;
    repository.project = project;
    repository.name = name;
    repository.url = "/nowhere/" + name;
    return repository;
  }
  Result<domain::RepositorySecrets> secrets(const std::string&,
                                            const std::string&) override
  {
    return {};
  }
  Result<std::vector<domain::Repository>> list(const std::string&) override
  {
    return {};
  }
  Result<void> remove(const std::string&, const std::string&) override
  {
    return {};
  }
};

// A commit whose extraction writes nothing.
class FakeGitCommit : public app::GitCommit
{
public:
  const std::string& commit_id() const override { return m_id; }
  Result<std::vector<app::ActionDirectory>> find_action_directories() override { return {}; }
  Result<std::optional<std::string>> read_file(const std::string&) override
  {
    return std::nullopt;
  }
  Result<void> extract_directory(const std::string&, const std::string&) override
  {
    return {};
  }

private:
  std::string m_id = "c0ffee";
};

class FakeGitRepository : public app::GitRepository
{
public:
  Result<app::FetchResult> fetch(const app::GitRemote&) override { return {}; }
  Result<void> check_source(const app::GitRemote&) override { return {}; }
  Result<void> remove_mirror(const app::GitRemote&) override { return {}; }
  Result<std::unique_ptr<app::GitCommit>> open(const app::GitRemote&,
                                               const std::string&) override
  {
    return std::make_unique<FakeGitCommit>();
  }
};

// A builder that does what the test says for each action id: by default it
// succeeds.
class ScriptedActionBuilder : public app::ActionBuilder
{
public:
  std::map<std::string, std::function<void()>> before_build; // set before start

  Result<std::string> toolchain_fingerprint(const domain::ActionVersion& action) override
  {
    if (action.id() == "no-memory") {
      throw std::bad_alloc();
    }
    return std::string("fake 1");
  }

  Result<app::BuildOutcome> build(const app::BuildRequest& request) override
  {
    if (const auto it = before_build.find(request.action.id()); it != before_build.end()) {
      it->second();
    }
    return app::BuildOutcome{ "{}", {}, "env/bin/python3", "3.11" };
  }
};

// Jobs in memory, ids from 1.
class InMemoryBuildStore : public app::BuildStore
{
public:
  Result<domain::BuildJob> enqueue(const std::string& project,
                                   const std::string& id,
                                   const std::string& version,
                                   bool force,
                                   std::int64_t now) override
  {
    std::lock_guard lock(m_mutex);
    domain::BuildJob job;
    job.id = static_cast<std::int64_t>(m_jobs.size()) + 1;
    job.project = project;
    job.action_id = id;
    job.version = version;
    job.force = force;
    job.queued_at = now;
    m_jobs.push_back(job);
    return job;
  }

  Result<std::optional<domain::BuildJob>> next_pending() override
  {
    std::lock_guard lock(m_mutex);
    for (const auto& job : m_jobs) {
      if (job.state == domain::BuildJobState::pending) {
        return job;
      }
    }
    return std::nullopt;
  }

  Result<void> update(const domain::BuildJob& job) override
  {
    std::lock_guard lock(m_mutex);
    m_jobs.at(static_cast<std::size_t>(job.id - 1)) = job;
    return {};
  }

  Result<std::optional<domain::BuildJob>> latest(const std::string& project,
                                                 const std::string& id,
                                                 const std::string& version) override
  {
    std::lock_guard lock(m_mutex);
    for (auto it = m_jobs.rbegin(); it != m_jobs.rend(); ++it) {
      if (it->project == project && it->action_id == id
          && it->version == version) {
        return *it;
      }
    }
    return std::nullopt;
  }

  Result<std::vector<domain::BuildJob>> requeue_interrupted() override
  {
    return std::vector<domain::BuildJob>{};
  }

private:
  std::mutex m_mutex;
  std::vector<domain::BuildJob> m_jobs;
};

class InMemoryBuildLogStore : public app::BuildLogStore
{
public:
  void append(std::int64_t job_id, std::string_view line) override
  {
    std::lock_guard lock(m_mutex);
    m_logs[job_id] += std::string(line) + "\n";
  }

  Result<std::pair<std::string, std::size_t>> read(std::int64_t job_id,
                                                   std::size_t offset) override
  {
    std::lock_guard lock(m_mutex);
    const auto text = m_logs[job_id].substr(std::min(offset, m_logs[job_id].size()));
    return std::pair{ text, offset + text.size() };
  }

private:
  std::mutex m_mutex;
  std::map<std::int64_t, std::string> m_logs;
};

// Bundles as a set of keys; counts the staging areas discarded.
class InMemoryBundleStore : public app::BundleStore
{
public:
  int discarded()
  {
    std::lock_guard lock(m_mutex);
    return m_discarded;
  }

  bool contains(const std::string& key) override
  {
    std::lock_guard lock(m_mutex);
    return m_keys.count(key) > 0;
  }
  std::string path(const std::string& key) override { return "/bundles/" + key; }
  Result<std::string> read(const std::string&, const std::string&) override
  {
    return fail(ErrorCode::not_found, "no file");
  }
  Result<Staging> stage() override
  {
    return Staging{ "/staging", "/staging/source", "/staging/bundle" };
  }
  Result<void> commit(const Staging&, const std::string& key) override
  {
    std::lock_guard lock(m_mutex);
    m_keys[key] = true;
    return {};
  }
  void discard(const Staging&) override
  {
    std::lock_guard lock(m_mutex);
    ++m_discarded;
  }

private:
  std::mutex m_mutex;
  std::map<std::string, bool> m_keys;
  int m_discarded = 0;
};

class ManualClock : public app::Clock
{
public:
  std::int64_t now_unix() override { return 1'700'000'000; }
  std::int64_t now_unix_ms() override { return 1'700'000'000'000; }
};

// A BuildService with one worker over in-memory ports, and the actions
// "good" and those the test adds.
struct BuildFixture
{
  test::InMemoryActionCatalogue catalogue;
  InMemoryRepositoryStore repositories;
  FakeGitRepository git;
  ScriptedActionBuilder builder;
  InMemoryBuildStore jobs;
  InMemoryBuildLogStore logs;
  InMemoryBundleStore bundles;
  ManualClock clock;
  std::unique_ptr<app::BuildService> service;

  BuildFixture() { catalogue.add(scanned("good")); }

  void start()
  {
    service = std::make_unique<app::BuildService>(
      app::BuildPorts{ catalogue, repositories, git, builder, jobs, logs, bundles, clock },
      "/mirrors",
      1);
    REQUIRE(service->start());
  }

  // Queue a build of `id` and wait for its end; the final job.
  domain::BuildJob build(const std::string& id)
  {
    REQUIRE(service->enqueue("default", { id }, false));
    domain::BuildJob job;
    REQUIRE(eventually([&] {
      auto status = service->status("default", id);
      job = status ? *status : domain::BuildJob{};
      return domain::is_final(job.state);
    }));
    return job;
  }
};

} // namespace

TEST_SUITE_BEGIN("app::BuildService");

TEST_CASE("an exception thrown by the builder fails that build, and the worker builds the next")
{
  BuildFixture f;
  f.catalogue.add(scanned("throws"));
  f.builder.before_build["throws"] = [] { throw std::runtime_error("disk on fire"); };
  f.start();

  const auto failed = f.build("throws");
  CHECK(failed.state == domain::BuildJobState::error);
  CHECK(failed.error == "internal error: disk on fire");
  CHECK(failed.finished_at != 0);
  const auto version = f.catalogue.get("throws", "1.0");
  CHECK(version.build_state == domain::BuildState::build_error);
  CHECK(version.build_error == "internal error: disk on fire");
  CHECK(f.bundles.discarded() == 1); // the staging area did not leak
  const auto log = f.service->log("default", "throws", 0);
  REQUIRE(log);
  CHECK(log->text.find("build failed: internal error: disk on fire") != std::string::npos);

  // Same single worker thread: still alive.
  CHECK(f.build("good").state == domain::BuildJobState::built);
  CHECK(f.catalogue.get("good", "1.0").build_state == domain::BuildState::built);
}

TEST_CASE("std::bad_alloc and filesystem errors from the adapters fail only their build")
{
  BuildFixture f;
  f.catalogue.add(scanned("no-memory"));
  f.catalogue.add(scanned("bad-disk"));
  f.builder.before_build["bad-disk"] = [] {
    throw std::filesystem::filesystem_error(
      "cannot create directory", std::make_error_code(std::errc::no_space_on_device));
  };
  f.start();

  const auto no_memory = f.build("no-memory");
  CHECK(no_memory.state == domain::BuildJobState::error);
  CHECK(no_memory.error == "internal error: std::bad_alloc");
  const auto bad_disk = f.build("bad-disk");
  CHECK(bad_disk.state == domain::BuildJobState::error);
  CHECK(bad_disk.error.starts_with("internal error: "));
  CHECK(bad_disk.error.find("cannot create directory") != std::string::npos);
  CHECK(f.build("good").state == domain::BuildJobState::built);
}

TEST_CASE("an exception of no standard type still fails the build with a message")
{
  BuildFixture f;
  f.catalogue.add(scanned("odd"));
  f.builder.before_build["odd"] = [] { throw 42; };
  f.start();

  const auto odd = f.build("odd");
  CHECK(odd.state == domain::BuildJobState::error);
  CHECK(odd.error == "internal error: unknown exception");
  CHECK(f.build("good").state == domain::BuildJobState::built);
}

TEST_SUITE_END();
