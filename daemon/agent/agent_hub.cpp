#include "daemon/agent/agent_hub.hpp"

#include "core/application/log.hpp"
#include "core/infrastructure/json/agent_json.hpp"

#include <fmt/format.h>

namespace ryax::daemon::agent {

using Clock = std::chrono::steady_clock;

struct AgentHub::Pending
{
  std::string site;
  std::string execution_id;
  v1::MainMessage message; // the AgentExecute
  app::LogCallback on_log;
  std::optional<std::string> outcome_json;
  bool lost = false;
};

struct AgentHub::Link
{
  std::string site;
  std::uint64_t number = 0;
  bool connected = false;
  bool healthy = false;
  Clock::time_point last_seen;
  int replicas = 0;
  // Writes go one at a time, outside the hub's lock.
  std::shared_ptr<std::pair<std::mutex, Writer>> writer;
};

namespace {

bool
write(const std::shared_ptr<std::pair<std::mutex, AgentHub::Writer>>& writer,
      const v1::MainMessage& message)
{
  if (!writer) {
    return false;
  }
  std::lock_guard lock(writer->first);
  return writer->second && writer->second(message);
}

} // namespace

// The runtimes of one worker site: every lease sends its execution over
// the site's link.
class AgentHub::RemotePool final : public app::RuntimePool
{
public:
  RemotePool(AgentHub& hub, std::string site)
    : m_hub(hub), m_site(std::move(site))
  {
  }

  class Lease final : public app::RuntimeLease
  {
  public:
    Lease(AgentHub& hub, std::string site, app::RuntimeSpec spec)
      : m_hub(hub), m_site(std::move(site)), m_spec(std::move(spec))
    {
    }
    Result<domain::StepOutcome> execute(const std::string& execution_id,
                                        const domain::Values& inputs,
                                        const app::LogCallback& on_log) override
    {
      m_lost = false;
      return m_hub.execute(m_site, execution_id, m_spec, inputs, on_log, m_lost);
    }
    Result<std::optional<app::ExecutionError>> run_source(
      const std::string&, const domain::Values&, const app::CreatedRunCallback&,
      const app::LogCallback&) override
    {
      return fail(ErrorCode::failed_precondition,
                  "trigger sources run on the main daemon's site");
    }
    Result<void> cancel(const std::string& execution_id) override
    {
      return m_hub.cancel(m_site, execution_id);
    }
    std::string outputs_dir(const std::string&) override { return {}; }
    void discard() override {}
    bool site_lost() const override { return m_lost; }

  private:
    AgentHub& m_hub;
    std::string m_site;
    app::RuntimeSpec m_spec;
    bool m_lost = false;
  };

  Result<std::unique_ptr<app::RuntimeLease>> acquire(
    const app::RuntimeSpec& spec) override
  {
    return std::make_unique<Lease>(m_hub, m_site, spec);
  }
  // Workers start replicas on first use and reap their idle ones.
  Result<void> warm(const app::RuntimeSpec&) override { return {}; }
  void reap_idle() override {}
  std::vector<app::ReplicaView> replicas() override { return {}; }
  void drain(const std::string& project, const std::string& workflow_id) override
  {
    m_hub.drain(m_site, project, workflow_id);
  }
  void shutdown() override {}
  bool files_by_key() const override { return true; }

private:
  AgentHub& m_hub;
  std::string m_site;
};

AgentHub::AgentHub(app::RuntimePool& local,
                   std::string local_site,
                   std::chrono::milliseconds worker_timeout)
  : m_local(local)
  , m_local_site(std::move(local_site))
  , m_worker_timeout(worker_timeout)
{
}

AgentHub::~AgentHub()
{
  stop();
}

app::RuntimePool*
AgentHub::pool(const std::string& site)
{
  if (site == m_local_site) {
    return &m_local;
  }
  std::lock_guard lock(m_mutex);
  if (const auto hosted = m_hosted.find(site); hosted != m_hosted.end()) {
    return hosted->second;
  }
  const auto found = m_pools.find(site);
  return found == m_pools.end() ? nullptr : found->second.get();
}

void
AgentHub::host(const std::string& site, app::RuntimePool& pool)
{
  std::lock_guard lock(m_mutex);
  m_hosted[site] = &pool;
}

AgentHub::Link&
AgentHub::link_of(const std::string& site)
{
  auto& link = m_links[site];
  if (!link) {
    link = std::make_unique<Link>();
    link->site = site;
  }
  if (!m_pools.contains(site)) {
    m_pools.emplace(site, std::make_unique<RemotePool>(*this, site));
  }
  return *link;
}

void
AgentHub::known(const domain::Site& site)
{
  {
    std::lock_guard lock(m_mutex);
    link_of(site.name);
  }
  if (m_events.site_up) {
    m_events.site_up(site);
  }
  if (m_events.health) {
    m_events.health(site.name, false);
  }
}

std::uint64_t
AgentHub::attach(const domain::Site& site,
                 Writer writer,
                 const std::vector<std::string>& executions)
{
  const std::set<std::string> known(executions.begin(), executions.end());
  std::vector<v1::MainMessage> messages;
  std::shared_ptr<std::pair<std::mutex, Writer>> link_writer;
  std::uint64_t number = 0;
  {
    std::lock_guard lock(m_mutex);
    auto& link = link_of(site.name);
    link.number = number = ++m_next_link;
    link.connected = true;
    link.healthy = true;
    link.last_seen = Clock::now();
    link.writer = std::make_shared<std::pair<std::mutex, Writer>>();
    link.writer->second = std::move(writer);
    link_writer = link.writer;
    for (const auto& id : known) {
      if (!m_pending.contains(id)) {
        v1::MainMessage cancel;
        cancel.mutable_cancel()->set_execution_id(id);
        messages.push_back(std::move(cancel));
      }
    }
    for (const auto& [id, pending] : m_pending) {
      if (pending->site == site.name && !pending->lost && !known.contains(id)) {
        messages.push_back(pending->message);
      }
    }
  }
  for (const auto& message : messages) {
    write(link_writer, message);
  }
  if (m_events.site_up) {
    m_events.site_up(site);
  }
  if (m_events.health) {
    m_events.health(site.name, true);
  }
  return number;
}

void
AgentHub::detach(const std::string& site, std::uint64_t number)
{
  std::shared_ptr<std::pair<std::mutex, Writer>> writer;
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_links.find(site);
    if (found != m_links.end() && found->second->number == number) {
      found->second->connected = false;
      writer = std::move(found->second->writer);
    }
  }
  if (writer) {
    // A write in progress ends before the stream goes away.
    std::lock_guard lock(writer->first);
    writer->second = nullptr;
  }
}

