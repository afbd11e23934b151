#include "core/infrastructure/wrapper/wrapper_pool.hpp"

#include "core/application/event_bus.hpp"
#include "core/application/log.hpp"
#include "core/infrastructure/wrapper/wire_values.hpp"
#include "core/infrastructure/wrapper/wrapper_client.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace ryax::infra::wrapper {

struct WrapperPool::Replica
{
  std::string key;
  std::string project;
  std::string deployment_id; // "WORKFLOW/ACTION"
  std::string workflow_id;
  std::string action; // "id:version"
  std::string id;     // "r12"
  int max_replicas = 1;
  bool draining = false; // stop when given back
  domain::ActionMetadata metadata;
  std::string dir;
  std::unique_ptr<WrapperClient> client;
  bool busy = false;
  std::int64_t executions = 0;
  std::chrono::steady_clock::time_point idle_since;
  std::chrono::seconds idle_timeout{ 300 };
};

namespace {

// Stop `replica` (its process ends, its directory goes) and say why.
void
stop_replica(WrapperPool::Replica& replica, std::string_view why)
{
  app::log::info("replica {} of {} stopped: {}", replica.id,
                 replica.deployment_id, why);
  app::events::publish("replica.stopped",
                       replica.project,
                       replica.deployment_id,
                       fmt::format("replica {} of {} ({}) stopped: {}",
                                   replica.id, replica.deployment_id,
                                   replica.action, why),
                       { { "replica", replica.id },
                         { "action", replica.action },
                         { "executions", std::to_string(replica.executions) },
                         { "reason", std::string(why) } });
  std::error_code ec;
  replica.client.reset();
  fs::remove_all(replica.dir, ec);
}

class WrapperLease final : public app::RuntimeLease
{
public:
  WrapperLease(WrapperPool& pool, std::shared_ptr<WrapperPool::Replica> replica)
    : m_pool(pool), m_replica(std::move(replica))
  {
  }

  ~WrapperLease() override
  {
    m_pool.release(m_replica, m_discard, m_executions);
  }

  Result<domain::StepOutcome>
  execute(const std::string& execution_id,
          const domain::Values& inputs,
          const app::LogCallback& on_log) override
  {
    ++m_executions;
    json object = json::object();
    for (const auto& [name, value] : inputs) {
      object[name] = runtime_input(value);
    }
    RYAX_TRY_ASSIGN(
      const auto result,
      m_replica->client->execute(execution_id, object.dump(), on_log));
    if (result.error) {
      const auto& e = *result.error;
      return domain::StepOutcome{ domain::StepError{
        std::string(app::to_string(e.kind)), e.message, e.code, e.traceback } };
    }
    return runtime_outcome(json::parse(result.outputs_json, nullptr, false),
                           result.fan_out,
                           m_replica->metadata.outputs);
  }

  Result<std::optional<app::ExecutionError>>
  run_source(const std::string& execution_id,
             const domain::Values& inputs,
             const app::CreatedRunCallback& on_run,
             const app::LogCallback& on_log) override
  {
    ++m_executions;
    json object = json::object();
    for (const auto& [name, value] : inputs) {
      object[name] = runtime_input(value);
    }
    const auto typed = [&](const app::SourceRun& run) {
      app::CreatedRun created;
      created.failed = run.failed;
      const auto data = json::parse(run.data_json, nullptr, false);
      if (!data.is_object()) {
        created.invalid = "the run's data is not a JSON object";
      } else {
        for (const auto& [name, value] : data.items()) {
          const domain::IoSpec* spec = nullptr;
          for (const auto& candidate : m_replica->metadata.outputs) {
            if (candidate.name == name) {
              spec = &candidate;
            }
          }
          created.data[name] = runtime_output(value, spec);
        }
      }
      return on_run(created);
    };
    return m_replica->client->run_source(
      execution_id, object.dump(), typed, on_log);
  }

  Result<void>
  cancel(const std::string& execution_id) override
  {
    return m_replica->client->cancel(execution_id);
  }

  std::string
  outputs_dir(const std::string& execution_id) override
  {
    return m_replica->dir + "/work/outputs/" + execution_id;
  }

  std::string inputs_dir(const std::string& execution_id) override
  {
    return m_replica->dir + "/work/inputs/" + execution_id;
  }

