#pragma once

#include "core/domain/error.hpp"
#include "core/infrastructure/config/daemon_config.hpp"
#include "daemon/shutdown_signal.hpp"

#include <memory>

namespace ryax::daemon::agent {

// The composition root of ryaxd started with --join: a worker agent. It
// keeps its own small state under the data dir (bundles, run files, the
// agent's credential and unacknowledged results), serves no CLI, and links
// to the main daemon until shutdown.
class WorkerDaemon
{
public:
  explicit WorkerDaemon(infra::config::DaemonConfig config);
  ~WorkerDaemon();

  // Check the join token or the saved credential and pin the main
  // daemon's CA (see AgentWorker::prepare).
  Result<void> start();

  ShutdownSignal& shutdown_signal() { return m_shutdown; }

  // Link to the main daemon until shutdown (ok) or until it refuses this
  // worker (the error).
  Result<void> run();

private:
  struct Parts;

  infra::config::DaemonConfig m_config;
  ShutdownSignal m_shutdown;
  std::unique_ptr<Parts> m_parts;
};

} // namespace ryax::daemon::agent
