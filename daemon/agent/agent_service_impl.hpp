#pragma once

#include "core/application/ports/build_store.hpp"
#include "core/application/site_registry.hpp"
#include "daemon/agent/agent_hub.hpp"
#include "daemon/gate.hpp"

#include "ryax/v1/agent.grpc.pb.h"

#include <string>

namespace ryax::daemon::agent {

// gRPC handlers of AgentService on the main daemon: a worker's link (hello,
// join or credential check, then heartbeats, log lines and results handed
// to the hub) and the bundles it fetches.
class AgentServiceImpl final : public v1::AgentService::Service
{
public:
  AgentServiceImpl(Gate& gate,
                   app::SiteRegistry& registry,
                   AgentHub& hub,
                   app::BundleStore& bundles,
                   std::string archive_dir);

  grpc::Status Connect(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::MainMessage, v1::WorkerMessage>* stream)
    override;
  grpc::Status FetchBundle(grpc::ServerContext* context,
                           const v1::FetchBundleRequest* request,
                           grpc::ServerWriter<v1::BundleChunk>* writer)
    override;

private:
  Gate& m_gate;
  app::SiteRegistry& m_registry;
  AgentHub& m_hub;
  app::BundleStore& m_bundles;
  std::string m_archive_dir;
};

} // namespace ryax::daemon::agent