  void discard() override { m_discard = true; }

private:
  WrapperPool& m_pool;
  std::shared_ptr<WrapperPool::Replica> m_replica;
  bool m_discard = false;
  std::int64_t m_executions = 0;
};

// The executable `name` in a directory of PATH (else of the usual
// system directories), or "".
std::string
find_on_path(const std::string& name)
{
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  dirs += ":/usr/bin:/bin:/usr/local/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const auto dir = dirs.substr(start, end - start);
    start = end + 1;
    if (dir.empty()) {
      continue;
    }
    const auto candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

} // namespace

WrapperPool::WrapperPool(app::BundleStore& bundles, WrapperPoolSettings settings)
  : m_bundles(bundles), m_settings(std::move(settings))
{
  std::error_code ec;
  fs::remove_all(m_settings.root, ec);
  fs::create_directories(m_settings.root, ec);
  if (m_settings.sandbox == "bwrap") {
    m_bwrap = find_on_path("bwrap");
    if (m_bwrap.empty()) {
      m_sandbox_error =
        "the sandbox of user code (site.sandbox: bwrap) needs bubblewrap, "
        "which is not installed (apt install bubblewrap), or set "
        "site.sandbox: none in ryaxd.yaml";
      app::log::error("{}", m_sandbox_error);
    }
  }
}

WrapperPool::~WrapperPool()
{
  shutdown();
}

Result<std::shared_ptr<WrapperPool::Replica>>
WrapperPool::start_replica(const app::RuntimeSpec& spec)
{
  const auto& action = spec.action;
  const auto bundle = m_bundles.path(action.bundle_key);
  RYAX_TRY_ASSIGN(const auto build_json,
                  m_bundles.read(action.bundle_key, "build.json"));
  const auto info = json::parse(build_json, nullptr, false);
  const std::string interpreter =
    info.is_object() ? info.value("interpreter", "") : "";
  std::uint64_t number = 0;
  {
    std::lock_guard lock(m_mutex);
    number = ++m_next_replica;
  }
  auto replica = std::make_shared<Replica>();
  replica->key = spec.key();
  replica->project = spec.action.project;
  replica->deployment_id = spec.deployment_id();
  replica->workflow_id = spec.workflow_id;
  replica->id = fmt::format("r{}", number);
  replica->max_replicas = std::max(1, spec.max_replicas);
  replica->action = action.id() + ":" + action.version();
  replica->metadata = action.metadata;
  // The pid keeps paths apart from the replicas of a previous daemon that
  // may still be exiting (and removing their socket).
  replica->dir = fmt::format("{}/r{}-{}", m_settings.root, ::getpid(), number);
  replica->idle_timeout = spec.idle_timeout;
  std::error_code ec;
  fs::create_directories(replica->dir, ec);
  WrapperSettings settings;
  settings.run_dir = replica->dir;
  settings.action_dir = bundle + "/action";
  settings.interpreter = fs::path(interpreter).is_absolute()
                           ? interpreter
                           : bundle + "/" + interpreter;
  settings.metadata = action.metadata;
  settings.work_root = replica->dir + "/work";
  settings.time_limit_seconds = spec.time_limit_seconds;
  settings.memory_limit_bytes = spec.memory_limit_bytes;
  settings.cpu_quota = spec.cpu_quota;
  settings.wrapper_binary = m_settings.wrapper_binary;
  if (!m_sandbox_error.empty()) {
    fs::remove_all(replica->dir, ec);
    return fail(ErrorCode::failed_precondition,
                fmt::format("cannot start action {}: {}", replica->action,
                            m_sandbox_error));
  }
  if (!m_bwrap.empty()) {
    settings.sandbox.bwrap = m_bwrap;
    settings.sandbox.network = m_settings.network;
    settings.sandbox.hide = m_settings.hide;
    settings.sandbox.writable = m_settings.writable;
    settings.sandbox.read_only = { fs::absolute(bundle).string() };
  }
  const auto started = std::chrono::steady_clock::now();
  auto client = WrapperClient::start(settings);
  if (!client) {
    fs::remove_all(replica->dir, ec);
    return fail(client.error().code,
                fmt::format("cannot start action {}: {}",
                            replica->action,
                            client.error().message));
  }
  replica->client = std::move(*client);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  app::log::info("replica r{} of {} ({}) started in {} ms", number,
                 replica->deployment_id, replica->action, millis);
  app::events::publish("replica.started",
                       replica->project,
                       replica->deployment_id,
                       fmt::format("replica r{} of {} ({}) started in {} ms",
                                   number, replica->deployment_id,
                                   replica->action, millis),
                       { { "replica", replica->id },
                         { "action", replica->action },
                         { "start_ms", std::to_string(millis) } });
  return replica;
}

Result<std::unique_ptr<app::RuntimeLease>>
WrapperPool::acquire(const app::RuntimeSpec& spec)
{
  const auto key = spec.key();
  const auto max_replicas = std::max(1, spec.max_replicas);
  std::unique_lock lock(m_mutex);
  m_groups[key].steps.insert(spec.step_id);
  for (;;) {
    auto& group = m_groups[key];
    for (auto& replica : group.replicas) {
      if (!replica->busy) {
        replica->busy = true;
        return std::make_unique<WrapperLease>(*this, replica);
      }
    }
    if (static_cast<int>(group.replicas.size()) + group.starting
          < max_replicas
        && live_locked() >= std::max(1, m_settings.max_live)) {
      // At the cap: the replica idle for longest (of any deployment) makes
      // room, else wait for one to be given back.
      std::shared_ptr<Replica> oldest;
      for (auto& [other_key, other] : m_groups) {
        for (auto& replica : other.replicas) {
          if (!replica->busy
              && (!oldest || replica->idle_since < oldest->idle_since)) {
            oldest = replica;
          }
        }
      }
      if (oldest) {
        std::erase(m_groups[oldest->key].replicas, oldest);
        lock.unlock();
        stop_replica(*oldest, "max_live_deployments reached");
        lock.lock();
        continue;
      }
      m_released.wait(lock);
      continue;
    }
    if (static_cast<int>(group.replicas.size()) + group.starting
        < max_replicas) {
      ++group.starting;
      lock.unlock();
      auto started = start_replica(spec);
      lock.lock();
      auto& same = m_groups[key];
      --same.starting;
      if (!started) {
        m_released.notify_all();
        return std::unexpected(started.error());
      }
      (*started)->busy = true;
      same.replicas.push_back(*started);
      return std::make_unique<WrapperLease>(*this, *started);
    }
    m_released.wait(lock);
  }
}

Result<void>
WrapperPool::warm(const app::RuntimeSpec& spec)
{
  {
    std::lock_guard lock(m_mutex);
    const auto& group = m_groups[spec.key()];
    if (!group.replicas.empty() || group.starting > 0) {
      return {};
    }
  }
  // A lease given back at once leaves the replica idle, warm.
  RYAX_TRY_ASSIGN(auto lease, acquire(spec));
  lease.reset();
  return {};
}

void
WrapperPool::release(const std::shared_ptr<Replica>& replica,
                     bool discard,
                     std::int64_t executions)
{
  std::shared_ptr<Replica> stopped;
  {
    std::lock_guard lock(m_mutex);
    replica->busy = false;
    replica->executions += executions;
    replica->idle_since = std::chrono::steady_clock::now();
    if (discard || replica->draining) {
      auto& list = m_groups[replica->key].replicas;
      std::erase(list, replica);
      stopped = replica;
    }
  }
  m_released.notify_all();
  if (stopped) {
    stop_replica(*stopped, discard ? "discarded after a failure"
                                   : "workflow undeployed");
  }
}

void
WrapperPool::reap_idle()
{
  std::vector<std::shared_ptr<Replica>> stopped;
  {
    std::lock_guard lock(m_mutex);
    const auto now = std::chrono::steady_clock::now();
    for (auto& [key, group] : m_groups) {
      std::erase_if(group.replicas, [&](const auto& replica) {
        if (!replica->busy && now - replica->idle_since >= replica->idle_timeout) {
          stopped.push_back(replica);
          return true;
        }
        return false;
      });
    }
  }
  for (auto& replica : stopped) {
    stop_replica(*replica,
                 fmt::format("idle for {} s", replica->idle_timeout.count()));
  }
}

std::vector<app::ReplicaView>
WrapperPool::replicas()
{
  std::vector<app::ReplicaView> result;
  std::lock_guard lock(m_mutex);
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [key, group] : m_groups) {
    for (const auto& replica : group.replicas) {
      app::ReplicaView view;
      view.key = key;
      view.project = replica->project;
      view.deployment_id = replica->deployment_id;
      view.steps.assign(group.steps.begin(), group.steps.end());
      view.action = replica->action;
      view.id = replica->id;
      view.pid = replica->client ? replica->client->info().wrapper_pid : 0;
      view.max_replicas = replica->max_replicas;
      view.idle_timeout_seconds = replica->idle_timeout.count();
      view.draining = replica->draining;
      view.busy = replica->busy;
      view.executions = replica->executions;
      view.idle_ms =
        replica->busy ? 0
                      : std::chrono::duration_cast<std::chrono::milliseconds>(
                          now - replica->idle_since)
                          .count();
      result.push_back(view);
    }
  }
  return result;
}

