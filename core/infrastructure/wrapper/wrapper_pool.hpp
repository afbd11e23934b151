#pragma once

#include "core/application/ports/build_store.hpp"
#include "core/application/ports/runtime_pool.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ryax::infra::wrapper {

// Where the pool's wrappers live and what starts them.
struct WrapperPoolSettings
{
  // Replica directories (sockets, logs, work dirs): keep it short, a UNIX
  // socket path is at most 107 bytes. Wiped at construction.
  std::string root;
  // The ryax-wrapper binary; empty: find_wrapper_binary().
  std::string wrapper_binary;
  // Replicas alive at once, all deployments together: at the cap, the
  // replica idle for longest is stopped to make room, or the caller waits.
  int max_live = 32;
  // The sandbox of user code: "bwrap" (bubblewrap, found on PATH) or
  // "none"; with bwrap, whether the code may use the network and what it
  // must not see (the data dir, the sockets).
  std::string sandbox = "none";
  bool network = true;
  std::vector<std::string> hide;
  std::vector<std::string> writable; // also writable by the code
};

// The RuntimePool of ryaxd: ryax-wrapper processes (WrapperClient) around
// built bundles, one set of replicas per RuntimeSpec::key.
class WrapperPool final : public app::RuntimePool
{
public:
  WrapperPool(app::BundleStore& bundles, WrapperPoolSettings settings);
  ~WrapperPool() override;

  Result<std::unique_ptr<app::RuntimeLease>> acquire(
    const app::RuntimeSpec& spec) override;
  Result<void> warm(const app::RuntimeSpec& spec) override;
  void reap_idle() override;
  std::vector<app::ReplicaView> replicas() override;
  void drain(const std::string& project,
             const std::string& workflow_id) override;
  void shutdown() override;

  struct Replica;

  // Give `replica` back (the lease ends) after `executions` executions;
  // stop it when `discard`.
  void release(const std::shared_ptr<Replica>& replica,
               bool discard,
               std::int64_t executions);

private:
  Result<std::shared_ptr<Replica>> start_replica(const app::RuntimeSpec& spec);

  app::BundleStore& m_bundles;
  WrapperPoolSettings m_settings;
  std::mutex m_mutex;
  std::condition_variable m_released;
  struct Group
  {
    std::vector<std::shared_ptr<Replica>> replicas;
    int starting = 0;
    std::set<std::string> steps; // the workflow steps that used it
  };
  std::map<std::string, Group> m_groups;
  int live_locked() const;
  std::uint64_t m_next_replica = 0;
  std::string m_bwrap;         // bubblewrap's path, with sandbox "bwrap"
  std::string m_sandbox_error; // why there is none when there must be one
};

} // namespace ryax::infra::wrapper
