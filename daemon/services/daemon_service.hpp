#pragma once

#include "daemon/gate.hpp"

#include "daemon/shutdown_signal.hpp"

#include "ryax/v1/daemon.grpc.pb.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ryax::daemon {

// What the health call reports, fixed at start.
struct DaemonInfo
{
  std::string version;
  std::string data_dir;
  int schema_version = 0;
  std::vector<std::string> addresses;
  std::chrono::steady_clock::time_point started;
  bool test_rpcs = false;
  std::string tls_ca_fingerprint; // "" without TCP
  std::string http_url;           // "" without HTTP
};

// Health and control of the daemon process.
class DaemonServiceImpl final : public v1::DaemonService::Service
{
public:
  DaemonServiceImpl(Gate& gate, DaemonInfo info, ShutdownSignal& shutdown);

  grpc::Status Health(grpc::ServerContext* context,
                      const v1::HealthRequest* request,
                      v1::HealthReply* reply) override;
  grpc::Status Shutdown(grpc::ServerContext* context,
                        const v1::ShutdownRequest* request,
                        v1::ShutdownReply* reply) override;
  grpc::Status RaiseError(grpc::ServerContext* context,
                          const v1::RaiseErrorRequest* request,
                          v1::RaiseErrorReply* reply) override;

private:
  Gate& m_gate;
  DaemonInfo m_info;
  ShutdownSignal& m_shutdown;
};

} // namespace ryax::daemon
