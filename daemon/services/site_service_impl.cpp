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
    for (const auto& site : m_runs.sites()) {
      to_proto(site, *reply->add_sites());
    }
    return {};
  });
}

grpc::Status
SiteServiceImpl::GetSite(grpc::ServerContext* context,
                         const v1::GetSiteRequest* request,
                         v1::Site* reply)
{
  return guarded(m_gate, context, "GetSite", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto site, m_runs.site(request->name()));
    to_proto(site, *reply);
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
