#include "daemon/agent/worker_daemon.hpp"

#include "core/application/agent_executor.hpp"
#include "daemon/agent/agent_worker.hpp"
#include "core/infrastructure/filestore/file_build_stores.hpp"
#include "core/infrastructure/filestore/file_run_staging.hpp"
#include "core/infrastructure/filestore/file_workflow_file_store.hpp"
#include "core/infrastructure/wrapper/wrapper_pool.hpp"
#include "daemon/run_files.hpp"
#include "daemon/adapter_settings.hpp"

namespace ryax::daemon::agent {

struct WorkerDaemon::Parts
{
  Parts(const infra::config::DaemonConfig& config,
        std::unique_ptr<app::RunFileStore> files)
    : bundles(config.data_dir.value + "/bundles"),
      run_files(std::move(files)),
      workflow_files(config.data_dir.value + "/workflow-files"),
      staging(config.data_dir.value + "/run-work", *run_files, workflow_files),
      runtimes(bundles, wrapper_pool_settings(config)),
      worker(WorkerSettings{ config.join.value, config.join_token.value,
                             config.site.value,
                             config.data_dir.value + "/agent",
                             static_cast<std::size_t>(
                               config.run_concurrency.value) },
             bundles, runtimes),
      executor(runtimes, staging, *run_files, worker,
               config.filestore.value.type == "s3")
  {
  }

  infra::filestore::FileBundleStore bundles;
  // Local, or local plus the global bucket (then file outputs can leave
  // this site).
  std::unique_ptr<app::RunFileStore> run_files;
  infra::filestore::FileWorkflowFileStore workflow_files;
  infra::filestore::FileRunStaging staging;
  infra::wrapper::WrapperPool runtimes;
  AgentWorker worker;
  app::AgentExecutor executor;
};

WorkerDaemon::WorkerDaemon(infra::config::DaemonConfig config)
  : m_config(std::move(config))
{
}

WorkerDaemon::~WorkerDaemon()
{
  if (m_parts) {
    m_parts->runtimes.shutdown();
  }
}

Result<void>
WorkerDaemon::start()
{
  RYAX_TRY_ASSIGN(auto files,
                  open_run_files(m_config.data_dir.value, m_config));
  m_parts = std::make_unique<Parts>(m_config, std::move(files));
  return m_parts->worker.prepare();
}

Result<void>
WorkerDaemon::run()
{
  std::thread reaper([this] {
    while (!m_shutdown.wait_for(std::chrono::seconds(10))) {
      m_parts->runtimes.reap_idle();
    }
  });
  auto ended = m_parts->worker.run(m_shutdown, m_parts->executor);
  m_shutdown.request();
  reaper.join();
  return ended;
}

} // namespace ryax::daemon::agent
