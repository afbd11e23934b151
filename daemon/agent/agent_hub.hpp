#pragma once

#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/site_runtimes.hpp"
#include "core/domain/run_progress.hpp"
#include "core/domain/scheduling.hpp"

#include "ryax/v1/agent.pb.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ryax::daemon::agent {

// What the hub tells the runner about the fleet (wired to RunService).
struct FleetEvents
{
  std::function<void(const domain::Site&)> site_up;    // joined or back
  std::function<void(const std::string&, bool)> health; // healthy or not
  std::function<void(const std::string&)> removed;      // `site rm`
};

// The live links of worker agents, and the runtimes of their sites: the
// SiteRuntimes of the main daemon (the local site is its own wrapper pool,
// a hosted site (Slurm) its own pool, every other site a RemotePool that
// sends executions over the site's link and waits for their results).
//
// A link that drops is not a lost site yet: executions wait for the worker
// to come back (it reports what it still runs or holds a result of) for
// `worker_timeout`; past it without a message, the site is unhealthy and
// its executions are lost (they run again elsewhere, see
// RuntimeLease::site_lost). Results are applied once: a result for an
// execution the hub does not wait for is acknowledged and dropped.
class AgentHub final : public app::SiteRuntimes
{
public:
  // Sends one message on a link; false when the link is gone.
  using Writer = std::function<bool(const v1::MainMessage&)>;

  AgentHub(app::RuntimePool& local,
           std::string local_site,
           std::chrono::milliseconds worker_timeout);
  ~AgentHub() override;

  void set_events(FleetEvents events) { m_events = std::move(events); }

  // SiteRuntimes.
  app::RuntimePool* pool(const std::string& site) override;

  // `site` is hosted by this daemon (a Slurm site of ryaxd.yaml `sites`):
  // pool(site) is `pool`, which outlives the hub's use of it.
  void host(const std::string& site, app::RuntimePool& pool);

  // `site` joined before this daemon started: the runner knows it, unhealthy
  // until its worker links.
  void known(const domain::Site& site);

  // A worker of `site` connected (after authentication) and reported
  // `executions` (running, or with a result not yet acknowledged): the
  // link replaces any older one of the site; executions the hub gave up
  // are cancelled on the worker, and executions it waits for that the
  // worker does not know are sent again. Returns the link's number.
  std::uint64_t attach(const domain::Site& site,
                       Writer writer,
                       const std::vector<std::string>& executions);

  // Link `link` of `site` ended (its executions keep waiting, see above).
  void detach(const std::string& site, std::uint64_t link);

  // A message came on link `link` of `site`: it is alive. false when the
  // link is no longer the site's (removed, or replaced by a newer one):
  // the caller ends it.
  bool touch(const std::string& site, std::uint64_t link);
  void log(const std::string& site, const v1::AgentLog& line);
  void result(const std::string& site, const v1::AgentResult& result);

  // Execute on `site` and wait. `lost` is set when the site was lost
  // before a result came.
  Result<domain::StepOutcome> execute(const std::string& site,
                                      const std::string& execution_id,
                                      const app::RuntimeSpec& spec,
                                      const domain::Values& inputs,
                                      const app::LogCallback& on_log,
                                      bool& lost);
  Result<void> cancel(const std::string& site, const std::string& execution_id);
  void drain(const std::string& site,
             const std::string& project,
             const std::string& workflow_id);

  // Site `name` was removed: its link is closed, its executions lost.
  void remove(const std::string& site);

  // Mark sites silent for longer than worker_timeout unhealthy and lose
  // their executions (call periodically).
  void check_health();

  // How the link of `site` is now.
  struct LinkView
  {
    bool connected = false;
    bool healthy = false;
    int executions = 0; // waiting for a result
    int replicas = 0;   // live on the worker, as last reported
  };
  LinkView view(const std::string& site);

  // Remember `replicas` live on `site` (heartbeat).
  void replicas(const std::string& site, int replicas);

  // Stop: every waiting execution ends as lost.
  void stop();

private:
  struct Pending;
  struct Link;
  class RemotePool;

  // Waiting executions of `site` end as lost; lock held.
  void lose(const std::string& site);
  // The link of `site`, made (with its pool) when there is none; lock held.
  Link& link_of(const std::string& site);
  // The writer of the link of `site` now, or null.
  std::shared_ptr<std::pair<std::mutex, Writer>> writer_of(const std::string& site);

  app::RuntimePool& m_local;
  std::string m_local_site;
  std::chrono::milliseconds m_worker_timeout;
  FleetEvents m_events;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::map<std::string, std::unique_ptr<Link>, std::less<>> m_links;
  std::map<std::string, std::shared_ptr<Pending>, std::less<>> m_pending;
  std::map<std::string, std::unique_ptr<RemotePool>, std::less<>> m_pools;
  std::map<std::string, app::RuntimePool*, std::less<>> m_hosted;
  std::uint64_t m_next_link = 0;
  bool m_stopping = false;
};

} // namespace ryax::daemon::agent
