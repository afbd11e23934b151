#pragma once

#include "core/application/agent_executor.hpp"
#include "core/application/ports/build_store.hpp"
#include "core/application/ports/bundle_source.hpp"
#include "core/domain/scheduling.hpp"
#include "daemon/agent/log_buffer.hpp"
#include "daemon/shutdown_signal.hpp"

#include "ryax/v1/agent.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ryax::daemon::agent {

// How a worker agent reaches its main daemon.
struct WorkerSettings
{
  std::string main;       // "HOST:PORT" of the main daemon's TLS address
  std::string join_token; // for the first connection
  domain::Site site;      // what it declares
  std::string state_dir;  // <data dir>/agent: credential, CA, results
  std::size_t concurrency = 8; // executions at once (run_concurrency)
};

// What a worker keeps between starts (state_dir/state.json, mode 0600).
struct WorkerState
{
  std::string main;
  std::string site;
  std::string credential;
  std::string ca_pem;
};

// The worker side of an agent link: dials the main daemon over TLS (the CA
// pinned by the join token's fingerprint on first contact, then kept),
// joins or presents its credential, and then runs what it is sent through
// the AgentExecutor, sending heartbeats, log lines and results. Results
// are written to state_dir/results/ before they are sent and removed when
// the main daemon acknowledges them, and log lines that cannot be sent are
// kept in state_dir/logs/ (64 MiB at most), so a link that drops loses
// none: they are sent on reconnect, lines first. Reconnects with backoff (0.5 s to 2 s).
class AgentWorker final : public app::BundleSource
{
public:
  AgentWorker(WorkerSettings settings,
              app::BundleStore& bundles,
              app::RuntimePool& runtimes);
  ~AgentWorker() override;

  // Load the saved state, or check the join token and fetch and pin the
  // main daemon's CA. invalid_argument for a bad token or a main daemon
  // whose CA is not the token's; unavailable when it cannot be reached.
  Result<void> prepare();

  // Link to the main daemon until `shutdown` is requested, or the main
  // daemon refuses the worker (the error: its site was removed, its
  // credential is wrong).
  Result<void> run(ShutdownSignal& shutdown, app::AgentExecutor& executor);

  // BundleSource: fetch the bundle from the main daemon (resumable,
  // verified by its SHA-256, links to the interpreter made again).
  Result<void> ensure(const std::string& key) override;

private:
  struct Link;

  Result<void> session(ShutdownSignal& shutdown,
                       app::AgentExecutor& executor,
                       bool& welcomed);
  void start_execution(app::AgentExecutor& executor,
                       const v1::AgentExecute& execute);
  void run_execution(app::AgentExecutor& executor,
                     const v1::AgentExecute& execute);
  // Let running executions end and join the pool's threads.
  void stop_pool();
  void send(const v1::WorkerMessage& message);
  // Send a log line, or keep it while the link is down.
  void send_log(const v1::WorkerMessage& message);
  std::vector<std::string> buffered_results();
  Result<void> save_state();

  WorkerSettings m_settings;
  app::BundleStore& m_bundles;
  app::RuntimePool& m_runtimes;
  WorkerState m_state;
  LogBuffer m_logs; // lines kept while the link is down
  std::shared_ptr<grpc::Channel> m_channel;
  std::mutex m_link_mutex; // guards m_stream
  grpc::ClientReaderWriter<v1::WorkerMessage, v1::MainMessage>* m_stream =
    nullptr;
  std::mutex m_bundle_mutex; // one fetch at a time
  std::mutex m_threads_mutex; // guards the queue and the pool
  std::condition_variable m_threads_done;
  std::deque<v1::AgentExecute> m_queue; // executions not started yet
  std::vector<std::thread> m_pool;
  std::size_t m_idle = 0; // pool threads waiting for an execution
  bool m_stop = false;
};

} // namespace ryax::daemon::agent