bool
AgentHub::touch(const std::string& site, std::uint64_t number)
{
  bool back = false;
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_links.find(site);
    if (found == m_links.end() || found->second->number != number) {
      return false;
    }
    found->second->last_seen = Clock::now();
    back = !found->second->healthy;
    found->second->healthy = true;
  }
  if (back && m_events.health) {
    m_events.health(site, true);
  }
  return true;
}

void
AgentHub::log(const std::string& site, const v1::AgentLog& line)
{
  std::shared_ptr<Pending> pending;
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_pending.find(line.execution_id());
    if (found == m_pending.end() || found->second->site != site) {
      return;
    }
    pending = found->second;
  }
  if (pending->on_log) {
    pending->on_log(app::LogLine{ line.stderr() ? app::LogStream::err
                                                : app::LogStream::out,
                                  line.line(), line.timestamp_unix_ns() });
  }
}

void
AgentHub::result(const std::string& site, const v1::AgentResult& result)
{
  std::shared_ptr<std::pair<std::mutex, Writer>> writer;
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_pending.find(result.execution_id());
    if (found != m_pending.end() && found->second->site == site
        && !found->second->lost && !found->second->outcome_json) {
      found->second->outcome_json = result.outcome_json();
      m_changed.notify_all();
    } else {
      app::log::info("site {}: result of {} dropped (not awaited: given up "
                     "or applied already)",
                     site, result.execution_id());
    }
    const auto link = m_links.find(site);
    if (link != m_links.end()) {
      writer = link->second->writer;
    }
  }
  // The result is in the runner's hands (or not wanted): the worker may
  // forget it.
  v1::MainMessage ack;
  ack.mutable_ack()->set_execution_id(result.execution_id());
  write(writer, ack);
}

Result<domain::StepOutcome>
AgentHub::execute(const std::string& site,
                  const std::string& execution_id,
                  const app::RuntimeSpec& spec,
                  const domain::Values& inputs,
                  const app::LogCallback& on_log,
                  bool& lost)
{
  auto pending = std::make_shared<Pending>();
  pending->site = site;
  pending->execution_id = execution_id;
  pending->on_log = on_log;
  auto* execute = pending->message.mutable_execute();
  execute->set_execution_id(execution_id);
  execute->set_spec_json(infra::json::runtime_spec_to_json(spec).dump());
  execute->set_inputs_json(infra::json::values_to_wire(inputs).dump());
  std::shared_ptr<std::pair<std::mutex, Writer>> writer;
  {
    std::lock_guard lock(m_mutex);
    const auto link = m_links.find(site);
    if (m_stopping || link == m_links.end() || !link->second->healthy) {
      lost = true;
      return fail(ErrorCode::unavailable,
                  fmt::format("site {} is not connected", site));
    }
    m_pending[execution_id] = pending;
    if (link->second->connected) {
      writer = link->second->writer;
    }
  }
  // A link that is down now gets it again when the worker is back.
  write(writer, pending->message);
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return pending->outcome_json || pending->lost; });
  m_pending.erase(execution_id);
  if (!pending->outcome_json) {
    lost = true;
    return fail(ErrorCode::unavailable,
                fmt::format("site {} was lost during the execution", site));
  }
  lock.unlock();
  auto doc = nlohmann::json::parse(*pending->outcome_json, nullptr, false);
  auto outcome = infra::json::outcome_from_json(doc);
  if (!outcome) {
    return domain::StepOutcome{ domain::StepError{
      "runtime_crashed",
      fmt::format("site {} sent a result that cannot be read: {}", site,
                  outcome.error().message),
      0, {} } };
  }
  return std::move(*outcome);
}

