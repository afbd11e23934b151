#include "daemon/services/site_service_impl.hpp"

#include "daemon/guarded.hpp"
#include "daemon/services/site_convert.hpp"

namespace ryax::daemon {

SiteServiceImpl::SiteServiceImpl(Gate& gate, app::RunService& runs)
  : m_gate(gate), m_runs(runs)
{
}

grpc::Status
SiteServiceImpl::ListSites(grpc::ServerContext* context,
                           const v1::ListSitesRequest*,
                           v1::ListSitesReply* reply)
{
  return guarded(m_gate, context, "ListSites", [&]() -> Result<void> {
    to_proto(m_runs.site().name, m_runs.pools(), *reply->add_sites());
    return {};
  });
}

grpc::Status
SiteServiceImpl::GetSite(grpc::ServerContext* context,
                         const v1::GetSiteRequest* request,
                         v1::Site* reply)
{
  return guarded(m_gate, context, "GetSite", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto pools, m_runs.pools_of(request->name()));
    to_proto(request->name(), pools, *reply);
    return {};
  });
}

grpc::Status
SiteServiceImpl::ListDeployments(grpc::ServerContext* context,
                                 const v1::ListDeploymentsRequest* request,
                                 v1::ListDeploymentsReply* reply)
{
  return guarded(m_gate, context, "ListDeployments",
                 [&](const Caller& caller) -> Result<void> {
    for (const auto& deployment :
         m_runs.deployments(caller.project, request->workflow_id())) {
      to_proto(deployment, *reply->add_deployments());
    }
    return {};
  });
}

grpc::Status
SiteServiceImpl::GetDeployment(grpc::ServerContext* context,
                               const v1::GetDeploymentRequest* request,
                               v1::Deployment* reply)
{
  return guarded(m_gate, context, "GetDeployment",
                 [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto deployment,
                    m_runs.deployment(caller.project, request->id()));
    to_proto(deployment, *reply);
    return {};
  });
}

} // namespace ryax::daemon