int
WrapperPool::live_locked() const
{
  int live = 0;
  for (const auto& [key, group] : m_groups) {
    live += static_cast<int>(group.replicas.size()) + group.starting;
  }
  return live;
}

void
WrapperPool::drain(const std::string& project, const std::string& workflow_id)
{
  std::vector<std::shared_ptr<Replica>> stopped;
  {
    std::lock_guard lock(m_mutex);
    for (auto& [key, group] : m_groups) {
      std::erase_if(group.replicas, [&](const auto& replica) {
        if (replica->project != project || replica->workflow_id != workflow_id) {
          return false;
        }
        if (replica->busy) {
          replica->draining = true; // stops when given back
          return false;
        }
        stopped.push_back(replica);
        return true;
      });
    }
  }
  for (auto& replica : stopped) {
    stop_replica(*replica, "workflow undeployed");
  }
}

void
WrapperPool::shutdown()
{
  std::map<std::string, Group> groups;
  {
    std::unique_lock lock(m_mutex);
    m_released.wait(lock, [&] {
      for (const auto& [key, group] : m_groups) {
        if (group.starting > 0) {
          return false;
        }
        for (const auto& replica : group.replicas) {
          if (replica->busy) {
            return false;
          }
        }
      }
      return true;
    });
    groups.swap(m_groups);
  }
  groups.clear(); // stops every wrapper
}

} // namespace ryax::infra::wrapper