Result<void>
AgentHub::cancel(const std::string& site, const std::string& execution_id)
{
  const auto writer = writer_of(site);
  v1::MainMessage cancel;
  cancel.mutable_cancel()->set_execution_id(execution_id);
  if (!write(writer, cancel)) {
    return fail(ErrorCode::unavailable,
                fmt::format("site {} is not connected", site));
  }
  return {};
}

std::shared_ptr<std::pair<std::mutex, AgentHub::Writer>>
AgentHub::writer_of(const std::string& site)
{
  std::lock_guard lock(m_mutex);
  const auto link = m_links.find(site);
  return link == m_links.end() ? nullptr : link->second->writer;
}

void
AgentHub::drain(const std::string& site,
                const std::string& project,
                const std::string& workflow_id)
{
  const auto writer = writer_of(site);
  v1::MainMessage drain;
  drain.mutable_drain()->set_project(project);
  drain.mutable_drain()->set_workflow_id(workflow_id);
  write(writer, drain);
}

void
AgentHub::lose(const std::string& site)
{
  for (auto& [id, pending] : m_pending) {
    if (pending->site == site && !pending->outcome_json) {
      pending->lost = true;
    }
  }
  m_changed.notify_all();
}

void
AgentHub::remove(const std::string& site)
{
  std::shared_ptr<std::pair<std::mutex, Writer>> writer;
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_links.find(site);
    if (found != m_links.end()) {
      writer = std::move(found->second->writer);
      m_links.erase(found);
    }
  }
  if (writer) {
    std::lock_guard lock(writer->first);
    writer->second = nullptr;
  }
  // The runner forgets the site before its executions come back as lost,
  // so that none of them is placed there again.
  if (m_events.removed) {
    m_events.removed(site);
  }
  std::lock_guard lock(m_mutex);
  lose(site);
}

void
AgentHub::check_health()
{
  std::vector<std::string> lost;
  {
    std::lock_guard lock(m_mutex);
    const auto now = Clock::now();
    for (auto& [name, link] : m_links) {
      if (link->healthy && now - link->last_seen > m_worker_timeout) {
        app::log::warn("site {}: no message for {} ms: its executions are "
                       "lost and run again where they may",
                       name, m_worker_timeout.count());
        link->healthy = false;
        lost.push_back(name);
      }
    }
  }
  // The runner marks the site unhealthy before its executions come back as
  // lost, so that none of them is placed there again (it would be refused at
  // once, and lost again, in a loop).
  for (const auto& name : lost) {
    if (m_events.health) {
      m_events.health(name, false);
    }
  }
  std::lock_guard lock(m_mutex);
  for (const auto& name : lost) {
    // Unless the worker came back meanwhile: attach sent them again.
    const auto link = m_links.find(name);
    if (link != m_links.end() && !link->second->healthy) {
      lose(name);
    }
  }
}

AgentHub::LinkView
AgentHub::view(const std::string& site)
{
  std::lock_guard lock(m_mutex);
  LinkView view;
  const auto found = m_links.find(site);
  if (found == m_links.end()) {
    return view;
  }
  view.connected = found->second->connected;
  view.healthy = found->second->healthy;
  view.replicas = found->second->replicas;
  for (const auto& [id, pending] : m_pending) {
    view.executions += pending->site == site ? 1 : 0;
  }
  return view;
}

void
AgentHub::replicas(const std::string& site, int replicas)
{
  std::lock_guard lock(m_mutex);
  const auto found = m_links.find(site);
  if (found != m_links.end()) {
    found->second->replicas = replicas;
  }
}

void
AgentHub::stop()
{
  std::lock_guard lock(m_mutex);
  m_stopping = true;
  for (auto& [name, link] : m_links) {
    link->healthy = false;
    lose(name);
  }
}

} // namespace ryax::daemon::agent
