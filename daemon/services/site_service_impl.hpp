#pragma once

#include "daemon/gate.hpp"

#include "core/application/run_service.hpp"

#include "ryax/v1/site.grpc.pb.h"

namespace ryax::daemon::agent {
class Fleet;
}

namespace ryax::daemon {

class SlurmSites;

// gRPC handlers of SiteService: the site's pools and the deployments
// (warm replicas), as the runner sees them.
class SiteServiceImpl final : public v1::SiteService::Service
{
public:
  // `fleet` is the main daemon's worker agents (null: none), `slurm` its
  // Slurm sites (null: none).
  SiteServiceImpl(Gate& gate,
                  app::RunService& runs,
                  agent::Fleet* fleet,
                  SlurmSites* slurm);

  grpc::Status ListSites(grpc::ServerContext* context,
                         const v1::ListSitesRequest* request,
                         v1::ListSitesReply* reply) override;
  grpc::Status GetSite(grpc::ServerContext* context,
                       const v1::GetSiteRequest* request,
                       v1::Site* reply) override;
  grpc::Status ListDeployments(grpc::ServerContext* context,
                               const v1::ListDeploymentsRequest* request,
                               v1::ListDeploymentsReply* reply) override;
  grpc::Status GetDeployment(grpc::ServerContext* context,
                             const v1::GetDeploymentRequest* request,
                             v1::Deployment* reply) override;
  grpc::Status CreateJoinToken(grpc::ServerContext* context,
                               const v1::CreateJoinTokenRequest* request,
                               v1::JoinToken* reply) override;
  grpc::Status RemoveSite(grpc::ServerContext* context,
                          const v1::RemoveSiteRequest* request,
                          v1::RemoveSiteReply* reply) override;

private:
  Gate& m_gate;
  app::RunService& m_runs;
  agent::Fleet* m_fleet;
  SlurmSites* m_slurm;
};

} // namespace ryax::daemon
